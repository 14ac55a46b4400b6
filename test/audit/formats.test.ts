/**
 * The audit's outputs and CI behaviour through the real CLI: SARIF validated against the SARIF 2.1.0 schema,
 * Markdown and Mermaid structure, `--fail-on`, baselines that survive unrelated edits, and bad input.
 */
import fs from 'node:fs';
import { mkdtemp, writeFile, readFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { Project } from '../../src/core/project.js';
import { run } from '../cli/helpers.js';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kafkajs = 'fixtures/services/kafkajs';

beforeEach(() => Project.reset());

async function audit(cwd: string, args: string[]) {
  return run(cwd, ['audit', ...args, '--no-eslint-config', '--no-progress']);
}

async function tempProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tp-audit-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const PUBLISHER =
  "import { Kafka } from 'kafkajs';\n" +
  "const producer = new Kafka({ brokers: [] }).producer();\n" +
  "export async function placed(id: string) {\n" +
  "  await producer.send({ topic: 'orders.placed', messages: [{ value: id }] });\n" +
  '}\n';

describe('audit formats', () => {
  it('SARIF is valid SARIF 2.1.0, one result per finding with the rule message, a stable fingerprint and docs links', async () => {
    const result = await audit(root, [kafkajs, '--format', 'sarif']);
    expect(result.code).toBe(0);
    const sarif = JSON.parse(result.out);
    const schemaFile = path.join(path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'sarif-2.1.0.json');
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['require-header-injection', 'require-context-extraction', 'no-payload-trace-ids']);
    expect(run0.tool.driver.rules[0].helpUri).toMatch(/rules\/require-header-injection\.md$/);
    const located = run0.results.map((r: { ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } } }> }) =>
      `${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine} ${r.ruleId}`);
    expect(located).toContain('order-publisher.ts:59 require-header-injection');
    expect(run0.results[0].locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    expect(new Set(run0.results.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints['tracePropagation/v1'])).size).toBe(run0.results.length);
  });

  it('Markdown has the edge table, the findings and the Mermaid graph; Mermaid marks broken edges', async () => {
    const md = (await audit(root, [kafkajs, '--format', 'markdown'])).out;
    expect(md).toMatch(/^## Trace propagation audit\n/);
    expect(md).toContain('| From | To | Status | Where |');
    expect(md).toMatch(/\| kafkajs \| kafka orders\.cancelled \| \*\*broken\*\* \| `order-publisher\.ts:59` \|/);
    expect(md).toContain('```mermaid\nflowchart LR\n');
    const mermaid = (await audit(root, [kafkajs, '--format', 'mermaid'])).out;
    const lines = mermaid.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const links = lines.filter((l) => /-->|-\.->/.test(l));
    const dashed = links.map((l, i) => (l.includes('-.->') ? i : -1)).filter((i) => i >= 0);
    expect(lines).toContain(`  linkStyle ${dashed.join(',')} stroke:#d32f2f,stroke-width:2px`);
    expect(links.length).toBe(15);
    expect(lines.some((l) => /\(\["kafka \? row\.topic"\]\)/.test(l))).toBe(true);
  });

  it('the table ends with a one-line summary; JSON carries the graph', async () => {
    const table = (await audit(root, [kafkajs])).out;
    expect(table.trimEnd().split('\n').at(-1)).toMatch(/^trace-propagation audit: 9 publish and 5 consume sites, 1 service, 12 destinations \(1 unresolved\), 15 edges: 9 broken/);
    expect(table).not.toContain('\u001b['); // no colour when stdout is not a terminal
    const json = JSON.parse((await audit(root, [kafkajs, '--format', 'json'])).out);
    expect(json.version).toBe(1);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['sites', 'nodes', 'edges', 'summary', 'files']));
  });
});

describe('audit in CI', () => {
  it('--fail-on broken|payload|any sets the exit code', async () => {
    const dir = await tempProject({ 'package.json': '{"name":"shop"}', 'src/orders.ts': PUBLISHER });
    expect((await audit(dir, ['.'])).code).toBe(0);
    const broken = await audit(dir, ['.', '--fail-on', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/--fail-on broken: 1 finding\(s\), first: src\/orders\.ts:4 kafkajs: producer\.send\(\) sends this message without headers/);
    expect((await audit(dir, ['.', '--fail-on', 'payload'])).code).toBe(0);
    expect((await audit(dir, ['.', '--fail-on', 'any'])).code).toBe(1);
    const bad = await audit(dir, ['.', '--fail-on', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--fail-on must be one of: broken, payload, any');
  });

  it('a baseline accepts today\'s findings, survives unrelated edits, and fails on a new one', async () => {
    const dir = await tempProject({ 'package.json': '{"name":"shop"}', 'src/orders.ts': PUBLISHER });
    const written = await audit(dir, ['.', '--update-baseline']);
    expect(written.code).toBe(0);
    expect(written.err).toContain('wrote 1 finding(s) to .trace-propagation-baseline.json');
    const baseline = JSON.parse(await readFile(path.join(dir, '.trace-propagation-baseline.json'), 'utf8'));
    expect(baseline.findings).toEqual([{ file: 'src/orders.ts', rule: 'require-header-injection', messageId: 'missingHeaders', snippet: "await producer.send({ topic: 'orders.placed', messages: [{ value: id }] });", count: 1 }]);

    // Lines added above and re-indentation move the finding: still accepted.
    await writeFile(path.join(dir, 'src/orders.ts'), `// a comment\n// another\n${PUBLISHER.replace('  await', '      await')}`);
    const moved = await audit(dir, ['.', '--baseline', '.trace-propagation-baseline.json', '--fail-on', 'broken']);
    expect(moved.code).toBe(0);
    expect(moved.err).toContain('0 finding(s) not in the baseline (1 accepted)');

    // A second, identical call is a new finding (keys are counted).
    await writeFile(path.join(dir, 'src/orders.ts'), PUBLISHER.replace('}\n', "  await producer.send({ topic: 'orders.placed', messages: [{ value: id }] });\n}\n"));
    const added = await audit(dir, ['.', '--baseline', '.trace-propagation-baseline.json', '--fail-on', 'broken']);
    expect(added.code).toBe(1);
    expect(added.err).toContain('1 finding(s) not in the baseline (1 accepted)');
  });

  it('a file that does not parse is named with the reason, exit 2, and the rest is audited', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop"}',
      'src/orders.ts': PUBLISHER,
      'src/broken.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: [] }).producer(;\n",
    });
    const before = await readFile(path.join(dir, 'src/broken.ts'), 'utf8');
    const result = await audit(dir, ['.']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/trace-propagation: src\/broken\.ts: cannot parse at 2:\d+: /);
    expect(result.out).toContain('src/orders.ts:4');
    expect(await readFile(path.join(dir, 'src/broken.ts'), 'utf8')).toBe(before);
  });

  it('test files are left out unless --include-tests; a bad baseline or format is a usage error', async () => {
    const dir = await tempProject({ 'package.json': '{"name":"shop"}', 'src/orders.spec.ts': PUBLISHER });
    const plain = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(plain.files.tests).toBe(1);
    expect(plain.sites).toEqual([]);
    const withTests = JSON.parse((await audit(dir, ['.', '--format', 'json', '--include-tests'])).out);
    expect(withTests.sites).toHaveLength(1);
    await writeFile(path.join(dir, 'b.json'), '{"nope": true}');
    const bad = await audit(dir, ['.', '--baseline', 'b.json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('b.json: not a trace-propagation baseline');
    expect((await audit(dir, ['.', '--format', 'xml'])).err).toContain('--format must be one of: table, json, sarif, markdown, mermaid, html');
    expect((await run(dir, ['codemod', 'all', '.', '--format', 'json'])).err).toContain("--format is an option of 'audit', not of 'codemod'");
  });

  it('services come from workspace packages, else top-level folders, else a mapping in the settings', async () => {
    const dir = await tempProject({
      'package.json': JSON.stringify({ name: 'repo', workspaces: ['packages/*'] }),
      'packages/orders/package.json': '{"name":"@shop/orders"}',
      'packages/orders/src/orders.ts': PUBLISHER,
      'billing/src/billing.ts': PUBLISHER.replace('orders.placed', 'invoices'),
      'ops/replay.ts': PUBLISHER.replace('orders.placed', 'replays'),
    });
    const byFolder = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(byFolder.sites.map((s: { file: string; service: string }) => `${s.file} ${s.service}`)).toEqual([
      'billing/src/billing.ts billing', 'ops/replay.ts ops', 'packages/orders/src/orders.ts @shop/orders',
    ]);
    await writeFile(path.join(dir, 'trace-propagation.config.json'), JSON.stringify({ services: { tools: ['ops/'] } }));
    const mapped = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(mapped.sites.find((s: { file: string }) => s.file === 'ops/replay.ts').service).toBe('tools');
    await writeFile(path.join(dir, 'trace-propagation.config.json'), JSON.stringify({ services: { tools: 'ops/' } }));
    const invalid = await audit(dir, ['.']);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('"services.tools" must be a non-empty array of path patterns');
  });
});

describe('audit destinations', () => {
  it('resolves constants, enums, templates and config objects across modules; never guesses the rest', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop","type":"module"}',
      'src/topics.ts':
        "export const ORDERS = 'orders';\n" +
        "export enum Topic { Paid = 'payments.paid' }\n" +
        "export const config = { kafka: { topics: { shipped: `${ORDERS}.shipped` } } } as const;\n",
      'src/publish.ts':
        "import { Kafka } from 'kafkajs';\n" +
        "import { ORDERS, Topic, config } from './topics.js';\n" +
        "import * as topics from './topics.js';\n" +
        "const producer = new Kafka({ brokers: [] }).producer();\n" +
        "const env = 'prod';\n" +
        'export async function all(id: string) {\n' +
        '  await producer.send({ topic: ORDERS, messages: [{ value: id }] });\n' +
        '  await producer.send({ topic: Topic.Paid, messages: [{ value: id }] });\n' +
        '  await producer.send({ topic: config.kafka.topics.shipped, messages: [{ value: id }] });\n' +
        '  await producer.send({ topic: `${env}.${topics.ORDERS}.audit`, messages: [{ value: id }] });\n' +
        '  await producer.send({ topic: process.env.DLQ_TOPIC!, messages: [{ value: id }] });\n' +
        '  await producer.send({ topic: `${process.env.PREFIX}.orders`, messages: [{ value: id }] });\n' +
        '}\n',
    });
    const result = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(result.sites.map((s: { destinations: Array<{ name?: string; text: string }> }) => s.destinations.map((d) => d.name ?? `? ${d.text}`).join())).toEqual([
      'orders', 'payments.paid', 'orders.shipped', 'prod.orders.audit', '? process.env.DLQ_TOPIC', '? `${process.env.PREFIX}.orders`',
    ]);
    expect(result.summary.unresolved).toBe(2);
  });
});

describe('audit statuses seen on real code', () => {
  it('a publish whose messages or handler the core cannot see is unverified, never drawn as injected', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop"}',
      'src/send.ts':
        "import { Kafka, type Message } from 'kafkajs';\n" +
        "const kafka = new Kafka({ brokers: [] });\n" +
        "const producer = kafka.producer();\n" +
        "const consumer = kafka.consumer({ groupId: 'g' });\n" +
        "export async function flush(batch: Message[]) {\n" +
        "  await producer.send({ topic: 'orders', messages: batch });\n" +
        '}\n' +
        "declare const processor: { process(m: unknown): Promise<void> };\n" +
        'export async function start() {\n' +
        "  await consumer.subscribe({ topic: 'orders' });\n" +
        '  await consumer.run({ eachMessage: async (payload) => processor.process(payload) });\n' +
        '}\n',
    });
    const result = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(result.sites.map((s: { line: number; status: string }) => `${s.line} ${s.status}`)).toEqual(['6 unverified', '11 unverified']);
    expect(result.edges.map((e: { marks: string[] }) => e.marks.join())).toEqual(['unverified', 'unverified']);
  });

  it('a wrapper calling a wrapper: one site, the outer callers are the paths, destinations through destructured options', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop","type":"module"}',
      'src/kafka.ts':
        "import { Kafka } from 'kafkajs';\n" +
        "const producer = new Kafka({ brokers: [] }).producer();\n" +
        'export async function emit({ topic, data }: { topic: string; data: unknown }) {\n' +
        '  await producer.send({ topic, messages: [{ value: JSON.stringify(data) }] });\n' +
        '}\n',
      'src/report.ts':
        "import { emit } from './kafka.js';\n" +
        'export async function emitReport(topic: string, data: unknown) {\n' +
        '  await emit({ topic, data });\n' +
        '}\n',
      'src/jobs.ts':
        "import { emitReport } from './report.js';\n" +
        'export async function nightly() {\n' +
        "  await emitReport('reports.nightly', { ok: true });\n" +
        "  await emitReport('reports.weekly', { ok: true });\n" +
        '}\n',
    });
    const result = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(result.sites).toHaveLength(1);
    const [site] = result.sites;
    expect(site).toMatchObject({ file: 'src/kafka.ts', line: 4 });
    expect(site.callers.map((c: { file: string; line: number; destinations: Array<{ name?: string }>; status: string }) => `${c.file}:${c.line} ${c.destinations.map((d) => d.name).join()} ${c.status}`)).toEqual([
      'src/jobs.ts:3 reports.nightly broken', 'src/jobs.ts:4 reports.weekly broken',
    ]);
    expect(result.edges.map((e: { to: string; marks: string[] }) => `${e.to} ${e.marks.join()}`)).toEqual(['kafka:reports.nightly broken', 'kafka:reports.weekly broken']);
    expect(site.callers[0].findings[0].message).toContain('publishes through emitReport() (src/report.ts:2)');
  });

  it('a wrapper in a module outside the audited folder is placed at its own line and column', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop","type":"module"}',
      'lib/publish.ts':
        "import { Kafka } from 'kafkajs';\n" +
        "const producer = new Kafka({ brokers: [] }).producer();\n" +
        '\n' +
        '// Sends what it is given.\n' +
        'export async function publish(topic: string, body: unknown) {\n' +
        '  await producer.send({ topic, messages: [{ value: JSON.stringify(body) }] });\n' +
        '}\n',
      'app/orders.ts': "import { publish } from '../lib/publish.js';\nexport const placed = () => publish('orders', {});\n",
    });
    const result = JSON.parse((await audit(dir, ['app', '--format', 'json'])).out);
    expect(result.sites.map((s: { file: string; line: number; column: number; callers: unknown[] }) => `${s.file}:${s.line}:${s.column} ${s.callers.length}`)).toEqual(['../lib/publish.ts:6:9 1']);
  });

  it('compiled output beside its sources, and examples, are left out', async () => {
    const dir = await tempProject({
      'package.json': '{"name":"shop"}',
      'src/orders.ts': PUBLISHER,
      'src/orders.js': PUBLISHER.replace(': string', ''),
      'examples/demo.ts': PUBLISHER,
    });
    const result = JSON.parse((await audit(dir, ['.', '--format', 'json'])).out);
    expect(result.sites.map((s: { file: string }) => s.file)).toEqual(['src/orders.ts']);
    expect(result.files).toMatchObject({ generated: 1, tests: 1 });
  });
});

