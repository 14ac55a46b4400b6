/**
 * Runs rule cases on real ESLint 10 and ESLint 9 (the `eslint-v9` alias), with the real typescript-eslint parser.
 */
import * as tsParser from '@typescript-eslint/parser';
import { RuleTester as RuleTester10 } from 'eslint';
import { RuleTester as RuleTester9 } from 'eslint-v9';
import { afterAll, describe, it } from 'vitest';

type AnyRuleTester = {
  run(name: string, rule: unknown, tests: { valid: unknown[]; invalid: unknown[] }): void;
};

for (const Tester of [RuleTester10, RuleTester9] as unknown as Array<{ describe: unknown; it: unknown; itOnly: unknown; afterAll: unknown }>) {
  Tester.describe = describe;
  Tester.it = it;
  Tester.itOnly = it.only;
  Tester.afterAll = afterAll;
}

export const eslintVersions: Array<[string, new (config?: unknown) => AnyRuleTester]> = [
  ['ESLint 10', RuleTester10 as never],
  ['ESLint 9', RuleTester9 as never],
];

export const tsLanguageOptions = { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' } as const;

export interface Case {
  name: string;
  code: string;
  filename?: string;
  options?: unknown[];
  settings?: Record<string, unknown>;
  errors?: Array<{ messageId: string; line?: number; suggestions?: Array<{ messageId: string; output: string }> }>;
}

/** Runs valid and invalid cases on both ESLint majors; `.js` cases use espree, the rest the TS parser. */
export function runRule(ruleName: string, rule: unknown, tests: { valid: Case[]; invalid: Case[] }): void {
  for (const [label, Tester] of eslintVersions) {
    describe(label, () => {
      const ts = new Tester({ languageOptions: tsLanguageOptions });
      const js = new Tester({ languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } });
      const pick = (c: Case) => (c.filename?.endsWith('.js') || c.filename?.endsWith('.cjs') ? 'js' : 'ts');
      for (const flavour of ['ts', 'js'] as const) {
        const tester = flavour === 'ts' ? ts : js;
        const valid = tests.valid.filter((c) => pick(c) === flavour).map((c) => ({ filename: 'file.ts', ...c, errors: undefined }));
        const invalid = tests.invalid.filter((c) => pick(c) === flavour).map((c) => ({ filename: 'file.ts', ...c }));
        if (valid.length + invalid.length > 0) tester.run(`${ruleName} (${flavour})`, rule, { valid, invalid });
      }
    });
  }
}
