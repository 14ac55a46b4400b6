/**
 * @fileoverview A team's messaging conventions, as data: which IDs every message carries in its metadata
 * (correlation, causation, event), under which header names, and how spans inside handlers are named; their
 * defaults and their JSON schema. Reading and validating a declaration is `src/conventions.ts`'s job.
 */

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
  /** Count AMQP's `correlationId` publish property (amqplib, amqp-connection-manager) as the business correlation ID (default false). */
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

