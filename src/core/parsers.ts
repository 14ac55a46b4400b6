/**
 * @fileoverview The parsers, loaded only when present. TypeScript and typescript-eslint are optional: a JavaScript
 * project lints with ESLint's own parser (espree), found through ESLint itself so that it is always the copy ESLint
 * uses, and never installs TypeScript for us. With `@typescript-eslint/parser` installed, its copy of
 * `typescript-estree` parses TypeScript and JavaScript alike.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The parts of `@typescript-eslint/parser` we use: the flat-config parser object and `parseForESLint`. */
export interface TypeScriptParser {
  parseForESLint(code: string, options: Record<string, unknown>): { ast: unknown; scopeManager: unknown; visitorKeys: unknown; services: unknown };
  meta?: { name?: string; version?: string };
}
interface Estree {
  parse(code: string, options: Record<string, unknown>): unknown;
  parseAndGenerateServices?(code: string, options: Record<string, unknown>): unknown;
}
interface Espree {
  parse(code: string, options: Record<string, unknown>): unknown;
  latestEcmaVersion?: number;
}
/** ESLint's scope analyser and visitor keys, for espree's trees (typescript-eslint's analyser expects its own). */
export interface EslintScope {
  analyze(ast: unknown, options: Record<string, unknown>): unknown;
  keys: Record<string, readonly string[]>;
}

let tsParser: TypeScriptParser | null | undefined;
let estree: Estree | null | undefined;
let espree: Espree | null | undefined;
let eslintScope: EslintScope | null | undefined;

function tryRequire<T>(load: () => unknown): T | null {
  try {
    return load() as T;
  } catch {
    return null;
  }
}

/** `@typescript-eslint/parser` when the project has it (a peer: it dedupes with the project's typescript-eslint). */
export function typeScriptParser(): TypeScriptParser | undefined {
  if (tsParser === undefined) tsParser = tryRequire<TypeScriptParser>(() => require('@typescript-eslint/parser'));
  return tsParser ?? undefined;
}

/** The parser's own `typescript-estree` (and so the TypeScript it was installed with), when both are present. */
export function typeScriptEstree(): Estree | undefined {
  if (estree === undefined) {
    estree = typeScriptParser() ? tryRequire<Estree>(() => createRequire(require.resolve('@typescript-eslint/parser'))('@typescript-eslint/typescript-estree')) : null;
  }
  return estree ?? undefined;
}

/** ESLint's own parser, from ESLint's installation. */
export function eslintEspree(): Espree | undefined {
  if (espree === undefined) espree = tryRequire<Espree>(() => createRequire(require.resolve('eslint'))('espree'));
  return espree ?? undefined;
}

/** ESLint's own scope analyser and visitor keys, from ESLint's installation. */
export function eslintScopeAnalysis(): EslintScope | undefined {
  if (eslintScope === undefined) {
    eslintScope = tryRequire<EslintScope>(() => {
      const fromEslint = createRequire(require.resolve('eslint'));
      const scope = fromEslint('eslint-scope') as { analyze: EslintScope['analyze'] };
      const keys = (fromEslint('eslint-visitor-keys') as { KEYS: EslintScope['keys'] }).KEYS;
      return { analyze: scope.analyze, keys };
    });
  }
  return eslintScope ?? undefined;
}

/** What to say when a TypeScript feature is used without typescript-eslint installed. */
export const NEEDS_TYPESCRIPT_ESLINT =
  'needs @typescript-eslint/parser (and TypeScript within the range typescript-eslint supports): npm i -D typescript-eslint typescript';
