/**
 * @fileoverview A local `RuleCreator`: the rule object plus a docs URL derived from the rule name. Written here
 * rather than imported from `@typescript-eslint/utils`, whose runtime entry loads several megabytes of modules
 * that every lint process would then carry (see the memory figure in `npm run bench`).
 */
import type { TSESLint } from '@typescript-eslint/utils';
import { ruleDocsUrl } from './package-info.js';

interface RuleDocs {
  description: string;
  recommended?: boolean;
}

export interface RuleDefinition<Options extends readonly unknown[], MessageIds extends string> {
  name: string;
  meta: Omit<TSESLint.RuleMetaData<MessageIds, RuleDocs, Options>, 'docs'> & { docs: RuleDocs; defaultOptions: Options };
  create(context: Readonly<TSESLint.RuleContext<MessageIds, Options>>, options: Options): TSESLint.RuleListener;
}

export type Rule<Options extends readonly unknown[], MessageIds extends string> = TSESLint.RuleModule<MessageIds, Options, RuleDocs & { url: string }>;

/**
 * Builds a rule whose options are the user's options merged over `meta.defaultOptions` (ESLint 9.15+ and 10 do
 * that merge themselves; merging again here keeps older 9.x minors correct too).
 */
export function createRule<Options extends readonly unknown[], MessageIds extends string>(
  definition: RuleDefinition<Options, MessageIds>,
): Rule<Options, MessageIds> {
  const { name, meta, create } = definition;
  return {
    meta: { ...meta, docs: { ...meta.docs, url: ruleDocsUrl(name) } },
    defaultOptions: meta.defaultOptions,
    create(context) {
      return create(context, mergedOptions(meta.defaultOptions, context.options as readonly unknown[]) as unknown as Options);
    },
  } as Rule<Options, MessageIds>;
}

/**
 * Merged options per rule and configured options object: a config's options are the same objects for every file it
 * lints, so the merge runs once per config, not once per file. The merged objects are shared: never mutate them.
 */
const mergedCache = new WeakMap<readonly unknown[], WeakMap<object, unknown>>();

export function mergedOptions(defaults: readonly unknown[], options: readonly unknown[]): unknown[] {
  let cache = mergedCache.get(defaults);
  if (!cache) mergedCache.set(defaults, (cache = new WeakMap()));
  return defaults.map((fallback, index) => {
    const value = options[index];
    if (typeof value !== 'object' || value === null) return merge(fallback, value);
    let merged = cache.get(value);
    if (merged === undefined) cache.set(value, (merged = merge(fallback, value)));
    return merged;
  });
}

function merge(defaults: unknown, value: unknown): unknown {
  if (value === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, v] of Object.entries(value)) out[key] = merge(defaults[key], v);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
