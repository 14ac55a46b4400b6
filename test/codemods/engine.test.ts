import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError, transformSource } from '../../src/codemods/engine.js';

const kafka = (eol: string) =>
  ['import { Kafka } from "kafkajs";', 'const producer = new Kafka({ brokers: [] }).producer();', 'await producer.send({', '  topic: "t",', '  messages: [{ value: "v" }],', '});', ''].join(eol);

describe('engine', () => {
  it('keeps CRLF line endings in everything it inserts', () => {
    const output = transformSource('add-header-injection', 'x.ts', kafka('\r\n')).output!;
    expect(output).toContain('import { injectTraceHeaders } from "trace-propagation-helpers";\r\n');
    expect(output.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('reports input that does not parse with its location, and changes nothing', () => {
    const broken = 'import { Kafka } from "kafkajs";\nconst p = new Kafka({ brokers: [] }).producer(;\n';
    let error: unknown;
    try {
      transformSource('all', 'broken.ts', broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).line).toBe(2);
    expect((error as ParseError).message).toMatch(/^broken\.ts:2:\d+: cannot parse/);
  });

  it('never parses a file that names no broker package', () => {
    expect(transformSource('all', 'x.ts', 'this is not even code {').output).toBeUndefined();
  });

  it('leaves an SNS message with MessageStructure json to a person, with the reason', () => {
    const code = "import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nconst sns = new SNSClient({});\nawait sns.send(new PublishCommand({ TopicArn: 't', Message: '{}', MessageStructure: 'json' }));\n";
    const result = transformSource('add-header-injection', 'x.ts', code);
    expect(result.output).toBeUndefined();
    expect(result.left.map((s) => s.reason)).toEqual([expect.stringMatching(/MessageStructure is 'json'/)]);
  });

  it('retargets helpers to another module and export names, and recognises them on a second run', () => {
    const options = { helpersModule: '@acme/tracing', helperNames: { injectTraceHeaders: 'withTraceHeaders' } };
    const output = transformSource('add-header-injection', 'x.ts', kafka('\n'), options).output!;
    expect(output).toContain('import { withTraceHeaders } from "@acme/tracing";');
    expect(output).toContain('messages: [{ value: "v", headers: withTraceHeaders() }]');
    expect(transformSource('add-header-injection', 'x.ts', output, options).output).toBeUndefined();
  });
});

describe('imports the rewrite made unused', () => {
  const source =
    "import { SQSClient, ReceiveMessageCommand } from '@aws-sdk/client-sqs';\n" +
    "import { context, propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';\n" +
    "import { randomUUID } from 'node:crypto';\n" +
    'const sqs = new SQSClient({});\n' +
    "const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: 'q', MessageAttributeNames: ['All'] }));\n" +
    "for (const m of Messages) await context.with(propagation.extract(ROOT_CONTEXT, m.MessageAttributes), async () => console.log(m.Body));\n";

  it('go (propagation), while imports that were unused before stay (SpanKind, randomUUID)', () => {
    const output = transformSource('add-context-extraction', 'poller.ts', source).output!;
    expect(output).toContain("import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';");
    expect(output).toContain("import { randomUUID } from 'node:crypto';");
    expect(output).toContain('extractTraceContext(m.MessageAttributes, ROOT_CONTEXT)');
  });
});

describe('engine with type information', () => {
  const project = fileURLToPath(new URL('../typed/project/', import.meta.url));
  const file = path.join(project, 'file.ts');
  const code = "import type { Deps } from './deps';\nexport async function f(deps: Deps) {\n  await deps.producer.send({ topic: 't', messages: [{ value: 'v' }] });\n}\n";

  it('fixes a producer reached only through types declared in another module', () => {
    expect(transformSource('add-header-injection', file, code).output).toBeUndefined();
    const typed = transformSource('add-header-injection', file, code, { useTypeInformation: true, tsconfigRootDir: project });
    expect(typed.output).toContain("messages: [{ value: 'v', headers: injectTraceHeaders() }]");
    expect(transformSource('add-header-injection', file, typed.output!, { useTypeInformation: true, tsconfigRootDir: project }).output).toBeUndefined();
  });

  it('falls back to the syntactic analysis when no tsconfig.json includes the file', () => {
    const outside = path.join(project, '..', 'outside.ts');
    const direct = "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: [] }).producer();\nawait producer.send({ topic: 't', messages: [{ value: 'v' }] });\n";
    expect(transformSource('all', outside, code, { useTypeInformation: true, tsconfigRootDir: project }).output).toBeUndefined();
    expect(transformSource('all', outside, direct, { useTypeInformation: true, tsconfigRootDir: project }).output).toContain('headers: injectTraceHeaders()');
    expect(() => transformSource('all', outside, 'import { Kafka } from "kafkajs";\nconst x = (;\n', { useTypeInformation: true, tsconfigRootDir: project })).toThrow(/cannot parse/);
  });
});

describe('a @Ctx() parameter added to a Nest handler', () => {
  const source =
    "import { Controller } from '@nestjs/common';\n" +
    "import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';\n" +
    '@Controller()\n' +
    'export class C {\n' +
    "  @EventPattern('orders.created')\n" +
    '  created(@Payload() data: unknown) { console.log(data); }\n' +
    "  @EventPattern('orders.paid')\n" +
    '  paid(@Ctx() ctx: KafkaContext) { return ctx.getTopic(); }\n' +
    '}\n';

  function withNest(version: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nest-'));
    fs.mkdirSync(path.join(dir, 'node_modules', '@nestjs', 'microservices'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', '@nestjs', 'microservices', 'package.json'), JSON.stringify({ name: '@nestjs/microservices', version }));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `app-${version}`, private: true }));
    fs.writeFileSync(path.join(dir, 'c.controller.ts'), source);
    const output = transformSource('add-context-extraction', path.join(dir, 'c.controller.ts'), source).output!;
    fs.rmSync(dir, { recursive: true, force: true });
    return output;
  }

  it("gets @EventPattern<string> on Nest 12, whose typings need it, and not on earlier majors", () => {
    expect(withNest('12.1.1')).toContain("@EventPattern<string>('orders.created')\n  created(@Payload() data: unknown, @Ctx() ctx: KafkaContext)");
    expect(withNest('11.1.6')).toContain("@EventPattern('orders.created')\n  created(@Payload() data: unknown, @Ctx() ctx: KafkaContext)");
  });
});
