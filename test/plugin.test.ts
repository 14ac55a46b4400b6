/**
 * The plugin as users load it: meta, configs on ESLint 10 and 9, option validation, type-checked config, and no
 * crash on real-world code (the installed libraries' own sources, which name their packages and so get analysed).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint as ESLint10, Linter } from 'eslint';
import { ESLint as ESLint9 } from 'eslint-v9';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { isTestFile } from '../src/core/test-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string; peerDependencies: Record<string, string> };

describe('plugin object', () => {
  it('takes its meta from package.json', () => {
    expect(plugin.meta).toEqual({ name: pkg.name, version: pkg.version, namespace: 'trace-propagation' });
  });
  it('supports ESLint 9 and 10 in its peer range', () => {
    expect(pkg.peerDependencies.eslint).toBe('^9.0.0 || ^10.0.0');
  });
  it('names every config object', () => {
    for (const config of [...plugin.configs.recommended, ...plugin.configs['recommended-type-checked']]) {
      expect(config.name).toMatch(/^trace-propagation\//);
    }
  });
  it('keeps defaults in meta and describes every option', () => {
    for (const rule of Object.values(plugin.rules)) {
      expect(rule.meta.defaultOptions).toBeDefined();
      const schema = (rule.meta.schema as unknown as Array<{ properties: Record<string, { description?: string }> }>)[0]!;
      for (const [option, definition] of Object.entries(schema.properties)) expect(definition.description, option).toBeTruthy();
    }
  });
});

describe('option validation', () => {
  const linter = new Linter({ configType: 'flat' });
  const lint = (options: unknown) =>
    linter.verify('export {};', [{ plugins: { tp: plugin as never }, rules: { 'tp/require-header-injection': ['error', options] } }]);
  it('accepts documented options', () => {
    expect(lint({ autoInstrumented: { kafkajs: true, 'aws-sdk': false }, injectors: ['withTrace'] })).toEqual([]);
  });
  it('rejects an unknown instrumentation with a clear message', () => {
    expect(() => lint({ autoInstrumented: { kafka: true } })).toThrow(/autoInstrumented.*additional properties|should NOT have additional properties|must NOT have additional properties/);
  });
  it('rejects an unknown option', () => {
    expect(() => lint({ injector: 'x' })).toThrow(/additional properties/);
  });
  it("rejects bad shared settings, naming settings['trace-propagation'] and the key, on any file", () => {
    const withSettings = (settings: unknown) =>
      linter.verify('export {};', [{ plugins: { tp: plugin as never }, settings: { 'trace-propagation': settings }, rules: { 'tp/require-header-injection': 'error' } }]);
    expect(withSettings({ helpersModule: '@acme/tracing', helperNames: { injectTraceHeaders: 'withTrace' }, autoInstrumented: { kafkajs: true }, crossFile: false })).toEqual([]);
    expect(() => withSettings({ autoInstrumented: { kafka: true } })).toThrow(`settings['trace-propagation']: "autoInstrumented.kafka" is not a known instrumentation`);
    expect(() => withSettings({ helperNames: { injectHeaders: 'x' } })).toThrow(`"helperNames.injectHeaders" is not one of our helpers`);
    expect(() => withSettings({ helpersModul: 'x' })).toThrow(`"helpersModul" is not a known key`);
  });
});

const sample = "import { Kafka } from 'kafkajs';\nconst p = new Kafka({ brokers: [] }).producer();\nawait p.send({ topic: 't', messages: [{ value: 'v' }] });\n";

for (const [label, ESLint] of [['ESLint 10', ESLint10], ['ESLint 9', ESLint9]] as const) {
  describe(`recommended config on ${label}`, () => {
    it('lints TypeScript and JavaScript files', async () => {
      const eslint = new (ESLint as typeof ESLint10)({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
      for (const file of ['a.ts', 'a.mjs']) {
        const [result] = await eslint.lintText(sample, { filePath: path.join(root, file) });
        expect(result!.messages.map((m) => m.ruleId)).toEqual(['trace-propagation/require-header-injection']);
      }
    });

    it('leaves out test, spec and benchmark files, and a config of the user\'s own brings them back', async () => {
      const eslint = new (ESLint as typeof ESLint10)({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
      const left = ['src/orders.spec.ts', 'src/orders.test.mjs', 'test/publish.ts', 'src/__tests__/a.ts', 'tests/e2e/a.ts', 'bench/run.js', 'src/a.e2e-spec.ts', 'src/orders.int-spec.ts', 'apps/shop-e2e/src/app.cy.ts', 'apps/shop-e2e/src/support/queue.ts', 'orders-integration-tests/publish.ts', 'src/orders.integration-spec.ts', 'types/a.d.ts', 'integration_tests/support/events.ts', 'cypress/support/a.ts', 'src/orders.cy.ts', 'cypress.config.ts', 'playwright/setup.ts', 'examples/kafka/producer.ts', 'packages/sdk/samples/send.js', 'demo/app.ts', 'scripts/send-test-event.ts', 'packages/orders/scripts/replay.js', 'bin/migrate-events.ts', 'apps/api/bin/seed.js', 'src/test-harness/fake-scanner.js', 'src/test-utils/queue.ts', 'src/example.ts', 'lib/demo.js', 'testing/smoke.js', 'scripts2/test_broker_smoke.js', 'src/queue_test.ts', 'tools/send-message.mjs', 'packages/bridge/tools/send-message.mjs'];
      for (const file of left) {
        const [result] = await eslint.lintText(sample, { filePath: path.join(root, file) });
        expect(result!.messages.map((m) => m.ruleId), file).toEqual([]);
      }
      for (const file of ['src/checkout-e2e.ts', 'apps/e2e-dashboard/src/a.ts', 'src/testing-utils.ts', 'src/contest.ts', 'src/latest/a.ts', 'src/integration/kafka.ts', 'src/fancy.cypress.ts', 'src/exampleService.ts', 'src/order-example.ts', 'src/latest_tests.ts', 'src/contest_results.ts', 'src/demographics/a.ts', 'src/scripts/cronjobs/alerts.ts', 'src/scripts.ts', 'src/bin/worker.ts', 'src/binary/a.ts', 'src/tools/relay.ts']) {
        const [result] = await eslint.lintText(sample, { filePath: path.join(root, file) });
        expect(result!.messages.map((m) => m.ruleId), file).toEqual(['trace-propagation/require-header-injection']);
      }
      // The core's predicate (project scans, the audit) agrees with the configs' globs.
      for (const file of left) expect(isTestFile(file), file).toBe(true);
      for (const file of ['src/testing-utils.ts', 'src/scripts/cronjobs/alerts.ts', 'src/scripts.ts', 'lib/scripts.js', 'src/bin/worker.ts', 'lib/bin.js', 'src/tools/relay.ts']) expect(isTestFile(file), file).toBe(false);
      const withTests = new (ESLint as typeof ESLint10)({
        cwd: root, overrideConfigFile: true,
        overrideConfig: [...plugin.configs.recommended, { files: ['**/*.spec.ts'], plugins: { 'trace-propagation': plugin }, rules: { 'trace-propagation/require-header-injection': 'error' } }] as never,
      });
      const [result] = await withTests.lintText(sample, { filePath: path.join(root, 'src/orders.spec.ts') });
      expect(result!.messages.map((m) => m.ruleId)).toEqual(['trace-propagation/require-header-injection']);
    });
  });
}

describe('loading', () => {
  it("require('eslint-plugin-trace-propagation') gives CommonJS users the plugin with its configs", () => {
    const required = createRequire(import.meta.url)('eslint-plugin-trace-propagation') as typeof plugin;
    expect(Object.keys(required).sort()).toEqual(['configs', 'meta', 'rules']);
    expect(required.configs.recommended.length).toBeGreaterThan(0);
    expect(required.meta.name).toBe(pkg.name);
  });

  it('derives every rule\'s docs URL from package.json `repository`', () => {
    const { repository } = createRequire(import.meta.url)('../package.json') as { repository: { url: string } };
    const base = repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    for (const [name, rule] of Object.entries(plugin.rules)) {
      expect(rule.meta.docs?.url).toBe(`${base}/blob/main/rules/${name}.md`);
      expect(fs.existsSync(path.join(root, 'rules', `${name}.md`))).toBe(true);
    }
  });
});

describe('recommended-legacy config (ESLint 9, eslintrc mode)', () => {
  it('lints JavaScript and TypeScript through `extends`, and leaves test files out', async () => {
    const { LegacyESLint } = createRequire(import.meta.url)('eslint-v9/use-at-your-own-risk') as {
      LegacyESLint: new (options: object) => { lintText(code: string, options: { filePath: string }): Promise<Array<{ messages: Array<{ ruleId: string | null; message: string }> }>> };
    };
    const eslint = new LegacyESLint({
      cwd: root,
      useEslintrc: false,
      plugins: { 'trace-propagation': plugin },
      baseConfig: { extends: ['plugin:trace-propagation/recommended-legacy'] },
    });
    for (const file of ['src/a.ts', 'src/a.mjs', 'src/a.js']) {
      const [result] = await eslint.lintText(sample, { filePath: path.join(root, file) });
      expect(result!.messages.map((m) => m.ruleId), `${file}: ${result!.messages.map((m) => m.message).join()}`).toEqual(['trace-propagation/require-header-injection']);
    }
    const cjs = "const { Kafka } = require('kafkajs');\nconst p = new Kafka({ brokers: [] }).producer();\np.send({ topic: 't', messages: [{ value: 'v' }] });\n";
    const [cjsResult] = await eslint.lintText(cjs, { filePath: path.join(root, 'src/a.cjs') });
    expect(cjsResult!.messages.map((m) => m.ruleId)).toEqual(['trace-propagation/require-header-injection']);
    for (const file of ['src/orders.spec.ts', 'test/publish.js', 'src/__tests__/a.ts']) {
      const [result] = await eslint.lintText(sample, { filePath: path.join(root, file) });
      expect(result!.messages, file).toEqual([]);
    }
  });
});

describe('recommended-type-checked config', () => {
  it('uses type information through projectService', async () => {
    const project = path.join(root, 'test', 'typed', 'project');
    const eslint = new ESLint10({ cwd: project, overrideConfigFile: true, overrideConfig: plugin.configs['recommended-type-checked'] as never });
    const code = "import type { Deps } from './deps';\nexport async function f(deps: Deps) { await deps.producer.send({ topic: 't', messages: [{ value: 'v' }] }); }\n";
    const [result] = await eslint.lintText(code, { filePath: path.join(project, 'file.ts') });
    expect(result!.messages.map((m) => m.messageId)).toEqual(['missingHeaders']);
  });
});

describe('real-world code', () => {
  /** The broker libraries' own sources: they import and call themselves in every shape. */
  function sources(): string[] {
    const dirs = ['kafkajs/src', 'amqplib/lib', 'amqp-connection-manager/dist', 'nats/lib', 'sqs-consumer/dist', '@nestjs/microservices', '@google-cloud/pubsub/build/src', '@azure/service-bus/dist/esm'];
    const files: string[] = [];
    for (const dir of dirs) {
      const full = path.join(root, 'node_modules', dir);
      if (!fs.existsSync(full)) continue;
      for (const f of fs.readdirSync(full, { recursive: true, encoding: 'utf8' })) {
        if (/\.(js|mjs|cjs|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('node_modules')) files.push(path.join(full, f));
      }
    }
    return files;
  }

  it('lints the broker libraries\' own sources without a crash and without a report from our rules', async () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(400);
    // Linted as text under a path outside node_modules, which flat config always ignores.
    const eslint = new ESLint10({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const problems: string[] = [];
    let linted = 0;
    for (const file of files) {
      const virtual = path.join(root, 'realworld', path.relative(path.join(root, 'node_modules'), file));
      const [result] = await eslint.lintText(fs.readFileSync(file, 'utf8'), { filePath: virtual });
      linted++;
      for (const m of result!.messages) {
        if (m.fatal || m.ruleId?.startsWith('trace-propagation/')) problems.push(`${path.relative(root, file)}:${m.line} ${m.ruleId ?? ''} ${m.message}`);
      }
    }
    expect(linted).toBe(files.length);
    expect(problems).toEqual([]);
  });
});

describe('state shared by the rules for one linted file', () => {
  const linter = new Linter({ configType: 'flat' });
  const config = [{ plugins: { tp: plugin as never }, rules: { 'tp/require-header-injection': 'error', 'tp/no-payload-trace-ids': 'error', 'tp/require-context-extraction': 'error' } }] as never;
  const clean = "import { Kafka } from 'kafkajs';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nconst p = new Kafka({ brokers: [] }).producer();\nawait p.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });\n";
  const ids = (messages: { ruleId: string | null; line: number }[]) => messages.map((m) => `${m.ruleId}:${m.line}`);

  it('judges each file and each lint of the same file on its own, in any order', () => {
    expect(ids(linter.verify(sample, config, 'a.mjs'))).toEqual(['tp/require-header-injection:3']);
    expect(ids(linter.verify(clean, config, 'a.mjs'))).toEqual([]);
    expect(ids(linter.verify('export const x = 1;\n', config, 'a.mjs'))).toEqual([]);
    expect(ids(linter.verify(sample, config, 'b.mjs'))).toEqual(['tp/require-header-injection:3']);
    expect(ids(linter.verify(sample, config, 'b.mjs'))).toEqual(['tp/require-header-injection:3']);
  });

  it('finds the same sites when a rule before ours is switched off for the file (the nodes are gathered by whichever runs first)', () => {
    const only = [{ plugins: { tp: plugin as never }, rules: { 'tp/require-header-injection': 'error' } }] as never;
    const moved = sample.replace("await p.send", "\nawait p.send");
    expect(ids(linter.verify(moved, only, 'c.mjs'))).toEqual(['tp/require-header-injection:4']);
    expect(ids(linter.verify(moved, config, 'c.mjs'))).toEqual(['tp/require-header-injection:4']);
  });
});
