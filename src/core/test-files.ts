/**
 * @fileoverview Test, spec, benchmark and sample code: left out by the recommended configs (as globs), by the core's
 * project-wide scans and by the audit (as a predicate), from one list. It publishes to fake brokers, asserts on
 * payloads and starts consumers without context on purpose; examples and demos show a library's use, not a service's.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { requireSpecifier } from './ast.js';

const SUFFIXES = ['spec', 'test', 'e2e-spec', 'int-spec', 'integration-spec', 'e2e', 'cy', 'bench', 'benchmark'];
const DIRECTORIES = ['test', 'tests', 'testing', '__tests__', '__mocks__', '__fixtures__', 'mocks', 'e2e', 'test-e2e', 'e2e-tests', 'e2e_tests', 'integration-test', 'integration-tests', 'integration_tests', 'test-harness', 'test-helpers', 'test-utils', 'test-support', 'cypress', 'playwright', 'bench', 'benchmark', 'benchmarks', 'example', 'examples', 'sample', 'samples', 'demo', 'demos'];
const EXTENSIONS = ['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'mts', 'cts'];
/**
 * Operator and developer scripts (seeding, replaying, migrating, sending a test event), run by hand from a `scripts/`,
 * `bin/` or `tools/` folder at the root of the repository or of a workspace package: no traced request runs there.
 * `src/scripts/` and `src/tools/` are left in: services keep jobs they deploy there.
 */
const SCRIPT_ROOTS = ['packages', 'apps', 'services', 'libs', 'modules'];
/** Test runners whose `<name>.config.*` files set up fakes. */
const RUNNER_CONFIGS = ['cypress', 'playwright', 'jest', 'vitest'];

/** Files that are a library's usage sample by their name: `src/example.ts`, `demo.js`. */
const SAMPLE_FILES = ['example', 'examples', 'sample', 'samples', 'demo'];

/** Folders named for the project they test: Nx's `apps/shop-e2e/`, `orders-integration-tests/`. */
const DIRECTORY_SUFFIXES = ['e2e', 'e2e-tests', 'integration-tests', 'system-tests'];

export const TEST_FILES: readonly string[] = [
  `**/*.{${SUFFIXES.join(',')}}.{${EXTENSIONS.join(',')}}`,
  `**/{${DIRECTORIES.join(',')}}/**`,
  `**/{${SAMPLE_FILES.join(',')}}.{${EXTENSIONS.join(',')}}`,
  `**/{test_*,*_test}.{${EXTENSIONS.join(',')}}`,
  `**/*-{${DIRECTORY_SUFFIXES.join(',')}}/**`,
  '**/*.d.{ts,mts,cts}',
  `**/{${RUNNER_CONFIGS.join(',')}}.config.{${EXTENSIONS.join(',')}}`,
  '{scripts,bin,tools}/**',
  `{${SCRIPT_ROOTS.join(',')}}/*/{scripts,bin,tools}/**`,
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const TEST_PATH = new RegExp(
  `(?:^|/)(?:${DIRECTORIES.map(escape).join('|')})/|(?:^|/)(?:${SAMPLE_FILES.join('|')})\\.(?:${EXTENSIONS.join('|')})$|(?:^|/)(?:test_[^/]*|[^/]*_test)\\.(?:${EXTENSIONS.join('|')})$|(?:^|/)[^/]+-(?:${DIRECTORY_SUFFIXES.map(escape).join('|')})/|\\.(?:${SUFFIXES.map(escape).join('|')})\\.(?:${EXTENSIONS.join('|')})$|\\.d\\.[cm]?ts$|(?:^|/)(?:${RUNNER_CONFIGS.join('|')})\\.config\\.(?:${EXTENSIONS.join('|')})$|^(?:(?:${SCRIPT_ROOTS.join('|')})/[^/]+/)?(?:scripts|bin|tools)/`,
);

/** `relative`: a path relative to the project root, with `/` separators. */
export function isTestFile(relative: string): boolean {
  return TEST_PATH.test(relative);
}

/** Modules only test code imports: runners, their globals and assertion libraries. */
const TEST_MODULES = new Set(['vitest', '@jest/globals', 'node:test', 'mocha', 'ava', 'tap', 'uvu', 'chai', '@playwright/test', 'supertest']);
const SUITE_CALLS = new Set(['describe', 'it', 'test', 'suite']);

/**
 * A test by its content, whatever its name (`consumer.integration.ts` that a vitest `include` lists): it imports a
 * test runner or assertion library, or calls `describe(...)` / `it(...)` / `test(...)` at its top level.
 */
export function isTestSource(body: readonly TSESTree.ProgramStatement[]): boolean {
  const required = (node: TSESTree.Node | null | undefined): boolean => {
    const specifier = node ? requireSpecifier(node) : undefined;
    return specifier !== undefined && TEST_MODULES.has(specifier);
  };
  for (const statement of body) {
    if (statement.type === 'ImportDeclaration' && TEST_MODULES.has(statement.source.value)) return true;
    if (statement.type === 'VariableDeclaration' && statement.declarations.some((d) => required(d.init))) return true;
    if (statement.type !== 'ExpressionStatement') continue;
    const expression = statement.expression.type === 'AwaitExpression' ? statement.expression.argument : statement.expression;
    if (expression.type !== 'CallExpression') continue;
    if (required(expression)) return true;
    // describe('...', fn), describe.each([...])('...', fn), test.concurrent('...', fn)
    let callee: TSESTree.Node = expression.callee;
    while (callee.type === 'CallExpression') callee = callee.callee;
    if (callee.type === 'MemberExpression') callee = callee.object;
    if (callee.type === 'Identifier' && SUITE_CALLS.has(callee.name) && expression.arguments.length >= 2) return true;
  }
  return false;
}
