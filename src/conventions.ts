/**
 * @fileoverview A team's messaging conventions, declared once: which IDs every message carries in its metadata
 * (correlation, causation, event), under which header names, and how spans inside handlers are named. Read from
 * `settings['trace-propagation'].conventions` or from `trace-conventions.yaml` at the repository root (top key
 * `traceConventions`); the rules, the CLI and the audit read the same. Validated against `CONVENTIONS_SCHEMA` (a
 * JSON schema) with errors that name the file and the key.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CONVENTIONS_SCHEMA, DEFAULT_CONVENTIONS, type Conventions } from './core/conventions.js';
import { isPlainObject, SettingsError } from './util/validation.js';

export { CONVENTION_FIELDS, CONVENTIONS_SCHEMA, DEFAULT_CONVENTIONS, type ConventionField, type Conventions } from './core/conventions.js';

const require = createRequire(import.meta.url);

export const CONVENTIONS_FILE = 'trace-conventions.yaml';

interface Schema {
  type?: string;
  enum?: readonly unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  uniqueItems?: boolean;
  minLength?: number;
  pattern?: string;
}

/** Validates `value` against a schema of the subset above; throws a SettingsError naming `where` and the key. */
export function checkSchema(value: unknown, schema: Schema, where: string, key: string): void {
  const fail = (detail: string): never => {
    throw new SettingsError(where, key || undefined, detail);
  };
  if (schema.enum && !schema.enum.includes(value)) fail(`must be one of: ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.type === 'object') {
    if (!isPlainObject(value)) fail('must be an object');
    const object = value as Record<string, unknown>;
    for (const [name, child] of Object.entries(object)) {
      const sub = schema.properties?.[name];
      if (!sub) {
        if (schema.additionalProperties === false) fail(`has an unknown key "${name}" (expected one of: ${Object.keys(schema.properties ?? {}).join(', ')})`);
        continue;
      }
      checkSchema(child, sub, where, key ? `${key}.${name}` : name);
    }
  } else if (schema.type === 'array') {
    if (!Array.isArray(value)) fail('must be an array');
    const list = value as unknown[];
    list.forEach((item, i) => schema.items && checkSchema(item, schema.items, where, `${key}[${i}]`));
    if (schema.uniqueItems && new Set(list).size !== list.length) fail('must not repeat an entry');
  } else if (schema.type === 'string') {
    if (typeof value !== 'string') fail('must be a string');
    if (schema.minLength && (value as string).length < schema.minLength) fail('must not be empty');
    if (schema.pattern && !new RegExp(schema.pattern).test(value as string)) fail(`must match ${schema.pattern} (a header name)`);
  } else if (schema.type === 'boolean' && typeof value !== 'boolean') fail('must be true or false');
}

/** Validated conventions over the defaults (a partial declaration keeps the defaults of what it leaves out). */
export function validateConventions(json: unknown, where: string, key = ''): Conventions {
  if (json === undefined || json === null) return DEFAULT_CONVENTIONS;
  checkSchema(json, CONVENTIONS_SCHEMA as Schema, where, key);
  const given = json as Partial<Conventions>;
  return {
    requiredFields: given.requiredFields ?? DEFAULT_CONVENTIONS.requiredFields,
    headers: { ...DEFAULT_CONVENTIONS.headers, ...given.headers },
    spanNaming: { ...DEFAULT_CONVENTIONS.spanNaming, ...given.spanNaming },
    replyCorrelationIsBusiness: given.replyCorrelationIsBusiness ?? DEFAULT_CONVENTIONS.replyCorrelationIsBusiness,
    idGenerators: given.idGenerators ?? DEFAULT_CONVENTIONS.idGenerators,
  };
}

const fromFile = new Map<string, { mtimeMs: number; conventions: Conventions | undefined }>();

/**
 * The conventions of `trace-conventions.yaml` in `root`, or undefined when there is none. Cached by modification
 * time. A file that does not parse or does not validate throws a SettingsError naming it (and the key).
 */
export function conventionsFile(root: string): Conventions | undefined {
  const file = path.join(root, CONVENTIONS_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const cached = fromFile.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.conventions;
  // Loaded only here: projects without the file (and the recommended config) never load a YAML parser.
  const { parse } = require('yaml') as typeof import('yaml');
  let document: unknown;
  try {
    document = parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SettingsError(file, undefined, `is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document !== null && !isPlainObject(document)) throw new SettingsError(file, undefined, 'must be a mapping with the key traceConventions');
  const top = document as Record<string, unknown> | null;
  const unknown = Object.keys(top ?? {}).filter((k) => k !== 'traceConventions');
  if (unknown.length > 0) throw new SettingsError(file, unknown[0], 'is not a known key (expected traceConventions)');
  const conventions = validateConventions(top?.['traceConventions'], file, 'traceConventions');
  fromFile.set(file, { mtimeMs, conventions });
  return conventions;
}
