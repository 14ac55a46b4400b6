/**
 * @fileoverview The plugin object: rules plus flat configs. `meta` comes from package.json so that
 * `defineConfig` finds the plugin under any alias.
 */
import type { TSESLint } from '@typescript-eslint/utils';
import { RECOMMENDED_RULES, rules } from '../rules/index.js';
import { NEEDS_TYPESCRIPT_ESLINT, typeScriptParser } from './core/parsers.js';
import { TEST_FILES } from './core/test-files.js';
import { packageJson } from './util/package-info.js';

const { name, version } = packageJson;
/** The project's own `@typescript-eslint/parser` (an optional peer), or undefined in a JavaScript-only project. */
const tsParser = typeScriptParser();

export const namespace = 'trace-propagation';

/** Test, spec and benchmark code is left out by the recommended configs; override with a config object of your own. */
export { TEST_FILES };

const JS_AND_TS = ['**/*.{js,mjs,cjs,jsx,ts,tsx,mts,cts}'];
const TS = ['**/*.{ts,tsx,mts,cts}'];
const JS = ['**/*.{js,mjs,cjs,jsx}'];

type Config = TSESLint.FlatConfig.Config;

type LegacyConfig = Record<string, unknown>;

const plugin = {
  meta: { name, version, namespace },
  rules,
  configs: {} as {
    recommended: Config[];
    'recommended-js': Config[];
    'recommended-type-checked': Config[];
    'recommended-legacy': LegacyConfig;
    strict: Config[];
  },
};

const ruleEntries = (options: Record<string, unknown> = {}, names: readonly string[] = RECOMMENDED_RULES): Config['rules'] =>
  Object.fromEntries(names.map((rule) => [`${namespace}/${rule}`, ['error', options]]));

/** JavaScript files only, with ESLint's own parser: for projects without TypeScript. */
plugin.configs['recommended-js'] = [
  { name: `${namespace}/recommended-js`, files: JS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries() },
];

/** JavaScript and TypeScript; TypeScript files only when typescript-eslint is installed. */
plugin.configs.recommended = tsParser
  ? [
      { name: `${namespace}/typescript-parser`, files: TS, languageOptions: { parser: tsParser as never } },
      { name: `${namespace}/recommended`, files: JS_AND_TS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries() },
    ]
  : plugin.configs['recommended-js'];

Object.defineProperty(plugin.configs, 'recommended-type-checked', {
  enumerable: true,
  get(): Config[] {
    if (!tsParser) throw new Error(`${name}: configs['recommended-type-checked'] ${NEEDS_TYPESCRIPT_ESLINT}`);
    return [
      { name: `${namespace}/typescript-parser`, files: TS, languageOptions: { parser: tsParser as never, parserOptions: { projectService: true } } },
      { name: `${namespace}/recommended-type-checked`, files: TS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries({ useTypeInformation: true }) },
      { name: `${namespace}/recommended-js`, files: JS, ignores: [...TEST_FILES], plugins: { [namespace]: plugin as never }, rules: ruleEntries() },
    ];
  },
});

/**
 * `recommended` plus the conventions event-driven teams keep on top of the trace: correlation and causation IDs in
 * metadata (require-correlation-id) and consumer spans an operator can read (consumer-span-conventions). Opt in.
 */
plugin.configs.strict = [
  ...plugin.configs.recommended.slice(0, -1),
  { ...plugin.configs.recommended.at(-1)!, name: `${namespace}/strict`, rules: ruleEntries({}, Object.keys(rules)) },
];

/**
 * For ESLint 9 in eslintrc mode (`ESLINT_USE_FLAT_CONFIG=false`): `extends: ['plugin:trace-propagation/recommended-legacy']`.
 * Same files, exclusions and rules as `recommended`.
 */
plugin.configs['recommended-legacy'] = {
  plugins: [namespace],
  parserOptions: { ecmaVersion: 'latest', sourceType: 'module' },
  overrides: [
    { files: ['*.cjs'], parserOptions: { sourceType: 'commonjs' } },
    ...(tsParser ? [{ files: ['*.ts', '*.tsx', '*.mts', '*.cts'], parser: '@typescript-eslint/parser' }] : []),
    {
      files: tsParser ? ['*.js', '*.mjs', '*.cjs', '*.jsx', '*.ts', '*.tsx', '*.mts', '*.cts'] : ['*.js', '*.mjs', '*.cjs', '*.jsx'],
      excludedFiles: [...TEST_FILES],
      rules: ruleEntries(),
    },
  ],
};

export { rules };
/** The conventions' defaults and JSON schema (for editors validating trace-conventions.yaml). */
export { CONVENTIONS_SCHEMA, DEFAULT_CONVENTIONS } from './core/conventions.js';
export default plugin;
