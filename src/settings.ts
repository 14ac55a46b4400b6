/**
 * @fileoverview The settings a team states once, in ESLint's `settings['trace-propagation']`, read by every rule and
 * its suggestions and by the CLI (for each file, from the project's ESLint config; `trace-propagation.config.json`
 * is the fallback for projects without ESLint). Validated here, with errors that name where and which key.
 */
import path from 'node:path';
import { instrumentations, type Instrumentation } from './brokers/index.js';
import { HELPER_NAMES, HELPERS_MODULE, type HelperTarget } from './core/otel.js';
import { validateConventions, type Conventions } from './conventions.js';
import { isPlainObject, SettingsError } from './util/validation.js';

export const SETTINGS_KEY = 'trace-propagation';
export { isPlainObject, SettingsError };

export interface SharedSettings {
  /** Module the suggestions and codemods import helpers from; relative paths are from the cwd (rules) or the config file. */
  helpersModule?: string;
  /** Our helper name → your export name. */
  helperNames?: Record<string, string>;
  autoInstrumented?: Partial<Record<Instrumentation, boolean>>;
  injectors?: string[];
  extractors?: string[];
  /** `false`: look at the linted file only (no wrappers, shared clients or bootstraps in other files). */
  crossFile?: boolean;
  /** The audit's services: service name → path patterns (gitignore syntax, from the repository root). */
  services?: Record<string, string[]>;
  /** Correlation, causation and span-naming conventions (else `trace-conventions.yaml` at the repository root). */
  conventions?: Conventions;
}

export const SETTINGS_KEYS: readonly string[] = ['helpersModule', 'helperNames', 'autoInstrumented', 'injectors', 'extractors', 'crossFile', 'services', 'conventions'];

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function isRelativeSpecifier(spec: string): boolean {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
}


/**
 * Validates the shared keys of an object (`extraKeys` are allowed and left to the caller). Unknown keys, wrong
 * types, unknown helpers or instrumentations are errors naming `where` and the key.
 */
export function validateSettings(json: unknown, where: string, extraKeys: readonly string[] = []): SharedSettings {
  if (json === undefined) return {};
  if (!isPlainObject(json)) throw new SettingsError(where, undefined, 'must be an object');
  for (const key of Object.keys(json)) {
    if (!SETTINGS_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new SettingsError(where, key, `is not a known key (expected one of: ${[...SETTINGS_KEYS, ...extraKeys].filter((k) => k !== '$schema').join(', ')})`);
    }
  }
  const settings: SharedSettings = {};
  if (json.helpersModule !== undefined) {
    if (typeof json.helpersModule !== 'string' || json.helpersModule.trim() === '') {
      throw new SettingsError(where, 'helpersModule', 'must be a non-empty string (a module specifier)');
    }
    settings.helpersModule = json.helpersModule;
  }
  if (json.helperNames !== undefined) {
    if (!isPlainObject(json.helperNames)) throw new SettingsError(where, 'helperNames', 'must be an object mapping our helper names to yours');
    const names: Record<string, string> = {};
    for (const [canonical, theirs] of Object.entries(json.helperNames)) {
      const key = `helperNames.${canonical}`;
      if (!HELPER_NAMES.includes(canonical)) throw new SettingsError(where, key, `is not one of our helpers (expected one of: ${HELPER_NAMES.join(', ')})`);
      if (typeof theirs !== 'string' || !isIdentifier(theirs)) throw new SettingsError(where, key, 'must be a string naming an export (a JavaScript identifier)');
      names[canonical] = theirs;
    }
    settings.helperNames = names;
  }
  if (json.autoInstrumented !== undefined) {
    if (!isPlainObject(json.autoInstrumented)) throw new SettingsError(where, 'autoInstrumented', 'must be an object of booleans');
    const auto: Partial<Record<Instrumentation, boolean>> = {};
    for (const [name, value] of Object.entries(json.autoInstrumented)) {
      const key = `autoInstrumented.${name}`;
      if (!(instrumentations as readonly string[]).includes(name)) {
        throw new SettingsError(where, key, `is not a known instrumentation (expected one of: ${instrumentations.join(', ')})`);
      }
      if (typeof value !== 'boolean') throw new SettingsError(where, key, 'must be true or false');
      auto[name as Instrumentation] = value;
    }
    settings.autoInstrumented = auto;
  }
  for (const key of ['injectors', 'extractors'] as const) {
    const value = json[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw new SettingsError(where, key, 'must be an array of function names');
    value.forEach((entry, i) => {
      if (typeof entry !== 'string' || entry.trim() === '') throw new SettingsError(where, `${key}[${i}]`, 'must be a non-empty string');
    });
    settings[key] = value as string[];
  }
  if (json.crossFile !== undefined) {
    if (typeof json.crossFile !== 'boolean') throw new SettingsError(where, 'crossFile', 'must be true or false');
    settings.crossFile = json.crossFile;
  }
  if (json.services !== undefined) {
    if (!isPlainObject(json.services)) throw new SettingsError(where, 'services', 'must be an object mapping service names to arrays of path patterns');
    const services: Record<string, string[]> = {};
    for (const [name, patterns] of Object.entries(json.services)) {
      const key = `services.${name}`;
      if (name.trim() === '') throw new SettingsError(where, 'services', 'has an empty service name');
      if (!Array.isArray(patterns) || patterns.length === 0 || patterns.some((p) => typeof p !== 'string' || p.trim() === '')) {
        throw new SettingsError(where, key, 'must be a non-empty array of path patterns (strings, from the repository root)');
      }
      services[name] = patterns as string[];
    }
    settings.services = services;
  }
  if (json.conventions !== undefined) settings.conventions = validateConventions(json.conventions, where, 'conventions');
  return settings;
}

const fromEslint = new WeakMap<object, SharedSettings>();

/** `settings['trace-propagation']` of an ESLint config, validated once per settings object. */
export function eslintSettings(settings: unknown): SharedSettings {
  const raw = isPlainObject(settings) ? settings[SETTINGS_KEY] : undefined;
  if (!isPlainObject(raw)) return validateSettings(raw, `settings['${SETTINGS_KEY}']`);
  let validated = fromEslint.get(raw);
  if (!validated) {
    validated = validateSettings(raw, `settings['${SETTINGS_KEY}']`);
    fromEslint.set(raw, validated);
  }
  return validated;
}

/** The specifier that reaches `target` (a path) from `file`'s folder: `./tracing.js`, `../lib/helpers.js`. */
export function specifierFrom(file: string, target: string): string {
  let spec = path.relative(path.dirname(file), target).split(path.sep).join('/');
  if (spec === '') spec = '.';
  if (!spec.startsWith('.') || !isRelativeSpecifier(spec)) spec = `./${spec}`;
  return spec;
}

/**
 * Where the helpers come from for one file: the settings' module (a relative one resolved from `base`, then written
 * relative to `file`) and export names; undefined when nothing retargets them.
 */
export function helperTargetFor(settings: Pick<SharedSettings, 'helpersModule' | 'helperNames'>, file: string | undefined, base: string): HelperTarget | undefined {
  if (!settings.helpersModule && !settings.helperNames) return undefined;
  let module = settings.helpersModule ?? HELPERS_MODULE;
  if (settings.helpersModule && isRelativeSpecifier(settings.helpersModule) && file) module = specifierFrom(file, path.resolve(base, settings.helpersModule));
  return { module, names: settings.helperNames ?? {} };
}
