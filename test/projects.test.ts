/**
 * The fixture projects (fixtures/projects/*): small realistic repositories whose broker code sits behind wrappers,
 * shared client modules, injected services, base classes and bootstraps in other files. Each is linted whole, as
 * a user lints a repository, with the recommended and the type-checked configs on real ESLint 10 and 9, and every
 * report is compared with the `// expect: rule/messageId` markers: the seeded violations are reported on their
 * lines, and nothing else (correct code beside them, lookalikes, code correct for a reason in another file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint as ESLint10, Linter } from 'eslint';
import { ESLint as ESLint9 } from 'eslint-v9';
import { describe, expect, it } from 'vitest';
import { Project } from '../src/core/project.js';
import plugin from '../src/index.js';
import { expectedMarkers } from './markers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projectsDir = path.join(root, 'fixtures', 'projects');

export const fixtureProjects = fs.readdirSync(projectsDir).filter((d) => fs.statSync(path.join(projectsDir, d)).isDirectory()).sort();

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(dir, f))
    .sort();
}

type Config = typeof plugin.configs.recommended;

const configs: Array<[string, (dir: string) => Config]> = [
  ['recommended', () => plugin.configs.recommended],
  [
    'recommended-type-checked',
    (dir) => [
      ...plugin.configs['recommended-type-checked'],
      { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: dir } } },
    ] as Config,
  ],
];

for (const [label, ESLint] of [['ESLint 10', ESLint10], ['ESLint 9', ESLint9]] as const) {
  for (const [configName, config] of configs) {
    if (label === 'ESLint 9' && configName === 'recommended-type-checked') continue; // one typed run is enough
    describe(`fixture projects (${label}, ${configName})`, () => {
      for (const name of fixtureProjects) {
        describe(name, async () => {
          Project.reset();
          const dir = path.join(projectsDir, name);
          const files = sourceFiles(dir);
          const eslint = new (ESLint as typeof ESLint10)({ cwd: dir, overrideConfigFile: true, overrideConfig: config(dir) as never });
          const results = await eslint.lintFiles(files);
          it('has markers to check', () => {
            expect(files.flatMap(expectedMarkers).length).toBeGreaterThan(0);
          });
          for (const result of results) {
            it(path.relative(dir, result.filePath), () => {
              expect(result.messages.filter((m) => m.fatal).map((m) => m.message)).toEqual([]);
              const actual = result.messages.map((m) => `${m.line}:${m.ruleId?.replace('trace-propagation/', '')}/${m.messageId}`).sort();
              expect(actual).toEqual(expectedMarkers(result.filePath));
            });
          }
        });
      }
    });
  }
}

describe('runtime instrumentation found in the repository', () => {
  it('names an instrumentation that is registered too late, and one that is missing', async () => {
    Project.reset();
    const dir = path.join(projectsDir, 'instrumented');
    const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const [late, off] = await eslint.lintFiles([path.join(dir, 'packages/late/src/index.js'), path.join(dir, 'packages/auto-off/src/index.js')]);
    expect(late!.messages.map((m) => m.message)).toEqual([
      expect.stringContaining('The kafkajs instrumentation in packages/late/src/tracing.js is not loaded before the client library (it is set up later, or never started), so it patches nothing'),
    ]);
    expect(off!.messages.map((m) => m.message)).toEqual([expect.stringContaining('No kafkajs instrumentation is loaded before the client library here')]);
  });

  it('counts the amqplib instrumentation for amqp-connection-manager, which writes through amqplib in the caller\'s call', async () => {
    Project.reset();
    const dir = path.join(projectsDir, 'instrumented');
    const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const [notifier] = await eslint.lintFiles([path.join(dir, 'packages/entry-first/src/notifier.ts')]);
    expect(notifier!.messages).toEqual([]);
    // The same text outside any project, where no runtime setup is in view: reported.
    const text = fs.readFileSync(path.join(dir, 'packages/entry-first/src/notifier.ts'), 'utf8');
    const bare = new Linter({ cwd: os.tmpdir() }).verify(text, plugin.configs.recommended as never, { filename: path.join(os.tmpdir(), 'no-such-project', 'notifier.ts') });
    expect(bare.map((m) => m.messageId)).toEqual(['missingHeaders']);
  });

  it('says a Next.js app bundles the client its instrumentation hook would patch, and trusts it for an external one', async () => {
    Project.reset();
    const dir = path.join(projectsDir, 'instrumented');
    const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const [bundled, external] = await eslint.lintFiles(['next-bundled', 'next-external'].map((name) => path.join(dir, `packages/${name}/src/app/api/orders/route.ts`)));
    expect(bundled!.messages.map((m) => m.message)).toEqual([
      expect.stringContaining("The aws-sdk instrumentation in packages/next-bundled/src/instrumentation.node.ts cannot patch a client that Next.js bundles into the server build: list '@aws-sdk/client-sqs' in serverExternalPackages"),
    ]);
    expect(external!.messages).toEqual([]);
  });
});

/** Writes a small project's files under `dir`. */
function writeProject(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/** Lints a project's files one after another in this order, in a fresh process state: `file:line:messageId`, sorted. */
function lintInOrder(dir: string, order: readonly string[]): string[] {
  Project.reset();
  const linter = new Linter({ cwd: dir });
  const out: string[] = [];
  for (const file of order) {
    const full = path.join(dir, file);
    for (const m of linter.verify(fs.readFileSync(full, 'utf8'), plugin.configs.recommended as never, full)) out.push(`${file}:${m.line}:${m.messageId}`);
  }
  return out.sort();
}

describe('a checkout folder named after its package', () => {
  // The caller of a wrapper is not "only run by tests" because the tests' absolute paths contain the folder name
  // (`git clone` names the folder after the repository, often the package's name).
  it('still reports the callers of a wrapper that tests of other modules do not call', async () => {
    Project.reset();
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-clone-')), 'jobs-api');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'jobs-api', type: 'module', dependencies: { '@aws-sdk/client-sqs': '3.600.0' } }),
      'src/lib/send.js': "import { SendMessageCommand } from '@aws-sdk/client-sqs';\nexport async function sendJob(sqs, queueUrl, body) {\n  return sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));\n}\n",
      'src/routes/create-job.js': "import { sendJob } from '../lib/send.js';\nexport const createJob = {\n  handler: async (request, h) => {\n    await sendJob(request.server.sqs, process.env.QUEUE_URL, { id: request.params.id });\n    return h.response().code(202);\n  },\n};\n",
      'src/routes/health.js': 'export const health = { handler: () => ({ ok: true }) };\n',
      'src/routes/health.test.js': "import { health } from './health.js';\ntest('health', () => { health.handler(); });\n",
      'src/routes/index.js': "import { createJob } from './create-job.js';\nimport { health } from './health.js';\nexport const routes = [createJob, health];\n",
    };
    writeProject(dir, files);
    const eslint = new ESLint10({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const [caller] = await eslint.lintFiles([path.join(dir, 'src/routes/create-job.js')]);
    expect(caller!.messages.map((m) => `${m.line}:${m.message}`)).toEqual([expect.stringMatching(/^4:.*publishes through sendJob\(\) \(src\/lib\/send\.js:2\)/)]);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});

describe('a barrel that imports a class and exports it again', () => {
  // `import { X } from './x'; export { X };` passes the class on like `export * from './x'`: an instance of it sent
  // by a NestJS Kafka client is the body, and the emit has no headers.
  it('follows the class through the barrel, as through export *', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-barrel-'));
    const service = "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientKafka } from '@nestjs/microservices';\nimport { CreateEvent } from './events';\n@Injectable()\nexport class ReviewService {\n  constructor(@Inject('REVIEWS') private readonly client: ClientKafka) {}\n  create(id: string): void {\n    const event = new CreateEvent(id);\n    this.client.emit(event.type, event);\n  }\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'reviews', dependencies: { '@nestjs/microservices': '10.0.0', kafkajs: '2.2.4' } }),
      'src/events/create.event.ts': "export class CreateEvent {\n  readonly type = 'review.create';\n  constructor(readonly id: string) {}\n}\n",
      'src/events/index.ts': "import { CreateEvent } from './create.event';\nexport { CreateEvent };\n",
      'src/service.ts': service,
    });
    expect(lintInOrder(dir, ['src/service.ts'])).toEqual(['src/service.ts:8:missingHeaders']);
    fs.writeFileSync(path.join(dir, 'src/events/index.ts'), "export * from './create.event';\n");
    expect(lintInOrder(dir, ['src/service.ts'])).toEqual(['src/service.ts:8:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a workspace package that only tests the others', () => {
  // A system-testing package (Cypress plugins that publish to the broker to drive the apps under test) is named for
  // what it does and starts no process; a service whose name says test but that starts is still judged.
  it('is left out, and a started package of a similar name is not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-testpkg-'));
    const publish = "import amqp from 'amqplib';\nexport async function send(body: object): Promise<void> {\n  const channel = await (await amqp.connect('amqp://broker')).createChannel();\n  channel.sendToQueue('orders', Buffer.from(JSON.stringify(body)));\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', private: true, workspaces: ['quality', 'services/*'] }),
      'quality/package.json': JSON.stringify({ name: 'shop-system-testing', scripts: { test: 'cypress run' }, dependencies: { amqplib: '0.10.0', cypress: '13.0.0' } }),
      'quality/plugins/rmq.ts': publish,
      'services/test-results/package.json': JSON.stringify({ name: 'test-results', scripts: { start: 'node dist/main.js' }, dependencies: { amqplib: '0.10.0' } }),
      'services/test-results/src/main.ts': publish,
    });
    expect(lintInOrder(dir, ['quality/plugins/rmq.ts', 'services/test-results/src/main.ts'])).toEqual(['services/test-results/src/main.ts:4:missingHeaders']);
    // A polyglot repository has no root manifest: the test package is a project of its own.
    fs.rmSync(path.join(dir, 'package.json'));
    expect(lintInOrder(dir, ['quality/plugins/rmq.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // The test suite is itself a workspace (`fc-system-testing` with `plugins`, `data`, ... packages): its members carry
  // neutral names. A workspace root that only says test in its name, without a test runner, keeps its packages.
  it('is left out when it is a member of a test-suite workspace', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-testws-'));
    const publish = "import amqp from 'amqplib';\nexport async function send(body: object): Promise<void> {\n  const channel = await (await amqp.connect('amqp://broker')).createChannel();\n  channel.sendToQueue('orders', Buffer.from(JSON.stringify(body)));\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop-system-testing', private: true, workspaces: ['plugins'], dependencies: { cypress: '13.0.0' } }),
      'plugins/package.json': JSON.stringify({ name: 'quality-plugins', dependencies: { amqplib: '0.10.0' } }),
      'plugins/rmq.ts': publish,
    });
    expect(lintInOrder(dir, ['plugins/rmq.ts'])).toEqual([]);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'qa-platform', private: true, workspaces: ['plugins'] }));
    expect(lintInOrder(dir, ['plugins/rmq.ts'])).toEqual(['plugins/rmq.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('scripts inside the sources', () => {
  // src/scripts/ holds both jobs a service deploys and scripts someone runs by hand to send a test message.
  it('leaves out a script nothing imports or starts, and keeps a started job and an imported module', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-scripts-'));
    const send = "const { Kafka } = require('kafkajs');\nconst producer = new Kafka({ brokers: ['10.0.0.1:9092'] }).producer();\nmodule.exports.run = async () => {\n  await producer.send({ topic: 'sessions', messages: [{ value: 'test' }] });\n};\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'mentoring', scripts: { start: 'node src/app.js', 'cron:reminders': 'node src/scripts/cron/reminders.js' }, dependencies: { kafkajs: '2.2.4' } }),
      'src/app.js': "const { run } = require('./scripts/lib/notify');\nmodule.exports.start = () => run();\n",
      'src/scripts/lib/notify.js': send,
      'src/scripts/cron/reminders.js': send,
      'src/scripts/kafka-producer.js': send,
    });
    expect(lintInOrder(dir, ['src/scripts/kafka-producer.js', 'src/scripts/cron/reminders.js', 'src/scripts/lib/notify.js'])).toEqual([
      'src/scripts/cron/reminders.js:4:missingHeaders',
      'src/scripts/lib/notify.js:4:missingHeaders',
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a client set on the global object', () => {
  // Legacy services share their producer as `global.kafkaProducer = producer` and use the bare name elsewhere.
  it('is followed from the module that sets it, and a global nobody sets is unknown', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-global-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'mentoring', dependencies: { kafkajs: '2.2.4' } }),
      'src/configs/kafka.js': "const { Kafka } = require('kafkajs');\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nglobal.kafkaProducer = producer;\n",
      'src/helpers/notify.js': "module.exports.notify = async (event) => {\n  await kafkaProducer.send({ topic: 'sessions', messages: [{ value: JSON.stringify(event) }] });\n  await global.kafkaProducer.send({ topic: 'audit', messages: [{ value: JSON.stringify(event) }] });\n  await auditProducer.send({ topic: 'audit', messages: [{ value: 'x' }] });\n};\n",
    });
    expect(lintInOrder(dir, ['src/helpers/notify.js'])).toEqual(['src/helpers/notify.js:2:missingHeaders', 'src/helpers/notify.js:3:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('tools a person runs', () => {
  it('leaves out a prompting CLI and the entry scripts of an operator-scripts package, and keeps a service', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-tools-'));
    const publish = "import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nconst sns = new SNSClient({});\nexport async function publish(message: string): Promise<void> {\n  await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:badges', Message: message }));\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'badges', private: true, workspaces: ['cli', 'packages/*'] }),
      'cli/package.json': JSON.stringify({ name: 'cli', scripts: { start: 'node dist/index.js' }, dependencies: { '@aws-sdk/client-sns': '3.600.0', prompts: '2.4.2' } }),
      'cli/src/index.ts': publish,
      'packages/utils/package.json': JSON.stringify({ name: 'utils', scripts: { build: 'tsc' }, dependencies: { '@aws-sdk/client-sns': '3.600.0' } }),
      'packages/utils/src/sns/replay-dlq.ts': publish,
      'packages/utils/src/index.ts': "import { publish } from './sns/replay-dlq';\nvoid publish(process.argv[2] ?? '');\n",
      'packages/admin/package.json': JSON.stringify({ name: 'admin', scripts: { start: 'node dist/server.js' }, dependencies: { '@aws-sdk/client-sns': '3.600.0', express: '4.19.0', inquirer: '9.0.0' } }),
      'packages/admin/src/server.ts': publish,
    });
    expect(lintInOrder(dir, ['cli/src/index.ts', 'packages/utils/src/sns/replay-dlq.ts', 'packages/admin/src/server.ts'])).toEqual(['packages/admin/src/server.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a wrapper that converts its caller\'s attribute map', () => {
  // `MessageAttributes: { ...(attrs ? Object.entries(attrs).reduce(toAttribute, {}) : {}) }` passes the caller's
  // map through: the callers are judged, and one that injects clears the wrapper.
  it('judges the callers, not the wrapper, when one caller injects', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-attrs-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'queue', dependencies: { 'aws-sdk': '2.1692.0', 'trace-propagation-helpers': '1.0.0' } }),
      'src/sqs.ts': "import { SQS } from 'aws-sdk';\nconst sqs = new SQS();\nexport async function send(queueUrl: string, body: string, params: { attributes?: Record<string, string> } = {}): Promise<void> {\n  const { attributes } = params;\n  await sqs.sendMessage({\n    QueueUrl: queueUrl,\n    MessageBody: body,\n    MessageAttributes: {\n      ...(attributes ? Object.entries(attributes).reduce((acc, [k, v]) => ({ ...acc, [k]: { DataType: 'String', StringValue: v } }), {}) : {}),\n    },\n  }).promise();\n}\n",
      'src/jobs.ts': "import { injectTraceHeaders } from 'trace-propagation-helpers';\nimport { send } from './sqs';\nexport async function enqueue(id: string): Promise<void> {\n  await send('jobs', id, { attributes: { jobId: id } });\n  await send('jobs', id, { attributes: injectTraceHeaders({ jobId: id }) });\n}\n",
    });
    expect(lintInOrder(dir, ['src/sqs.ts', 'src/jobs.ts'])).toEqual(['src/jobs.ts:4:headersNotInjected']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the order files are linted in', () => {
  // ESLint lints files as their reads complete, so a module may first be reached through a long chain of wrappers,
  // where the walk stops at its depth limit. What is cut short there must not stand for the module's own calls.
  it('gives the same reports whichever file reaches a wrapper first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-order-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'replay', type: 'module', dependencies: { kafkajs: '2.2.4' } }),
      'src/producer.js': "import { Kafka } from 'kafkajs';\nconst kafka = new Kafka({ brokers: ['kafka:9092'] });\nexport class Producer {\n  constructor() {\n    this.producer = kafka.producer();\n  }\n  send(messages) {\n    return this.produce(messages);\n  }\n  produce(messages) {\n    return this.producer.send({ topic: 'replay', messages });\n  }\n}\n",
      'src/replay.js': "import { Producer } from './producer.js';\nconst producer = new Producer();\nexport function replayAll(entries) {\n  for (const entry of entries) producer.send([{ value: JSON.stringify(entry) }]);\n}\n",
      'src/stages.js': "import { Producer } from './producer.js';\nconst producer = new Producer();\nexport function stage1(message) {\n  return stage2(message);\n}\nfunction stage2(message) {\n  return stage3(message);\n}\nfunction stage3(message) {\n  return producer.send([message]);\n}\n",
      'src/main.js': "import { Kafka } from 'kafkajs';\nimport { stage1 } from './stages.js';\nexport function start(order) {\n  return stage1({ value: JSON.stringify(order) });\n}\nexport const admin = new Kafka({ brokers: ['kafka:9092'] }).admin();\n",
    };
    writeProject(dir, files);
    const direct = lintInOrder(dir, ['src/replay.js', 'src/main.js']);
    expect(direct).toEqual(['src/replay.js:4:missingHeaders']);
    expect(lintInOrder(dir, ['src/main.js', 'src/replay.js'])).toEqual(direct);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same reports for wrappers that call each other, whichever is reached first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-order-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'retry', type: 'module', dependencies: { kafkajs: '2.2.4' } }),
      'src/publish.js': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nexport async function publish(message, attempts = 3) {\n  try {\n    return await producer.send({ topic: 'orders', messages: [message] });\n  } catch (error) {\n    if (attempts > 0) return retry(message, attempts - 1);\n    throw error;\n  }\n}\nexport function retry(message, attempts) {\n  return publish(message, attempts);\n}\n",
      'src/orders.js': "import { publish } from './publish.js';\nexport function placeOrder(order) {\n  return publish({ value: JSON.stringify(order) });\n}\n",
      'src/resend.js': "import { retry } from './publish.js';\nexport function resend(order) {\n  return retry({ value: JSON.stringify(order) }, 1);\n}\n",
    };
    writeProject(dir, files);
    const first = lintInOrder(dir, ['src/resend.js', 'src/orders.js']);
    expect(first).toEqual(['src/orders.js:3:missingHeaders', 'src/resend.js:3:missingHeaders']);
    expect(lintInOrder(dir, ['src/orders.js', 'src/resend.js'])).toEqual(first);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('callers along a chain of wrappers', () => {
  // sendEvent() sends without context; sendOrder() beside it and placeOrder() in another module reach it. A caller
  // in another file of a wrapper that reaches the broker call within its own module is told which function it
  // publishes through, and the message names the one to fix: the wrapper that makes the broker call, with where it
  // is when it is not the called one. placeOrder()'s own calls are those reports; its callers would repeat them.
  it('reports each caller, naming the function that sends, once per hop between modules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-chain-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', dependencies: { kafkajs: '2.2.4' } }),
      'src/kafka.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['k:9092'] }).producer();\nexport async function sendEvent(topic: string, value: object) {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(value) }] });\n}\nexport async function sendOrder(order: object) {\n  await sendEvent('orders', order);\n}\n",
      'src/orders.ts': "import { sendEvent, sendOrder } from './kafka';\nexport async function placeOrder(order: object) {\n  await sendOrder(order);\n  await sendEvent('audit', order);\n}\n",
      'src/api.ts': "import { placeOrder } from './orders';\nexport async function handler(req: { body: object }) {\n  await placeOrder(req.body);\n}\n",
    });
    expect(lintInOrder(dir, ['src/api.ts', 'src/orders.ts', 'src/kafka.ts'])).toEqual([
      'src/kafka.ts:4:missingHeaders',
      'src/orders.ts:3:wrapperWithoutContext',
      'src/orders.ts:4:wrapperWithoutContext',
    ]);
    Project.reset();
    const linter = new Linter({ cwd: dir });
    const message = (file: string): string[] => linter.verify(fs.readFileSync(path.join(dir, file), 'utf8'), plugin.configs.recommended as never, path.join(dir, file)).map((m) => m.message);
    expect(message('src/orders.ts')[0]).toMatch(/publishes through sendOrder\(\) \(src\/kafka\.ts:6\), which sends without trace context\. Inject the context inside sendEvent\(\) \(src\/kafka\.ts:3\)\./);
    expect(message('src/orders.ts')[1]).toMatch(/publishes through sendEvent\(\) \(src\/kafka\.ts:3\), which sends without trace context\. Inject the context inside sendEvent\(\)\./);
    expect(message('src/api.ts')).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("a project's own tracing", () => {
  // A tracing package of the project's own (no OpenTelemetry): `X-Trace-Id` headers read by extractTraceContext()
  // from the project's own message type, and the handler run in runWithTraceContextAsync(), an
  // AsyncLocalStorage.run(). The consumer takes the context from its message; one that reads only the payload with
  // a lookalike name does not.
  it('counts its extractor, run with, as extraction', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-owntracing-'));
    const bus = "import { Kafka, type Consumer, type EachMessagePayload } from 'kafkajs';\nimport { createTraceContext, extractPayload, extractTraceContext, runWithTraceContextAsync } from '@shop/tracing';\n\nexport interface ConsumerMessage { topic: string; headers: Record<string, string>; value: Buffer }\n\nexport class KafkaConsumer {\n  private readonly consumer: Consumer = new Kafka({ brokers: ['k:9092'] }).consumer({ groupId: 'g' });\n\n  async run(handler: (message: ConsumerMessage) => Promise<void>): Promise<void> {\n    await this.consumer.run({\n      eachMessage: async (payload: EachMessagePayload) => {\n        const message = this.createConsumerMessage(payload);\n        const traceContext = extractTraceContext(message.headers) ?? createTraceContext();\n        await runWithTraceContextAsync(traceContext, async () => {\n          await handler(message);\n        });\n      },\n    });\n  }\n\n  private createConsumerMessage(payload: EachMessagePayload): ConsumerMessage {\n    const { topic, message } = payload;\n    return { topic, headers: this.convertHeaders(message.headers ?? {}), value: message.value ?? Buffer.alloc(0) };\n  }\n\n  private convertHeaders(headers: Record<string, unknown>): Record<string, string> {\n    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));\n  }\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', private: true, workspaces: ['packages/*', 'apps/*'] }),
      'packages/tracing/package.json': JSON.stringify({ name: '@shop/tracing', main: 'src/index.ts' }),
      'packages/tracing/src/index.ts': "import { AsyncLocalStorage } from 'node:async_hooks';\nconst storage = new AsyncLocalStorage<{ traceId: string }>();\nexport function extractTraceContext(headers: Record<string, unknown>): { traceId: string } | null {\n  return headers['X-Trace-Id'] ? { traceId: String(headers['X-Trace-Id']) } : null;\n}\nexport function createTraceContext(): { traceId: string } {\n  return { traceId: Math.random().toString(16) };\n}\nexport function extractPayload(value: unknown): { traceId: string } {\n  return { traceId: String(value) };\n}\nexport async function runWithTraceContextAsync<T>(ctx: { traceId: string }, fn: () => Promise<T>): Promise<T> {\n  return storage.run(ctx, fn);\n}\n",
      'packages/bus/package.json': JSON.stringify({ name: '@shop/bus', main: 'src/index.ts', dependencies: { kafkajs: '2.2.4', '@shop/tracing': '*' } }),
      'packages/bus/src/index.ts': bus,
      'apps/pay/package.json': JSON.stringify({ name: 'pay', scripts: { start: 'node dist/index.js' }, dependencies: { '@shop/bus': '*' } }),
      'apps/pay/src/index.ts': "import { KafkaConsumer, type ConsumerMessage } from '@shop/bus';\nasync function processMessage(message: ConsumerMessage): Promise<void> {\n  await fetch('http://ledger/entries', { method: 'POST', body: message.value });\n}\nexport async function main(): Promise<void> {\n  const consumer = new KafkaConsumer();\n  await consumer.run(processMessage);\n}\n",
    });
    expect(lintInOrder(dir, ['packages/bus/src/index.ts', 'apps/pay/src/index.ts'])).toEqual([]);
    fs.writeFileSync(path.join(dir, 'packages/bus/src/index.ts'), bus.replace('extractTraceContext(message.headers)', 'extractPayload(message.value)'));
    expect(lintInOrder(dir, ['packages/bus/src/index.ts', 'apps/pay/src/index.ts'])).toEqual(['packages/bus/src/index.ts:11:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('NATS headers filled from an injected carrier', () => {
  // The context is injected into a plain object by a helper of another module, then copied key by key into the
  // MsgHdrs (`for (const [k, v] of Object.entries(carrier)) h.set(k, v)`). Copying a carrier nobody injected is
  // still reported.
  it('counts the copy loop as injection', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-natscopy-'));
    const publisher = (source: string) =>
      `import { connect, headers as natsHeaders } from 'nats';\nimport { withTraceContext } from './otp';\nexport async function publish(subject: string, data: Uint8Array, sender: string): Promise<void> {\n  const nc = await connect({ servers: 'nats://nats:4222' });\n  const h = natsHeaders();\n  const props = ${source};\n  for (const [key, value] of Object.entries(props)) h.set(key, String(value));\n  nc.publish(subject, data, { headers: h });\n}\n`;
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'bridge', dependencies: { nats: '2.19.0', '@opentelemetry/api': '1.9.0' } }),
      'src/otp.ts': "import { context, propagation } from '@opentelemetry/api';\nexport const withTraceContext = <T extends Record<string, unknown>>(carrier: T): T => {\n  propagation.inject(context.active(), carrier);\n  return carrier;\n};\n",
      'src/publish.ts': publisher('withTraceContext({ sender })'),
      'src/plain.ts': publisher('{ sender }'),
    });
    expect(lintInOrder(dir, ['src/publish.ts', 'src/plain.ts'])).toEqual(['src/plain.ts:8:headersNotInjected']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a framework package that starts its own tracing', () => {
  // A library (a `main`, no start script) whose index starts a NodeSDK with a Pub/Sub instrumentation before it
  // imports its broker modules: whatever app requires it, the instrumentation is in place first. The same library
  // loading its client before the tracing is not covered.
  it('is covered by its main, and not when main loads the client first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-framework-'));
    const index = "import { otelSDK, tracingEnabled } from './tracing/init';\nif (tracingEnabled) {\n  otelSDK.start();\n}\nimport { publish } from './models/client';\nexport async function notify(event: object): Promise<void> {\n  await publish(event);\n}\n";
    writeProject(dir, {
      'package.json': JSON.stringify({ name: '@acme/bridge', main: 'dist/index.js', scripts: { compile: 'tsc' }, dependencies: { '@google-cloud/pubsub': '3.7.1', '@opentelemetry/sdk-node': '0.50.0', 'opentelemetry-instrumentation-pubsub': '2.1.0' } }),
      'src/tracing/init.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { PubSubInstrumentation } from 'opentelemetry-instrumentation-pubsub';\nexport const otelSDK = new NodeSDK({ instrumentations: [new PubSubInstrumentation()] });\nexport const tracingEnabled = process.env.TRACING === 'true';\n",
      'src/models/client.ts': "import { PubSub } from '@google-cloud/pubsub';\nconst client = new PubSub();\nexport async function publish(event: object): Promise<void> {\n  await client.topic('events').publishMessage({ data: Buffer.from(JSON.stringify(event)), attributes: {} });\n}\n",
      'src/index.ts': index,
    });
    expect(lintInOrder(dir, ['src/index.ts', 'src/models/client.ts'])).toEqual([]);
    fs.writeFileSync(path.join(dir, 'src/index.ts'), "import { publish } from './models/client';\n" + index.replace("import { publish } from './models/client';\n", ''));
    expect(lintInOrder(dir, ['src/index.ts', 'src/models/client.ts'])).toEqual(['src/index.ts:7:wrapperWithoutContext', 'src/models/client.ts:4:headersNotInjected']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a Nest transport set up by project helpers', () => {
  // A common NestJS boilerplate: `app.connectMicroservice(app.get(RmqService).getOptions(queue))` in the bootstrap,
  // and clients registered by `RmqModule.register({ name })`, a dynamic module wrapping ClientsModule.registerAsync.
  // Both name the transport in a shared library; with TCP there (no headers) nothing is reported.
  it('reads the transport through the provider method and the dynamic module', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nestrmq-'));
    const files = (transport: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'tg', scripts: { start: 'nest start' }, dependencies: { '@nestjs/microservices': '10.3.3', '@nestjs/core': '10.3.3', amqplib: '0.10.3' } }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/common': ['libs/common/src'] } } }),
      'libs/common/src/index.ts': "export * from './rmq.service';\nexport * from './rmq.module';\nexport const Services = { Store: 'store_service' };\n",
      'libs/common/src/rmq.service.ts': `import { Injectable } from '@nestjs/common';\nimport { Transport } from '@nestjs/microservices';\n@Injectable()\nexport class RmqService {\n  getOptions(queue: string) {\n    return { transport: Transport.${transport}, options: { urls: ['amqp://rabbit'], queue } };\n  }\n}\n`,
      'libs/common/src/rmq.module.ts': `import { DynamicModule, Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\nimport { RmqService } from './rmq.service';\n@Module({ providers: [RmqService], exports: [RmqService] })\nexport class RmqModule {\n  static register({ name, queue }: { name: string; queue: string }): DynamicModule {\n    return {\n      module: RmqModule,\n      imports: [ClientsModule.registerAsync([{ name, useFactory: () => ({ transport: Transport.${transport}, options: { urls: ['amqp://rabbit'], queue } }) }])],\n      exports: [ClientsModule],\n    };\n  }\n}\n`,
      'apps/bot/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { RmqService } from '@app/common';\nimport { BotModule } from './bot.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(BotModule);\n  const rmqService = app.get<RmqService>(RmqService);\n  app.connectMicroservice(rmqService.getOptions('bot'));\n  await app.startAllMicroservices();\n}\nbootstrap();\n",
      'apps/bot/src/bot.module.ts': "import { Module } from '@nestjs/common';\nimport { RmqModule, Services } from '@app/common';\nimport { BotController } from './bot.controller';\n@Module({ imports: [RmqModule.register({ name: Services.Store, queue: 'store' })], controllers: [BotController] })\nexport class BotModule {}\n",
      'apps/bot/src/bot.controller.ts': "import { Controller, Inject } from '@nestjs/common';\nimport { ClientProxy, EventPattern, Payload } from '@nestjs/microservices';\nimport { Services } from '@app/common';\n@Controller()\nexport class BotController {\n  constructor(@Inject(Services.Store) private readonly client: ClientProxy) {}\n  @EventPattern('message')\n  async onMessage(@Payload() message: { id: string }) {\n    await fetch('http://search/index', { method: 'POST', body: JSON.stringify(message) });\n    this.client.emit('stored', { id: message.id });\n  }\n}\n",
    });
    writeProject(dir, files('RMQ'));
    expect(lintInOrder(dir, ['apps/bot/src/bot.controller.ts'])).toEqual(['apps/bot/src/bot.controller.ts:10:missingHeaders', 'apps/bot/src/bot.controller.ts:8:missingExtraction']);
    writeProject(dir, files('TCP'));
    expect(lintInOrder(dir, ['apps/bot/src/bot.controller.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a CommonJS module exporting a constant object', () => {
  // `const Bus = { init(), getConnection() }; module.exports = Bus` is read member by member, as
  // `module.exports = { ... }` is: the connection its getter returns is the NATS connection `init()` made.
  it('exports the members of the object the constant holds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-constexport-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'admin', dependencies: { nats: '2.29.3' } }),
      'src/bus.js': "const nats = require('nats');\nlet conn;\nconst Bus = {\n  async init() {\n    conn = await nats.connect({ servers: [process.env.NATS_URL] });\n  },\n  getConnection() {\n    return conn;\n  },\n};\nmodule.exports = Bus;\n",
      'src/handler.js': "const bus = require('./bus');\nconst { save } = require('./store');\nasync function listen(topic) {\n  const sub = bus.getConnection().subscribe(topic);\n  for await (const m of sub) await save(JSON.parse(m.data));\n}\nmodule.exports = { listen };\n",
      'src/store.js': "module.exports.save = async (row) => fetch('http://db/rows', { method: 'POST', body: JSON.stringify(row) });\n",
    });
    expect(lintInOrder(dir, ['src/handler.js'])).toEqual(['src/handler.js:5:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a client handed to a constructor', () => {
  // The bootstrap makes the channel and hands it to classes of other modules, positionally or in an options
  // object; those modules name no broker. A construction with a value of no known kind (an EventEmitter in a local
  // mode) says nothing against the others.
  it('gives the field the kind of what the constructions pass', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-ctorclient-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'pulse', dependencies: { amqplib: '0.10.3' } }),
      'src/publisher.js': "class Publisher {\n  constructor(channel) {\n    this.channel = channel;\n  }\n  send(routingKey, event) {\n    return this.channel.publish('pulse', routingKey, Buffer.from(JSON.stringify(event)), { persistent: true });\n  }\n}\nmodule.exports = { Publisher };\n",
      'src/listener.js': "const { save } = require('./store');\nclass Listener {\n  constructor({ channel, queue }) {\n    this.channel = channel;\n    this.queue = queue;\n  }\n  start() {\n    return this.channel.consume(this.queue, async (msg) => {\n      await save(JSON.parse(msg.content.toString()));\n      this.channel.ack(msg);\n    });\n  }\n}\nmodule.exports = { Listener };\n",
      'src/store.js': "module.exports.save = async (row) => fetch('http://db/rows', { method: 'POST', body: JSON.stringify(row) });\n",
      'src/main.js': "const amqplib = require('amqplib');\nconst { Publisher } = require('./publisher');\nconst { Listener } = require('./listener');\nasync function main() {\n  const channel = await (await amqplib.connect(process.env.AMQP_URL)).createChannel();\n  const publisher = new Publisher(channel);\n  await new Listener({ channel, queue: 'tasks' }).start();\n  return publisher;\n}\nmodule.exports = { main };\n",
      'src/local.js': "const { EventEmitter } = require('node:events');\nconst { Publisher } = require('./publisher');\nmodule.exports.local = () => new Publisher(new EventEmitter());\n",
    });
    expect(lintInOrder(dir, ['src/publisher.js', 'src/listener.js'])).toEqual(['src/listener.js:8:missingExtraction', 'src/publisher.js:6:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the constructions of a class named in lower case too', () => {
    // The index of who constructs what knows capitalised names; `class publisher` is looked for in its importers.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-ctorlower-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'pulse', dependencies: { amqplib: '0.10.3' } }),
      'src/publisher.js': "class publisher {\n  constructor(channel) {\n    this.channel = channel;\n  }\n  send(routingKey, event) {\n    return this.channel.publish('pulse', routingKey, Buffer.from(JSON.stringify(event)));\n  }\n}\nmodule.exports = { publisher };\n",
      'src/main.js': "const amqplib = require('amqplib');\nconst { publisher } = require('./publisher');\nasync function main() {\n  const channel = await (await amqplib.connect(process.env.AMQP_URL)).createChannel();\n  return new publisher(channel);\n}\nmodule.exports = { main };\n",
      'src/local.js': "const { EventEmitter } = require('node:events');\nconst { publisher } = require('./publisher');\nmodule.exports.local = () => new publisher(new EventEmitter());\n",
    });
    expect(lintInOrder(dir, ['src/publisher.js'])).toEqual(['src/publisher.js:6:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('an Nx workspace without npm workspaces', () => {
  // Nx gives each library a package.json and lists no workspaces: its root is known by nx.json (in a checkout, .git
  // says so too; an exported tree has none). The library's publisher is then covered by the app that loads the
  // kafkajs instrumentation first; as a project of its own it would have no app at all.
  it('takes the folder with nx.json as the project', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nx-'));
    writeProject(dir, {
      'nx.json': '{}',
      'package.json': JSON.stringify({ name: '@acme/source', scripts: { start: 'node dist/apps/billing/main.js' }, dependencies: { kafkajs: '2.2.4', '@opentelemetry/sdk-node': '0.50.0', '@opentelemetry/instrumentation-kafkajs': '0.1.0' } }),
      'tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@acme/bus': ['libs/bus/src/index.ts'] } } }),
      'apps/billing/src/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';\nnew NodeSDK({ instrumentations: [new KafkaJsInstrumentation()] }).start();\n",
      'apps/billing/src/main.ts': "import './tracing';\nimport { publishInvoice } from '@acme/bus';\nexport async function main(): Promise<void> {\n  await publishInvoice({ id: '1' });\n}\n",
      'libs/bus/package.json': JSON.stringify({ name: '@acme/bus', main: './src/index.js' }),
      'libs/bus/src/index.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nexport async function publishInvoice(invoice: { id: string }): Promise<void> {\n  await producer.send({ topic: 'invoices', messages: [{ value: JSON.stringify(invoice) }] });\n}\n",
    });
    expect(lintInOrder(dir, ['libs/bus/src/index.ts'])).toEqual([]);
    fs.rmSync(path.join(dir, 'nx.json'));
    expect(lintInOrder(dir, ['libs/bus/src/index.ts'])).toEqual(['libs/bus/src/index.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a Nest app\'s tracing setup', () => {
  // The setup counts when the bootstrap really imports it (NestJS loads kafkajs lazily, when it makes the client) and
  // when the auto-instrumentations bundle it uses brings a kafkajs instrumentation: that one joined it in 0.49.0.
  it('does not count behind a commented-out import, nor from a bundle without the instrumentation', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nesttracing-'));
    const files = (auto: string, tracingImport: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'portfolio', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', '@opentelemetry/sdk-node': '^0.48.0', '@opentelemetry/auto-instrumentations-node': auto } }),
      'src/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';\nconst sdk = new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] });\nsdk.start();\n",
      'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n${tracingImport}\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`,
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { EventsService } from './events.service';\n@Module({ providers: [EventsService] })\nexport class AppModule {}\n",
      'src/events.service.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientKafka } from '@nestjs/microservices';\n@Injectable()\nexport class EventsService {\n  constructor(@Inject('KAFKA') private readonly client: ClientKafka) {}\n  send(topic: string, event: unknown) {\n    this.client.emit(topic, { data: event });\n  }\n}\n",
    });
    const reported = ['src/events.service.ts:7:missingHeaders'];
    writeProject(dir, files('^0.52.0', "import './tracing';"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual([]);
    writeProject(dir, files('^0.52.0', "// import './tracing';"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual(reported);
    writeProject(dir, files('^0.41.1', "import './tracing';"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual(reported);
    writeProject(dir, files('>=0.41.1', "import './tracing';"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a Nest app that loads kafkajs before its setup and starts a Kafka server after it', () => {
  // require-in-the-middle patches kafkajs at its first require after the setup, even when it was loaded before
  // (`import { Partitioners } from 'kafkajs'`): ServerKafka's constructor requires it in connectMicroservice, and the
  // instrumentation patches Kafka.prototype, so the consumers and Nest's producers made later are traced. An app that
  // starts no Kafka server after the setup has no such require: its client, made at import, stays unpatched.
  it('counts the setup when the bootstrap starts a Kafka server after it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nestlate-'));
    const files = (server: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'orders', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', kafkajs: '^2.2.4', '@opentelemetry/sdk-node': '^0.52.0', '@opentelemetry/auto-instrumentations-node': '^0.52.0' } }),
      'src/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';\nexport async function initTracing(): Promise<void> {\n  await new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] }).start();\n}\n",
      'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { Partitioners } from 'kafkajs';\nimport { AppModule } from './app.module';\nimport { initTracing } from './tracing';\nasync function bootstrap() {\n  await initTracing();\n  const app = await NestFactory.create(AppModule);\n  ${server}\n  await app.listen(3000);\n}\nbootstrap();\n`,
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\nimport { EventsService } from './events.service';\n@Module({ imports: [ClientsModule.register([{ name: 'KAFKA', transport: Transport.KAFKA, options: { client: { brokers: ['kafka:9092'] } } }])], providers: [EventsService] })\nexport class AppModule {}\n",
      'src/events.service.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientKafka } from '@nestjs/microservices';\n@Injectable()\nexport class EventsService {\n  constructor(@Inject('KAFKA') private readonly client: ClientKafka) {}\n  send(topic: string, event: unknown) {\n    this.client.emit(topic, { data: event });\n  }\n}\n",
    });
    writeProject(dir, files("app.connectMicroservice({ transport: Transport.KAFKA, options: { client: { brokers: ['kafka:9092'] } } });\n  await app.startAllMicroservices();"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual([]);
    writeProject(dir, files("app.connectMicroservice({ transport: Transport.TCP });\n  await app.startAllMicroservices();"));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual(['src/events.service.ts:7:missingHeaders']);
    writeProject(dir, files(''));
    expect(lintInOrder(dir, ['src/events.service.ts'])).toEqual(['src/events.service.ts:7:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a NestJS client service whose methods take declared plain data', () => {
  // `create(dto: CreateClientDto) { return this.client.send('create_client', dto) }`: a caller hands over a DTO or an
  // id, never a record with headers, so the service method makes the message: it is reported inside, and its callers
  // in other files are told they publish through it; a caller in its own file (`recreate`) is not reported again, as
  // it was when the DTO counted as a record its callers could have given headers.
  it('reports the send inside and names the method at callers in other files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nestdto-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'gateway', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0', nats: '^2.20.0' } }),
      'src/clients.service.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientProxy, NatsRecord } from '@nestjs/microservices';\nimport { CreateClientDto } from './create-client.dto';\nimport type * as Contracts from './contracts';\n@Injectable()\nexport class ClientsService {\n  constructor(@Inject('NATS') private readonly client: ClientProxy) {}\n  create(dto: CreateClientDto) {\n    return this.client.send('create_client', dto);\n  }\n  findOne(id: number) {\n    return this.client.send('find_client', id);\n  }\n  forward(record: NatsRecord) {\n    return this.client.send('forward_client', record);\n  }\n  recreate(dto: CreateClientDto) {\n    return this.create(dto);\n  }\n  remove(request: Contracts.RemoveClient) {\n    return this.client.send('remove_client', request);\n  }\n  purge(request: Contracts.RemoveClient) {\n    return this.remove(request);\n  }\n}\n",
      'src/contracts.ts': 'export interface RemoveClient {\n  id: number;\n}\n',
      'src/create-client.dto.ts': 'export class CreateClientDto {\n  name!: string;\n}\n',
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\nimport { ClientsController } from './clients.controller';\nimport { ClientsService } from './clients.service';\n@Module({ imports: [ClientsModule.register([{ name: 'NATS', transport: Transport.NATS, options: { servers: ['nats://nats:4222'] } }])], controllers: [ClientsController], providers: [ClientsService] })\nexport class AppModule {}\n",
      'src/clients.controller.ts': "import { Body, Controller, Param, Post, Get } from '@nestjs/common';\nimport { NatsRecordBuilder } from '@nestjs/microservices';\nimport { ClientsService } from './clients.service';\nimport { CreateClientDto } from './create-client.dto';\n@Controller('clients')\nexport class ClientsController {\n  constructor(private readonly clients: ClientsService) {}\n  @Post()\n  create(@Body() dto: CreateClientDto) {\n    return this.clients.create(dto);\n  }\n  @Get(':id')\n  findOne(@Param('id') id: string) {\n    return this.clients.findOne(+id);\n  }\n  @Post('forward')\n  forward(@Body() dto: CreateClientDto) {\n    return this.clients.forward(new NatsRecordBuilder(dto).build());\n  }\n}\n",
    });
    expect(lintInOrder(dir, ['src/clients.service.ts', 'src/clients.controller.ts'])).toEqual([
      'src/clients.controller.ts:10:wrapperWithoutContext',
      'src/clients.controller.ts:14:wrapperWithoutContext',
      'src/clients.controller.ts:18:wrapperWithoutContext',
      'src/clients.service.ts:15:passThroughNotInjected',
      'src/clients.service.ts:9:missingHeaders',
      'src/clients.service.ts:12:missingHeaders',
      'src/clients.service.ts:21:missingHeaders',
    ].sort());
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a publish method only an outbox relay\'s poll loop calls', () => {
  // `NatsService.publish` is called from another module's relay, `while (this.polling) { await this.processBatch();
  // await this.delay(1000) }`, through two methods of that class: a timer job, like a function only timers run. Once
  // a controller calls it too, it publishes for requests, and is reported.
  it('is a timer job until something else calls it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-relaymethod-'));
    const files = (controller: boolean): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'relay', scripts: { start: 'node dist/main.js' }, dependencies: { kafkajs: '^2.2.4' } }),
      'src/bus.service.ts': "import { Kafka, Producer } from 'kafkajs';\nexport class BusService {\n  private readonly producer: Producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\n  async publish(topic: string, value: string): Promise<void> {\n    await this.producer.send({ topic, messages: [{ value }] });\n  }\n}\n",
      'src/relay.service.ts': "import { BusService } from './bus.service';\ndeclare const outbox: { take(n: number): Promise<Array<{ topic: string; payload: string }>> };\nexport class RelayService {\n  private polling = true;\n  constructor(private readonly bus: BusService) {}\n  async processLoop(): Promise<void> {\n    while (this.polling) {\n      await this.processBatch();\n      await this.delay(1000);\n    }\n  }\n  private async processBatch(): Promise<void> {\n    for (const row of await outbox.take(100)) await this.handleEvent(row);\n  }\n  private async handleEvent(row: { topic: string; payload: string }): Promise<void> {\n    await this.bus.publish(row.topic, row.payload);\n  }\n  private delay(ms: number): Promise<void> {\n    return new Promise((resolve) => setTimeout(resolve, ms));\n  }\n}\n",
      ...(controller ? { 'src/orders.controller.ts': "import { BusService } from './bus.service';\nexport class OrdersController {\n  constructor(private readonly bus: BusService) {}\n  async place(order: { id: string }): Promise<void> {\n    await this.bus.publish('orders', JSON.stringify(order));\n  }\n}\n" } : {}),
    });
    writeProject(dir, files(false));
    expect(lintInOrder(dir, ['src/bus.service.ts', 'src/relay.service.ts'])).toEqual([]);
    writeProject(dir, files(true));
    expect(lintInOrder(dir, ['src/bus.service.ts', 'src/relay.service.ts', 'src/orders.controller.ts'])).toEqual(['src/bus.service.ts:5:missingHeaders', 'src/orders.controller.ts:5:wrapperWithoutContext']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a base consumer in a shared module whose subclasses implement the handler', () => {
  // `channel.consume(queue, (msg) => this.handle(msg))` with `abstract handle(msg)`: the subclasses in other modules
  // decide. One that neither extracts nor hands the message on leaves the base's handler reported; once it extracts,
  // the base is clean.
  it('is judged by the overrides in the modules extending it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-abstract-'));
    const files = (extracts: boolean): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'workers', scripts: { start: 'node dist/main.js' }, dependencies: { amqplib: '^0.10.4' } }),
      'src/messaging/base-consumer.ts': "import amqp, { type ConsumeMessage } from 'amqplib';\nexport abstract class BaseConsumer {\n  constructor(private readonly queue: string) {}\n  async start(): Promise<void> {\n    const channel = await (await amqp.connect('amqp://rabbit')).createChannel();\n    await channel.consume(this.queue, (msg) => {\n      if (msg) void this.handle(msg);\n    });\n  }\n  abstract handle(msg: ConsumeMessage): Promise<void>;\n}\n",
      'src/orders/orders.consumer.ts': `import type { ConsumeMessage } from 'amqplib';\nimport { context, propagation } from '@opentelemetry/api';\nimport { BaseConsumer } from '../messaging/base-consumer';\ndeclare function save(order: unknown): Promise<void>;\nexport class OrdersConsumer extends BaseConsumer {\n  async handle(msg: ConsumeMessage): Promise<void> {\n    ${extracts ? "const ctx = propagation.extract(context.active(), msg.properties.headers ?? {});\n    await context.with(ctx, () => save(JSON.parse(msg.content.toString())));" : 'await save(JSON.parse(msg.content.toString()));'}\n  }\n}\n`,
    });
    writeProject(dir, files(false));
    expect(lintInOrder(dir, ['src/messaging/base-consumer.ts', 'src/orders/orders.consumer.ts'])).toEqual(['src/messaging/base-consumer.ts:6:missingExtraction']);
    writeProject(dir, files(true));
    expect(lintInOrder(dir, ['src/messaging/base-consumer.ts', 'src/orders/orders.consumer.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a Nest app whose entry point starts an HTTP app only', () => {
  // `NestFactory.create(AppModule)` then `listen()`: no microservice server, so an `@EventPattern` handler typed
  // `@Ctx() context: RmqContext` never receives a message. Once the entry point connects a RabbitMQ server, or hands
  // the app to a function that may, the handler is judged by its context type.
  it('leaves its pattern handlers alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-httponly-'));
    const files = (start: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'payments', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0' } }),
      'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\ndeclare function setupServers(app: unknown): void;\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  ${start}\n  await app.listen(3000);\n}\nbootstrap();\n`,
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { PaymentsConsumer } from './payments.consumer';\n@Module({ controllers: [PaymentsConsumer] })\nexport class AppModule {}\n",
      'src/payments.consumer.ts': "import { Controller } from '@nestjs/common';\nimport { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';\ndeclare function settle(id: string): Promise<void>;\n@Controller()\nexport class PaymentsConsumer {\n  @EventPattern('booking.created')\n  async created(@Payload() data: { id: string }, @Ctx() context: RmqContext): Promise<void> {\n    await settle(data.id);\n  }\n}\n",
    });
    writeProject(dir, files('app.enableCors();'));
    expect(lintInOrder(dir, ['src/payments.consumer.ts'])).toEqual([]);
    writeProject(dir, files("app.connectMicroservice({ transport: Transport.RMQ, options: { urls: ['amqp://rabbit'], queue: 'payments' } });\n  await app.startAllMicroservices();"));
    expect(lintInOrder(dir, ['src/payments.consumer.ts'])).toEqual(['src/payments.consumer.ts:7:missingExtraction']);
    writeProject(dir, files('setupServers(app);'));
    expect(lintInOrder(dir, ['src/payments.consumer.ts'])).toEqual(['src/payments.consumer.ts:7:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a NestJS client injected by token and typed with the project\'s own abstract class', () => {
  // `@Inject('EVENTS') client: IClientProxy`, where IClientProxy is an abstract class of the project declaring
  // `emit`: the container hands in the client ClientsModule registers under the token, a RabbitMQ one here. Without a
  // registration the transport is unknown, and a plain ClientProxy is judged only through a record builder.
  it('takes the transport of the registration', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-iclientproxy-'));
    const files = (registered: boolean): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'users', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0' } }),
      'src/client-proxy.interface.ts': "import type { Observable } from 'rxjs';\nexport abstract class IClientProxy {\n  abstract emit<TResult, TInput>(pattern: unknown, data: TInput): Observable<TResult>;\n}\n",
      'src/create.handler.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { IClientProxy } from './client-proxy.interface';\n@Injectable()\nexport class CreateUserHandler {\n  constructor(@Inject('EVENTS') private readonly client: IClientProxy) {}\n  execute(id: string): void {\n    this.client.emit('user.created', { id });\n  }\n}\n",
      'src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\nimport { CreateUserHandler } from './create.handler';\n@Module({ imports: [ClientsModule.register([{ name: '${registered ? 'EVENTS' : 'AUDIT'}', transport: Transport.RMQ, options: { urls: ['amqp://rabbit'], queue: 'users' } }])], providers: [CreateUserHandler] })\nexport class AppModule {}\n`,
    });
    writeProject(dir, files(true));
    expect(lintInOrder(dir, ['src/create.handler.ts'])).toEqual(['src/create.handler.ts:7:missingHeaders']);
    writeProject(dir, files(false));
    expect(lintInOrder(dir, ['src/create.handler.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a tracing setup a shared package starts inside a function', () => {
  // The entry requires `initTelemetry` from the workspace's common package and calls it first thing; the package's
  // index requires `./src/telemetry`, whose `initTelemetry` starts the SDK. Called after the producer module is
  // required, or a function of another name called, it patches nothing.
  it('counts when the entry calls it by name before loading the client library', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-inittelemetry-'));
    const files = (entry: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'shop', private: true, workspaces: ['packages/*', 'services/*'] }),
      'packages/common/package.json': JSON.stringify({ name: '@shop/common', main: 'index.js', dependencies: { '@opentelemetry/sdk-node': '^0.52.0', '@opentelemetry/auto-instrumentations-node': '^0.52.0' } }),
      'packages/common/index.js': "const { logger } = require('./src/logger');\nconst { initTelemetry } = require('./src/telemetry');\nmodule.exports = { initTelemetry, logger };\n",
      'packages/common/src/logger.js': 'module.exports.logger = console;\n',
      'packages/common/src/setup.js': 'module.exports.setup = () => undefined;\n',
      'packages/common/src/telemetry.js': "const { NodeSDK } = require('@opentelemetry/sdk-node');\nconst { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');\nconst initTelemetry = (serviceName) => {\n  const sdk = new NodeSDK({ serviceName, instrumentations: [getNodeAutoInstrumentations()] });\n  sdk.start();\n  return sdk;\n};\nmodule.exports = { initTelemetry };\n",
      'services/orders/package.json': JSON.stringify({ name: 'orders', main: 'src/index.js', scripts: { start: 'node src/index.js' }, dependencies: { '@shop/common': '*', kafkajs: '2.2.4' } }),
      'services/orders/src/index.js': entry,
      'services/orders/src/producer.js': "const { Kafka } = require('kafkajs');\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nasync function publish(order) {\n  await producer.send({ topic: 'orders', messages: [{ value: JSON.stringify(order) }] });\n}\nmodule.exports = { publish };\n",
    });
    const reported = ['services/orders/src/producer.js:4:missingHeaders'];
    writeProject(dir, files("const { initTelemetry } = require('@shop/common');\ninitTelemetry('orders');\nconst { publish } = require('./producer');\npublish({ id: 1 });\n"));
    expect(lintInOrder(dir, ['services/orders/src/producer.js'])).toEqual([]);
    writeProject(dir, files("const { initTelemetry } = require('@shop/common');\nconst { publish } = require('./producer');\ninitTelemetry('orders');\npublish({ id: 1 });\n"));
    expect(lintInOrder(dir, ['services/orders/src/producer.js'])).toEqual(reported);
    writeProject(dir, files("const { logger } = require('@shop/common');\nlogger.info('up');\nconst { publish } = require('./producer');\npublish({ id: 1 });\n"));
    expect(lintInOrder(dir, ['services/orders/src/producer.js'])).toEqual(reported);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('Azure Monitor\'s distribution', () => {
  // `useAzureMonitor()` registers the Azure SDK instrumentation (which stamps Diagnostic-Id on Service Bus sends) only
  // with `instrumentationOptions.azureSdk.enabled: true`; by default it leaves it off.
  it('covers Service Bus sends only when the Azure SDK instrumentation is turned on, before the client loads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-azuremonitor-'));
    const files = (options: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'payments', main: 'app/index.js', scripts: { start: 'node app/index.js' }, dependencies: { '@azure/service-bus': '^7.9.0', '@azure/monitor-opentelemetry': '^1.7.0' } }),
      'app/index.js': "require('./insights').setup();\nconst { send } = require('./sender');\nsend({ id: 1 });\n",
      'app/insights.js': `const { useAzureMonitor } = require('@azure/monitor-opentelemetry');\nconst setup = () => {\n  useAzureMonitor(${options});\n};\nmodule.exports = { setup };\n`,
      'app/sender.js': "const { ServiceBusClient } = require('@azure/service-bus');\nconst sender = new ServiceBusClient(process.env.SB).createSender('payments');\nasync function send(payment) {\n  await sender.sendMessages({ body: payment });\n}\nmodule.exports = { send };\n",
    });
    const reported = ['app/sender.js:4:missingHeaders'];
    writeProject(dir, files('{ instrumentationOptions: { azureSdk: { enabled: true } } }'));
    expect(lintInOrder(dir, ['app/sender.js'])).toEqual([]);
    writeProject(dir, files('{ azureMonitorExporterOptions: { connectionString: process.env.AI } }'));
    expect(lintInOrder(dir, ['app/sender.js'])).toEqual(reported);
    writeProject(dir, files('{ instrumentationOptions: { azureSdk: { enabled: false }, http: { enabled: true } } }'));
    expect(lintInOrder(dir, ['app/sender.js'])).toEqual(reported);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a service function between its callers and a publish wrapper', () => {
  // sendRequest() builds its message and never injects: it is reported, and so are the calls of it in other modules.
  // A thin function of its module passing its argument on to it (a few lines, a try/catch) is a wrapper too, whose
  // callers are named the same way; a service function doing much else with its argument (looking up, validating,
  // saving, answering) is where the call is made, and its own callers have nothing to do with the message.
  it('makes a wrapper of a thin relay, not of a function that does other work', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-relay-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'stay', type: 'module', dependencies: { amqplib: '0.10.3' } }),
      'lib/rabbit.js': "import amqp from 'amqplib';\nconst channel = await (await amqp.connect(process.env.URL)).createChannel();\nexport async function sendRequest(queue, data) {\n  channel.sendToQueue(queue, Buffer.from(JSON.stringify(data)), { persistent: true });\n}\n",
      'src/users.js': "import { sendRequest } from '../lib/rabbit.js';\nimport { db } from './db.js';\nexport const assignRoom = async (data) => {\n  try {\n    return await sendRequest('rooms.assign', { userId: data.userId });\n  } catch (error) {\n    console.error(error);\n    throw error;\n  }\n};\nexport const login = async (data) => {\n  const { email, password } = data;\n  try {\n    let user = await db.users.find(email);\n    if (!user) {\n      user = await sendRequest('clients.byEmail', { email });\n    }\n    if (!user) return { status: 401 };\n    const valid = await db.check(password, user.hash);\n    if (!valid) return { status: 401 };\n    if (!user.enabled) return { status: 403 };\n    const token = await db.tokens.issue(user.id);\n    await db.audit.write({ user: user.id, at: Date.now() });\n    return { status: 200, token };\n  } catch (error) {\n    console.error(error);\n    return { status: 500 };\n  }\n};\n",
      'src/db.js': 'export const db = {};\n',
      'src/routes.js': "import { assignRoom, login } from './users.js';\nexport async function onLogin(req, res) {\n  res.json(await login(req.body));\n}\nexport async function onAssign(req, res) {\n  res.json(await assignRoom(req.body));\n}\n",
    });
    // The wrapper in another module: the relays' own calls of it are the reports, and their callers repeat none.
    expect(lintInOrder(dir, ['lib/rabbit.js', 'src/users.js', 'src/routes.js'])).toEqual(['lib/rabbit.js:4:missingHeaders', 'src/users.js:16:wrapperWithoutContext', 'src/users.js:5:wrapperWithoutContext']);
    // The wrapper beside the relays: the thin relay's callers are told, the service function's are not.
    const rabbit = fs.readFileSync(path.join(dir, 'lib/rabbit.js'), 'utf8');
    const users = fs.readFileSync(path.join(dir, 'src/users.js'), 'utf8');
    fs.rmSync(path.join(dir, 'lib'), { recursive: true });
    writeProject(dir, { 'src/users.js': `${rabbit}${users.replace("import { sendRequest } from '../lib/rabbit.js';\n", '')}` });
    expect(lintInOrder(dir, ['src/users.js', 'src/routes.js'])).toEqual(['src/routes.js:6:wrapperWithoutContext', 'src/users.js:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a global interceptor a shared library\'s module provides', () => {
  // libs/shared (behind a path alias and a barrel) has GlobalTracingModule providing APP_INTERCEPTOR with an
  // interceptor that extracts: the orders app imports that module, so its handlers run in the producer's context.
  // The upload app imports only a constant from the same barrel, so its handler is still reported.
  it('covers the handlers of the apps that import the module, not of those that import the library for else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-globalmodule-'));
    const app = (name: string, imports: string, modules: string): Record<string, string> => ({
      [`apps/${name}/src/main.ts`]: "import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.createMicroservice(AppModule, { transport: Transport.KAFKA, options: { client: { brokers: ['kafka:9092'] } } });\n  await app.listen();\n}\nbootstrap();\n",
      [`apps/${name}/src/app.module.ts`]: `import { Module } from '@nestjs/common';\nimport { ${imports} } from '@shop/shared';\nimport { EventsController } from './events.controller';\n@Module({ imports: [${modules}], controllers: [EventsController] })\nexport class AppModule {}\n`,
      [`apps/${name}/src/events.controller.ts`]: "import { Controller } from '@nestjs/common';\nimport { EventPattern, Payload } from '@nestjs/microservices';\n@Controller()\nexport class EventsController {\n  @EventPattern('orders.created')\n  async onCreated(@Payload() order: { id: string }) {\n    await fetch(`http://store/orders/${order.id}`, { method: 'PUT' });\n  }\n}\n",
    });
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', kafkajs: '2.2.4' } }),
      'nx.json': '{}',
      'tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@shop/shared': ['libs/shared/src/index.ts'] } } }),
      'tsconfig.json': JSON.stringify({ extends: './tsconfig.base.json' }),
      'libs/shared/src/index.ts': "export * from './lib/global-tracing.module';\nexport * from './lib/topics';\n",
      'libs/shared/src/lib/topics.ts': "export const TOPICS = { created: 'orders.created' };\n",
      'libs/shared/src/lib/global-tracing.module.ts': "import { Global, Module } from '@nestjs/common';\nimport { APP_INTERCEPTOR } from '@nestjs/core';\nimport { TracingInterceptor } from './tracing.interceptor';\n@Global()\n@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: TracingInterceptor }] })\nexport class GlobalTracingModule {}\n",
      'libs/shared/src/lib/tracing.interceptor.ts': "import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';\nimport type { KafkaContext } from '@nestjs/microservices';\nimport { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';\n@Injectable()\nexport class TracingInterceptor implements NestInterceptor {\n  intercept(execution: ExecutionContext, next: CallHandler) {\n    const kafka = execution.switchToRpc().getContext<KafkaContext>();\n    const parent = propagation.extract(ROOT_CONTEXT, kafka.getMessage().headers ?? {});\n    return context.with(parent, () => next.handle());\n  }\n}\n",
      ...app('orders', 'GlobalTracingModule', 'GlobalTracingModule'),
      ...app('upload', 'TOPICS', ''),
    });
    expect(lintInOrder(dir, ['apps/orders/src/events.controller.ts', 'apps/upload/src/events.controller.ts'])).toEqual(['apps/upload/src/events.controller.ts:6:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a hybrid bootstrap with a root module per server', () => {
  // main.ts starts a TCP server on AppModule and a Kafka server on KafkaAppModule, which imports ConsumerModule:
  // the consumer controller is served by Kafka only, the users controller by TCP only. A Kafka server connected to
  // the app (`connectMicroservice`) serves every controller the app has: which transport a handler gets is unknown.
  it('gives each controller the transports of the servers whose module reaches it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-hybridroots-'));
    const handler = (name: string, pattern: string): string => `import { Controller } from '@nestjs/common';\nimport { EventPattern, Payload } from '@nestjs/microservices';\n@Controller()\nexport class ${name} {\n  @EventPattern('${pattern}')\n  async handle(@Payload() event: { id: string }) {\n    await fetch(\`http://store/\${event.id}\`, { method: 'PUT' });\n  }\n}\n`;
    const files = (main: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'feed', dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', kafkajs: '2.2.4' } }),
      'src/main.ts': main,
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { UsersController } from './users.controller';\n@Module({ controllers: [UsersController] })\nexport class AppModule {}\n",
      'src/kafka-app.module.ts': "import { Module, forwardRef } from '@nestjs/common';\nimport { ConsumerModule } from './consumer/consumer.module';\n@Module({ imports: [forwardRef(() => ConsumerModule)] })\nexport class KafkaAppModule {}\n",
      'src/consumer/consumer.module.ts': "import { Module } from '@nestjs/common';\nimport { ConsumerController } from './consumer.controller';\n@Module({ controllers: [ConsumerController] })\nexport class ConsumerModule {}\n",
      'src/consumer/consumer.controller.ts': handler('ConsumerController', 'feed.events'),
      'src/users.controller.ts': handler('UsersController', 'users.get'),
    });
    const kafka = "{ transport: Transport.KAFKA, options: { client: { brokers: ['kafka:9092'] } } }";
    writeProject(dir, files(`import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\nimport { KafkaAppModule } from './kafka-app.module';\nasync function bootstrap() {\n  const tcp = await NestFactory.createMicroservice(AppModule, { transport: Transport.TCP });\n  const kafka = await NestFactory.createMicroservice(KafkaAppModule, ${kafka});\n  await Promise.all([tcp.listen(), kafka.listen()]);\n}\nbootstrap();\n`));
    const both = ['src/consumer/consumer.controller.ts', 'src/users.controller.ts'];
    expect(lintInOrder(dir, both)).toEqual(['src/consumer/consumer.controller.ts:6:missingExtraction']);
    writeProject(dir, files(`import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.createMicroservice(AppModule, { transport: Transport.TCP });\n  app.connectMicroservice(${kafka});\n  await app.startAllMicroservices();\n}\nbootstrap();\n`));
    expect(lintInOrder(dir, both)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a helper that sends to a queue on one path and calls another way on the other', () => {
  // Apillon/apillon-services (286 judged wrong): BaseService.callService() sends to SQS when a queue URL is set and
  // otherwise invokes a Lambda; every service call was told it "publishes through callService()". A helper whose
  // send is guarded only (`if (queueUrl) send`) is still one its callers publish through.
  it('does not make its callers publishers; a guarded send does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-otherway-'));
    const service = (otherwise: string): string => `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nimport { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';\nexport async function callService(payload: object, queueUrl?: string): Promise<void> {\n  if (queueUrl) {\n    await new SQSClient({}).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(payload) }));\n  }${otherwise}\n}\n`;
    const files = (otherwise: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'apillon', dependencies: { '@aws-sdk/client-sqs': '^3.600.0', '@aws-sdk/client-lambda': '^3.600.0' } }),
      'src/base-service.ts': service(otherwise),
      'src/storage.ts': "import { callService } from './base-service';\nexport async function listBuckets(project: string): Promise<void> {\n  await callService({ eventName: 'list-buckets', project });\n}\n",
    });
    const order = ['src/base-service.ts', 'src/storage.ts'];
    writeProject(dir, files(" else {\n    await new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'storage', Payload: Buffer.from(JSON.stringify(payload)) }));\n  }"));
    expect(lintInOrder(dir, order)).toEqual(['src/base-service.ts:5:missingHeaders']);
    writeProject(dir, files(''));
    expect(lintInOrder(dir, order)).toEqual(['src/base-service.ts:5:missingHeaders', 'src/storage.ts:3:wrapperWithoutContext']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('an entry point only a script parser reads', () => {
  // ZebaSetas/Centinela: index.js loads New Relic first, and later writes `new Date(2000, 01, 01)`, a legacy octal
  // that strict code forbids. The entry did not parse, so the agent loaded first was never seen.
  it('is read as a CommonJS script, and what it loads first counts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-octal-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'centinela', scripts: { start: 'node index.js' }, dependencies: { amqplib: '^0.10.3', newrelic: '^11.0.0' } }),
      'index.js': "require('newrelic');\nconst { publish } = require('./queue');\nconst start = new Date(2000, 01, 01);\npublish(start.toISOString());\n",
      'queue.js': "const amqp = require('amqplib');\nasync function publish(text) {\n  const ch = await (await amqp.connect('amqp://x')).createChannel();\n  ch.sendToQueue('q', Buffer.from(text));\n}\nmodule.exports = { publish };\n",
    });
    expect(lintInOrder(dir, ['queue.js'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a tracer a test sets up', () => {
  // moleculerjs/moleculer: test/unit/tracing/exporters/datadog.spec.js requires dd-trace; the amqp transporter's report
  // named that spec as "the amqplib instrumentation", loaded too late. A test's setup is none of the app's.
  it('is not named as the instrumentation of the app', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-testtracer-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'broker', main: 'src/index.js', dependencies: { amqplib: '^0.10.3' }, devDependencies: { 'dd-trace': '^5.0.0' } }),
      'src/index.js': "const amqp = require('amqplib');\nasync function send(text) {\n  const ch = await (await amqp.connect('amqp://x')).createChannel();\n  ch.sendToQueue('q', Buffer.from(text));\n}\nmodule.exports = { send };\n",
      'test/unit/exporters/datadog.spec.js': "const tracer = require('dd-trace').init();\nconst { send } = require('../../../src/index');\ndescribe('exporter', () => { it('sends', () => send('x')); });\n",
    });
    Project.reset();
    const file = path.join(dir, 'src/index.js');
    const messages = new Linter({ cwd: dir }).verify(fs.readFileSync(file, 'utf8'), plugin.configs.recommended as never, file);
    expect(messages.map((m) => m.messageId)).toEqual(['missingHeaders']);
    expect(messages[0]!.message).toContain('No amqplib instrumentation is loaded');
    expect(messages[0]!.message).not.toContain('spec');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('an exported helper nothing calls', () => {
  // usdigitalresponse/cpf-reporter: lib/aws.ts exports sendSqsMessage() and receiveSqsMessage(), which nothing in the
  // repository calls, while other files import lib/aws.ts for its S3 helpers. A module no file imports may be an entry
  // point a runtime calls by name (a Lambda handler): its functions are judged.
  it('is dead code, unless its module is imported by nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-deadhelper-'));
    const aws = "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nexport function bucketName(): string {\n  return process.env.BUCKET ?? 'uploads';\n}\nexport async function sendSqsMessage(queueUrl: string, body: object): Promise<void> {\n  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));\n}\nexport async function notifyUpload(key: string): Promise<void> {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.UPLOADS_QUEUE, MessageBody: key }));\n}\n";
    const files = (importer: boolean): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'cpf', dependencies: { '@aws-sdk/client-sqs': '^3.600.0' } }),
      'src/lib/aws.ts': aws,
      ...(importer ? { 'src/uploads.ts': "import { bucketName, notifyUpload } from './lib/aws';\nexport async function upload(key: string): Promise<string> {\n  await notifyUpload(key);\n  return bucketName();\n}\n" } : {}),
    });
    writeProject(dir, files(true));
    expect(lintInOrder(dir, ['src/lib/aws.ts'])).toEqual(['src/lib/aws.ts:10:missingHeaders']);
    fs.rmSync(path.join(dir, 'src/uploads.ts'));
    writeProject(dir, files(false));
    expect(lintInOrder(dir, ['src/lib/aws.ts'])).toEqual(['src/lib/aws.ts:10:missingHeaders', 'src/lib/aws.ts:7:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a wrapper of a client version without headers', () => {
  // energywebfoundation/ssi-hub: nats 1.x (no headers at all) behind NatsWrapper.publish(); the callers of the
  // wrapper, in files that never import nats, were told to inject inside it.
  it('leaves its callers unjudged, as the wrapper itself is', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nats1wrapper-'));
    const files = (version: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'hub', dependencies: { nats: version } }),
      'src/nats.wrapper.ts': "import { connect } from 'nats';\nconst connection = connect('nats://localhost:4222');\nexport function publish(subject: string, data: object): void {\n  connection.publish(subject, JSON.stringify(data));\n}\n",
      'src/claims.ts': "import { publish } from './nats.wrapper';\nexport function claimIssued(id: string): void {\n  publish('claims.issued', { id });\n}\n",
    });
    writeProject(dir, files('^1.4.12'));
    expect(lintInOrder(dir, ['src/claims.ts', 'src/nats.wrapper.ts'])).toEqual([]);
    writeProject(dir, files('^2.28.0'));
    expect(lintInOrder(dir, ['src/claims.ts', 'src/nats.wrapper.ts'])).toEqual(['src/claims.ts:3:wrapperWithoutContext', 'src/nats.wrapper.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('an app whose servers all carry headers', () => {
  // pivota-api: auth-service connects Kafka, gRPC and RabbitMQ servers to one app. gRPC dispatches only @GrpcMethod
  // handlers, and Kafka and RabbitMQ both carry headers: an @EventPattern handler that never extracts loses the trace
  // whichever delivers it. With a TCP server among them (no headers) the transport stays unknown.
  it('reports handlers that never extract, unless a headerless server may serve them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-allheaders-'));
    const server = (transport: string): string => `  app.connectMicroservice({ transport: Transport.${transport}, options: {} });\n`;
    const files = (transports: string[]): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'auth', dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', kafkajs: '2.2.4', amqplib: '0.10.3' } }),
      'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n${transports.map(server).join('')}  await app.startAllMicroservices();\n  await app.listen(3000);\n}\nbootstrap();\n`,
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { AccountConsumer } from './account.consumer';\n@Module({ controllers: [AccountConsumer] })\nexport class AppModule {}\n",
      'src/account.consumer.ts': "import { Controller } from '@nestjs/common';\nimport { EventPattern, Payload } from '@nestjs/microservices';\n@Controller()\nexport class AccountConsumer {\n  @EventPattern('account.created')\n  async created(@Payload() event: { id: string }) {\n    await fetch(`http://profiles/${event.id}`, { method: 'POST' });\n  }\n}\n",
    });
    const consumer = ['src/account.consumer.ts'];
    writeProject(dir, files(['KAFKA', 'GRPC', 'RMQ']));
    expect(lintInOrder(dir, consumer)).toEqual(['src/account.consumer.ts:6:missingExtraction']);
    writeProject(dir, files(['KAFKA', 'GRPC']));
    expect(lintInOrder(dir, consumer)).toEqual(['src/account.consumer.ts:6:missingExtraction']);
    writeProject(dir, files(['KAFKA', 'TCP']));
    expect(lintInOrder(dir, consumer)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('server options a shared library exports', () => {
  // system-chat: `createMicroservice(AuthenticatorModule, authenticatorQueueOptions)`, the options exported by
  // libs/common (behind a path alias and a barrel): RabbitMQ, whose handlers must extract; TCP ones need not.
  it('take the transport from the exported constant', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-importedoptions-'));
    const files = (transport: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'chat', dependencies: { '@nestjs/microservices': '^10.3.0', '@nestjs/core': '^10.3.0', amqplib: '0.10.3' } }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/common': ['libs/common/src/index.ts'], '@app/common/*': ['libs/common/src/*'] } } }),
      'libs/common/src/index.ts': "export * from './providers/queues';\n",
      'libs/common/src/providers/queues.ts': `import { RmqOptions, TcpOptions, Transport } from '@nestjs/microservices';\nconst options = { urls: [process.env.AMQP_URL], queue: 'auth' };\nexport const authQueueOptions: RmqOptions | TcpOptions = { transport: Transport.${transport}, options: { ...options, noAck: false } };\n`,
      'apps/auth/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { authQueueOptions } from '@app/common';\nimport { AuthModule } from './auth.module';\nasync function bootstrap() {\n  const app = await NestFactory.createMicroservice(AuthModule, authQueueOptions);\n  await app.listen();\n}\nbootstrap();\n",
      'apps/auth/src/auth.module.ts': "import { Module } from '@nestjs/common';\nimport { AuthController } from './auth.controller';\n@Module({ controllers: [AuthController] })\nexport class AuthModule {}\n",
      'apps/auth/src/auth.controller.ts': "import { Controller } from '@nestjs/common';\nimport { MessagePattern, Payload } from '@nestjs/microservices';\n@Controller()\nexport class AuthController {\n  @MessagePattern('auth.verify')\n  async verify(@Payload() token: string) {\n    return fetch(`http://keys/verify/${token}`);\n  }\n}\n",
    });
    writeProject(dir, files('RMQ'));
    expect(lintInOrder(dir, ['apps/auth/src/auth.controller.ts'])).toEqual(['apps/auth/src/auth.controller.ts:6:missingExtraction']);
    writeProject(dir, files('TCP'));
    expect(lintInOrder(dir, ['apps/auth/src/auth.controller.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a tracing setup started with a promise chain', () => {
  // `startTracing().then(() => startServer())` at the top of the entry runs the setup's function up to its first
  // await, registering the instrumentations, before the next `require` (TypeScript compiled to CommonJS).
  it('counts as started where it is called, and not when the client module is imported before it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-thenstart-'));
    const main = (first: string, second: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'poller', scripts: { start: 'node dist/server/main.js' }, dependencies: { '@aws-sdk/client-sqs': '^3.500.0', '@opentelemetry/sdk-node': '^0.45.1', '@opentelemetry/instrumentation-aws-sdk': '^0.37.0' } }),
      'src/server/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';\nexport async function startTracing() {\n  const sdk = new NodeSDK({ instrumentations: [new AwsInstrumentation({})] });\n  await sdk.start();\n}\n",
      'src/server/main.ts': `import { startTracing } from './tracing';\n${first}\n${second}\n`,
      'src/server/app.ts': "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nexport async function startServer() {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: '{}' }));\n}\n",
    });
    const started = "startTracing().then(() => startServer()).catch((e) => console.error(e));";
    writeProject(dir, main(started, "import { startServer } from './app';"));
    expect(lintInOrder(dir, ['src/server/app.ts'])).toEqual([]);
    writeProject(dir, main("import { startServer } from './app';", started));
    expect(lintInOrder(dir, ['src/server/app.ts'])).toEqual(['src/server/app.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a chain of barrels', () => {
  // `@app/shared` → `infra/index.ts` → `rabbitmq/index.ts` → `rabbit.service.ts`: barrels that only re-export add no
  // step to what a module reaches, so the service behind three of them is followed like one imported directly.
  it('follows a wrapper service behind three barrels to its callers, and finds it injecting behind them too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-barrels-'));
    const files = (send: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'dating', dependencies: { amqplib: '^0.10.3', '@nestjs/common': '^10.0.0' } }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/shared': ['libs/shared/src'] } } }),
      'libs/shared/src/index.ts': "export * from './infra';\n",
      'libs/shared/src/infra/index.ts': "// Infrastructure adapters.\nexport * from './rabbitmq';\n",
      'libs/shared/src/infra/rabbitmq/index.ts': "export * from './rabbit.service';\nexport type { QueueName } from './names';\n",
      'libs/shared/src/infra/rabbitmq/names.ts': "export type QueueName = 'pay' | 'mail';\n",
      'libs/shared/src/infra/rabbitmq/rabbit.service.ts': `import { Injectable } from '@nestjs/common';\nimport { context, propagation } from '@opentelemetry/api';\nimport * as amqp from 'amqplib';\n@Injectable()\nexport class RabbitService {\n  private channel!: amqp.Channel;\n  async connect() {\n    this.channel = await (await amqp.connect('amqp://rabbit')).createChannel();\n  }\n  async sendToQueue(queue: string, body: object) {\n    const headers: Record<string, string> = {};\n    propagation.inject(context.active(), headers);\n    ${send}\n  }\n}\n`,
      'apps/api/src/pay.service.ts': "import { Injectable } from '@nestjs/common';\nimport { RabbitService } from '@app/shared';\n@Injectable()\nexport class PayService {\n  constructor(private readonly rabbit: RabbitService) {}\n  async pay(id: string) {\n    await this.rabbit.sendToQueue('pay', { id });\n  }\n}\n",
    });
    writeProject(dir, files('this.channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)));'));
    expect(lintInOrder(dir, ['apps/api/src/pay.service.ts'])).toEqual(['apps/api/src/pay.service.ts:7:wrapperWithoutContext']);
    writeProject(dir, files('this.channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { headers });'));
    expect(lintInOrder(dir, ['apps/api/src/pay.service.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a tracing setup started through a barrel', () => {
  // `import { nodeSDKBuilder } from '@acme/tracing'`, a workspace package whose index only re-exports `./tracing`
  // (a comment above it names classes and types): the call starts the setup behind the barrel.
  it('counts as started, and not when the client module is imported before the call', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-barrelstart-'));
    const files = (main: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'pocket', private: true, workspaces: ['packages/*', 'servers/*'] }),
      'packages/tracing/package.json': JSON.stringify({ name: '@acme/tracing', main: 'dist/index.js', types: 'dist/index.d.ts', dependencies: { '@opentelemetry/sdk-node': '^0.45.1', '@opentelemetry/instrumentation-aws-sdk': '^0.37.0' } }),
      'packages/tracing/src/index.ts': "// Anything consumable (module, type, class) is exported here.\nexport * from './tracing';\n",
      'packages/tracing/src/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';\nexport async function nodeSDKBuilder(options: { serviceName: string }) {\n  const sdk = new NodeSDK({ serviceName: options.serviceName, instrumentations: [new AwsInstrumentation({})] });\n  await sdk.start();\n}\n",
      'servers/deleter/package.json': JSON.stringify({ name: 'deleter', main: 'dist/main.js', scripts: { start: 'node dist/main.js' }, dependencies: { '@acme/tracing': '*', '@aws-sdk/client-sqs': '^3.500.0' } }),
      'servers/deleter/src/main.ts': main,
      'servers/deleter/src/server.ts': "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nexport async function startServer() {\n  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: '{}' }));\n}\n",
    });
    writeProject(dir, files("import { nodeSDKBuilder } from '@acme/tracing';\nnodeSDKBuilder({ serviceName: 'deleter' }).then(() => startServer());\nimport { startServer } from './server';\n"));
    expect(lintInOrder(dir, ['servers/deleter/src/server.ts'])).toEqual([]);
    writeProject(dir, files("import { nodeSDKBuilder } from '@acme/tracing';\nimport { startServer } from './server';\nnodeSDKBuilder({ serviceName: 'deleter' }).then(() => startServer());\n"));
    expect(lintInOrder(dir, ['servers/deleter/src/server.ts'])).toEqual(['servers/deleter/src/server.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('an organisation\'s own tracing package, preloaded from the build folder', () => {
  // `cd dist && node --import ./instrumentation.mjs ./index.js`: the preload is src/instrumentation.mts once built. It
  // starts `new Tracing({...})` from the organisation's own package, which cannot be read and wraps the
  // auto-instrumentations bundle: counted like it. Not preloaded, or Sentry's tracing package, it covers nothing.
  it('covers the publishes when preloaded, and not otherwise', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-owntracing-'));
    const files = (start: string, pkg: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'feedback', type: 'module', scripts: { build: 'tsc', start }, dependencies: { kafkajs: '^2.2.4', [pkg]: '^1.0.0' } }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { outDir: 'dist', rootDir: 'src' } }),
      'src/instrumentation.mts': "import { tracingFactory } from './common/tracing.js';\nconst tracing = tracingFactory({ serviceName: 'feedback' });\ntracing.start();\n",
      'src/common/tracing.ts': `import { Tracing } from '${pkg}';\nexport function tracingFactory(options: { serviceName: string }): Tracing {\n  return new Tracing({ ...options, autoInstrumentationsConfigMap: {} });\n}\n`,
      'src/index.ts': "import { send } from './kafka.js';\nawait send({ id: '1' });\n",
      'src/kafka.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nexport async function send(event: { id: string }) {\n  await producer.send({ topic: 'feedback', messages: [{ value: JSON.stringify(event) }] });\n}\n",
    });
    const reported = ['src/kafka.ts:4:missingHeaders'];
    writeProject(dir, files('npm run build && cd dist && node --import ./instrumentation.mjs ./index.js', '@acme/tracing'));
    expect(lintInOrder(dir, ['src/kafka.ts'])).toEqual([]);
    writeProject(dir, files('npm run build && node dist/index.js', '@acme/tracing'));
    expect(lintInOrder(dir, ['src/kafka.ts'])).toEqual(reported);
    writeProject(dir, files('npm run build && cd dist && node --import ./instrumentation.mjs ./index.js', '@sentry/tracing'));
    expect(lintInOrder(dir, ['src/kafka.ts'])).toEqual(reported);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a command run by hand from a service\'s sources', () => {
  // support-service-lambdas: `"sync-user": "tsx ./src/syncUser.ts"` reads the user to sync from process.argv and sends
  // to SQS. No module imports it and nothing that starts the service names it: nobody's trace runs there. The same
  // code started by the Dockerfile, or in the service's entry file, is reported.
  it('is left out; a process the Dockerfile starts and an entry file are not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-'));
    const send = (queue: string): string => `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nconst [id] = process.argv.slice(2);\nawait sqs.send(new SendMessageCommand({ QueueUrl: '${queue}', MessageBody: JSON.stringify({ id }) }));\n`;
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'supporter-data', scripts: { start: 'node dist/index.js', 'sync-user': 'tsx ./src/syncUser.ts' }, dependencies: { '@aws-sdk/client-sqs': '^3.0.0' } }),
      Dockerfile: 'FROM node:20\nCOPY dist dist\nCMD ["node", "dist/relay.js"]\n',
      'src/syncUser.ts': send('supporter-product-data'),
      'src/relay.ts': send('relay'),
      'src/index.ts': send('entry'),
    });
    expect(lintInOrder(dir, ['src/syncUser.ts', 'src/relay.ts', 'src/index.ts'])).toEqual(['src/index.ts:4:missingHeaders', 'src/relay.ts:4:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads its command line through an argument parser too', () => {
    // account-interventions-service: `"send-audit-event": "tsx src/scripts/send-audit-event.ts"` with parseArgs of
    // node:util, in src/scripts/ (where a job a package script runs is kept). A module that only names a function
    // `parseArguments` of its own reads nothing: a job.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-parseargs-'));
    const send = (read: string): string => `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\n${read}\nconst sqs = new SQSClient({});\nawait sqs.send(new SendMessageCommand({ QueueUrl: 'audit', MessageBody: JSON.stringify({ id }) }));\n`;
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'interventions', scripts: { 'send-audit-event': 'tsx src/scripts/send-audit-event.ts', replay: 'tsx src/scripts/replay.ts', relay: 'tsx src/scripts/relay.ts' }, dependencies: { '@aws-sdk/client-sqs': '^3.0.0' } }),
      'src/scripts/send-audit-event.ts': send("import { parseArgs } from 'node:util';\nconst { values: { id } } = parseArgs({ options: { id: { type: 'string' } } });"),
      'src/scripts/replay.ts': send("import yargs from 'yargs';\nconst { id } = yargs(process.env.ARGS ?? '').parseSync();"),
      'src/scripts/relay.ts': send("import { parseArguments } from './args';\nconst { id } = parseArguments();"),
    });
    expect(lintInOrder(dir, ['src/scripts/send-audit-event.ts', 'src/scripts/replay.ts', 'src/scripts/relay.ts'])).toEqual(['src/scripts/relay.ts:5:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a header of the project\'s own format, filled by a method of an interface', () => {
  // hcengineering/platform: the queue producer sends `meta: JSON.stringify(ctx.extractMeta())`, `ctx` a MeasureContext
  // (an interface); the class that implements it in another package calls propagation.inject in extractMeta(). A
  // method of that name that injects nowhere in the project leaves the header uninjected.
  it('counts as injected when a method of that name in the project injects', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-meta-'));
    const files = (body: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'platform', private: true, workspaces: ['packages/*'] }),
      'packages/core/package.json': JSON.stringify({ name: '@hc/core', main: 'src/index.ts' }),
      'packages/core/src/index.ts': 'export interface MeasureContext {\n  extractMeta(): Record<string, string>;\n  describe(): Record<string, string>;\n}\n',
      'packages/otlp/package.json': JSON.stringify({ name: '@hc/otlp', main: 'src/index.ts', dependencies: { '@opentelemetry/api': '^1.9.0' } }),
      'packages/otlp/src/index.ts': `import { context, propagation } from '@opentelemetry/api';\nexport class OtlpContext {\n  extractMeta(): Record<string, string> {\n    const headers: Record<string, string> = {};\n    ${body}\n    return headers;\n  }\n  describe(): Record<string, string> {\n    return { service: 'tx' };\n  }\n}\n`,
      'packages/kafka/package.json': JSON.stringify({ name: '@hc/kafka', main: 'src/index.ts', dependencies: { kafkajs: '^2.2.4', '@hc/core': '*' } }),
      'packages/kafka/src/index.ts': "import { Kafka } from 'kafkajs';\nimport type { MeasureContext } from '@hc/core';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nexport async function send(ctx: MeasureContext, workspace: string, msg: object) {\n  await producer.send({ topic: 'tx', messages: [{ value: JSON.stringify(msg), headers: { workspace, meta: JSON.stringify(ctx.extractMeta()) } }] });\n  await producer.send({ topic: 'tx', messages: [{ value: JSON.stringify(msg), headers: { workspace, meta: JSON.stringify(ctx.describe()) } }] });\n}\n",
    });
    writeProject(dir, files('propagation.inject(context.active(), headers);'));
    expect(lintInOrder(dir, ['packages/kafka/src/index.ts'])).toEqual(['packages/kafka/src/index.ts:6:headersNotInjected']);
    writeProject(dir, files("headers.service = 'tx';"));
    expect(lintInOrder(dir, ['packages/kafka/src/index.ts'])).toEqual(['packages/kafka/src/index.ts:5:headersNotInjected', 'packages/kafka/src/index.ts:6:headersNotInjected']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a Nest client handed on through constructors', () => {
  // genak: CustomClientsModule.register(Constants.NAME, 'notifications') registers an RMQ client under the name its
  // caller passes as a parameter; a handler injects it and builds `new NotificationsConnection(client)`, which builds
  // `new NotificationsServiceImpl(client)` (both in a library imported through barrels), whose methods emit.
  it('is judged with the transport of the client the handler injects', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-handed-'));
    const files = (transport: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'genak', dependencies: { '@nestjs/common': '^10.0.0', '@nestjs/microservices': '^10.0.0' } }),
      'libs/common/src/index.ts': "export * from './clients';\nexport * from './notifications';\n",
      'libs/common/src/clients/index.ts': "export * from './custom-clients.module';\n",
      'libs/common/src/clients/custom-clients.module.ts': `import { DynamicModule, Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\n@Module({})\nexport class CustomClientsModule {\n  static register(microserviceName: string, queue: string): DynamicModule {\n    return { module: CustomClientsModule, imports: [ClientsModule.registerAsync([{ name: microserviceName, useFactory: () => ({ transport: Transport.${transport}, options: { queue } }) }])], exports: [ClientsModule] };\n  }\n}\n`,
      'libs/common/src/notifications/index.ts': "export * from './constants';\nexport * from './notifications.connection';\nexport * from './services';\n",
      'libs/common/src/notifications/constants.ts': "export class NotificationsConstants {\n  static readonly NAME = 'NOTIFICATIONS_MICROSERVICE';\n}\n",
      'libs/common/src/notifications/notifications.connection.ts': "import { ClientProxy } from '@nestjs/microservices';\nimport { NotificationsServiceImpl } from '../index';\nexport class NotificationsConnection {\n  readonly service: NotificationsServiceImpl;\n  constructor(client: ClientProxy) {\n    this.service = new NotificationsServiceImpl(client);\n  }\n}\n",
      'libs/common/src/notifications/services/index.ts': "export * from './notifications-service.implementation';\n",
      'libs/common/src/notifications/services/notifications-service.implementation.ts': "import { ClientProxy } from '@nestjs/microservices';\nexport class NotificationsServiceImpl {\n  constructor(private readonly notifications: ClientProxy) {}\n  sendSms(phone: string): void {\n    this.notifications.emit('sms.send', { phone });\n  }\n}\n",
      'apps/auth/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { HttpModule } from './http.module';\nconst app = await NestFactory.create(HttpModule);\nawait app.listen(3000);\n",
      'apps/auth/src/http.module.ts': "import { Module } from '@nestjs/common';\nimport { CustomClientsModule, NotificationsConstants } from '../../../libs/common/src';\nimport { CodeCreatedHandler } from './code-created.handler';\n@Module({ imports: [CustomClientsModule.register(NotificationsConstants.NAME, 'notifications')], providers: [CodeCreatedHandler] })\nexport class HttpModule {}\n",
      'apps/auth/src/code-created.handler.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientProxy } from '@nestjs/microservices';\nimport { NotificationsConnection, NotificationsConstants } from '../../../libs/common/src';\n@Injectable()\nexport class CodeCreatedHandler {\n  private readonly connection: NotificationsConnection;\n  constructor(@Inject(NotificationsConstants.NAME) private readonly client: ClientProxy) {\n    this.connection = new NotificationsConnection(client);\n  }\n  handle(phone: string): void {\n    this.connection.service.sendSms(phone);\n  }\n}\n",
    });
    const impl = 'libs/common/src/notifications/services/notifications-service.implementation.ts';
    writeProject(dir, files('RMQ'));
    expect(lintInOrder(dir, [impl])).toEqual([`${impl}:5:missingHeaders`]);
    // TCP carries no headers: not judged.
    writeProject(dir, files('TCP'));
    expect(lintInOrder(dir, [impl])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a sample producer that a test script of the package runs', () => {
  // panopticon: "test:sample:span": "ts-node src/sample-producer/send-sample-span.ts", a one-shot main() that sends
  // sample records. Run by a test script, imported by nothing: test code. Run by another script, it is judged.
  it('is left out; the same file under another script is reported', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-samplescript-'));
    const files = (script: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'collector', scripts: { start: 'node dist/main.js', [script]: 'ts-node src/producers/send-span.ts' }, dependencies: { kafkajs: '^2.2.4' } }),
      'src/producers/send-span.ts': "import { Kafka } from 'kafkajs';\nasync function main() {\n  const producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\n  await producer.connect();\n  await producer.send({ topic: 'spans', messages: [{ value: JSON.stringify({ name: 'GET /' }) }] });\n  await producer.disconnect();\n}\nvoid main();\n",
    });
    writeProject(dir, files('test:sample:span'));
    expect(lintInOrder(dir, ['src/producers/send-span.ts'])).toEqual([]);
    writeProject(dir, files('produce:span'));
    expect(lintInOrder(dir, ['src/producers/send-span.ts'])).toEqual(['src/producers/send-span.ts:5:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a NestJS controller no module registers', () => {
  // daniel-wolfson: a demo controller and a replaced one sit beside the registered controller; no module imports their
  // files, so their handlers never run. The registered controller's handler is reported.
  it('is left out while the registered one is judged', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-unregistered-'));
    const controller = (name: string, pattern: string): string => `import { Controller } from '@nestjs/common';\nimport { EventPattern, Payload } from '@nestjs/microservices';\nimport { BillingService } from './billing.service';\n@Controller()\nexport class ${name} {\n  constructor(private readonly billing: BillingService) {}\n  @EventPattern('${pattern}')\n  async handle(@Payload() data: { id: string }) {\n    await this.billing.book(data.id);\n  }\n}\n`;
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'billing', dependencies: { '@nestjs/common': '^10.0.0', '@nestjs/core': '^10.0.0', '@nestjs/microservices': '^10.0.0' } }),
      'src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { Transport } from '@nestjs/microservices';\nimport { AppModule } from './app.module';\nconst app = await NestFactory.createMicroservice(AppModule, { transport: Transport.RMQ, options: { queue: 'billing' } });\nawait app.listen();\n",
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { BookingController } from './booking.controller';\n@Module({ controllers: [BookingController] })\nexport class AppModule {}\n",
      'src/billing.service.ts': 'export class BillingService {\n  async book(id: string) {\n    return id;\n  }\n}\n',
      'src/booking.controller.ts': controller('BookingController', 'booking.requested'),
      'src/booking-demo.controller.ts': controller('BookingDemoController', 'booking.demo'),
    });
    expect(lintInOrder(dir, ['src/booking.controller.ts', 'src/booking-demo.controller.ts'])).toEqual(['src/booking.controller.ts:8:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a module that only starts spans with a tracer of its own', () => {
  // koj-backend: `import { tracer } from '@/tracing/tracer'` (a path alias to a module of the project) and
  // `tracer.startSpan(...)` in a provider. Neither the alias nor starting a span sets up instrumentation: the reports
  // of the Kafka saga must not say that an instrumentation there is loaded too late.
  it('is not taken for a tracing setup, through a path alias or a package', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-spanonly-'));
    const files = (source: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'koj', scripts: { start: 'node dist/main.js' }, dependencies: { kafkajs: '^2.2.4', '@opentelemetry/api': '^1.9.0' } }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['src/*'] } } }),
      'src/tracing/tracer.ts': "import { trace } from '@opentelemetry/api';\nexport const tracer = trace.getTracer('koj');\n",
      'src/enforcer.ts': `import { tracer } from '${source}';\nexport async function loadPolicy(): Promise<void> {\n  const span = tracer.startSpan('bootstrap.policy');\n  span.end();\n}\n`,
      'src/saga.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\nexport async function step(id: string) {\n  await producer.send({ topic: 'saga', messages: [{ value: id }] });\n}\n",
      'src/main.ts': "import { step } from './saga';\nimport { loadPolicy } from './enforcer';\nawait loadPolicy();\nawait step('1');\n",
    });
    for (const source of ['@/tracing/tracer', '@acme/tracing']) {
      writeProject(dir, files(source));
      Project.reset();
      const full = path.join(dir, 'src/saga.ts');
      const messages = new Linter({ cwd: dir }).verify(fs.readFileSync(full, 'utf8'), plugin.configs.recommended as never, full).map((m) => m.message);
      expect(messages, source).toEqual([expect.stringContaining('No kafkajs instrumentation is loaded before the client library here')]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a package linked with a file: dependency', () => {
  // No workspaces: services/user depends on "@delivery/common": "file:../../packages/common", whose main names a
  // dist/ that is not built. Its sources are read, also above the service's own project (a tree without .git).
  it('is followed from its sources, and a missing link stays unknown', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-filelink-'));
    const files = (range: string): Record<string, string> => ({
      'packages/common/package.json': JSON.stringify({ name: '@delivery/common', main: 'dist/index.js', types: 'dist/index.d.ts', dependencies: { kafkajs: '^2.2.4' } }),
      'packages/common/src/index.ts': "export * from './kafka.service';\n",
      'packages/common/src/kafka.service.ts': "import { Kafka } from 'kafkajs';\nexport class KafkaService {\n  private producer = new Kafka({ brokers: ['kafka:9092'] }).producer();\n  async emit(topic: string, payload: unknown, headers?: Record<string, string>) {\n    await this.producer.send({ topic, messages: [{ value: JSON.stringify(payload), headers }] });\n  }\n}\n",
      'services/user/package.json': JSON.stringify({ name: 'user', dependencies: { '@delivery/common': range } }),
      'services/user/src/user.service.ts': "import { KafkaService } from '@delivery/common';\nexport class UserService {\n  constructor(private readonly kafka: KafkaService) {}\n  async register(id: string) {\n    await this.kafka.emit('user.created', { id });\n  }\n}\n",
    });
    writeProject(dir, files('file:../../packages/common'));
    expect(lintInOrder(dir, ['services/user/src/user.service.ts'])).toEqual(['services/user/src/user.service.ts:5:missingHeaders']);
    writeProject(dir, files('file:../../packages/absent'));
    expect(lintInOrder(dir, ['services/user/src/user.service.ts'])).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a job module that only a cron schedule of another module runs', () => {
  // jobs.js: nightly() publishes, and calls notify(), which publishes too; index.js schedules nightly() with
  // node-cron, in a callback or by name. Neither has a trace to carry on. Handed to an HTTP route as well, it has.
  it('is a periodic job with the helpers it alone calls, unless something else runs it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cronjobs-'));
    const files = (index: string): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'heavens', type: 'module', scripts: { start: 'node src/index.js' }, dependencies: { amqplib: '^0.10.3', 'node-cron': '^3.0.3', express: '^4.19.0' } }),
      'src/mq.js': "import amqp from 'amqplib';\nlet channel;\nexport async function send(queue, data) {\n  if (!channel) channel = await (await amqp.connect(process.env.AMQP_URL)).createChannel();\n  channel.sendToQueue(queue, Buffer.from(JSON.stringify(data)));\n}\n",
      'src/jobs.js': "import { send } from './mq.js';\nconst notify = async (id) => {\n  await send('notify', { id });\n};\nexport const nightly = async () => {\n  await send('report', { at: Date.now() });\n  await notify(1);\n};\n",
      'src/index.js': index,
    });
    const head = "import cron from 'node-cron';\nimport express from 'express';\nimport { nightly } from './jobs.js';\n";
    writeProject(dir, files(`${head}cron.schedule('0 * * * *', () => {\n  nightly();\n});\n`));
    expect(lintInOrder(dir, ['src/jobs.js', 'src/mq.js'])).toEqual([]);
    writeProject(dir, files(`${head}cron.schedule('0 * * * *', nightly);\n`));
    expect(lintInOrder(dir, ['src/jobs.js', 'src/mq.js'])).toEqual([]);
    writeProject(dir, files(`${head}cron.schedule('0 * * * *', nightly);\nexpress().post('/reports', nightly);\n`));
    expect(lintInOrder(dir, ['src/jobs.js', 'src/mq.js'])).toEqual(['src/jobs.js:3:wrapperWithoutContext', 'src/jobs.js:6:wrapperWithoutContext', 'src/mq.js:5:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('clients a factory of another module hands back in an object', () => {
  // rabbit.ts: connectRabbitMQ() returns { connection, channel }; pub.ts takes the channel out by destructuring or
  // as a property of the result. A factory returning plain settings under the same name is no client.
  it('are the clients the factory made', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-factory-object-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'orders', dependencies: { amqplib: '^0.10.3' } }),
      'src/rabbit.ts': "import amqp from 'amqplib';\nexport async function connectRabbitMQ() {\n  const connection = await amqp.connect(process.env.URL!);\n  const channel = await connection.createChannel();\n  return { connection, channel };\n}\nexport function settings() {\n  return { channel: { sendToQueue: (q: string, b: Buffer) => [q, b] } };\n}\n",
      'src/pub.ts': "import { connectRabbitMQ, settings } from './rabbit';\nexport async function notify(order: { id: string }) {\n  const { channel } = await connectRabbitMQ();\n  channel.sendToQueue('orders', Buffer.from(JSON.stringify(order)));\n  const rabbit = await connectRabbitMQ();\n  rabbit.channel.sendToQueue('orders', Buffer.from(JSON.stringify(order)));\n  settings().channel.sendToQueue('orders', Buffer.from('x'));\n}\nexport async function listen() {\n  const { channel } = await connectRabbitMQ();\n  await channel.consume('orders', (msg) => {\n    if (msg) console.log(msg.content.toString());\n  });\n}\n",
    });
    expect(lintInOrder(dir, ['src/pub.ts'])).toEqual(['src/pub.ts:11:missingExtraction', 'src/pub.ts:4:missingHeaders', 'src/pub.ts:6:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a command-line tool the package ships', () => {
  // A load generator: package.json names a bin and depends on commander; its producer sends fake records. A person
  // runs it and no trace is active. The same code in a package that serves HTTP is judged.
  it('is left out, unless the package serves or starts something', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-tool-'));
    const files = (dependencies: Record<string, string>, scripts: Record<string, string> = {}): Record<string, string> => ({
      'package.json': JSON.stringify({ name: 'datagen', type: 'module', bin: { datagen: './dist/datagen.js' }, scripts, dependencies: { kafkajs: '^2.2.4', ...dependencies } }),
      'datagen.ts': "import { program } from 'commander';\nimport { generate } from './src/generate.js';\nprogram.option('-n, --number <n>');\nprogram.parse();\nawait generate(Number(program.opts().number));\n",
      'src/generate.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ clientId: 'datagen', brokers: ['localhost:9092'] }).producer();\nexport async function generate(n: number) {\n  for (let i = 0; i < n; i++) {\n    await producer.send({ topic: 'fake', messages: [{ value: JSON.stringify({ i }) }] });\n  }\n}\n",
    });
    writeProject(dir, files({ commander: '^10.0.0' }));
    expect(lintInOrder(dir, ['src/generate.ts'])).toEqual([]);
    writeProject(dir, files({ commander: '^10.0.0', express: '^4.19.0' }));
    expect(lintInOrder(dir, ['src/generate.ts'])).toEqual(['src/generate.ts:5:missingHeaders']);
    writeProject(dir, files({ commander: '^10.0.0' }, { start: 'node dist/server.js' }));
    expect(lintInOrder(dir, ['src/generate.ts'])).toEqual(['src/generate.ts:5:missingHeaders']);
    writeProject(dir, files({}));
    expect(lintInOrder(dir, ['src/generate.ts'])).toEqual(['src/generate.ts:5:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a NestJS client registration a project function makes', () => {
  // clients.ts: createClientOptions(name, queue) returns { name, useFactory: () => ({ transport: Transport.RMQ }) };
  // the module registers AUTH and USERS with it. The RMQ clients injected by those tokens carry headers only through
  // RmqRecordBuilder, so a plain emit loses the trace; a helper that returns a TCP client's entry does not.
  it('registers each caller token with the transport of the entry it returns', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nest-made-entry-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'gateway', scripts: { start: 'node dist/main.js' }, dependencies: { '@nestjs/microservices': '^10.3.0', amqplib: '^0.10.3' } }),
      'src/clients.ts': "import { Transport } from '@nestjs/microservices';\nexport function createClientOptions(name: string, queue: string) {\n  return { name, useFactory: () => ({ transport: Transport.RMQ, options: { urls: [process.env.AMQP_URL!], queue } }) };\n}\nexport const tcpClient = (name: string) => ({ name, transport: Transport.TCP, options: { port: 3001 } });\n",
      'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { ClientsModule } from '@nestjs/microservices';\nimport { createClientOptions, tcpClient } from './clients';\nimport { GatewayService } from './gateway.service';\n@Module({ imports: [ClientsModule.registerAsync([createClientOptions('AUTH', 'auth_queue'), createClientOptions('USERS', 'users_queue')]), ClientsModule.register([tcpClient('LEGACY')])], providers: [GatewayService] })\nexport class AppModule {}\n",
      'src/gateway.service.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientProxy } from '@nestjs/microservices';\n@Injectable()\nexport class GatewayService {\n  constructor(\n    @Inject('AUTH') private readonly auth: ClientProxy,\n    @Inject('USERS') private readonly users: ClientProxy,\n    @Inject('LEGACY') private readonly legacy: ClientProxy,\n  ) {}\n  signedUp(id: string) {\n    this.auth.emit('user.signed_up', { id });\n    this.users.emit('user.created', { id });\n    this.legacy.emit('user.created', { id });\n  }\n}\n",
    });
    expect(lintInOrder(dir, ['src/gateway.service.ts'])).toEqual(['src/gateway.service.ts:11:missingHeaders', 'src/gateway.service.ts:12:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a constructor parameter typed by an interface', () => {
  // EventService takes `eventPublisher: IEventPublisher`; every composer builds it with `new KafkaEventPublisher()`,
  // whose publish() sends without headers. Its calls publish through that wrapper. A logger built the same way for
  // another service is no client.
  it('has the kind of what every construction passes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-ctor-interface-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'video', scripts: { start: 'node dist/index.js' }, dependencies: { kafkajs: '^2.2.4', express: '^4.19.0' } }),
      'src/ports.ts': 'export interface IEventPublisher {\n  publish(event: string, data: unknown): Promise<void>;\n}\n',
      'src/kafka-event-publisher.ts': "import { Kafka } from 'kafkajs';\nimport type { IEventPublisher } from './ports';\nconst producer = new Kafka({ clientId: 'video', brokers: ['kafka:9092'] }).producer();\nexport class KafkaEventPublisher implements IEventPublisher {\n  async publish(event: string, data: unknown) {\n    await producer.send({ topic: event, messages: [{ value: JSON.stringify(data) }] });\n  }\n}\nexport class ConsolePublisher implements IEventPublisher {\n  async publish(event: string, data: unknown) {\n    console.log(event, data);\n  }\n}\n",
      'src/event-service.ts': "import type { IEventPublisher } from './ports';\nexport class EventService {\n  constructor(private readonly eventPublisher: IEventPublisher) {}\n  async uploaded(id: string) {\n    await this.eventPublisher.publish('video.uploaded', { id });\n  }\n}\nexport class AuditService {\n  constructor(private readonly sink: IEventPublisher) {}\n  async record(id: string) {\n    await this.sink.publish('audit', { id });\n  }\n}\n",
      'src/composer.ts': "import { EventService, AuditService } from './event-service';\nimport { ConsolePublisher, KafkaEventPublisher } from './kafka-event-publisher';\nexport const events = new EventService(new KafkaEventPublisher());\nexport const audit = new AuditService(new ConsolePublisher());\n",
      'src/handlers.ts': "import { EventService } from './event-service';\nimport { KafkaEventPublisher } from './kafka-event-publisher';\nexport function makeHandler() {\n  const service = new EventService(new KafkaEventPublisher());\n  return (id: string) => service.uploaded(id);\n}\n",
    });
    expect(lintInOrder(dir, ['src/event-service.ts', 'src/kafka-event-publisher.ts'])).toEqual(['src/event-service.ts:5:wrapperWithoutContext', 'src/kafka-event-publisher.ts:6:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a default export that is a constant holding an object of functions', () => {
  // kafka.ts: `const configs = { sendMessage, describe }; export default configs`; order.ts calls configs.sendMessage().
  it('is read like `export default { ... }`', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-default-object-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', scripts: { start: 'node dist/index.js' }, dependencies: { kafkajs: '^2.2.4', express: '^4.19.0' } }),
      'src/kafka.ts': "import { Kafka, type Producer } from 'kafkajs';\nexport const kafka = new Kafka({ clientId: 'shop', brokers: ['kafka:9092'] });\nconst sendMessage = async (producer: Producer, topic: string, data: object) => {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(data) }] });\n};\nconst describe = (topic: string) => topic;\nconst configs = { sendMessage, describe };\nexport default configs;\n",
      'src/order.ts': "import configs, { kafka } from './kafka';\nconst producer = kafka.producer();\nexport async function createOrder(id: string) {\n  await configs.sendMessage(producer, 'order-created', { id });\n  configs.describe('x');\n}\n",
    });
    expect(lintInOrder(dir, ['src/order.ts', 'src/kafka.ts'])).toEqual(['src/kafka.ts:4:missingHeaders', 'src/order.ts:4:wrapperWithoutContext']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('NestJS clients a shared dynamic module registers under names of its own', () => {
  // libs/common: RabbitMQModule.forRoot() registers AUTH_SERVICE and USER_SERVICE (constants) with RMQ entries made
  // by createClientOptions(); the gateway's module imports RabbitMQModule.forRoot({ registerClients: true }).
  it('gives the app the clients and transports the module registers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nest-forroot-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'shop', scripts: { start: 'nest start' }, dependencies: { '@nestjs/microservices': '^10.3.0', amqplib: '^0.10.3' } }),
      'libs/common/src/patterns.ts': "export const SERVICE_NAMES = { AUTH: 'AUTH_SERVICE', USER: 'USER_SERVICE' } as const;\n",
      'libs/common/src/rabbitmq.module.ts': "import { DynamicModule, Module } from '@nestjs/common';\nimport { ClientsModule, Transport } from '@nestjs/microservices';\nimport { SERVICE_NAMES } from './patterns';\nfunction createClientOptions(name: string, queue: string) {\n  return { name, useFactory: () => ({ transport: Transport.RMQ as const, options: { urls: ['amqp://rabbit'], queue } }) };\n}\n@Module({})\nexport class RabbitMQModule {\n  static forRoot(options: { registerClients?: boolean } = {}): DynamicModule {\n    const imports = options.registerClients ? [ClientsModule.registerAsync([createClientOptions(SERVICE_NAMES.AUTH, 'auth'), createClientOptions(SERVICE_NAMES.USER, 'users')])] : [];\n    return { module: RabbitMQModule, imports, exports: [ClientsModule] };\n  }\n}\n",
      'apps/gateway/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nvoid bootstrap();\n",
      'apps/gateway/src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { RabbitMQModule } from '../../../libs/common/src/rabbitmq.module';\nimport { AuthService } from './auth.service';\n@Module({ imports: [RabbitMQModule.forRoot({ registerClients: true })], providers: [AuthService] })\nexport class AppModule {}\n",
      'apps/gateway/src/auth.service.ts': "import { Inject, Injectable } from '@nestjs/common';\nimport { ClientProxy } from '@nestjs/microservices';\nimport { SERVICE_NAMES } from '../../../libs/common/src/patterns';\n@Injectable()\nexport class AuthService {\n  constructor(@Inject(SERVICE_NAMES.AUTH) private readonly auth: ClientProxy) {}\n  signedUp(id: string) {\n    this.auth.emit('user.signed_up', { id });\n  }\n}\n",
    });
    expect(lintInOrder(dir, ['apps/gateway/src/auth.service.ts'])).toEqual(['apps/gateway/src/auth.service.ts:8:missingHeaders']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a consume wrapper that dispatches to a map of handlers by topic', () => {
  // consumer.ts: consumeMessages(topicHandlers) calls `topicHandlers[topic]` with the parsed value and the message;
  // index.ts hands it { 'video.uploaded': handleVideoUpload, 'video.removed': handleVideoRemove } from handlers/.
  it('has each handler in the map judged', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-handler-map-'));
    writeProject(dir, {
      'package.json': JSON.stringify({ name: 'user-service', scripts: { start: 'node dist/index.js' }, dependencies: { kafkajs: '^2.2.4' } }),
      'src/consumer.ts': "import { Kafka, type KafkaMessage } from 'kafkajs';\nconst consumer = new Kafka({ clientId: 'users', brokers: ['kafka:9092'] }).consumer({ groupId: 'users' });\ntype TopicHandler = (value: unknown, topic: string, message: KafkaMessage) => Promise<void>;\nexport async function consumeMessages(topicHandlers: Record<string, TopicHandler>) {\n  await consumer.subscribe({ topics: Object.keys(topicHandlers) });\n  await consumer.run({\n    eachMessage: async ({ topic, message }) => {\n      const value = JSON.parse(message.value?.toString() ?? '{}');\n      const handler = topicHandlers[topic];\n      if (handler) await handler(value, topic, message);\n    },\n  });\n}\n",
      'src/handlers/video.ts': "import { context, propagation } from '@opentelemetry/api';\nimport type { KafkaMessage } from 'kafkajs';\ndeclare function save(value: unknown): Promise<void>;\nexport async function handleVideoUpload(value: unknown, _topic: string, _message: KafkaMessage) {\n  await save(value);\n}\nexport async function handleVideoRemove(value: unknown, _topic: string, message: KafkaMessage) {\n  await context.with(propagation.extract(context.active(), message.headers ?? {}), () => save(value));\n}\n",
      'src/index.ts': "import { consumeMessages } from './consumer';\nimport { handleVideoRemove, handleVideoUpload } from './handlers/video';\nconst topicHandlers = {\n  'video.uploaded': handleVideoUpload,\n  'video.removed': handleVideoRemove,\n};\nvoid consumeMessages(topicHandlers);\n",
    });
    expect(lintInOrder(dir, ['src/index.ts', 'src/consumer.ts', 'src/handlers/video.ts'])).toEqual(['src/index.ts:4:missingExtraction']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
