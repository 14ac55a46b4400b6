/**
 * The causal chain fixtures (fixtures/causal/<broker>/: order → payment → notification in kafkajs, amqplib and SQS)
 * under the strict config on real ESLint 10 and 9, against their `// expect:` markers; the recommended config
 * reports nothing there; the conventions are read from settings or trace-conventions.yaml and validated; and the
 * codemod fixes what it can, leaving exactly the reports that have no automatic fix.
 */
import fs from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint as ESLint10 } from 'eslint';
import { ESLint as ESLint9 } from 'eslint-v9';
import { beforeEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { conventionsFile } from '../src/conventions.js';
import { Project } from '../src/core/project.js';
import { SettingsError } from '../src/util/validation.js';
import { run } from './cli/helpers.js';
import { expectedMarkers } from './markers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const causalDir = path.join(root, 'fixtures', 'causal');
const files = fs.readdirSync(causalDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(causalDir, f)).sort();

const messages = (result: ESLint10.LintResult): string[] => result.messages.map((m) => `${m.line}:${m.ruleId?.replace('trace-propagation/', '')}/${m.messageId}`).sort();

beforeEach(() => Project.reset());

for (const [label, ESLint] of [['ESLint 10', ESLint10], ['ESLint 9', ESLint9]] as const) {
  describe(`causal chain fixtures, strict config (${label})`, async () => {
    const eslint = new (ESLint as typeof ESLint10)({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.strict as never });
    const results = await eslint.lintFiles(files);
    it('covers kafkajs, amqplib and SQS, three services each', () => {
      expect(results.map((r) => path.relative(causalDir, r.filePath)).sort()).toEqual(
        ['amqplib', 'kafkajs', 'sqs'].flatMap((b) => ['notification-service.ts', 'order-service.ts', 'payment-service.ts'].map((s) => `${b}/${s}`)),
      );
    });
    for (const result of results) {
      it(path.relative(causalDir, result.filePath), () => {
        expect(result.messages.filter((m) => m.fatal)).toEqual([]);
        expect(messages(result)).toEqual(expectedMarkers(result.filePath));
      });
    }
  });
}

describe('causal chain fixtures, recommended config', () => {
  it('reports nothing: the correlation and span rules are opt-in, and the trace itself is propagated', async () => {
    const eslint = new ESLint10({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const results = await eslint.lintFiles(files);
    expect(results.flatMap((r) => r.messages.map((m) => `${path.relative(causalDir, r.filePath)}:${m.line} ${m.ruleId}`))).toEqual([]);
  });
});

describe('conventions', () => {
  const publisher =
    "import { Kafka } from 'kafkajs';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\n" +
    "const producer = new Kafka({ brokers: [] }).producer();\n" +
    "export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders({ 'x-corr': id }) }] }); }\n";

  it('trace-conventions.yaml at the repository root renames the header, for the rules and for the CLI', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-conventions-'));
    await writeFile(path.join(dir, 'package.json'), '{"name":"shop","type":"module"}');
    await writeFile(path.join(dir, 'orders.ts'), publisher);
    const lint = async (): Promise<string[]> => {
      Project.reset();
      const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.strict as never });
      const [result] = await eslint.lintFiles(['orders.ts']);
      return result!.messages.map((m) => `${m.ruleId}/${m.messageId}`);
    };
    expect(await lint()).toEqual(['trace-propagation/require-correlation-id/missingCorrelation']);
    await writeFile(path.join(dir, 'trace-conventions.yaml'), 'traceConventions:\n  requiredFields: [traceId, correlationId]\n  headers: { correlationId: x-corr }\n');
    expect(await lint()).toEqual([]);
  });

  it('a bad declaration names the file and the key', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-conventions-'));
    const file = path.join(dir, 'trace-conventions.yaml');
    const error = (text: string): string => {
      fs.writeFileSync(file, text);
      fs.utimesSync(file, new Date(), new Date(Date.now() + Math.random() * 1e6)); // a new mtime: read again
      try {
        conventionsFile(dir);
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(SettingsError);
        return (e as Error).message;
      }
    };
    expect(error('traceConventions:\n  requiredFields: [traceId, tenantId]\n')).toBe(`${file}: "traceConventions.requiredFields[1]" must be one of: "traceId", "eventId", "correlationId", "causationId"`);
    expect(error('traceConventions:\n  headers: { correlationId: "has space" }\n')).toBe(`${file}: "traceConventions.headers.correlationId" must match ^[A-Za-z0-9._:-]+$ (a header name)`);
    expect(error('traceConventions:\n  spanNaming: { style: loud }\n')).toBe(`${file}: "traceConventions.spanNaming.style" must be one of: "business-step-first", "off"`);
    expect(error('traceConventions:\n  colour: blue\n')).toMatch(/"traceConventions" has an unknown key "colour"/);
    expect(error('conventions: {}\n')).toBe(`${file}: "conventions" is not a known key (expected traceConventions)`);
    expect(error('traceConventions: [\n')).toMatch(/is not valid YAML/);
  });

  it('in ESLint settings, a bad key is an error that names the setting and the key', async () => {
    const eslint = new ESLint10({ cwd: root, overrideConfigFile: true, overrideConfig: [...plugin.configs.strict, { settings: { 'trace-propagation': { conventions: { requiredFields: 'correlationId' } } } }] as never });
    await expect(eslint.lintText("import { Kafka } from 'kafkajs';\n", { filePath: path.join(root, 'x.ts') })).rejects.toThrow(
      `settings['trace-propagation']: "conventions.requiredFields" must be an array`,
    );
  });
});

describe('add-correlation-propagation through `codemod all --strict`', () => {
  it('fixes the missing IDs of the causal chain; the reports without an automatic fix are left, with reasons', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-causal-'));
    await cp(causalDir, path.join(dir, 'causal'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), '{"name":"causal","type":"module"}');
    const result = await run(dir, ['codemod', 'all', '--strict', 'causal', '--force', '--no-typecheck', '--no-progress', '--json']);
    expect(result.code).toBe(1); // sites left
    const summary = JSON.parse(result.out);
    expect(summary.fixed.map((s: { path: string; line: number; messageId: string }) => `${s.path}:${s.line} ${s.messageId}`).sort()).toEqual([
      'causal/amqplib/notification-service.ts:16 missingCorrelation',
      'causal/amqplib/order-service.ts:18 missingCorrelation',
      'causal/kafkajs/notification-service.ts:22 missingCorrelation',
      'causal/kafkajs/order-service.ts:19 missingCorrelation',
      'causal/kafkajs/order-service.ts:26 correlationIdInPayload',
      'causal/sqs/notification-service.ts:13 missingCorrelation',
      'causal/sqs/order-service.ts:17 missingCorrelation',
    ]);
    expect(await readFile(path.join(dir, 'causal/kafkajs/notification-service.ts'), 'utf8')).toContain('headers: injectTraceHeaders(correlationHeaders(message.headers))');
    expect(await readFile(path.join(dir, 'causal/sqs/order-service.ts'), 'utf8')).toContain("MessageAttributes: injectMessageAttributes({ tenant: { DataType: 'String', StringValue: 'eu' }, ...correlationMessageAttributes() })");
    expect(await readFile(path.join(dir, 'causal/amqplib/notification-service.ts'), 'utf8')).toMatch(/import \{ correlationHeaders, injectTraceHeaders, withConsumerSpan \} from 'trace-propagation-helpers';/);
    // Re-linted: what is left is exactly what has no automatic fix.
    Project.reset();
    const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.strict as never });
    const after = await eslint.lintFiles(['causal']);
    expect(after.flatMap((r) => r.messages.map((m) => m.messageId)).sort()).toEqual([
      'causationNotFromMessage', 'consumerSpanKind', 'errorNotRecorded', 'freshCorrelationId', 'freshCorrelationId', 'genericSpanName', 'missingMessagingAttributes',
    ]);
    // The correlation ID left the body: its carrier already held the ID (correlationHeaders()), so only the key went.
    expect(await readFile(path.join(dir, 'causal/kafkajs/order-service.ts'), 'utf8')).toContain("messages: [{ value: JSON.stringify({ orderId }), headers: injectTraceHeaders(correlationHeaders()) }],");
  });

  it('a correlation ID that some code reads from the body stays there (the contract rule of trace IDs)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-causal-'));
    await cp(causalDir, path.join(dir, 'causal'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), '{"name":"causal","type":"module"}');
    await writeFile(path.join(dir, 'causal/audit-reader.ts'), "export function auditOf(body: { orderId: string; correlationId: string }) {\n  return `${body.orderId}:${body.correlationId}`;\n}\n");
    const result = await run(dir, ['codemod', 'add-correlation-propagation', 'causal', '--force', '--no-typecheck', '--no-progress', '--json']);
    const left = JSON.parse(result.out).left.find((s: { messageId: string }) => s.messageId === 'correlationIdInPayload');
    expect(left.reason).toBe("kept 'correlationId' in the body: causal/audit-reader.ts:2 reads it from there (--drop-payload-ids moves it anyway)");
  });

  it('without --strict (and no strict rules in the ESLint config), all leaves correlation IDs alone', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-causal-'));
    await cp(causalDir, path.join(dir, 'causal'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), '{"name":"causal","type":"module"}');
    const result = await run(dir, ['codemod', 'all', 'causal', '--force', '--no-typecheck', '--no-progress', '--json']);
    expect(JSON.parse(result.out).fixed).toEqual([]);
  });
});
