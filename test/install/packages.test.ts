/**
 * Fresh `npm pack` tarballs of both packages, installed from the registry into scratch apps the way users install
 * them: the helpers with only their peer; the plugin in a JavaScript-only app (no TypeScript may arrive with it);
 * next to the latest typescript-eslint (one copy of the parser); and beside TypeScript 7 (no ERESOLVE).
 * Needs the npm registry; `dist/` must be built (`npm test` builds first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-install-'));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let pluginTarball = '';
let helpersTarball = '';

function npm(cwd: string, args: string[]): { status: number | null; out: string } {
  const result = spawnSync(NPM, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { status: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function app(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

function install(dir: string, specs: string[]): void {
  const { status, out } = npm(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs]);
  expect(out, 'npm install output').not.toMatch(/ERESOLVE/);
  expect(status, out).toBe(0);
}

function installed(dir: string): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'));
}

const eslintBin = (dir: string) => path.join(dir, 'node_modules', 'eslint', 'bin', 'eslint.js');
const lint = (dir: string, args: string[]) => spawnSync(process.execPath, [eslintBin(dir), ...args], { cwd: dir, encoding: 'utf8' });

const PUBLISH_THROUGH_WRAPPER = {
  'src/bus.js': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ clientId: 'a', brokers: ['k:9092'] }).producer();\nexport async function emit(topic, value) {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(value) }] });\n}\n",
  'src/orders.js': "import { emit } from './bus.js';\nexport const created = (order) => emit('orders', order);\n",
};

beforeAll(() => {
  for (const [dir, label] of [[root, 'plugin'], [path.join(root, 'packages', 'helpers'), 'helpers']] as const) {
    const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: dir, encoding: 'utf8' });
    const file = path.join(work, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    if (label === 'plugin') pluginTarball = file;
    else helpersTarball = file;
  }
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('packed packages installed from the registry', () => {
  it('trace-propagation-helpers: only @opentelemetry/api comes with it; ESM and CommonJS entries work', () => {
    const script = (load: string) => `${load}
const { propagation, trace, ROOT_CONTEXT } = api;
propagation.setGlobalPropagator({
  inject(ctx, carrier, setter) { const sc = trace.getSpanContext(ctx); if (sc) setter.set(carrier, 'traceparent', '00-' + sc.traceId + '-' + sc.spanId + '-01'); },
  extract(ctx, carrier, getter) { const v = getter.get(carrier, 'traceparent'); const p = typeof v === 'string' ? v.split('-') : [];
    return p.length === 4 ? trace.setSpanContext(ctx, { traceId: p[1], spanId: p[2], traceFlags: 1, isRemote: true }) : ctx; },
  fields() { return ['traceparent']; },
});
const id = '0af7651916cd43dd8448eb211c80319c';
const ctx = helpers.extractTraceContext({ traceparent: Buffer.from('00-' + id + '-b7ad6b7169203331-01') });
const out = { extracted: trace.getSpanContext(ctx)?.traceId, injected: helpers.injectTraceHeaders({ a: '1' }), names: Object.keys(helpers).sort() };
console.log(JSON.stringify(out));
`;
    const dir = app('helpers-app', {
      'esm.mjs': script("import * as api from '@opentelemetry/api';\nimport * as helpers from 'trace-propagation-helpers';"),
      'cjs.cjs': script("const api = require('@opentelemetry/api');\nconst helpers = require('trace-propagation-helpers');"),
    });
    install(dir, [helpersTarball, '@opentelemetry/api@^1.4.0']);
    expect(installed(dir).sort()).toEqual(['node_modules/@opentelemetry/api', 'node_modules/trace-propagation-helpers']);
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' })) as { extracted: string; injected: object; names: string[] };
      expect(out.extracted, file).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(out.injected, file).toEqual({ a: '1' });
      expect(out.names, file).toContain('withConsumerSpan');
    }
  }, 180_000);

  it('the plugin in a JavaScript-only app: no TypeScript installed, recommended lints JS across files', () => {
    const dir = app('js-app', {
      'eslint.config.js': "import traceProp from 'eslint-plugin-trace-propagation';\nexport default [...traceProp.configs.recommended];\n",
      ...PUBLISH_THROUGH_WRAPPER,
    });
    install(dir, ['eslint@^10', pluginTarball, helpersTarball]);
    const packages = installed(dir);
    expect(packages.filter((p) => /node_modules\/(typescript|@typescript-eslint\/(parser|typescript-estree))$/.test(p))).toEqual([]);
    const result = lint(dir, ['--format', 'json', '.']);
    const reports = (JSON.parse(result.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string; message: string; fatal?: boolean }> }>)
      .flatMap((r) => r.messages.map((m) => ({ file: path.relative(dir, r.filePath), rule: m.ruleId, fatal: !!m.fatal })));
    expect(reports).toEqual([
      { file: path.join('src', 'bus.js'), rule: 'trace-propagation/require-header-injection', fatal: false },
      { file: path.join('src', 'orders.js'), rule: 'trace-propagation/require-header-injection', fatal: false },
    ]);
    // A CommonJS config file gets the plugin itself from require().
    fs.writeFileSync(path.join(dir, 'eslint.config.cjs'), "const traceProp = require('eslint-plugin-trace-propagation');\nmodule.exports = [...traceProp.configs.recommended];\n");
    const cjs = lint(dir, ['--config', 'eslint.config.cjs', 'src/bus.js']);
    expect(cjs.status).toBe(1);
    expect(cjs.stdout).toContain('trace-propagation/require-header-injection');
  }, 300_000);

  it('next to the latest typescript-eslint: one copy of the parser, TypeScript files linted with it', () => {
    const dir = app('ts-app', {
      'eslint.config.js': "import tseslint from 'typescript-eslint';\nimport traceProp from 'eslint-plugin-trace-propagation';\nexport default [...tseslint.configs.base ? [tseslint.configs.base] : [], ...traceProp.configs.recommended];\n",
      'src/bus.ts': "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ clientId: 'a', brokers: [] }).producer();\nexport async function emit(topic: string, value: unknown): Promise<void> {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(value) }] });\n}\n",
    });
    install(dir, ['eslint@^10', 'typescript-eslint@latest', 'typescript@~5.9.0', pluginTarball, helpersTarball]);
    expect(installed(dir).filter((p) => p.endsWith('node_modules/@typescript-eslint/parser'))).toEqual(['node_modules/@typescript-eslint/parser']);
    const result = lint(dir, ['src/bus.ts']);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('trace-propagation/require-header-injection');
  }, 300_000);

  it('beside TypeScript 7: installs without ERESOLVE and lints the JavaScript', () => {
    const dir = app('ts7-app', {
      'eslint.config.js': "import traceProp from 'eslint-plugin-trace-propagation';\nexport default [...traceProp.configs['recommended-js']];\n",
      ...PUBLISH_THROUGH_WRAPPER,
    });
    install(dir, ['eslint@^10', 'typescript@^7', pluginTarball, helpersTarball]);
    const result = lint(dir, ['src/bus.js']);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('trace-propagation/require-header-injection');
  }, 300_000);

  it('in a project on TypeScript 3.6: the type check reverts what 3.6 cannot compile, and says to upgrade', () => {
    // amqplib's consume callback may receive null: the rewrite reads `msg?.properties?.headers`, which TypeScript 3.6
    // cannot parse (optional chaining arrived in 3.7). amqplib has no bundled types: its diagnostics are the baseline.
    const consumer =
      "import amqp from 'amqplib';\n" +
      'export async function start(): Promise<void> {\n' +
      "  const ch = await (await amqp.connect('amqp://x')).createChannel();\n" +
      "  await ch.consume('jobs', (msg) => { console.log(msg); });\n" +
      '}\n';
    const dir = app('ts36-app', {
      'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'es2017', module: 'commonjs', strict: true, skipLibCheck: true, noEmit: true, types: [] }, include: ['src'] }),
      'src/consumer.ts': consumer,
    });
    install(dir, ['typescript@3.6.5', 'amqplib@^0.10.4', helpersTarball, '@opentelemetry/api@^1.9.0']);
    const cli = spawnSync(process.execPath, [path.join(root, 'bin', 'trace-propagation.js'), 'codemod', 'add-context-extraction', 'src', '--force', '--no-progress'], { cwd: dir, encoding: 'utf8' });
    expect(fs.readFileSync(path.join(dir, 'src', 'consumer.ts'), 'utf8')).toBe(consumer);
    expect(cli.stderr).toMatch(/reverted: the rewrite does not type-check \(TS\d+: .*\); this project's TypeScript 3\.6\.5 predates 3\.8/);
    expect(cli.status).toBe(1);
  }, 300_000);
});
