/**
 * The rules as CI runs them, through ESLint's real CLI: `--format json`, SARIF through
 * `@microsoft/eslint-formatter-sarif` (validated against the SARIF 2.1.0 schema, as GitHub code scanning expects),
 * and `--cache` / `--concurrency` giving exactly the findings of a plain run. The commands are the README's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const eslintBin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
// Inside the repository (gitignored .tmp/) so that ESLint resolves the SARIF formatter from our node_modules.
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const dir = fs.mkdtempSync(path.join(root, '.tmp', 'ci-'));

const files: Record<string, string> = {
  'eslint.config.mjs': `import traceProp from ${JSON.stringify(path.join(root, 'dist', 'src', 'index.js'))};\nexport default [...traceProp.configs.recommended];\n`,
  'package.json': JSON.stringify({ name: 'ci-app', private: true, type: 'module' }),
  'src/bus.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ clientId: 'a', brokers: [] }).producer();\nexport async function emit(topic: string, value: unknown): Promise<void> {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(value) }] });\n}\n",
  'src/orders.ts': "import { emit } from './bus.js';\nexport const created = (order: { id: string }) => emit('orders', order);\n",
  'src/worker.js': "import amqp from 'amqplib';\nconst ch = await (await amqp.connect('amqp://x')).createChannel();\nawait ch.consume('q', (msg) => { if (msg) ch.ack(msg); });\n",
  'src/clean.ts': "export const add = (a: number, b: number) => a + b;\n",
};

function eslint(args: string[]) {
  const result = spawnSync(process.execPath, [eslintBin, ...args], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 1) throw new Error(`eslint ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result;
}

type JsonResult = Array<{ filePath: string; messages: Array<{ ruleId: string; line: number; column: number; message: string }> }>;
const findings = (json: string) =>
  (JSON.parse(json) as JsonResult)
    .flatMap((r) => r.messages.map((m) => `${path.relative(dir, r.filePath)}:${m.line}:${m.column} ${m.ruleId} ${m.message}`))
    .sort();

beforeAll(() => {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ESLint CLI in CI', () => {
  let plain: string[] = [];

  it('--format json: every finding, with our rule ids and the exit code CI fails on', () => {
    const result = eslint(['--format', 'json', '.']);
    expect(result.status).toBe(1);
    plain = findings(result.stdout);
    expect(plain.map((f) => f.split(' ').slice(0, 2).join(' '))).toEqual([
      'src/bus.ts:4:43 trace-propagation/require-header-injection',
      'src/orders.ts:2:51 trace-propagation/require-header-injection',
      'src/worker.js:3:23 trace-propagation/require-context-extraction',
    ]);
  });

  it('SARIF through @microsoft/eslint-formatter-sarif is valid SARIF 2.1.0 with our rules and docs links', () => {
    eslint(['--format', '@microsoft/eslint-formatter-sarif', '--output-file', 'results.sarif', '.']);
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'results.sarif'), 'utf8')) as {
      version: string;
      runs: Array<{ tool: { driver: { rules: Array<{ id: string; helpUri?: string }> } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }>;
    };
    const schemaFile = path.join(path.dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'sarif-2.1.0.json');
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]!.results.map((r) => `${r.locations[0]!.physicalLocation.artifactLocation.uri.replace(/^.*\/src\//, 'src/')}:${r.locations[0]!.physicalLocation.region.startLine} ${r.ruleId}`);
    expect(results.sort()).toEqual(plain.map((f) => f.replace(/:\d+ (\S+) .*$/, ' $1')));
    const rules = sarif.runs[0]!.tool.driver.rules;
    expect(rules.find((r) => r.id === 'trace-propagation/require-header-injection')?.helpUri).toBe(
      'https://github.com/trace-propagation/eslint-plugin-trace-propagation/blob/main/rules/require-header-injection.md',
    );
  });

  it('--cache: the same findings on a cold and on a warm cache', () => {
    const args = ['--format', 'json', '--cache', '--cache-location', path.join(dir, '.eslintcache'), '.'];
    expect(findings(eslint(args).stdout)).toEqual(plain);
    expect(fs.existsSync(path.join(dir, '.eslintcache'))).toBe(true);
    expect(findings(eslint(args).stdout)).toEqual(plain);
  });

  it('--concurrency: the same findings from worker threads', () => {
    expect(findings(eslint(['--format', 'json', '--concurrency', '2', '.']).stdout)).toEqual(plain);
  });
});
