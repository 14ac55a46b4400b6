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
import { isPlainObject, SettingsError } from './util/validation.js';

const require = createRequire(import.meta.url);

/** The IDs a convention can require. `traceId` travels in `traceparent` (require-header-injection's concern). */
export const CONVENTION_FIELDS = ['traceId', 'eventId', 'correlationId', 'causationId'] as const;
export type ConventionField = (typeof CONVENTION_FIELDS)[number];

export interface Conventions {
  /** The IDs every published message carries in its metadata (causationId: inside a consumer handler). */
  requiredFields: ConventionField[];
  /** Field → header (attribute) name. */
  headers: Record<Exclude<ConventionField, 'traceId'>, string>;
  spanNaming: {
    /** `business-step-first`: spans inside handlers are named for the business step; `off`: names are free. */
    style: 'business-step-first' | 'off';
    /** Names that say nothing about the step. */
    genericNames: string[];
  };
  /** Count AMQP's `correlationId` property and NestJS reply IDs as the business correlation ID (default false). */
  replyCorrelationIsBusiness: boolean;
  /** Calls that make a fresh ID (`randomUUID()`, `uuid()`, ...): a fresh correlation ID inside a handler breaks the chain. */
  idGenerators: string[];
}

export const DEFAULT_CONVENTIONS: Readonly<Conventions> = Object.freeze({
  requiredFields: ['traceId', 'correlationId', 'causationId'],
  headers: { correlationId: 'correlation-id', causationId: 'causation-id', eventId: 'event-id' },
  spanNaming: { style: 'business-step-first', genericNames: ['process', 'handle', 'handler', 'consume', 'consumer', 'receive', 'message', 'on-message', 'onmessage', 'run', 'execute', 'work', 'job', 'task', 'kafka.consume', 'rabbitmq.consume', 'sqs.receive'] },
  replyCorrelationIsBusiness: false,
  idGenerators: ['randomUUID', 'uuid', 'v4', 'uuidv4', 'v7', 'uuidv7', 'nanoid', 'ulid', 'cuid', 'createId', 'generateId', 'newId'],
}) as Conventions;

/** The JSON schema of the conventions (also the shape of `traceConventions` in trace-conventions.yaml). */
export const CONVENTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requiredFields: { type: 'array', items: { enum: [...CONVENTION_FIELDS] }, uniqueItems: true },
    headers: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(['eventId', 'correlationId', 'causationId'].map((f) => [f, { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._:-]+$' }])),
    },
    spanNaming: {
      type: 'object',
      additionalProperties: false,
      properties: {
        style: { enum: ['business-step-first', 'off'] },
        genericNames: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    replyCorrelationIsBusiness: { type: 'boolean' },
    idGenerators: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

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
