/**
 * @fileoverview The plugin object: rules plus flat configs. `meta` comes from package.json so that
 * `defineConfig` finds the plugin under any alias.
 */
import { createRequire } from 'node:module';
import type { TSESLint } from '@typescript-eslint/utils';
import * as tsParser from '@typescript-eslint/parser';
import { rules } from '../rules/index.js';

const require = createRequire(import.meta.url);
/** package.json is one level up from src/ and two from dist/src/. */
function readPackage(): { name: string; version: string } {
  try {
    return require('../../package.json') as { name: string; version: string };
  } catch {
    return require('../package.json') as { name: string; version: string };
  }
}
const { name, version } = readPackage();

export const namespace = 'trace-propagation';

const JS_AND_TS = ['**/*.{js,mjs,cjs,jsx,ts,tsx,mts,cts}'];
/**
 * Test, spec and benchmark code: left out by the recommended configs. It publishes to fake brokers, asserts on
 * payloads and starts consumers without context on purpose; reports there are noise. Override with a config
 * object of your own that enables the rules for these files.
 */
export const TEST_FILES: readonly string[] = [
  '**/*.{spec,test,e2e-spec,e2e,bench,benchmark}.{js,mjs,cjs,jsx,ts,tsx,mts,cts}',
  '**/{test,tests,__tests__,__mocks__,__fixtures__,mocks,e2e,test-e2e,integration-test,integration-tests,bench,benchmark,benchmarks}/**',
  '**/*.d.{ts,mts,cts}',
];
const TS = ['**/*.{ts,tsx,mts,cts}'];

type Config = TSESLint.FlatConfig.Config;

const plugin = {
  meta: { name, version, namespace },
  rules,
  configs: {} as { recommended: Config[]; 'recommended-type-checked': Config[] },
};

const ruleEntries = (options: Record<string, unknown> = {}): Config['rules'] =>
  Object.fromEntries(Object.keys(rules).map((rule) => [`${namespace}/${rule}`, ['error', options]]));

plugin.configs.recommended = [
  { name: `${namespace}/typescript-parser`, files: TS, languageOptions: { parser: tsParser } },
  { name: `${namespace}/recommended`, files: JS_AND_TS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries() },
];

plugin.configs['recommended-type-checked'] = [
  { name: `${namespace}/typescript-parser`, files: TS, languageOptions: { parser: tsParser, parserOptions: { projectService: true } } },
  { name: `${namespace}/recommended-type-checked`, files: TS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries({ useTypeInformation: true }) },
  { name: `${namespace}/recommended-js`, files: ['**/*.{js,mjs,cjs,jsx}'], ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries() },
];

export { rules };
export default plugin;
