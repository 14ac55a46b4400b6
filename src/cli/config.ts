/**
 * @fileoverview Codemod options from a config file (`trace-propagation.config.json`) and from CLI flags, validated
 * with errors that name the file and the key. CLI flags win over the file; `--helper` entries are merged over the
 * file's `helperNames` one name at a time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodemodOptions } from '../codemods/engine.js';
import { HELPER_NAMES } from '../core/otel.js';
import { isIdentifier, isPlainObject, isRelativeSpecifier, SettingsError, specifierFrom, validateSettings, type SharedSettings } from '../settings.js';
import { isErrno } from './files.js';

export { isIdentifier, isRelativeSpecifier };

export const DEFAULT_CONFIG_FILE = 'trace-propagation.config.json';

/** Our helpers' names: the keys `helperNames` / `--helper` may retarget. */
export const CANONICAL_HELPERS: readonly string[] = HELPER_NAMES;

/** A usage problem: bad flag value or bad config file. Reported on stderr, exit code 2. */
export class UsageError extends Error {}

export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    detail: string,
  ) {
    super(key ? `${file}: "${key}" ${detail}` : `${file}: ${detail}`);
  }
}

/** Codemod options plus, for a relative `helpersModule`, the directory it is relative to. */
export interface ResolvedOptions extends CodemodOptions {
  /** Set when helpersModule is a relative path (`./src/tracing.js`): the directory it was given relative to. */
  helpersModuleBase?: string;
}

/**
 * Reads the config file: the one given with `--config` (must exist), else `trace-propagation.config.json` in `cwd`
 * when there is one. Returns undefined when there is no file to read.
 */
export async function loadConfigFile(explicit: string | undefined, cwd: string): Promise<{ file: string; options: ResolvedOptions } | undefined> {
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  const shown = explicit ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (explicit === undefined && isErrno(error, 'ENOENT')) return undefined;
    const reason = isErrno(error, 'ENOENT') ? 'no such file' : isErrno(error, 'EISDIR') ? 'is a directory' : (error as Error).message;
    throw new ConfigError(shown, undefined, `cannot read config file: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(shown, undefined, `invalid JSON: ${(error as Error).message}`);
  }
  return { file, options: validateConfig(json, shown, path.dirname(file)) };
}

/** Validates a parsed config object; `file` names it in errors, `dir` anchors a relative helpersModule. */
export function validateConfig(json: unknown, file: string, dir: string): ResolvedOptions {
  if (!isPlainObject(json)) throw new ConfigError(file, undefined, 'must contain a JSON object');
  let settings: SharedSettings;
  try {
    settings = validateSettings(json, file, ['$schema', 'useTypeInformation']);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(file, error.key, error.detail);
    throw error;
  }
  const { crossFile: _crossFile, ...options } = settings as ResolvedOptions & SharedSettings;
  if (options.helpersModule && isRelativeSpecifier(options.helpersModule)) options.helpersModuleBase = dir;
  if (json.useTypeInformation !== undefined) {
    if (typeof json.useTypeInformation !== 'boolean') throw new ConfigError(file, 'useTypeInformation', 'must be true or false');
    options.useTypeInformation = json.useTypeInformation;
    // tsconfig.json files are looked up from the config file's folder.
    if (json.useTypeInformation) options.tsconfigRootDir = path.dirname(path.resolve(file));
  }
  return options;
}

/** Parses `--helper canonical=yours` values. */
export function parseHelperFlags(values: readonly string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const canonical = eq < 0 ? value : value.slice(0, eq);
    const theirs = eq < 0 ? '' : value.slice(eq + 1);
    if (eq < 0 || !canonical || !theirs) throw new UsageError(`--helper expects <ourName>=<yourName>, got '${value}'`);
    if (!CANONICAL_HELPERS.includes(canonical)) {
      throw new UsageError(`--helper: '${canonical}' is not one of our helpers (expected one of: ${CANONICAL_HELPERS.join(', ')})`);
    }
    if (!isIdentifier(theirs)) throw new UsageError(`--helper: '${theirs}' is not a valid export name`);
    names[canonical] = theirs;
  }
  return names;
}

/** Flags over file: helpersModule replaces, helper names merge name by name. */
export function mergeOptions(file: ResolvedOptions | undefined, flags: { helpersModule?: string; helperNames?: Record<string, string> }, cwd: string): ResolvedOptions {
  const merged: ResolvedOptions = { ...file };
  if (flags.helpersModule !== undefined) {
    if (flags.helpersModule.trim() === '') throw new UsageError('--helpers-module expects a module specifier');
    merged.helpersModule = flags.helpersModule;
    if (isRelativeSpecifier(flags.helpersModule)) merged.helpersModuleBase = cwd;
    else delete merged.helpersModuleBase;
  }
  if (flags.helperNames && Object.keys(flags.helperNames).length > 0) {
    merged.helperNames = { ...file?.helperNames, ...flags.helperNames };
  }
  return merged;
}

/**
 * The engine options for one file. A relative helpers module (`./src/tracing/helpers.js`, relative to the config
 * file or, from the flag, to the cwd) becomes the specifier that reaches it from that file's directory.
 */
export function optionsForFile(options: ResolvedOptions, file: string): CodemodOptions {
  const { helpersModuleBase, ...rest } = options;
  if (!helpersModuleBase || !rest.helpersModule) return rest;
  return { ...rest, helpersModule: specifierFrom(file, path.resolve(helpersModuleBase, rest.helpersModule)) };
}

