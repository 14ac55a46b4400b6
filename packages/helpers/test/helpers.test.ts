/**
 * Round-trip tests for the helpers (`src/index.ts`) against the real OpenTelemetry SDK (tracer provider,
 * AsyncLocalStorage context manager, W3C trace-context + baggage propagators) and, where the
 * broker client ships one, the broker client's own wire codec:
 *
 * - kafkajs: the record encoder/decoder from `kafkajs/src/protocol` (header values come back as
 *   Buffer, repeated keys as Buffer[]; `undefined` values make the encoder throw);
 * - amqplib: `lib/codec.js` `encodeTable` / `decodeFields` (the AMQP 0-9-1 field table codec);
 * - SQS: the real `@aws-sdk/client-sqs` serializer/deserializer with an in-memory request handler;
 * - NATS: `headers()` + `MsgHdrs.encode()` + `MsgHdrsImpl.decode()` from `nats`;
 * - Pub/Sub: the real `Publisher.publishMessage` validation and the subscriber `Message` class;
 * - Service Bus: rhea's AMQP 1.0 message codec for `application_properties`.
 * node-rdkafka and @platformatic/kafka are not installed; their delivered shapes are built by hand
 * (array of single-key objects with Buffer values; Map with Buffer keys and values).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';

import {
  context,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  DiagLogLevel,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type DiagLogger,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider as TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import { Message as PubSubMessage, PubSub } from '@google-cloud/pubsub';
import type { ServiceBusMessage } from '@azure/service-bus';
import type { IHeaders, Message as KafkaMessage } from 'kafkajs';
import { headers as natsHeaders, MsgHdrsImpl, type MsgHdrs } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  correlationHeaders,
  correlationMessageAttributes,
  correlationNatsHeaders,
  correlationRdkafkaHeaders,
  extractTraceContext,
  injectMessageAttributes,
  injectNatsHeaders,
  injectRdkafkaHeaders,
  injectTraceHeaders,
  linkFromCarrier,
  traceCarrierGetter,
  withBatchConsumerSpan,
  withConsumerSpan,
  withExtractedContext,
  type CorrelationOptions,
  type RdkafkaMessageHeader,
} from '../src/index.js';

// ---------------------------------------------------------------------------------------------
// Real wire codecs of the broker clients
// ---------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);

interface KafkaDecodedRecord {
  headers: Record<string, Buffer | Buffer[]>;
}
const kafkaRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
}) => { buffer: Buffer };
const kafkaRecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: unknown,
  batchContext: { firstOffset: string; firstTimestamp: string },
) => KafkaDecodedRecord;
const KafkaDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarInt(): number };

/** What a kafkajs (or confluent KafkaJS-API) consumer receives in `message.headers`. */
function kafkaWire(message: Pick<KafkaMessage, 'value' | 'headers'>): Record<string, Buffer | Buffer[]> {
  const { buffer } = kafkaRecordEncoder({ key: 'k', value: message.value, headers: message.headers });
  const decoder = new KafkaDecoder(buffer);
  decoder.readVarInt(); // record length
  return kafkaRecordDecoder(decoder, { firstOffset: '0', firstTimestamp: '0' }).headers;
}

const amqpCodec = require(path.join(path.dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as {
  encodeTable(buffer: Buffer, value: Record<string, unknown>, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
};

/** What an amqplib consumer receives in `msg.properties.headers`. */
function amqpWire(headers: Record<string, unknown>): Record<string, unknown> {
  const buffer = Buffer.alloc(4096);
  const size = amqpCodec.encodeTable(buffer, headers, 0);
  return amqpCodec.decodeFields(buffer.subarray(4, size));
}

// rhea is what @azure/service-bus (through rhea-promise) uses to encode AMQP 1.0 messages.
const requireFromServiceBus = createRequire(require.resolve('@azure/service-bus'));
const rhea = createRequire(requireFromServiceBus.resolve('rhea-promise'))('rhea') as {
  message: { encode(m: object): Buffer; decode(b: Buffer): { application_properties?: Record<string, unknown> } };
};

/** What a Service Bus receiver gets as `applicationProperties` (AMQP 1.0 application-properties). */
function serviceBusWire(msg: ServiceBusMessage): Record<string, unknown> {
  const encoded = rhea.message.encode({ body: msg.body, application_properties: msg.applicationProperties });
  return rhea.message.decode(encoded).application_properties ?? {};
}

/** What a NATS subscriber receives in `msg.headers`: the headers serialised and parsed back. */
function natsWire(h: MsgHdrs): MsgHdrs {
  return MsgHdrsImpl.decode((h as MsgHdrsImpl).encode());
}

/** What a node-rdkafka / confluent native consumer receives: single-key objects, Buffer values. */
function rdkafkaWire(headers: RdkafkaMessageHeader[]): RdkafkaMessageHeader[] {
  // The native client encodes only the FIRST own key of each object, as a string.
  return headers.map((entry) => {
    const [key] = Object.keys(entry);
    const value = entry[key!]!;
    return { [key!]: Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(String(value), 'utf8') };
  });
}

/** An SQS client whose "network" stores the sent message and returns it from ReceiveMessage. */
function inMemorySqs(): { client: SQSClient; sent: () => SendMessageCommandInput | undefined } {
  let sent: SendMessageCommandInput | undefined;
  const client = new SQSClient({
    region: 'us-east-1',
    md5: false,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      async handle(request: { headers: Record<string, string>; body?: unknown }) {
        const raw = request.body;
        // The SDK hands over a Uint8Array subclass; decode it as bytes (Buffer.from would call valueOf()).
        const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array);
        let payload: unknown;
        if (request.headers['x-amz-target']?.endsWith('.SendMessage')) {
          sent = JSON.parse(text) as SendMessageCommandInput;
          payload = { MessageId: 'm-1' };
        } else {
          payload = {
            Messages: sent
              ? [{ MessageId: 'm-1', ReceiptHandle: 'r-1', Body: sent.MessageBody, MessageAttributes: sent.MessageAttributes }]
              : [],
          };
        }
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(JSON.stringify(payload))]),
          },
        };
      },
    } as never,
  });
  return { client, sent: () => sent };
}

// ---------------------------------------------------------------------------------------------
// OpenTelemetry SDK
// ---------------------------------------------------------------------------------------------

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
});

afterEach(() => {
  exporter.reset();
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
  diag.disable();
});

const tracer = () => trace.getTracer('helpers.test');

interface ProduceOptions {
  baggage?: Record<string, string>;
  /** Start the producer span under a remote parent carrying this tracestate. */
  traceState?: string;
}

/** Runs `inject` inside an active PRODUCER span (as a real publish site does). */
function produce<T>(inject: () => T, options: ProduceOptions = {}): { carrier: T; producer: SpanContext } {
  let parent: Context = ROOT_CONTEXT;
  if (options.traceState !== undefined) {
    parent = trace.setSpanContext(parent, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState(options.traceState),
    });
  }
  if (options.baggage !== undefined) {
    const entries = Object.fromEntries(Object.entries(options.baggage).map(([k, value]) => [k, { value }]));
    parent = propagation.setBaggage(parent, propagation.createBaggage(entries));
  }
  return tracer().startActiveSpan('send orders', { kind: SpanKind.PRODUCER }, parent, (span) => {
    try {
      return { carrier: inject(), producer: span.spanContext() };
    } finally {
      span.end();
    }
  });
}

/** Extracts with the helper and starts a CONSUMER span under it; returns the exported span. */
async function consume(carrier: unknown): Promise<ReadableSpan> {
  const parent = extractTraceContext(carrier);
  const span = tracer().startSpan('process orders', { kind: SpanKind.CONSUMER }, parent);
  span.end();
  await provider.forceFlush();
  const exported = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId);
  expect(exported).toBeDefined();
  return exported!;
}

function expectChildOf(consumer: ReadableSpan, producer: SpanContext): void {
  expect(consumer.kind).toBe(SpanKind.CONSUMER);
  expect(consumer.spanContext().traceId).toBe(producer.traceId);
  expect(consumer.parentSpanContext?.spanId).toBe(producer.spanId);
  expect(consumer.parentSpanContext?.isRemote).toBe(true);
}

function baggageOf(ctx: Context, key: string): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(key)?.value;
}

const W3C_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

// ---------------------------------------------------------------------------------------------

describe('setup sanity', () => {
  it('uses the W3C trace-context + baggage propagators', () => {
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate', 'baggage']);
  });
});

describe('kafkajs / confluent KafkaJS (IHeaders)', () => {
  it('round-trips through the real kafkajs record codec (Buffer header values)', async () => {
    const { carrier, producer } = produce(() => {
      const message: KafkaMessage = { value: 'order-1', headers: injectTraceHeaders({ 'x-tenant': 'acme' }) };
      return message;
    });
    expect(carrier.headers?.traceparent).toMatch(W3C_TRACEPARENT);

    const received = kafkaWire(carrier);
    expect(Buffer.isBuffer(received.traceparent)).toBe(true);
    expect(received['x-tenant']).toEqual(Buffer.from('acme')); // existing header kept

    expectChildOf(await consume(received), producer);
  });

  it('the default getter FAILS on the same Buffer headers (the helper getter is what makes it work)', () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    const received = kafkaWire({ value: 'v', headers: carrier });

    const withDefaultGetter = propagation.extract(ROOT_CONTEXT, received, defaultTextMapGetter);
    expect(trace.getSpanContext(withDefaultGetter)).toBeUndefined();

    const withHelper = extractTraceContext(received);
    expect(trace.getSpanContext(withHelper)?.spanId).toBe(producer.spanId);
  });

  it('repeated traceparent headers arrive as Buffer[]; the first (valid) one is used, not "a,b"', async () => {
    const first = produce(() => injectTraceHeaders());
    const second = produce(() => injectTraceHeaders());
    expect(first.producer.traceId).not.toBe(second.producer.traceId);

    const received = kafkaWire({
      value: 'v',
      headers: { traceparent: [first.carrier.traceparent!, second.carrier.traceparent!] },
    });
    expect(Array.isArray(received.traceparent)).toBe(true);
    expect(traceCarrierGetter.get(received, 'traceparent')).toEqual([
      first.carrier.traceparent,
      second.carrier.traceparent,
    ]);

    expectChildOf(await consume(received), first.producer);
  });

  it('matches a `Traceparent` key written by another producer case-insensitively', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    const received = kafkaWire({ value: 'v', headers: { Traceparent: carrier.traceparent! } });
    expect(Object.keys(received)).toEqual(['Traceparent']);
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, received, defaultTextMapGetter))).toBeUndefined();

    expectChildOf(await consume(received), producer);
  });

  it('carries baggage and tracestate across', () => {
    const { carrier } = produce(() => injectTraceHeaders({ 'x-tenant': 'acme' }), {
      baggage: { tenant: 'acme', region: 'eu west' },
      traceState: 'vendor=value,other=1',
    });
    expect(carrier.baggage).toBeDefined();
    expect(carrier.tracestate).toBe('vendor=value,other=1');

    const ctx = extractTraceContext(kafkaWire({ value: 'v', headers: carrier }));
    expect(baggageOf(ctx, 'tenant')).toBe('acme');
    expect(baggageOf(ctx, 'region')).toBe('eu west');
    expect(trace.getSpanContext(ctx)?.traceState?.get('vendor')).toBe('value');
  });

  it('never writes undefined values (no active span, undefined input values), so the encoder does not throw', () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    const headers = injectTraceHeaders({ 'x-tenant': 'acme', 'x-empty': undefined });
    expect(headers).toEqual({ 'x-tenant': 'acme' });
    expect(Object.values(headers).every((v) => v !== undefined)).toBe(true);
    expect(() => kafkaWire({ value: 'v', headers })).not.toThrow();
    // Sanity: the real encoder does throw on undefined, which is why the helper drops them.
    expect(() => kafkaWire({ value: 'v', headers: { 'x-empty': undefined } })).toThrow();

    expect(injectTraceHeaders()).toEqual({});
    expect(injectTraceHeaders(null)).toEqual({});
  });

  it('returns a new object and replaces stale upstream trace headers as a unit', () => {
    const upstream = {
      'x-tenant': 'acme',
      Traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
      tracestate: 'stale=1',
    };
    const snapshot = structuredClone(upstream);
    const { carrier, producer } = produce(() => injectTraceHeaders(upstream));

    expect(upstream).toEqual(snapshot); // input not mutated
    expect(carrier).not.toBe(upstream);
    expect(carrier['x-tenant']).toBe('acme');
    expect(carrier.Traceparent).toBeUndefined();
    expect(carrier.tracestate).toBeUndefined(); // the new context has no tracestate
    expect(carrier.traceparent).toBe(`00-${producer.traceId}-${producer.spanId}-01`);
  });

  it('keeps upstream trace headers when there is nothing to inject', () => {
    const upstream = { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' };
    expect(injectTraceHeaders(upstream)).toEqual(upstream);
  });

  it('injects an explicitly passed context instead of the active one', () => {
    const a = tracer().startSpan('a');
    const b = tracer().startSpan('b');
    const headers = context.with(trace.setSpan(ROOT_CONTEXT, a), () =>
      injectTraceHeaders({}, trace.setSpan(ROOT_CONTEXT, b)),
    );
    a.end();
    b.end();
    expect(headers.traceparent).toContain(b.spanContext().spanId);
  });
});

describe('amqplib / amqp-connection-manager (options.headers)', () => {
  it('round-trips through the real AMQP field-table codec', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders({ 'x-retry': 2, 'x-origin': 'web' }), {
      baggage: { tenant: 'acme' },
    });
    const received = amqpWire(carrier);
    expect(received['x-retry']).toBe(2);
    expect(received['x-origin']).toBe('web');
    expect(typeof received.traceparent).toBe('string');

    expectChildOf(await consume(received), producer);
    expect(baggageOf(extractTraceContext(received), 'tenant')).toBe('acme');
  });

  it('reads a byte-array (Buffer) header written by another producer', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    const received = amqpWire({ traceparent: Buffer.from(carrier.traceparent!) });
    expect(Buffer.isBuffer(received.traceparent)).toBe(true);
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, received))).toBeUndefined();

    expectChildOf(await consume(received), producer);
  });
});

describe('node-rdkafka / confluent native API (MessageHeader[])', () => {
  it('appends one single-key object per field and keeps existing entries', () => {
    const existing: RdkafkaMessageHeader[] = [{ 'x-tenant': 'acme' }, { 'x-bin': Buffer.from([1, 2]) }];
    const { carrier, producer } = produce(() => injectRdkafkaHeaders(existing), { baggage: { k: 'v' } });

    expect(carrier).not.toBe(existing);
    expect(existing).toHaveLength(2);
    expect(carrier.every((entry) => Object.keys(entry).length === 1)).toBe(true);
    expect(carrier.map((entry) => Object.keys(entry)[0])).toEqual(['x-tenant', 'x-bin', 'traceparent', 'baggage']);
    expect(carrier[2]).toEqual({ traceparent: `00-${producer.traceId}-${producer.spanId}-01` });
    expect(carrier[1]!['x-bin']).toEqual(Buffer.from([1, 2]));
  });

  it('splits multi-key entries (the native client would drop all but the first key)', () => {
    const headers = injectRdkafkaHeaders([{ a: '1', b: '2' }]);
    expect(headers).toEqual([{ a: '1' }, { b: '2' }]);
  });

  it('round-trips as an array of single-key objects with Buffer values', async () => {
    const { carrier, producer } = produce(() => injectRdkafkaHeaders([{ 'x-tenant': 'acme' }]), {
      baggage: { tenant: 'acme' },
    });
    const received = rdkafkaWire(carrier);
    expect(Buffer.isBuffer(received.find((h) => 'traceparent' in h)?.traceparent)).toBe(true);
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, received))).toBeUndefined();

    expectChildOf(await consume(received), producer);
    expect(baggageOf(extractTraceContext(received), 'tenant')).toBe('acme');
    expect(traceCarrierGetter.keys(received)).toEqual(['x-tenant', 'traceparent', 'baggage']);
  });

  it('reads case-folded and repeated keys in the entry list, preferring the exact-case key', () => {
    const a = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const b = '00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-01';
    expect(traceCarrierGetter.get([{ other: 'x' }, { Traceparent: Buffer.from(a) }], 'traceparent')).toBe(a);
    expect(
      traceCarrierGetter.get([{ traceparent: Buffer.from(a) }, { traceparent: Buffer.from(b) }], 'traceparent'),
    ).toEqual([a, b]);
    expect(traceCarrierGetter.get([{ TraceParent: 'folded' }, { traceparent: 'exact' }], 'traceparent')).toBe('exact');
  });

  it('returns [] (no undefined entries) without an active span', () => {
    expect(injectRdkafkaHeaders()).toEqual([]);
    expect(injectRdkafkaHeaders([{ a: '1' }])).toEqual([{ a: '1' }]);
  });
});

describe('SQS / SNS MessageAttributes', () => {
  it('round-trips through the real @aws-sdk/client-sqs serializer and deserializer', async () => {
    const sqs = inMemorySqs();
    const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
    const { carrier: sending, producer } = produce(() =>
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: '{"id":1}',
          MessageAttributes: injectMessageAttributes({ tenant: { DataType: 'String', StringValue: 'acme' } }),
        }),
      ),
    );
    await sending;
    const sent = sqs.sent()!.MessageAttributes!;
    expect(sent.tenant).toEqual({ DataType: 'String', StringValue: 'acme' });
    expect(sent.traceparent).toEqual({ DataType: 'String', StringValue: `00-${producer.traceId}-${producer.spanId}-01` });

    const { Messages } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }));
    const received = Messages![0]!.MessageAttributes!;
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, received))).toBeUndefined();

    expectChildOf(await consume(received), producer);
  });

  it('8 existing attributes: only 2 fields are added (traceparent, tracestate), never more than 10', async () => {
    const existing: Record<string, MessageAttributeValue> = {};
    for (let i = 0; i < 8; i++) existing[`attr${i}`] = { DataType: 'String', StringValue: String(i) };

    const warnings: string[] = [];
    const logger: DiagLogger = {
      error: () => {},
      warn: (message: string) => warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
    try {
      const { carrier, producer } = produce(() => injectMessageAttributes(existing), {
        baggage: { tenant: 'acme' },
        traceState: 'vendor=value',
      });
      expect(Object.keys(carrier)).toHaveLength(10);
      expect(Object.keys(carrier).slice(8)).toEqual(['traceparent', 'tracestate']);
      expect(carrier.baggage).toBeUndefined();
      expect(carrier.tracestate).toEqual({ DataType: 'String', StringValue: 'vendor=value' });
      expect(Object.keys(existing)).toHaveLength(8); // input not mutated
      expect(warnings.some((w) => w.includes('baggage'))).toBe(true);

      expectChildOf(await consume(carrier), producer);
    } finally {
      diag.disable();
    }
  });

  it('9 existing attributes: only traceparent; 10 existing: nothing', () => {
    const make = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: String(i) }] as const),
      );
    const nine = produce(() => injectMessageAttributes(make(9)), { baggage: { k: 'v' } }).carrier;
    expect(Object.keys(nine)).toHaveLength(10);
    expect(nine.traceparent).toBeDefined();
    expect(nine.baggage).toBeUndefined();

    const ten = produce(() => injectMessageAttributes(make(10))).carrier;
    expect(Object.keys(ten)).toHaveLength(10);
    expect(ten.traceparent).toBeUndefined();
  });

  it('without an active span returns only the existing attributes', () => {
    expect(injectMessageAttributes()).toEqual({});
    const existing = { tenant: { DataType: 'String', StringValue: 'acme' } };
    expect(injectMessageAttributes(existing)).toEqual(existing);
  });

  it('reads SNS-to-SQS envelope attributes ({ Type, Value }) and Lambda attributes ({ stringValue })', async () => {
    const { carrier, producer } = produce(() => injectMessageAttributes({}, context.active()), {
      baggage: { tenant: 'acme' },
    });
    const envelope = JSON.parse(
      JSON.stringify({
        Type: 'Notification',
        Message: '{"id":1}',
        MessageAttributes: Object.fromEntries(
          Object.entries(carrier).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue }]),
        ),
      }),
    ) as { MessageAttributes: Record<string, { Type: string; Value: string }> };
    expectChildOf(await consume(envelope.MessageAttributes), producer);
    expect(baggageOf(extractTraceContext(envelope.MessageAttributes), 'tenant')).toBe('acme');

    const lambda = Object.fromEntries(
      Object.entries(carrier).map(([k, a]) => [
        k,
        { stringValue: a.StringValue, dataType: a.DataType, stringListValues: [], binaryListValues: [] },
      ]),
    );
    expectChildOf(await consume(lambda), producer);
  });
});

describe('NATS (MsgHdrs)', () => {
  it('fills the real headers() with .set and round-trips through encode()/decode()', async () => {
    const { carrier, producer } = produce(
      () => {
        const h = natsHeaders();
        h.set('x-tenant', 'acme');
        return injectNatsHeaders(h);
      },
      { baggage: { tenant: 'acme' } },
    );
    expect(carrier.get('traceparent')).toBe(`00-${producer.traceId}-${producer.spanId}-01`);

    const received: MsgHdrs = natsWire(carrier);
    expect(received.get('x-tenant')).toBe('acme');
    expect(received.get('missing')).toBe('');

    expectChildOf(await consume(received), producer);
    expect(baggageOf(extractTraceContext(received), 'tenant')).toBe('acme');
  });

  it('the default setter/getter do not work with MsgHdrs (why the helpers exist)', () => {
    const { carrier: viaDefault } = produce(() => {
      const h = natsHeaders();
      propagation.inject(context.active(), h, defaultTextMapSetter);
      return h;
    });
    expect(natsWire(viaDefault).keys()).toEqual([]); // never serialised

    const { carrier } = produce(() => injectNatsHeaders(natsHeaders()));
    const received = natsWire(carrier);
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, received))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(received))).toBeDefined();
  });

  it('finds a canonicalised `Traceparent` key', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    const h = natsHeaders();
    h.set('Traceparent', carrier.traceparent!);
    expectChildOf(await consume(natsWire(h)), producer);
  });

  it('treats the empty string MsgHdrs.get returns for a missing key as missing', () => {
    const received = natsWire(produce(() => injectNatsHeaders(natsHeaders())).carrier);
    expect(received.get('baggage')).toBe('');
    expect(traceCarrierGetter.get(received, 'baggage')).toBeUndefined();
    expect(traceCarrierGetter.keys(received)).toEqual(['traceparent']);
  });

  it('returns every value of a repeated NATS header (the first one wins)', async () => {
    const first = produce(() => injectTraceHeaders());
    const second = produce(() => injectTraceHeaders());
    const h = natsHeaders();
    h.append('traceparent', first.carrier.traceparent!);
    h.append('traceparent', second.carrier.traceparent!);
    const received = natsWire(h);
    expect(traceCarrierGetter.get(received, 'traceparent')).toEqual([
      first.carrier.traceparent,
      second.carrier.traceparent,
    ]);
    expectChildOf(await consume(received), first.producer);
  });

  it('reads a minimal get/keys header bag whose get returns "" when missing', async () => {
    class Hdrs {
      readonly #map = new Map<string, string>();
      set(k: string, v: string): void {
        this.#map.set(k, v);
      }
      get(k: string): string {
        return this.#map.get(k) ?? '';
      }
      keys(): string[] {
        return [...this.#map.keys()];
      }
    }
    const { carrier, producer } = produce(() => injectNatsHeaders(new Hdrs()));
    expect(carrier.keys()).toEqual(['traceparent']);
    expect(traceCarrierGetter.get(carrier, 'tracestate')).toBeUndefined();
    expectChildOf(await consume(carrier), producer);
  });

  it('writes nothing without an active span', () => {
    expect(injectNatsHeaders(natsHeaders()).keys()).toEqual([]);
  });
});

describe('Map carriers (@platformatic/kafka)', () => {
  it('reads a Map with Buffer keys and Buffer values', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders({ 'x-tenant': 'acme' }), {
      baggage: { tenant: 'acme' },
    });
    const received = new Map<unknown, Buffer>(
      Object.entries(carrier).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]),
    );
    expect(received.get('traceparent')).toBeUndefined(); // Buffer keys compare by identity

    expectChildOf(await consume(received), producer);
    expect(baggageOf(extractTraceContext(received), 'tenant')).toBe('acme');
    expect(traceCarrierGetter.keys(received)).toEqual(['x-tenant', 'traceparent', 'baggage']);
  });

  it('reads a Map with string keys', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    expectChildOf(await consume(new Map(Object.entries(carrier))), producer);
  });
});

describe('Google Pub/Sub (attributes)', () => {
  it('passes the real publisher validation (string values only) and round-trips to a subscriber Message', async () => {
    const topic = new PubSub({ projectId: 'test-project' }).topic('orders');
    const queued: Array<{ attributes?: Record<string, string> }> = [];
    // Capture what would be sent instead of opening a gRPC stream.
    (topic.publisher as unknown as { queue: { add(m: object, cb: (e: null, id: string) => void): void } }).queue.add = (
      message,
      callback,
    ) => {
      queued.push(message);
      callback(null, 'msg-1');
    };

    const { carrier: publish, producer } = produce(() =>
      topic.publishMessage({ data: Buffer.from('{"id":1}'), attributes: injectTraceHeaders({ tenant: 'acme' }) }),
    );
    await expect(publish).resolves.toBe('msg-1');
    const attributes = queued[0]!.attributes!;
    expect(Object.values(attributes).every((v) => typeof v === 'string')).toBe(true);

    const received = new PubSubMessage({ isExactlyOnceDelivery: false } as never, {
      ackId: 'ack-1',
      message: { attributes, data: Buffer.from('{"id":1}'), messageId: 'msg-1' },
    });
    expect(received.attributes.tenant).toBe('acme');
    expectChildOf(await consume(received.attributes), producer);
  });

  it('falls back to googclient_traceparent written by the built-in Pub/Sub tracing', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    expectChildOf(await consume({ googclient_traceparent: carrier.traceparent }), producer);
  });
});

describe('Azure Service Bus (applicationProperties)', () => {
  it('round-trips through the AMQP 1.0 application-properties codec', async () => {
    const { carrier: message, producer } = produce(
      (): ServiceBusMessage => ({
        body: { id: 1 },
        applicationProperties: injectTraceHeaders({ priority: 3, tenant: 'acme' }),
      }),
      { baggage: { tenant: 'acme' } },
    );
    const received = serviceBusWire(message);
    expect(received.priority).toBe(3);

    expectChildOf(await consume(received), producer);
    expect(baggageOf(extractTraceContext(received), 'tenant')).toBe('acme');
  });

  it('falls back to Diagnostic-Id set by the Azure SDK', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders());
    const received = serviceBusWire({ body: 'x', applicationProperties: { 'Diagnostic-Id': carrier.traceparent! } });
    expectChildOf(await consume(received), producer);
  });
});

describe('withExtractedContext', () => {
  it('runs fn in the extracted context and returns its result (also across awaits)', async () => {
    const { carrier, producer } = produce(() => injectTraceHeaders(), { baggage: { tenant: 'acme' } });
    const received = kafkaWire({ value: 'v', headers: carrier });

    const result = await withExtractedContext(received, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(baggageOf(context.active(), 'tenant')).toBe('acme');
      return tracer().startActiveSpan('process orders', { kind: SpanKind.CONSUMER }, (span) => {
        span.end();
        return span.spanContext().spanId;
      });
    });

    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === result);
    expectChildOf(span!, producer);
    expect(trace.getActiveSpan()).toBeUndefined(); // context restored afterwards
  });

  it('returns a synchronous result unchanged', () => {
    expect(withExtractedContext(undefined, () => 42)).toBe(42);
  });
});

describe('linkFromCarrier', () => {
  it("gives a link to each producer's span context for a batch consumer span", async () => {
    const a = produce(() => injectTraceHeaders());
    const b = produce(() => injectRdkafkaHeaders());
    const batch = [kafkaWire({ value: '1', headers: a.carrier }), rdkafkaWire(b.carrier), {}];

    const links = batch.map((headers) => linkFromCarrier(headers));
    expect(links[2]).toBeUndefined();
    expect(links[0]?.context.spanId).toBe(a.producer.spanId);
    expect(links[0]?.context.traceId).toBe(a.producer.traceId);
    expect(links[0]?.context.isRemote).toBe(true);
    expect(links[1]?.context.spanId).toBe(b.producer.spanId);

    const span = tracer().startSpan('process orders', {
      kind: SpanKind.CONSUMER,
      links: links.filter((l) => l !== undefined),
    });
    span.end();
    await provider.forceFlush();
    const exported = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
    expect(exported.links.map((l) => l.context.spanId)).toEqual([a.producer.spanId, b.producer.spanId]);
    expect(exported.parentSpanContext).toBeUndefined();
  });

  it('ignores an invalid span context produced by another propagator', () => {
    propagation.disable();
    propagation.setGlobalPropagator({
      inject: () => {},
      extract: (ctx) => trace.setSpanContext(ctx, INVALID_SPAN_CONTEXT),
      fields: () => [],
    });
    try {
      expect(trace.getSpanContext(extractTraceContext({}))).toEqual(INVALID_SPAN_CONTEXT);
      expect(linkFromCarrier({})).toBeUndefined();
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(
        new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
      );
    }
  });

  it('returns undefined for missing or invalid trace context', () => {
    expect(linkFromCarrier(undefined)).toBeUndefined();
    expect(linkFromCarrier(null)).toBeUndefined();
    expect(linkFromCarrier({ traceparent: '00-00000000000000000000000000000000-0000000000000000-01' })).toBeUndefined();
    expect(linkFromCarrier({ traceparent: ['00-abc', Buffer.from('junk')] })).toBeUndefined();
  });
});

describe('traceCarrierGetter edge cases', () => {
  it('handles undefined / null / primitive carriers', () => {
    for (const carrier of [undefined, null, 'traceparent', 42]) {
      expect(traceCarrierGetter.get(carrier, 'traceparent')).toBeUndefined();
      expect(traceCarrierGetter.keys(carrier)).toEqual([]);
      expect(extractTraceContext(carrier)).toBe(ROOT_CONTEXT);
    }
  });

  it('converts Uint8Array and mixed arrays element by element', () => {
    const carrier = { a: new TextEncoder().encode('x'), b: ['y', Buffer.from('z')], c: 7 };
    expect(traceCarrierGetter.get(carrier, 'a')).toBe('x');
    expect(traceCarrierGetter.get(carrier, 'b')).toEqual(['y', 'z']);
    expect(traceCarrierGetter.get(carrier, 'c')).toBeUndefined();
    expect(traceCarrierGetter.get(carrier, 'B')).toEqual(['y', 'z']);
    expect(traceCarrierGetter.keys(carrier)).toEqual(['a', 'b', 'c']);
  });

  it('prefers the exact-case key over a case-folded one', () => {
    expect(traceCarrierGetter.get({ TraceParent: 'folded', traceparent: 'exact' }, 'traceparent')).toBe('exact');
  });

  it('extracts against the given parent context', () => {
    const key = Symbol('k');
    const parent = ROOT_CONTEXT.setValue(key, 'kept');
    const { carrier } = produce(() => injectTraceHeaders());
    expect(extractTraceContext(carrier, parent).getValue(key)).toBe('kept');
  });
});

// ---------------------------------------------------------------------------------------------
// Consumer spans: what the add-context-extraction codemod wraps handlers in
// ---------------------------------------------------------------------------------------------

describe('withConsumerSpan', () => {
  it('runs the handler in a CONSUMER span that is a child of the producer, across awaits', async () => {
    const { carrier, producer } = produce(() => kafkaWire({ value: 'v', headers: injectTraceHeaders() }));
    let inner: SpanContext | undefined;
    const result = await withConsumerSpan(carrier, 'process orders', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      inner = trace.getActiveSpan()?.spanContext();
      return 42;
    });
    expect(result).toBe(42);
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'process orders')!;
    expectChildOf(span, producer);
    expect(inner?.spanId).toBe(span.spanContext().spanId);
  });

  it('records a thrown error, ends the span and rethrows', async () => {
    const { carrier } = produce(() => injectTraceHeaders());
    await expect(withConsumerSpan(carrier, 'process failing', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(() => withConsumerSpan(carrier, 'process failing sync', () => { throw new Error('sync boom'); })).toThrow('sync boom');
    await provider.forceFlush();
    const failed = exporter.getFinishedSpans().filter((s) => s.name.startsWith('process failing'));
    expect(failed).toHaveLength(2);
    for (const span of failed) {
      expect(span.status.code).toBe(2); // SpanStatusCode.ERROR
      expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    }
  });

  it('names the span and sets the messaging attributes from { system, destination }', async () => {
    const { carrier, producer } = produce(() => kafkaWire({ value: 'v', headers: injectTraceHeaders() }));
    await withConsumerSpan(carrier, { system: 'kafka', destination: 'payments.captured' }, async () => undefined);
    withConsumerSpan({}, { system: 'rabbitmq' }, () => undefined);
    await provider.forceFlush();
    const named = exporter.getFinishedSpans().find((s) => s.name === 'process payments.captured')!;
    expectChildOf(named, producer);
    expect(named.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'payments.captured',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
    });
    const bySystem = exporter.getFinishedSpans().find((s) => s.name === 'process rabbitmq')!;
    expect(bySystem.attributes['messaging.system']).toBe('rabbitmq');
    expect(bySystem.attributes['messaging.destination.name']).toBeUndefined();
  });

  it('starts a new root when the carrier holds no context', async () => {
    withConsumerSpan({}, 'process orphan', () => undefined);
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'process orphan')!;
    expect(span.parentSpanContext).toBeUndefined();
  });
});

describe('withBatchConsumerSpan', () => {
  it('links one CONSUMER span to every producer of the batch, skipping messages without context', async () => {
    const first = produce(() => kafkaWire({ value: 'a', headers: injectTraceHeaders() }));
    const second = produce(() => kafkaWire({ value: 'b', headers: injectTraceHeaders() }));
    await withBatchConsumerSpan([first.carrier, {}, second.carrier], 'process batch', async () => undefined);
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'process batch')!;
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.links.map((l) => l.context.spanId).sort()).toEqual([first.producer.spanId, second.producer.spanId].sort());
    expect(span.links.map((l) => l.context.traceId).sort()).toEqual([first.producer.traceId, second.producer.traceId].sort());
  });

  it('counts the batch and names the span from { system, destination }', async () => {
    await withBatchConsumerSpan([{}, {}, {}], { system: 'aws_sqs', destination: 'orders' }, async () => undefined);
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'process orders')!;
    expect(span.attributes).toMatchObject({ 'messaging.system': 'aws_sqs', 'messaging.destination.name': 'orders', 'messaging.batch.message_count': 3, 'messaging.operation.type': 'process' });
  });
});

// ---------------------------------------------------------------------------------------------
// Correlation and causation IDs
// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A deterministic `newId`: id-1, id-2, ... */
function counter(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

describe('correlation and causation IDs', () => {
  it('at the system boundary: a new correlation ID, a fresh event ID, no causation ID', () => {
    for (const incoming of [undefined, null, {}, { 'x-tenant': 'acme' }, 'not a carrier', 42]) {
      const headers = correlationHeaders(incoming);
      expect(Object.keys(headers).sort()).toEqual(['correlation-id', 'event-id']);
      expect(headers['correlation-id']).toMatch(UUID);
      expect(headers['event-id']).toMatch(UUID);
      expect(headers['event-id']).not.toBe(headers['correlation-id']);
      expect('causation-id' in headers).toBe(false);
    }
    // Every call is a new message (new event ID) and, at the boundary, a new operation (new correlation ID).
    const a = correlationHeaders();
    const b = correlationHeaders();
    expect(a['event-id']).not.toBe(b['event-id']);
    expect(a['correlation-id']).not.toBe(b['correlation-id']);
  });

  it('an incoming message with an event ID but no correlation ID: causation from it, new correlation', () => {
    const headers = correlationHeaders({ 'event-id': 'e-0' }, { newId: counter() });
    expect(headers).toEqual({ 'correlation-id': 'id-1', 'causation-id': 'e-0', 'event-id': 'id-2' });
  });

  it('keeps the correlation ID across a three-hop chain (Kafka -> SQS -> NATS); each causation ID is the previous event ID', async () => {
    // 1. order service (boundary): publishes OrderPlaced to Kafka, with trace context.
    const order = produce(() => kafkaWire({ value: '{"order":1}', headers: injectTraceHeaders(correlationHeaders()) }));
    const orderHeaders = order.carrier;
    expect(Buffer.isBuffer(orderHeaders['correlation-id'])).toBe(true);
    const correlationId = orderHeaders['correlation-id']!.toString();
    const orderEventId = orderHeaders['event-id']!.toString();
    expect(orderHeaders['causation-id']).toBeUndefined();

    // 2. payment service: consumes the Kafka headers (Buffer values), publishes PaymentCaptured to SQS.
    const sqs = inMemorySqs();
    const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/payments';
    await withConsumerSpan(orderHeaders, 'process orders', () =>
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: '{"payment":1}',
          MessageAttributes: injectMessageAttributes(correlationMessageAttributes(orderHeaders)),
        }),
      ),
    );
    const { Messages } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }));
    const paymentAttributes = Messages![0]!.MessageAttributes!;
    expect(paymentAttributes['correlation-id']).toEqual({ DataType: 'String', StringValue: correlationId });
    expect(paymentAttributes['causation-id']).toEqual({ DataType: 'String', StringValue: orderEventId });
    const paymentEventId = paymentAttributes['event-id']!.StringValue!;
    expect(paymentEventId).toMatch(UUID);
    expect(paymentEventId).not.toBe(orderEventId);

    // 3. notification service: consumes the SQS MessageAttributes, publishes NotificationSent to NATS.
    const notification = natsWire(
      withConsumerSpan(paymentAttributes, 'process payments', () =>
        injectNatsHeaders(correlationNatsHeaders(natsHeaders(), paymentAttributes)),
      ),
    );
    expect(notification.get('correlation-id')).toBe(correlationId);
    expect(notification.get('causation-id')).toBe(paymentEventId);
    const notificationEventId = notification.get('event-id');
    expect(new Set([orderEventId, paymentEventId, notificationEventId]).size).toBe(3);

    // The trace travelled alongside: the last message's trace is the first one's.
    expect(trace.getSpanContext(extractTraceContext(notification))?.traceId).toBe(order.producer.traceId);

    // A fourth hop reading the NATS headers continues the same chain.
    expect(correlationHeaders(notification)).toMatchObject({
      'correlation-id': correlationId,
      'causation-id': notificationEventId,
    });
  });

  it('reads Kafka Buffer headers, taking the first valid value of a repeated header', () => {
    const received = kafkaWire({
      value: 'v',
      headers: { 'correlation-id': ['', 'c-1', 'c-2'], 'event-id': 'e-1', 'x-tenant': 'acme' },
    });
    expect(Array.isArray(received['correlation-id'])).toBe(true);
    expect(correlationHeaders(received, { newId: counter() })).toEqual({
      'correlation-id': 'c-1',
      'causation-id': 'e-1',
      'event-id': 'id-1',
    });
  });

  it('reads every other carrier shape: AMQP headers, Lambda SQS attributes, Map, rdkafka entries, Service Bus', () => {
    const ids = { 'correlation-id': 'c-1', 'event-id': 'e-1' };
    const expected = { 'correlation-id': 'c-1', 'causation-id': 'e-1', 'event-id': 'id-1' };
    const shapes: unknown[] = [
      amqpWire({ ...ids, 'x-retry': 2 }),
      amqpWire({ 'correlation-id': Buffer.from('c-1'), 'event-id': Buffer.from('e-1') }), // AMQP byte arrays
      { 'correlation-id': { stringValue: 'c-1', dataType: 'String' }, 'event-id': { stringValue: 'e-1', dataType: 'String' } },
      new Map([[Buffer.from('correlation-id'), Buffer.from('c-1')], [Buffer.from('event-id'), Buffer.from('e-1')]]),
      rdkafkaWire([{ 'correlation-id': 'c-1' }, { 'event-id': 'e-1' }]),
      serviceBusWire({ body: 'x', applicationProperties: ids }),
    ];
    for (const incoming of shapes) expect(correlationHeaders(incoming, { newId: counter() })).toEqual(expected);
  });

  it('SQS/SNS: writes { DataType: "String", StringValue } attributes that compose with injectMessageAttributes', () => {
    const attributes = correlationMessageAttributes(
      { 'correlation-id': { DataType: 'String', StringValue: 'c-1' }, 'event-id': { DataType: 'String', StringValue: 'e-1' } },
      { newId: counter() },
    );
    expect(attributes).toEqual({
      'correlation-id': { DataType: 'String', StringValue: 'c-1' },
      'causation-id': { DataType: 'String', StringValue: 'e-1' },
      'event-id': { DataType: 'String', StringValue: 'id-1' },
    });
    const { carrier } = produce(() => injectMessageAttributes({ ...attributes, tenant: { DataType: 'String', StringValue: 'acme' } }));
    expect(Object.keys(carrier).sort()).toEqual(['causation-id', 'correlation-id', 'event-id', 'tenant', 'traceparent']);
    expect(Object.keys(correlationMessageAttributes()).sort()).toEqual(['correlation-id', 'event-id']);
  });

  it('NATS: sets the fields on the given MsgHdrs with .set (replacing stale ones) and returns it', () => {
    const incoming = natsHeaders();
    incoming.set('correlation-id', 'c-1');
    incoming.set('event-id', 'e-1');
    const h = natsHeaders();
    h.set('x-tenant', 'acme');
    h.set('causation-id', 'stale');
    expect(correlationNatsHeaders(h, natsWire(incoming), { newId: counter() })).toBe(h);

    const received = natsWire(h);
    expect(received.get('x-tenant')).toBe('acme');
    expect(received.get('correlation-id')).toBe('c-1');
    expect(received.values('causation-id')).toEqual(['e-1']);
    expect(received.get('event-id')).toBe('id-1');

    // A missing key reads as '' in MsgHdrs: that is absent, not an ID.
    const boundary = natsWire(correlationNatsHeaders(natsHeaders(), natsWire(natsHeaders()), { newId: counter() }));
    expect(boundary.keys().sort()).toEqual(['correlation-id', 'event-id']);
    expect(boundary.get('correlation-id')).toBe('id-1');
  });

  it('node-rdkafka: one single-key entry per field, composable with injectRdkafkaHeaders', () => {
    const incoming = rdkafkaWire([{ 'correlation-id': 'c-1' }, { 'event-id': 'e-1' }]);
    const headers = correlationRdkafkaHeaders(incoming, { newId: counter() });
    expect(headers).toEqual([{ 'correlation-id': 'c-1' }, { 'causation-id': 'e-1' }, { 'event-id': 'id-1' }]);

    const { carrier } = produce(() => injectRdkafkaHeaders(headers));
    expect(carrier.map((entry) => Object.keys(entry))).toEqual([['correlation-id'], ['causation-id'], ['event-id'], ['traceparent']]);
    expect(correlationHeaders(rdkafkaWire(carrier))).toMatchObject({ 'correlation-id': 'c-1', 'causation-id': 'id-1' });
  });

  it('renamed headers: written and read under the configured names, through a chain', () => {
    const options: CorrelationOptions = {
      headers: { correlationId: 'x-request-id', causationId: 'x-caused-by', eventId: 'message-id' },
      newId: counter(),
    };
    const first = correlationHeaders(undefined, options);
    expect(first).toEqual({ 'x-request-id': 'id-1', 'message-id': 'id-2' });
    const second = correlationHeaders(kafkaWire({ value: 'v', headers: first }), options);
    expect(second).toEqual({ 'x-request-id': 'id-1', 'x-caused-by': 'id-2', 'message-id': 'id-3' });
    expect(correlationMessageAttributes(second, options)['x-caused-by']).toEqual({ DataType: 'String', StringValue: 'id-3' });

    // Only some renamed: the others keep their default names.
    expect(correlationHeaders({ 'correlation-id': 'c-1' }, { headers: { eventId: 'message-id' }, newId: counter() })).toEqual({
      'correlation-id': 'c-1',
      'message-id': 'id-1',
    });
  });

  it('accepts the variants x-*, camelCase and snake_case, case-insensitively; the configured name first', () => {
    const accepted: Array<[string, string]> = [
      ['correlation-id', 'event-id'],
      ['x-correlation-id', 'x-event-id'],
      ['correlationId', 'eventId'],
      ['correlation_id', 'event_id'],
      ['X-Correlation-ID', 'X-Event-ID'],
      ['CorrelationId', 'EventId'],
      ['CORRELATION_ID', 'EVENT_ID'],
    ];
    for (const [correlation, event] of accepted) {
      expect(correlationHeaders({ [correlation]: 'c-1', [event]: 'e-1' }, { newId: counter() }), correlation).toEqual({
        'correlation-id': 'c-1',
        'causation-id': 'e-1',
        'event-id': 'id-1',
      });
    }
    // Not accepted: other names are not guessed at.
    for (const name of ['corr-id', 'correlation', 'x-request-id', 'request-id', 'message-id', 'messageId', 'id', 'traceparent']) {
      const headers = correlationHeaders({ [name]: 'not-me' }, { newId: counter() });
      expect(headers, name).toEqual({ 'correlation-id': 'id-1', 'event-id': 'id-2' });
    }
    // Precedence: the configured name, then correlation-id, x-correlation-id, correlationId, correlation_id.
    const all = { correlation_id: 'd', correlationId: 'c', 'x-correlation-id': 'b', 'correlation-id': 'a', 'x-request-id': 'r' };
    expect(correlationHeaders(all)['correlation-id']).toBe('a');
    expect(correlationHeaders({ ...all, 'correlation-id': undefined })['correlation-id']).toBe('b');
    expect(correlationHeaders({ correlation_id: 'd', correlationId: 'c' })['correlation-id']).toBe('c');
    expect(correlationHeaders(all, { headers: { correlationId: 'x-request-id' } })['x-request-id']).toBe('r');
    // The incoming causation ID describes the incoming message, never this one.
    expect(correlationHeaders({ 'causation-id': 'old', 'x-causation-id': 'old', 'event-id': 'e-1' })['causation-id']).toBe('e-1');
  });

  it('ignores invalid or empty incoming values (never forwards an empty correlation ID)', () => {
    const invalid: unknown[] = [
      '',
      '   ',
      Buffer.alloc(0),
      'a\r\nb', // would split a NATS/HTTP-style header
      'a\u0000b',
      'x'.repeat(257),
      42,
      true,
      null,
      undefined,
      { nested: 'object' },
      [],
      { DataType: 'String', StringValue: '' },
    ];
    for (const value of invalid) {
      const headers = correlationHeaders({ 'correlation-id': value, 'event-id': value }, { newId: counter() });
      expect(headers, JSON.stringify(value)).toEqual({ 'correlation-id': 'id-1', 'event-id': 'id-2' });
    }
    // An invalid value is absent: the next accepted name is read.
    expect(correlationHeaders({ 'correlation-id': '', 'x-correlation-id': 'c-1' })['correlation-id']).toBe('c-1');
    // Surrounding whitespace is trimmed; 256 characters is the longest accepted ID.
    expect(correlationHeaders({ 'correlation-id': '  c-1\t' })['correlation-id']).toBe('c-1');
    expect(correlationHeaders({ 'correlation-id': 'x'.repeat(256) })['correlation-id']).toBe('x'.repeat(256));
  });

  it('validates options: newId must return a non-empty string, header names must be distinct and non-empty', () => {
    expect(() => correlationHeaders(undefined, { newId: () => '' })).toThrow(TypeError);
    expect(() => correlationHeaders(undefined, { newId: () => undefined as unknown as string })).toThrow(TypeError);
    expect(() => correlationHeaders(undefined, { headers: { eventId: '' } })).toThrow(TypeError);
    expect(() => correlationHeaders(undefined, { headers: { eventId: 'Correlation-Id' } })).toThrow(/used twice/);
    // newId is not called for IDs that are forwarded.
    let calls = 0;
    correlationHeaders({ 'correlation-id': 'c-1' }, { newId: () => `n-${++calls}` });
    expect(calls).toBe(1);
  });
});
