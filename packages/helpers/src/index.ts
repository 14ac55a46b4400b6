/**
 * Trace-context propagation helpers for message brokers.
 *
 * Published as `trace-propagation-helpers` (ESM and CommonJS). The only dependency is the
 * `@opentelemetry/api` peer dependency: every helper goes through the *global* propagator
 * (`propagation.inject` / `propagation.extract`), so whatever the application registered
 * (W3C trace context + baggage by default, B3, Jaeger, ...) is what gets written and read.
 *
 * All injection helpers are expressions, so a codemod can drop them straight into a call site:
 *
 * ```ts
 * await producer.send({ topic, messages: [{ value, headers: injectTraceHeaders(headers) }] });
 * ```
 *
 * When there is no valid span in the context, nothing is injected (and no `undefined` values are
 * written: kafkajs and the confluent client throw on them).
 *
 * @packageDocumentation
 */
import {
  context,
  diag,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
// A separate `import type` (TypeScript 3.8+) rather than inline `type` specifiers (4.5+): the declarations this
// emits must load in the older compilers of the projects the codemods run on.
import type { Attributes, Context, Link, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';

/** An SQS / SNS `MessageAttributeValue` holding a string (what the helpers write). */
export interface StringMessageAttribute {
  DataType: 'String';
  StringValue: string;
}

/**
 * A node-rdkafka / `@confluentinc/kafka-javascript` (native API) header entry: an object whose
 * **first own key only** is encoded by the native client.
 */
export type RdkafkaMessageHeader = Record<string, string | Buffer>;

/**
 * Maximum number of message attributes SQS and SNS accept per message. More than this makes the
 * `SendMessage` / `Publish` call fail, and the OpenTelemetry aws-sdk instrumentation silently skips
 * injection when `existing + propagation.fields().length > 10`.
 */
const MAX_AWS_MESSAGE_ATTRIBUTES = 10;

/** Order in which propagation fields are kept when they do not all fit (SQS/SNS). */
const FIELD_PRIORITY = ['traceparent', 'tracestate', 'baggage'];

const stringRecordSetter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const natsSetter: TextMapSetter<{ set(k: string, v: string): void }> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/** Injects `ctx` into a fresh string record with the global propagator. */
function injectFresh(ctx: Context): Record<string, string> {
  const fresh: Record<string, string> = {};
  propagation.inject(ctx, fresh, stringRecordSetter);
  // A propagator could in theory hand the setter a non-string; never let one through.
  for (const key of Object.keys(fresh)) {
    if (typeof fresh[key] !== 'string') delete fresh[key];
  }
  return fresh;
}

/** Lower-cased names of every field the injection may (re)write: propagator fields + what it wrote. */
function propagationKeySet(injected: Record<string, string>): Set<string> {
  const names = new Set<string>();
  for (const field of propagation.fields()) names.add(field.toLowerCase());
  for (const key of Object.keys(injected)) names.add(key.toLowerCase());
  return names;
}

/**
 * Copies `existing` own enumerable entries, minus `undefined` values, and — only when the new
 * context actually injected something — minus any key (any case) that belongs to the propagator.
 * Mixing a fresh `traceparent` with a stale `tracestate`/`baggage` (e.g. headers forwarded from an
 * upstream message) would describe two different traces, so the new context replaces them as a unit.
 */
function copyWithoutStaleFields(
  existing: Record<string, unknown> | null | undefined,
  injected: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (existing == null) return out;
  const stale = Object.keys(injected).length > 0 ? propagationKeySet(injected) : undefined;
  for (const [key, value] of Object.entries(existing)) {
    if (value === undefined) continue;
    if (stale?.has(key.toLowerCase())) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Returns a **new** headers object: the existing headers plus the trace context of `ctx`
 * (the active context by default), written with string values by the global propagator.
 *
 * Use it for every carrier that is a plain `string`-valued object: kafkajs and confluent KafkaJS
 * `IHeaders`, amqplib / amqp-connection-manager `options.headers`, Pub/Sub `attributes`,
 * Service Bus `applicationProperties`, NestJS Kafka/RMQ record headers.
 *
 * - The input object is never mutated.
 * - Existing entries whose value is `undefined` are dropped (kafkajs and confluent throw on them).
 * - If the context has no valid span, only the existing headers are returned (nothing `undefined`).
 * - When something is injected, existing propagator keys (`traceparent`, `Traceparent`, stale
 *   `tracestate`, ...) are replaced so the carrier describes exactly one trace.
 *
 * @example producer.send({ topic, messages: [{ value, headers: injectTraceHeaders({ 'x-tenant': t }) }] })
 */
export function injectTraceHeaders<T extends Record<string, unknown> = Record<string, string>>(
  headers?: T | null,
  ctx: Context = context.active(),
): T & Record<string, string> {
  const injected = injectFresh(ctx);
  const out = copyWithoutStaleFields(headers, injected);
  Object.assign(out, injected);
  return out as T & Record<string, string>;
}

/**
 * Returns a **new** SQS / SNS `MessageAttributes` record: the existing attributes plus the trace
 * context of `ctx` as `{ DataType: 'String', StringValue }` entries.
 *
 * SQS and SNS reject messages with more than 10 message attributes, and the OpenTelemetry aws-sdk
 * instrumentation silently skips injection when `existing + propagation.fields().length > 10`.
 * This helper instead injects **only what fits**, in priority order `traceparent`, `tracestate`,
 * `baggage` (then any other propagator fields), and never returns more than 10 attributes because
 * of its own additions (a `diag.warn` names the fields that were left out).
 *
 * @example new SendMessageCommand({ QueueUrl, MessageBody, MessageAttributes: injectMessageAttributes({ tenant }) })
 */
export function injectMessageAttributes<
  T extends Record<string, unknown> = Record<string, StringMessageAttribute>,
>(attributes?: T | null, ctx: Context = context.active()): T & Record<string, StringMessageAttribute> {
  const injected = injectFresh(ctx);
  const out = copyWithoutStaleFields(attributes, injected);

  const fields = propagation.fields();
  const rank = (key: string): number => {
    const lower = key.toLowerCase();
    const p = FIELD_PRIORITY.indexOf(lower);
    if (p !== -1) return p;
    const f = fields.findIndex((field) => field.toLowerCase() === lower);
    return FIELD_PRIORITY.length + (f === -1 ? fields.length : f);
  };
  const ordered = Object.keys(injected).sort((a, b) => rank(a) - rank(b));

  const dropped: string[] = [];
  for (const key of ordered) {
    if (Object.keys(out).length >= MAX_AWS_MESSAGE_ATTRIBUTES) {
      dropped.push(key);
      continue;
    }
    out[key] = { DataType: 'String', StringValue: injected[key] } satisfies StringMessageAttribute;
  }
  if (dropped.length > 0) {
    diag.warn(
      `injectMessageAttributes: SQS/SNS allow at most ${MAX_AWS_MESSAGE_ATTRIBUTES} message attributes; ` +
        `not injected: ${dropped.join(', ')}`,
    );
  }
  return out as T & Record<string, StringMessageAttribute>;
}

/**
 * Writes the trace context of `ctx` into a NATS `MsgHdrs` (from `headers()`) with `.set()` and
 * returns the same object. The default setter would create a JS property that NATS never sends.
 *
 * Structural type only: works with `nats` v2 and `@nats-io/nats-core` v3 without importing either.
 *
 * @example nc.publish(subject, payload, { headers: injectNatsHeaders(headers()) })
 */
export function injectNatsHeaders<H extends { set(k: string, v: string): void }>(
  hdrs: H,
  ctx: Context = context.active(),
): H {
  propagation.inject(ctx, hdrs, natsSetter);
  return hdrs;
}

/**
 * Returns a **new** node-rdkafka / confluent native `MessageHeader[]`: the existing entries plus one
 * **single-key** object per injected field (the native client encodes only the first key of each
 * object, so `[{ traceparent, tracestate }]` would silently lose `tracestate`). Existing multi-key
 * entries are split into single-key entries for the same reason; `undefined` values are dropped.
 *
 * @example producer.produce(topic, null, value, key, Date.now(), undefined, injectRdkafkaHeaders())
 */
export function injectRdkafkaHeaders(
  headers?: ReadonlyArray<RdkafkaMessageHeader> | null,
  ctx: Context = context.active(),
): RdkafkaMessageHeader[] {
  const injected = injectFresh(ctx);
  const stale = Object.keys(injected).length > 0 ? propagationKeySet(injected) : undefined;
  const out: RdkafkaMessageHeader[] = [];
  for (const entry of headers ?? []) {
    if (entry == null) continue;
    for (const [key, value] of Object.entries(entry)) {
      if (value === undefined) continue;
      if (stale?.has(key.toLowerCase())) continue;
      out.push({ [key]: value });
    }
  }
  for (const [key, value] of Object.entries(injected)) out.push({ [key]: value });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A NATS `MsgHdrs`-like (or fetch `Headers`-like) object: `get(k)` and `keys()` functions. */
interface HeaderBag {
  get(key: string): unknown;
  keys(): Iterable<unknown>;
  values?(key: string): unknown;
}

function isHeaderBag(value: unknown): value is HeaderBag {
  return (
    isRecord(value) &&
    !(value instanceof Map) &&
    typeof (value as { get?: unknown }).get === 'function' &&
    typeof (value as { keys?: unknown }).keys === 'function'
  );
}

/** Converts one carrier value to a string (or string[]), or `undefined` when it is not one. */
function toText(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (value == null) return undefined;
  // Buffer is a Uint8Array subclass; decode without depending on Node's Buffer.
  if (value instanceof Uint8Array) return utf8.decode(value);
  if (Array.isArray(value)) {
    // Map each element and keep the array (W3C uses [0], joins tracestate/baggage).
    // Never `.toString()` the array: `a,b` is an invalid traceparent.
    const out: string[] = [];
    for (const element of value) {
      const text = toText(element);
      if (typeof text === 'string') out.push(text);
      else if (Array.isArray(text)) out.push(...text);
    }
    return out.length > 0 ? out : undefined;
  }
  if (isRecord(value)) {
    // SQS / SNS MessageAttributeValue: { DataType, StringValue, BinaryValue }
    if (typeof value.StringValue === 'string') return value.StringValue;
    // Lambda SQSRecord.messageAttributes: { dataType, stringValue }
    if (typeof value.stringValue === 'string') return value.stringValue;
    // SNS-to-SQS envelope (raw delivery off): MessageAttributes: { Type, Value }
    if (typeof value.Value === 'string') return value.Value;
    if (value.BinaryValue instanceof Uint8Array) return utf8.decode(value.BinaryValue);
  }
  return undefined;
}

function keyToText(key: unknown): string | undefined {
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return utf8.decode(key);
  return undefined;
}

/** Exact-case match first, then a case-insensitive one (`Traceparent`, `TRACEPARENT`). */
function findKey(keys: Iterable<string>, key: string): string | undefined {
  const lower = key.toLowerCase();
  let folded: string | undefined;
  for (const candidate of keys) {
    if (candidate === key) return candidate;
    if (folded === undefined && candidate.toLowerCase() === lower) folded = candidate;
  }
  return folded;
}

function collect(values: unknown[]): string | string[] | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1) return toText(values[0]);
  return toText(values);
}

/** rdkafka `[{ k: v }, ...]` or `[[k, v], ...]` entry lists (repeated keys become an array). */
function getFromEntryList(list: readonly unknown[], key: string): string | string[] | undefined {
  const pairs: Array<[string, unknown]> = [];
  for (const entry of list) {
    if (Array.isArray(entry)) {
      const k = entry.length === 2 ? keyToText(entry[0]) : undefined;
      if (k !== undefined) pairs.push([k, entry[1]]);
    } else if (isRecord(entry)) {
      for (const [k, v] of Object.entries(entry)) pairs.push([k, v]);
    }
  }
  const match = findKey(
    pairs.map(([k]) => k),
    key,
  );
  if (match === undefined) return undefined;
  return collect(pairs.filter(([k]) => k === match).map(([, v]) => v));
}

function keysOfEntryList(list: readonly unknown[]): string[] {
  const keys = new Set<string>();
  for (const entry of list) {
    if (Array.isArray(entry)) {
      const k = entry.length === 2 ? keyToText(entry[0]) : undefined;
      if (k !== undefined) keys.add(k);
    } else if (isRecord(entry)) {
      for (const k of Object.keys(entry)) keys.add(k);
    }
  }
  return [...keys];
}

function getFromMap(map: Map<unknown, unknown>, key: string): string | string[] | undefined {
  const direct = map.get(key);
  if (direct !== undefined) return toText(direct);
  // Keys may be Buffers (@platformatic/kafka default deserializers) or differ in case.
  const entries: Array<[string, unknown]> = [];
  for (const [k, v] of map) {
    const text = keyToText(k);
    if (text !== undefined) entries.push([text, v]);
  }
  const match = findKey(
    entries.map(([k]) => k),
    key,
  );
  if (match === undefined) return undefined;
  return collect(entries.filter(([k]) => k === match).map(([, v]) => v));
}

function getFromHeaderBag(bag: HeaderBag, key: string): string | string[] | undefined {
  const keys: string[] = [];
  for (const k of bag.keys()) {
    const text = keyToText(k);
    if (text !== undefined) keys.push(text);
  }
  const match = findKey(keys, key) ?? key;
  if (typeof bag.values === 'function') {
    const all = bag.values(match);
    if (Array.isArray(all)) {
      const nonEmpty = all.filter((v) => v !== '');
      if (nonEmpty.length > 0) return collect(nonEmpty);
    }
  }
  const value = bag.get(match);
  // NATS MsgHdrs.get returns '' when the key is missing; fetch Headers returns null.
  if (value === '' || value == null) return undefined;
  return toText(value);
}

function getOne(carrier: unknown, key: string): string | string[] | undefined {
  if (!isRecord(carrier)) return undefined;
  if (Array.isArray(carrier)) return getFromEntryList(carrier, key);
  if (carrier instanceof Map) return getFromMap(carrier, key);
  if (isHeaderBag(carrier)) return getFromHeaderBag(carrier, key);
  const direct = carrier[key];
  if (direct !== undefined) return toText(direct);
  const match = findKey(Object.keys(carrier), key);
  return match === undefined ? undefined : toText(carrier[match]);
}

/**
 * Fallback names, used only when the W3C name itself is absent: Azure SDKs carry the traceparent
 * as `Diagnostic-Id`; Pub/Sub's built-in tracing writes `googclient_traceparent`/`_tracestate`.
 */
const KEY_ALIASES: Record<string, readonly string[] | undefined> = {
  traceparent: ['googclient_traceparent', 'Diagnostic-Id'],
  tracestate: ['googclient_tracestate'],
};

/**
 * A `TextMapGetter` that reads trace context from every carrier shape the supported brokers deliver:
 *
 * - plain objects whose values are strings, `Buffer`/`Uint8Array` (decoded as UTF-8), or arrays of
 *   them (each element converted, the array kept: W3C reads `[0]`) — kafkajs, confluent KafkaJS,
 *   amqplib, Pub/Sub, Service Bus;
 * - SQS/SNS `MessageAttributes` (`{ StringValue }`), Lambda `messageAttributes` (`{ stringValue }`),
 *   SNS envelope attributes (`{ Type, Value }`);
 * - NATS `MsgHdrs` (anything with `get`/`keys` functions; `get` returning `''` means missing);
 * - `Map` with string or `Buffer` keys (@platformatic/kafka);
 * - node-rdkafka / confluent native `MessageHeader[]` (array of single-key objects);
 * - `undefined` / `null` (nothing found).
 *
 * Keys match exactly first, then case-insensitively (`Traceparent`). When `traceparent` is absent,
 * `googclient_traceparent` (Pub/Sub built-in tracing) and `Diagnostic-Id` (Azure SDKs) are read
 * instead (and `googclient_tracestate` for `tracestate`).
 *
 * @example propagation.extract(ROOT_CONTEXT, message.headers, traceCarrierGetter)
 */
export const traceCarrierGetter: TextMapGetter<unknown> = {
  get(carrier: unknown, key: string): string | string[] | undefined {
    const value = getOne(carrier, key);
    if (value !== undefined) return value;
    const aliases = KEY_ALIASES[key];
    if (aliases === undefined) return undefined;
    // Never pair a `traceparent` with a `tracestate` taken from a different header family.
    if (key === 'tracestate' && getOne(carrier, 'traceparent') !== undefined) return undefined;
    for (const alias of aliases) {
      const aliased = getOne(carrier, alias);
      if (aliased !== undefined) return aliased;
    }
    return undefined;
  },
  keys(carrier: unknown): string[] {
    if (!isRecord(carrier)) return [];
    if (Array.isArray(carrier)) return keysOfEntryList(carrier);
    if (carrier instanceof Map) {
      const keys: string[] = [];
      for (const k of carrier.keys()) {
        const text = keyToText(k);
        if (text !== undefined) keys.push(text);
      }
      return keys;
    }
    if (isHeaderBag(carrier)) {
      const keys: string[] = [];
      for (const k of carrier.keys()) {
        const text = keyToText(k);
        if (text !== undefined) keys.push(text);
      }
      return keys;
    }
    return Object.keys(carrier);
  },
};

/**
 * Extracts the propagated context from any supported carrier (see {@link traceCarrierGetter})
 * with the global propagator, on top of `parent` (`ROOT_CONTEXT` by default, so a message without
 * trace context starts a new trace instead of joining whatever happens to be active).
 *
 * @example const parent = extractTraceContext(message.headers); tracer.startActiveSpan('process orders', { kind: SpanKind.CONSUMER }, parent, fn)
 */
export function extractTraceContext(carrier: unknown, parent: Context = ROOT_CONTEXT): Context {
  return propagation.extract(parent, carrier, traceCarrierGetter);
}

/**
 * Runs `fn` inside the context extracted from `carrier` (on top of `ROOT_CONTEXT`) and returns its
 * result (a returned promise is returned as is; the context follows its continuations with the
 * `AsyncLocalStorageContextManager`).
 *
 * Note: inside a handler that auto-instrumentation already wraps in a consumer span (kafkajs
 * `eachMessage`, amqplib `consume`), spans started in `fn` become siblings of that span, not
 * children; check `trace.getActiveSpan()` first if that matters.
 *
 * @example await withExtractedContext(message.headers, () => handle(message))
 */
export function withExtractedContext<R>(carrier: unknown, fn: () => R): R {
  return context.with(extractTraceContext(carrier), fn);
}

const TRACER_NAME = 'trace-propagation-helpers';

/**
 * What a consumer span is about, for the OpenTelemetry messaging conventions: `system` is the
 * `messaging.system` value (`kafka`, `rabbitmq`, `aws_sqs`, `gcp_pubsub`, `servicebus`, `nats`) and
 * `destination` the topic, queue, subscription or subject when it is known. The span is named
 * `process <destination>`, else `process <system>`, unless `name` says otherwise.
 */
export interface ConsumerSpanOptions {
  system: string;
  destination?: string;
  name?: string;
}

/** The span name and the messaging attributes for a consumer span described by a name or by options. */
function consumerSpan(described: string | ConsumerSpanOptions, batchSize?: number): { name: string; attributes: Attributes } {
  const attributes: Attributes = { 'messaging.operation.type': 'process', 'messaging.operation.name': 'process' };
  if (typeof described === 'string') return { name: described, attributes };
  attributes['messaging.system'] = described.system;
  if (described.destination !== undefined) attributes['messaging.destination.name'] = described.destination;
  if (batchSize !== undefined) attributes['messaging.batch.message_count'] = batchSize;
  return { name: described.name ?? `process ${described.destination ?? described.system}`, attributes };
}

/**
 * Runs a message handler inside a CONSUMER span whose parent is the producer's context carried by
 * `carrier` (a new root when the carrier holds none), with that span active for everything the handler
 * does. The span ends when `fn` returns or its promise settles; an exception is recorded on it, its
 * status set to ERROR, and rethrown. `span` is the span's name, or `{ system, destination }` for a
 * name and messaging attributes that follow the OpenTelemetry messaging conventions (`messaging.system`,
 * `messaging.destination.name`, `messaging.operation.type`). This is what the `add-context-extraction`
 * codemod wraps handlers in.
 *
 * @example await consumer.run({ eachMessage: async ({ message }) => withConsumerSpan(message.headers, { system: 'kafka', destination: 'orders' }, async () => handle(message)) })
 */
export function withConsumerSpan<R>(carrier: unknown, span: string | ConsumerSpanOptions, fn: () => R): R {
  const tracer = trace.getTracer(TRACER_NAME);
  const { name, attributes } = consumerSpan(span);
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, extractTraceContext(carrier), (active) => runAndEnd(active, fn));
}

/** Runs `fn`, ending `span` when it returns or its promise settles; errors are recorded on the span and rethrown. */
function runAndEnd<R>(span: Span, fn: () => R): R {
  const fail = (error: unknown): never => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
    throw error;
  };
  try {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as Promise<unknown>).then((value) => {
        span.end();
        return value;
      }, fail) as R;
    }
    span.end();
    return result;
  } catch (error) {
    return fail(error);
  }
}

/**
 * Runs a batch handler inside one CONSUMER span that links to the producer context of every message (the
 * messaging semantic conventions' shape for batches: one parent cannot represent many producers). The span's
 * parent is the ambient context. Messages without trace context add no link.
 *
 * @example await withBatchConsumerSpan(batch.messages.map((m) => m.headers), { system: 'kafka', destination: batch.topic }, async () => digest(batch.messages))
 */
export function withBatchConsumerSpan<R>(carriers: Iterable<unknown>, span: string | ConsumerSpanOptions, fn: () => R): R {
  const links: Link[] = [];
  let count = 0;
  for (const carrier of carriers) {
    count++;
    const link = linkFromCarrier(carrier);
    if (link) links.push(link);
  }
  const tracer = trace.getTracer(TRACER_NAME);
  const { name, attributes } = consumerSpan(span, count);
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, links, attributes }, (active) => runAndEnd(active, fn));
}

/**
 * Returns a span `Link` to the producer's span context carried by `carrier`, or `undefined` when the
 * carrier holds no valid trace context. For batch consumers: one link per message.
 *
 * @example tracer.startSpan('process orders', { kind: SpanKind.CONSUMER, links: batch.messages.map((m) => linkFromCarrier(m.headers)).filter((l) => l !== undefined) })
 */
export function linkFromCarrier(carrier: unknown): Link | undefined {
  const spanContext = trace.getSpanContext(extractTraceContext(carrier));
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return { context: spanContext };
}

// ---------------------------------------------------------------------------------------------
// Correlation and causation IDs
// ---------------------------------------------------------------------------------------------

/**
 * Options of the `correlation*` helpers.
 *
 * - `headers` renames the written fields (defaults `correlation-id`, `causation-id`, `event-id`). The configured
 *   name is also the first one read from the incoming message (see {@link correlationHeaders} for the fallbacks).
 * - `newId` generates the event ID of every message, and the correlation ID of an operation that starts here
 *   (default `crypto.randomUUID`). It must return a non-empty string.
 */
export interface CorrelationOptions {
  headers?: { correlationId?: string; causationId?: string; eventId?: string };
  newId?: () => string;
}

type CorrelationField = 'correlationId' | 'causationId' | 'eventId';

/** Names read from an incoming message, after the configured one, in this order (each case-insensitively). */
const CORRELATION_VARIANTS: Record<CorrelationField, readonly string[]> = {
  correlationId: ['correlation-id', 'x-correlation-id', 'correlationId', 'correlation_id'],
  causationId: ['causation-id', 'x-causation-id', 'causationId', 'causation_id'],
  eventId: ['event-id', 'x-event-id', 'eventId', 'event_id'],
};

/** Longest incoming ID that is forwarded (a UUID is 36 characters, a ULID 26). */
const MAX_CORRELATION_ID_LENGTH = 256;

/** An incoming ID, trimmed, or `undefined` when empty, too long or holding control characters (CR/LF, NUL...). */
function validId(value: string): string | undefined {
  const id = value.trim();
  if (id === '' || id.length > MAX_CORRELATION_ID_LENGTH) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(id)) return undefined;
  return id;
}

/** The first valid ID under `names` (in order) in any carrier shape `traceCarrierGetter` reads. */
function readId(incoming: unknown, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = getOne(incoming, name);
    // A repeated header (Buffer[] from kafkajs, MsgHdrs values): its first valid value.
    for (const text of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const id = validId(text);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/** The correlation fields of an outgoing message, as `[name, value]` pairs in a fixed order. */
function correlationEntries(incoming: unknown, options: CorrelationOptions = {}): Array<[string, string]> {
  const names = {
    correlationId: options.headers?.correlationId ?? CORRELATION_VARIANTS.correlationId[0]!,
    causationId: options.headers?.causationId ?? CORRELATION_VARIANTS.causationId[0]!,
    eventId: options.headers?.eventId ?? CORRELATION_VARIANTS.eventId[0]!,
  };
  const seen = new Set<string>();
  for (const name of Object.values(names)) {
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`correlation header names must be non-empty strings, got ${JSON.stringify(name)}`);
    if (seen.has(name.toLowerCase())) throw new TypeError(`correlation header names must differ, "${name}" is used twice`);
    seen.add(name.toLowerCase());
  }
  const generate = options.newId ?? randomUUID;
  const newId = (): string => {
    const id = generate();
    if (typeof id !== 'string' || id === '') throw new TypeError(`newId() must return a non-empty string, got ${JSON.stringify(id)}`);
    return id;
  };
  const read = (field: CorrelationField): string | undefined => {
    const candidates = [names[field], ...CORRELATION_VARIANTS[field]];
    return readId(incoming, candidates.filter((n, i) => candidates.findIndex((m) => m.toLowerCase() === n.toLowerCase()) === i));
  };

  const entries: Array<[string, string]> = [[names.correlationId, read('correlationId') ?? newId()]];
  const causationId = read('eventId');
  if (causationId !== undefined) entries.push([names.causationId, causationId]);
  entries.push([names.eventId, newId()]);
  return entries;
}

/**
 * Returns the correlation fields of an outgoing message as a **new** plain string map (kafkajs / confluent
 * KafkaJS `headers`, amqplib `headers`, Pub/Sub `attributes`, Service Bus `applicationProperties`):
 *
 * - `event-id`: a new ID for this message (`crypto.randomUUID()` unless `options.newId` says otherwise);
 * - `correlation-id`: the correlation ID of `incoming` (the message being handled) when it carries a valid one,
 *   else a new ID — the operation starts here (no `incoming`, or one without a correlation ID);
 * - `causation-id`: the event ID of `incoming`, only when it carries a valid one (never invented).
 *
 * `incoming` is the incoming message's carrier in any shape {@link traceCarrierGetter} reads (Buffer values,
 * `MessageAttributes`, `MsgHdrs`, `Map`, rdkafka header arrays). Each field is read under the configured name,
 * then `correlation-id`, `x-correlation-id`, `correlationId`, `correlation_id` (likewise `causation-*`, `event-*`),
 * all case-insensitively; the first **valid** value wins: trimmed, non-empty, at most 256 characters, no control
 * characters (the first valid element of a repeated header). Anything else counts as absent. The incoming
 * `causation-id` is not read: it describes the incoming message, not this one.
 *
 * Compose with the trace helpers: `injectTraceHeaders({ ...correlationHeaders(incoming), 'x-tenant': t })`.
 *
 * @example await producer.send({ topic: 'payments', messages: [{ value, headers: injectTraceHeaders(correlationHeaders(message.headers)) }] })
 */
export function correlationHeaders(incoming?: unknown, options?: CorrelationOptions): Record<string, string> {
  return Object.fromEntries(correlationEntries(incoming, options));
}

/**
 * {@link correlationHeaders} as a **new** SQS / SNS `MessageAttributes` record of
 * `{ DataType: 'String', StringValue }` entries (3 attributes at most, of the 10 SQS and SNS allow).
 *
 * @example new SendMessageCommand({ QueueUrl, MessageBody, MessageAttributes: injectMessageAttributes(correlationMessageAttributes(record.messageAttributes)) })
 */
export function correlationMessageAttributes(
  incoming?: unknown,
  options?: CorrelationOptions,
): Record<string, StringMessageAttribute> {
  const out: Record<string, StringMessageAttribute> = {};
  for (const [key, value] of correlationEntries(incoming, options)) out[key] = { DataType: 'String', StringValue: value };
  return out;
}

/**
 * {@link correlationHeaders} written into a NATS `MsgHdrs` (from `headers()`) with `.set()` (replacing any value
 * already there); returns the same object.
 *
 * @example nc.publish('payments', payload, { headers: injectNatsHeaders(correlationNatsHeaders(headers(), msg.headers)) })
 */
export function correlationNatsHeaders<H extends { set(k: string, v: string): void }>(
  hdrs: H,
  incoming?: unknown,
  options?: CorrelationOptions,
): H {
  for (const [key, value] of correlationEntries(incoming, options)) hdrs.set(key, value);
  return hdrs;
}

/**
 * {@link correlationHeaders} as a **new** node-rdkafka / confluent native `MessageHeader[]`, one single-key object
 * per field (the native client encodes only the first key of each object).
 *
 * @example producer.produce('payments', null, value, key, Date.now(), undefined, injectRdkafkaHeaders(correlationRdkafkaHeaders(message.headers)))
 */
export function correlationRdkafkaHeaders(incoming?: unknown, options?: CorrelationOptions): RdkafkaMessageHeader[] {
  return correlationEntries(incoming, options).map(([key, value]) => ({ [key]: value }));
}
