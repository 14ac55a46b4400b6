import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPatch } from 'diff';
import { afterEach, describe, expect, it } from 'vitest';
import { transformSource, type TransformResult } from '../../src/codemods/engine.js';
import { BROKEN, cleanupTempDirs, KAFKA_MISSING_HEADERS, LEFT_CANDIDATES, NO_BROKER, read, run, snapshot, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

/** What the engine itself does with a file: the CLI must agree with it. */
function engine(name: Parameters<typeof transformSource>[0], file: string, text: string, options = {}): TransformResult {
  return transformSource(name, file, text, options);
}

function expectedExit(results: readonly TransformResult[]): number {
  return results.some((r) => r.left.length > 0) ? 1 : 0;
}

describe('codemod', () => {
  it('adds header injection to a kafkajs publish in a directory and reports it', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const expected = engine('add-header-injection', path.join(dir, 'src/producer.ts'), KAFKA_MISSING_HEADERS);
    expect(expected.output, 'the engine should fix this publish').toBeDefined();

    const { code, out, err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(code).toBe(expectedExit([expected]));
    expect(out).toBe('');
    const after = await read(dir, 'src/producer.ts');
    expect(after).toBe(expected.output);
    expect(after).toContain('injectTraceHeaders');
    expect(after).toMatch(/import \{ injectTraceHeaders \} from 'trace-propagation-helpers';/);
    expect(err).toContain('1 scanned, 0 skipped (no broker client), 1 changed, 0 unchanged, 0 failed');
    expect(err).toContain(`sites: ${expected.fixed.length} fixed, ${expected.left.length} left`);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await run(dir, ['codemod', 'add-header-injection', 'src']);
    const once = await snapshot(dir);
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await snapshot(dir)).toEqual(once);
    expect(err).toContain('0 changed, 1 unchanged');
  });

  it('--dry prints a unified diff that applies, and writes nothing', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const expected = engine('add-header-injection', path.join(dir, 'src/producer.ts'), KAFKA_MISSING_HEADERS);

    const { code, out, err } = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry']);
    expect(code).toBe(1); // a file would change: --dry fails like --check
    expect(out.startsWith('--- a/src/producer.ts\n+++ b/src/producer.ts\n@@ ')).toBe(true);
    expect(out).toMatch(/^\+.*injectTraceHeaders/m);
    expect(out).toContain("-await producer.send({ topic: 't', messages: [{ value: 'v' }] });");
    expect(applyPatch(KAFKA_MISSING_HEADERS, out)).toBe(expected.output);
    expect(err).toContain('dry run');
    expect(err).toContain('1 would change');
    expect(await readFile(path.join(dir, 'src/producer.ts'))).toEqual(Buffer.from(KAFKA_MISSING_HEADERS));
  });

  it('--check writes nothing, prints no diff, and exits 1 while a file would change (0 once fixed)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const pending = await run(dir, ['codemod', 'all', '--check', 'src']);
    expect(pending.code).toBe(1);
    expect(pending.out).toBe('');
    expect(pending.err).toContain('src/producer.ts');
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect((await run(dir, ['codemod', 'all', '--force', 'src'])).code).toBe(0);
    expect((await run(dir, ['codemod', 'all', '--check', 'src'])).code).toBe(0);
  });

  it('--dry --json puts the diffs in the JSON summary instead', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const { out } = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry', '--json']);
    const summary = JSON.parse(out);
    expect(summary.diffs).toHaveLength(1);
    expect(summary.diffs[0].path).toBe('src/producer.ts');
    expect(summary.diffs[0].diff).toContain('+++ b/src/producer.ts');
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

  it('reports a file that does not parse, leaves it byte-for-byte unchanged, still changes the others, exit 2', async () => {
    const dir = await tempDir();
    // CRLF and a BOM: bytes a careless read/write round trip would change
    const broken = `\uFEFF${BROKEN.replace(/\n/g, '\r\n')}`;
    await writeTree(dir, { 'src/a-broken.ts': broken, 'src/b-producer.ts': KAFKA_MISSING_HEADERS });
    const before = await readFile(path.join(dir, 'src/a-broken.ts'));

    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(code).toBe(2);
    expect(err).toMatch(/^src\/a-broken\.ts: cannot parse at \d+:\d+: .+$/m);
    expect(await readFile(path.join(dir, 'src/a-broken.ts'))).toEqual(before);
    expect(await read(dir, 'src/b-producer.ts')).toContain('injectTraceHeaders');
    expect(err).toContain('2 scanned, 0 skipped (no broker client), 1 changed, 0 unchanged, 1 failed');
  });

  it('never parses a file that names no broker client: counted as skipped, not modified', async () => {
    const dir = await tempDir();
    // Not valid syntax: if it were parsed it would be reported as failed.
    const unparsable = 'export const x = (;\n';
    await writeTree(dir, { 'src/util.ts': NO_BROKER, 'src/broken-util.ts': unparsable });
    const { code, out } = await run(dir, ['codemod', 'all', 'src', '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary.files).toEqual({ scanned: 2, skipped: 2, tests: 0, changed: 0, formatted: 0, unchanged: 0, failed: 0 });
    expect(await snapshot(dir)).toEqual({ 'src/util.ts': NO_BROKER, 'src/broken-util.ts': unparsable });
  });

  it('chooses the parser from the extension: JSX in .tsx and .jsx, angle-bracket casts in .ts, CommonJS in .cjs', async () => {
    const dir = await tempDir();
    const files = {
      'src/view.tsx': `${KAFKA_MISSING_HEADERS}export const View = () => <div className="x">hi</div>;\n`,
      'src/view.jsx': `${KAFKA_MISSING_HEADERS}export const View = () => <div>hi</div>;\n`,
      'src/cast.ts': `${KAFKA_MISSING_HEADERS}export const n = <number>(<unknown>'1');\n`,
      'src/module.mts': KAFKA_MISSING_HEADERS,
      'src/legacy.cjs':
        "const { Kafka } = require('kafkajs');\nconst producer = new Kafka({ brokers: [] }).producer();\n" +
        "producer.send({ topic: 't', messages: [{ value: 'v' }] });\n",
      'src/types.d.ts': "import type { Producer } from 'kafkajs';\nexport declare const p: Producer;\n",
    };
    await writeTree(dir, files);
    const { code, out, err } = await run(dir, ['codemod', 'add-header-injection', 'src', '--json']);
    const summary = JSON.parse(out);
    expect(summary.failed, err).toEqual([]);
    expect(summary.files.scanned).toBe(5); // not the .d.ts
    expect(summary.changed.sort()).toEqual(['src/cast.ts', 'src/legacy.cjs', 'src/module.mts', 'src/view.jsx', 'src/view.tsx']);
    expect(code).toBe(summary.left.length > 0 ? 1 : 0);
    expect(await read(dir, 'src/legacy.cjs')).toMatch(/require\('trace-propagation-helpers'\)/);
    expect(await read(dir, 'src/types.d.ts')).toBe(files['src/types.d.ts']);
  });

  it('exits 1 and lists every site left unfixed with its location and reason', async () => {
    const dir = await tempDir();
    const candidate = LEFT_CANDIDATES.map((text) => ({ text, result: engine('all', path.join(dir, 'src/consumer.ts'), text) })).find(
      (c) => c.result.left.length > 0,
    );
    expect(candidate, 'none of LEFT_CANDIDATES is left unfixed by the engine any more: add a sample it cannot fix').toBeDefined();
    await writeTree(dir, { 'src/consumer.ts': candidate!.text });

    const { code, err } = await run(dir, ['codemod', 'all', 'src']);
    expect(code).toBe(1);
    expect(err).toContain('sites left unfixed:');
    for (const site of candidate!.result.left) {
      expect(err).toContain(`src/consumer.ts:${site.line}:${site.column} ${site.rule}/${site.messageId} (${site.broker}): ${site.reason}`);
    }
    const json = JSON.parse((await run(dir, ['codemod', 'all', 'src', '--json'])).out);
    expect(json.exitCode).toBe(1);
    expect(json.left).toEqual(candidate!.result.left.map((s) => ({ path: 'src/consumer.ts', ...s })));
  });

  it('--json writes a machine-readable summary on stdout', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'src/util.ts': NO_BROKER, 'src/broken.ts': BROKEN });
    const { code, out, err } = await run(dir, ['codemod', 'add-header-injection', 'src', '--json']);
    expect(code).toBe(2);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({
      codemod: 'add-header-injection',
      dry: false,
      files: { scanned: 3, skipped: 1, changed: 1, unchanged: 0, failed: 1 },
      changed: ['src/producer.ts'],
      failed: [{ path: 'src/broken.ts', reason: expect.stringMatching(/^cannot parse at \d+:\d+: /) }],
      exitCode: 2,
    });
    expect(summary.fixed.length).toBeGreaterThan(0);
    expect(summary.fixed[0]).toMatchObject({ path: 'src/producer.ts', rule: 'require-header-injection', broker: 'kafkajs' });
    expect(err).toContain('src/broken.ts: cannot parse');
    expect(err).not.toContain('scanned'); // the summary went to stdout
  });

  it('accepts files as well as directories, and paths outside the cwd', async () => {
    const dir = await tempDir();
    const other = await tempDir();
    await writeTree(dir, { 'a.ts': KAFKA_MISSING_HEADERS, 'b.ts': KAFKA_MISSING_HEADERS });
    await writeTree(other, { 'c.ts': KAFKA_MISSING_HEADERS });
    const { out } = await run(dir, ['codemod', 'add-header-injection', 'a.ts', path.join(other, 'c.ts'), '--json']);
    const summary = JSON.parse(out);
    expect([...summary.changed].sort()).toEqual([path.join(other, 'c.ts').split(path.sep).join('/'), 'a.ts'].sort());
    expect(await read(dir, 'b.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect(await read(other, 'c.ts')).toContain('injectTraceHeaders');
  });
});

describe('retargeting the helpers', () => {
  it('--helpers-module and --helper: the output imports your export from your module', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src', '--helpers-module', '@acme/tracing', '--helper', 'injectTraceHeaders=withTrace']);
    const after = await read(dir, 'src/producer.ts');
    expect(after, err).toMatch(/import \{ withTrace \} from '@acme\/tracing';/);
    expect(after).toMatch(/headers: withTrace\(\)/);
    expect(after).not.toContain('injectTraceHeaders');
    expect(after).not.toContain('eslint-plugin-trace-propagation');
    // and a second run recognizes the retargeted helper as injection
    const again = await run(dir, ['codemod', 'add-header-injection', 'src', '--helpers-module', '@acme/tracing', '--helper', 'injectTraceHeaders=withTrace']);
    expect(again.err).toContain('0 changed, 1 unchanged');
    expect(await read(dir, 'src/producer.ts')).toBe(after);
  });

  it('reads trace-propagation.config.json from the cwd', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'src/producer.ts': KAFKA_MISSING_HEADERS,
      'trace-propagation.config.json': JSON.stringify({ helpersModule: '@acme/otel', helperNames: { injectTraceHeaders: 'traceHeaders' } }),
    });
    await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/producer.ts')).toMatch(/import \{ traceHeaders \} from '@acme\/otel';/);
  });

  it("reads settings['trace-propagation'] from the project's ESLint config for each file, before the JSON file", async () => {
    const dir = await tempDir();
    const settings = (module: string, name: string) =>
      `export default [{ files: ['**/*.ts'] }, { settings: { 'trace-propagation': { helpersModule: '${module}', helperNames: { injectTraceHeaders: '${name}' } } } }];\n`;
    await writeTree(dir, {
      'eslint.config.mjs': settings('@acme/from-eslint', 'eslintHeaders'),
      'services/b/eslint.config.mjs': settings('@acme/service-b', 'serviceHeaders'),
      'src/producer.ts': KAFKA_MISSING_HEADERS,
      'services/b/producer.ts': KAFKA_MISSING_HEADERS,
      'trace-propagation.config.json': JSON.stringify({ helpersModule: '@acme/from-json', helperNames: { injectTraceHeaders: 'jsonHeaders' } }),
    });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src', 'services']);
    expect(result.code, result.both).toBe(0);
    expect(await read(dir, 'src/producer.ts')).toMatch(/import \{ eslintHeaders \} from '@acme\/from-eslint';/);
    // ESLint computes the config for each file: a nested config (ESLint 10 looks it up from the file) wins there.
    expect(await read(dir, 'services/b/producer.ts')).toMatch(/import \{ serviceHeaders \} from '@acme\/service-b';/);
  });

  it('--no-eslint-config falls back to the JSON file; flags still win over ESLint settings', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'eslint.config.mjs': "export default [{ files: ['**/*.ts'] }, { settings: { 'trace-propagation': { helpersModule: '@acme/from-eslint' } } }];\n",
      'src/a.ts': KAFKA_MISSING_HEADERS,
      'src/b.ts': KAFKA_MISSING_HEADERS,
      'trace-propagation.config.json': JSON.stringify({ helpersModule: '@acme/from-json' }),
    });
    await run(dir, ['codemod', 'add-header-injection', '--no-eslint-config', 'src/a.ts']);
    expect(await read(dir, 'src/a.ts')).toMatch(/from '@acme\/from-json';/);
    await run(dir, ['codemod', 'add-header-injection', '--helpers-module', '@acme/from-flag', 'src/b.ts']);
    expect(await read(dir, 'src/b.ts')).toMatch(/from '@acme\/from-flag';/);
  });

  it('an invalid setting in the ESLint config names the file and the key, and leaves the file unchanged', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'eslint.config.mjs': "export default [{ files: ['**/*.ts'] }, { settings: { 'trace-propagation': { autoInstrumented: { kafka: true } } } }];\n",
      'src/a.ts': KAFKA_MISSING_HEADERS,
    });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("settings['trace-propagation'] in the ESLint config for src/a.ts: \"autoInstrumented.kafka\" is not a known instrumentation");
    expect(await read(dir, 'src/a.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

  it('--config names another file; CLI flags win over it, helper names merge one by one', async () => {
    const dir = await tempDir();
    const sqs =
      "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\n" +
      "await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b' }));\n";
    await writeTree(dir, {
      'src/producer.ts': KAFKA_MISSING_HEADERS,
      'src/sqs.ts': sqs,
      'config/tracing.json': JSON.stringify({
        helpersModule: '@acme/from-file',
        helperNames: { injectTraceHeaders: 'fileHeaders', injectMessageAttributes: 'fileAttributes' },
      }),
    });
    await run(dir, ['codemod', 'add-header-injection', 'src', '--config', 'config/tracing.json', '--helpers-module', '@acme/from-flag', '--helper', 'injectTraceHeaders=flagHeaders']);
    expect(await read(dir, 'src/producer.ts')).toMatch(/import \{ flagHeaders \} from '@acme\/from-flag';/);
    expect(await read(dir, 'src/sqs.ts')).toMatch(/import \{ fileAttributes \} from '@acme\/from-flag';/);
  });

  it('a relative helpersModule is resolved from the config file and imported relatively from each file', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'src/deep/er/producer.ts': KAFKA_MISSING_HEADERS,
      'src/top.ts': KAFKA_MISSING_HEADERS,
      'trace-propagation.config.json': JSON.stringify({ helpersModule: './src/lib/tracing.js' }),
    });
    await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/deep/er/producer.ts')).toMatch(/import \{ injectTraceHeaders \} from '\.\.\/\.\.\/lib\/tracing\.js';/);
    expect(await read(dir, 'src/top.ts')).toMatch(/import \{ injectTraceHeaders \} from '\.\/lib\/tracing\.js';/);
    // the relative import is recognized as the helpers module on the next run
    expect((await run(dir, ['codemod', 'add-header-injection', 'src'])).err).toContain('0 changed, 2 unchanged');
  });

  it('autoInstrumented in the config leaves what the instrumentation covers alone', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'src/producer.ts');
    const covered = engine('add-header-injection', file, KAFKA_MISSING_HEADERS, { autoInstrumented: { kafkajs: true } });
    await writeTree(dir, {
      'src/producer.ts': KAFKA_MISSING_HEADERS,
      'trace-propagation.config.json': JSON.stringify({ autoInstrumented: { kafkajs: true } }),
    });
    const { code } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/producer.ts')).toBe(covered.output ?? KAFKA_MISSING_HEADERS);
    expect(covered.output).toBeUndefined(); // kafkajs instrumentation injects: nothing to add
    expect(code).toBe(0);
  });

  it.each([
    ['not JSON', '{ helpersModule: ', /trace-propagation\.config\.json: invalid JSON/],
    ['not an object', '[]', /trace-propagation\.config\.json: must contain a JSON object/],
    ['an unknown key', '{ "helperModule": "x" }', /trace-propagation\.config\.json: "helperModule" is not a known key/],
    ['an empty helpersModule', '{ "helpersModule": "" }', /trace-propagation\.config\.json: "helpersModule" must be a non-empty string/],
    ['a helper we do not have', '{ "helperNames": { "inject": "x" } }', /"helperNames\.inject" is not one of our helpers/],
    ['a helper name that is not an identifier', '{ "helperNames": { "injectTraceHeaders": 3 } }', /"helperNames\.injectTraceHeaders" must be a string naming an export/],
    ['an unknown instrumentation', '{ "autoInstrumented": { "rabbit": true } }', /"autoInstrumented\.rabbit" is not a known instrumentation/],
    ['a non-boolean instrumentation', '{ "autoInstrumented": { "kafkajs": "yes" } }', /"autoInstrumented\.kafkajs" must be true or false/],
    ['injectors not an array', '{ "injectors": "buildHeaders" }', /"injectors" must be an array/],
    ['an empty extractor', '{ "extractors": ["ok", ""] }', /"extractors\[1\]" must be a non-empty string/],
  ])('an invalid config file (%s) gives exit 2 naming the file and key, and writes nothing', async (_, text, message) => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'trace-propagation.config.json': text });
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

  it('an invalid --config file is named as given', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'conf/tp.json': '{ "helperNames": [] }' });
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src', '--config', 'conf/tp.json']);
    expect(code).toBe(2);
    expect(err).toContain('conf/tp.json: "helperNames" must be an object');
  });
});

describe('callers of a wrapper whose fix belongs in the wrapper', () => {
  const files = {
    'package.json': '{ "name": "svc", "type": "module" }\n',
    'src/bus.ts':
      "import { Kafka } from 'kafkajs';\n" +
      "const producer = new Kafka({ brokers: [] }).producer();\n" +
      'export async function publishEvent(topic: string, payload: object): Promise<void> {\n' +
      '  await producer.send({ topic, messages: [{ value: JSON.stringify(payload) }] });\n' +
      '}\n',
    'src/orders.ts': "import { publishEvent } from './bus.js';\nexport const placed = (id: string) => publishEvent('orders.placed', { id });\n",
  };

  it('are not listed as left when the run covers the wrapper: it is fixed there', async () => {
    const dir = await tempDir();
    await writeTree(dir, files);
    const result = await run(dir, ['codemod', 'all', 'src', '--no-typecheck']);
    expect(await read(dir, 'src/bus.ts')).toContain('headers: injectTraceHeaders()');
    expect(result.err).not.toContain('the fix belongs in');
    expect(result.code).toBe(0);
  });

  it('are listed, with where the fix belongs, when the run covers only the callers', async () => {
    const dir = await tempDir();
    await writeTree(dir, files);
    const result = await run(dir, ['codemod', 'all', 'src/orders.ts', '--no-typecheck']);
    expect(result.err).toMatch(/src\/orders\.ts:2:\d+ require-header-injection\/wrapperWithoutContext \(kafkajs\): the fix belongs in publishEvent\(\) \(src\/bus\.ts:3\)/);
    expect(result.code).toBe(1);
  });
});

describe('test, spec and benchmark files', () => {
  it('are left out unless named or --include-tests, as the recommended configs leave them out', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'src/producer.spec.ts': KAFKA_MISSING_HEADERS, 'test/fake-broker.ts': KAFKA_MISSING_HEADERS });
    const result = await run(dir, ['codemod', 'add-header-injection', '.']);
    expect(result.err).toContain('2 test files left out (--include-tests)');
    expect(await read(dir, 'src/producer.spec.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect(await read(dir, 'test/fake-broker.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect(await read(dir, 'src/producer.ts')).toContain('injectTraceHeaders');
    await run(dir, ['codemod', 'add-header-injection', 'src/producer.spec.ts']);
    expect(await read(dir, 'src/producer.spec.ts')).toContain('injectTraceHeaders');
    await run(dir, ['codemod', 'add-header-injection', '.', '--include-tests']);
    expect(await read(dir, 'test/fake-broker.ts')).toContain('injectTraceHeaders');
  });
});
