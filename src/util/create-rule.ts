import { ESLintUtils } from '@typescript-eslint/utils';

/** Every rule's `docs.url` points at its doc next to the rule source. */
export const createRule = ESLintUtils.RuleCreator(
  (name) => `https://github.com/trace-propagation/eslint-plugin-trace-propagation/blob/main/rules/${name}.md`,
);
