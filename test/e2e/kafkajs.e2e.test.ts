/**
 * kafkajs end to end: the legacy order service (fixtures/e2e/kafkajs/legacy.ts) is run against an in-memory
 * broker that passes every message through kafkajs's own record encoder and decoder (test/e2e/kafka-memory-broker.ts:
 * Buffer header values, as a kafkajs consumer receives them, and deliveries outside the producer's async context),
 * with the real OpenTelemetry SDK.
 *
 * Each test first runs the legacy module and asserts the broken state (the consumer's work is a new root in a trace
 * of its own, the trace id rides in the payload), then runs `transformSource('all', ...)` on a copy under
 * `.tmp/e2e-kafka-*`, imports the rewritten module and asserts the connected trace. Skipping the codemod step makes
 * the "after" half of every test fail, as the "before" half shows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { context, propagation, SpanKind, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider as TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { transformSource } from '../../src/codemods/engine.js';
import { MemoryKafka, type Delivery } from './kafka-memory-broker.js';

type OrderService = typeof import('../../fixtures/e2e/kafkajs/legacy.js');
type Order = { orderId: string; amountCents: number };

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const legacyPath = path.join(repoRoot, 'fixtures/e2e/kafkajs/legacy.ts');
const tmpRoot = path.join(repoRoot, '.tmp');
const tmpDirs: string[] = [];

// ---------------------------------------------------------------------------------------------
// OpenTelemetry SDK (as in test/helpers.test.ts)
// ---------------------------------------------------------------------------------------------

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = () => trace.getTracer('kafkajs.e2e');

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
});

afterEach(() => {
  exporter.reset();
});

afterAll(async () => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

// ---------------------------------------------------------------------------------------------
// The two versions of the service
// ---------------------------------------------------------------------------------------------

async function legacyService(): Promise<OrderService> {
  return (await import(pathToFileURL(legacyPath).href)) as OrderService;
}

let rewritten: Promise<{ service: OrderService; source: string }> | undefined;

/** Runs `codemod all` on a copy of the legacy file inside the repo (so imports resolve) and imports the result. */
function rewrittenService(): Promise<{ service: OrderService; source: string }> {
  rewritten ??= (async () => {
    mkdirSync(tmpRoot, { recursive: true });
    const dir = mkdtempSync(path.join(tmpRoot, 'e2e-kafka-'));
    tmpDirs.push(dir);
    const file = path.join(dir, 'legacy.ts');
    writeFileSync(file, readFileSync(legacyPath, 'utf8'));
    const result = transformSource('all', file, readFileSync(file, 'utf8'));
    expect(result.left, 'codemod all left kafkajs sites unfixed').toEqual([]);
    expect(result.output, 'codemod all changed nothing').toBeDefined();
    writeFileSync(file, result.output!);
    const service = (await import(pathToFileURL(file).href)) as OrderService;
    return { service, source: result.output! };
  })();
  return rewritten;
}

// ---------------------------------------------------------------------------------------------
// Scenario helpers
// ---------------------------------------------------------------------------------------------

/** Publishes inside a PRODUCER span (what an instrumented request handler would have active); returns that span. */
async function publishInSpan(name: string, publish: () => Promise<void>): Promise<ReadableSpan> {
  let span: Span | undefined;
  await tracer().startActiveSpan(name, { kind: SpanKind.PRODUCER }, async (s) => {
    span = s;
    try {
      await publish();
    } finally {
      s.end();
    }
  });
  return finished(span!);
}

function finished(span: Span): ReadableSpan {
  const id = span.spanContext().spanId;
  const found = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === id);
  if (!found) throw new Error(`span ${id} was not exported`);
  return found;
}

/** Waits (bounded) until every delivery is handled and checks that no handler threw. */
async function settle(broker: MemoryKafka, label: string): Promise<void> {
  await broker.idle(5_000).catch((error: unknown) => {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  });
  expect(broker.handlerErrors.map((e) => `${e.groupId}/${e.topic}: ${String(e.error)}`), `${label}: consumer handler errors`).toEqual([]);
}

function spansNamed(name: string | RegExp): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
}

function consumerSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
}

function exactlyOne(spans: ReadableSpan[], what: string): ReadableSpan {
  expect(spans.map((s) => s.name), `expected exactly one ${what}`).toHaveLength(1);
  return spans[0]!;
}

function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return child.spanContext().traceId === parent.spanContext().traceId && child.parentSpanContext?.spanId === parent.spanContext().spanId;
}

function payload(delivery: Delivery): Record<string, unknown> {
  return JSON.parse(delivery.message.value!.toString('utf8')) as Record<string, unknown>;
}

function deliveriesTo(broker: MemoryKafka, groupId: string, topic: string): Delivery[] {
  return broker.deliveries.filter((d) => d.groupId === groupId && d.topic === topic);
}

const order = (n: number): Order => ({ orderId: `o-${n}`, amountCents: 100 * n });

async function connectedProducer(broker: MemoryKafka) {
  const producer = broker.producer();
  await producer.connect();
  return producer;
}

// ---------------------------------------------------------------------------------------------
// The broker itself delivers what kafkajs delivers
// ---------------------------------------------------------------------------------------------

describe('in-memory kafka broker (kafkajs codec)', () => {
  it('delivers Buffer header values, Buffer[] for repeated keys, {} without headers, outside the producer context', async () => {
    const broker = new MemoryKafka();
    const producer = await connectedProducer(broker);
    const consumer = broker.consumer({ groupId: 'probe' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['probe'] });
    const activeInHandler: unknown[] = [];
    await consumer.run({
      eachMessage: async () => {
        activeInHandler.push(trace.getActiveSpan());
      },
    });
    await publishInSpan('probe publish', async () => {
      await producer.send({ topic: 'probe', messages: [{ value: 'a', headers: { one: 'x', many: ['y', 'z'] } }, { value: 'b' }] });
    });
    await settle(broker, 'probe');
    const [first, second] = deliveriesTo(broker, 'probe', 'probe');
    expect(Buffer.isBuffer(first!.message.value)).toBe(true);
    expect(Buffer.isBuffer(first!.message.headers!.one)).toBe(true);
    expect(first!.message.headers!.one!.toString()).toBe('x');
    const many = first!.message.headers!.many as Buffer[];
    expect(Array.isArray(many) && many.every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(many.map((b) => b.toString())).toEqual(['y', 'z']);
    expect(second!.message.headers).toEqual({});
    expect(activeInHandler, 'handlers must not inherit the producer span through async context').toEqual([undefined, undefined]);
    // kafkajs's encoder rejects undefined header values.
    await expect(producer.send({ topic: 'probe', messages: [{ value: 'c', headers: { bad: undefined } }] })).rejects.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// The service, before and after `codemod all`
// ---------------------------------------------------------------------------------------------

describe('kafkajs order service: legacy vs codemod all', () => {
  it('eachMessage: the consumer span is a child of the producer span (before: a new root)', async () => {
    const run = async (service: OrderService) => {
      exporter.reset();
      const broker = new MemoryKafka();
      const producer = await connectedProducer(broker);
      const consumer = broker.consumer({ groupId: 'fulfilment' });
      const handled: Order[] = [];
      await service.startOrderConsumer(consumer, async (o) => {
        handled.push(o);
      });
      const producerSpan = await publishInSpan('checkout publish', () => service.publishOrder(producer, order(1)));
      await settle(broker, 'eachMessage');
      expect(handled.map((o) => o.orderId), 'the handler got the order').toEqual(['o-1']);
      const [delivery] = deliveriesTo(broker, 'fulfilment', 'orders');
      return { producerSpan, delivery: delivery!, handle: exactlyOne(spansNamed('handle order'), "'handle order' span") };
    };

    // Before: the trace id rides in the payload, no header, and the consumer's work is a root of another trace.
    const before = await run(await legacyService());
    expect(payload(before.delivery).traceId).toBe(before.producerSpan.spanContext().traceId);
    expect(before.delivery.message.headers).toEqual({});
    expect(consumerSpans()).toEqual([]);
    expect(before.handle.parentSpanContext, "legacy: 'handle order' is a new root").toBeUndefined();
    expect(before.handle.spanContext().traceId).not.toBe(before.producerSpan.spanContext().traceId);

    // After: the context travels in a Buffer header and the consumer's processing span joins the producer's trace.
    const after = await run((await rewrittenService()).service);
    expect(payload(after.delivery), 'no trace id left in the payload').not.toHaveProperty('traceId');
    expect(Buffer.isBuffer(after.delivery.message.headers?.traceparent), 'traceparent arrives as a Buffer').toBe(true);
    const consumerSpan = exactlyOne(consumerSpans(), 'CONSUMER span');
    expect(consumerSpan.name).toMatch(/^process /);
    expect(consumerSpan.spanContext().traceId).toBe(after.producerSpan.spanContext().traceId);
    expect(consumerSpan.parentSpanContext?.spanId).toBe(after.producerSpan.spanContext().spanId);
    expect(consumerSpan.parentSpanContext?.isRemote).toBe(true);
    expect(isChildOf(after.handle, consumerSpan), "'handle order' is a child of the CONSUMER span").toBe(true);
  });

  it('eachBatch per-message loop: one CONSUMER span per message, each a child of its own producer span', async () => {
    const run = async (service: OrderService) => {
      exporter.reset();
      const broker = new MemoryKafka();
      const producer = await connectedProducer(broker);
      const consumer = broker.consumer({ groupId: 'invoicing' });
      await service.startBatchConsumer(consumer, async () => undefined);
      // Two requests, two traces, published in the same tick so that they arrive in one batch.
      const producerSpans = await Promise.all([
        publishInSpan('checkout 1 publish', () => service.publishOrder(producer, order(1))),
        publishInSpan('checkout 2 publish', () => service.publishOrder(producer, order(2))),
      ]);
      await settle(broker, 'eachBatch loop');
      const deliveries = deliveriesTo(broker, 'invoicing', 'orders');
      expect(deliveries.map((d) => d.batchSize), 'both messages in one batch').toEqual([2, 2]);
      return { producerSpans, deliveries, handles: spansNamed('handle order') };
    };

    const before = await run(await legacyService());
    expect(before.deliveries.map((d) => payload(d).traceId)).toEqual(before.producerSpans.map((s) => s.spanContext().traceId));
    expect(consumerSpans()).toEqual([]);
    expect(before.handles).toHaveLength(2);
    for (const handle of before.handles) {
      expect(handle.parentSpanContext, "legacy: every 'handle order' is a new root").toBeUndefined();
      expect(before.producerSpans.map((s) => s.spanContext().traceId)).not.toContain(handle.spanContext().traceId);
    }

    const after = await run((await rewrittenService()).service);
    for (const d of after.deliveries) expect(payload(d)).not.toHaveProperty('traceId');
    const consumers = consumerSpans();
    expect(consumers, 'one CONSUMER span per message').toHaveLength(2);
    after.producerSpans.forEach((producerSpan, i) => {
      const own = consumers.filter((c) => isChildOf(c, producerSpan));
      expect(own.map((c) => c.name), `message ${i + 1}: exactly one CONSUMER span child of its producer span`).toHaveLength(1);
      expect(own[0]!.name).toMatch(/^process /);
      const handles = after.handles.filter((h) => isChildOf(h, own[0]!));
      expect(handles, `message ${i + 1}: its 'handle order' span is a child of its CONSUMER span`).toHaveLength(1);
    });
  });

  it('eachBatch aggregating handler: one CONSUMER span linked to every producer span', async () => {
    const run = async (service: OrderService) => {
      exporter.reset();
      const broker = new MemoryKafka();
      const producer = await connectedProducer(broker);
      const consumer = broker.consumer({ groupId: 'bulk-import' });
      const imported: Array<{ ids: string[]; active: ReturnType<typeof trace.getActiveSpan> }> = [];
      await service.startBulkConsumer(consumer, async (orders) => {
        imported.push({ ids: orders.map((o) => o.orderId), active: trace.getActiveSpan() });
      });
      const producerSpans = await Promise.all([
        publishInSpan('checkout 1 publish', () => service.publishOrder(producer, order(1))),
        publishInSpan('checkout 2 publish', () => service.publishOrder(producer, order(2))),
      ]);
      await settle(broker, 'eachBatch aggregate');
      expect(imported.map((i) => i.ids), 'one import call for the whole batch').toEqual([['o-1', 'o-2']]);
      return { producerSpans, imported: imported[0]!, deliveries: deliveriesTo(broker, 'bulk-import', 'orders') };
    };

    const before = await run(await legacyService());
    expect(before.imported.active, 'legacy: the batch is processed without any span').toBeUndefined();
    expect(consumerSpans()).toEqual([]);
    expect(before.deliveries.map((d) => payload(d).traceId)).toEqual(before.producerSpans.map((s) => s.spanContext().traceId));

    const after = await run((await rewrittenService()).service);
    for (const d of after.deliveries) expect(payload(d)).not.toHaveProperty('traceId');
    const batchSpan = exactlyOne(consumerSpans(), 'CONSUMER span for the batch');
    expect(batchSpan.name).toMatch(/^process /);
    expect(after.imported.active?.spanContext().spanId, 'the import runs inside the batch span').toBe(batchSpan.spanContext().spanId);
    // Semantic conventions for batch receive: no single parent can represent several producers; link each one.
    expect(batchSpan.parentSpanContext, 'the batch span has no producer as parent').toBeUndefined();
    expect(batchSpan.links.map((l) => `${l.context.traceId}/${l.context.spanId}`).sort()).toEqual(
      after.producerSpans.map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}`).sort(),
    );
  });

  it('fan-out to two consumer groups: two CONSUMER spans, both children of the one producer span', async () => {
    const run = async (service: OrderService) => {
      exporter.reset();
      const broker = new MemoryKafka();
      const producer = await connectedProducer(broker);
      for (const groupId of ['billing', 'shipping']) {
        await service.startOrderConsumer(broker.consumer({ groupId }), async () => undefined);
      }
      const producerSpan = await publishInSpan('checkout publish', () => service.publishOrder(producer, order(7)));
      await settle(broker, 'fan-out');
      expect(broker.deliveries.map((d) => d.groupId).sort(), 'each group got the message').toEqual(['billing', 'shipping']);
      return { producerSpan, deliveries: broker.deliveries, handles: spansNamed('handle order') };
    };

    const before = await run(await legacyService());
    expect(consumerSpans()).toEqual([]);
    expect(before.handles).toHaveLength(2);
    for (const handle of before.handles) {
      expect(handle.parentSpanContext, "legacy: each group's 'handle order' is a new root").toBeUndefined();
      expect(handle.spanContext().traceId).not.toBe(before.producerSpan.spanContext().traceId);
    }
    expect(before.handles[0]!.spanContext().traceId, 'legacy: the two groups are even in different traces').not.toBe(
      before.handles[1]!.spanContext().traceId,
    );

    const after = await run((await rewrittenService()).service);
    for (const d of after.deliveries) expect(payload(d)).not.toHaveProperty('traceId');
    const consumers = consumerSpans();
    expect(consumers, 'one CONSUMER span per group').toHaveLength(2);
    for (const consumerSpan of consumers) {
      expect(isChildOf(consumerSpan, after.producerSpan), `${consumerSpan.name} is a child of the producer span`).toBe(true);
      expect(after.handles.filter((h) => isChildOf(h, consumerSpan)), "each group's 'handle order' is a child of its CONSUMER span").toHaveLength(1);
    }
    expect(consumers[0]!.spanContext().spanId).not.toBe(consumers[1]!.spanContext().spanId);
  });

  it('retry to the dead-letter queue: the DLQ message still carries the trace', async () => {
    const run = async (service: OrderService) => {
      exporter.reset();
      const broker = new MemoryKafka();
      const producer = await connectedProducer(broker);
      await service.startRetryingConsumer(broker.consumer({ groupId: 'payments' }), producer, async (o) => {
        throw new Error(`card declined for ${o.orderId}`);
      });
      const parked: Array<{ order: Order; reason: string }> = [];
      await service.startDlqConsumer(broker.consumer({ groupId: 'dlq-parker' }), async (o, reason) => {
        parked.push({ order: o, reason });
      });
      const producerSpan = await publishInSpan('checkout publish', () => service.publishOrder(producer, order(3)));
      await settle(broker, 'DLQ');
      expect(parked.map((p) => [p.order.orderId, p.reason]), 'the failed order reached the DLQ consumer').toEqual([['o-3', 'card declined for o-3']]);
      const [dlqDelivery] = deliveriesTo(broker, 'dlq-parker', 'orders.dlq');
      return { producerSpan, dlqDelivery: dlqDelivery!, park: exactlyOne(spansNamed('park order'), "'park order' span") };
    };

    const before = await run(await legacyService());
    expect(before.dlqDelivery.message.headers, 'legacy: the DLQ message has no headers').toEqual({});
    expect(consumerSpans()).toEqual([]);
    expect(before.park.parentSpanContext, "legacy: 'park order' is a new root").toBeUndefined();
    expect(before.park.spanContext().traceId).not.toBe(before.producerSpan.spanContext().traceId);

    const after = await run((await rewrittenService()).service);
    const producerTrace = after.producerSpan.spanContext().traceId;
    expect(Buffer.isBuffer(after.dlqDelivery.message.headers?.traceparent), 'the DLQ message carries traceparent').toBe(true);
    expect(payload(after.dlqDelivery)).not.toHaveProperty('traceId');
    const consumers = consumerSpans();
    expect(consumers, 'CONSUMER spans: the payments consumer and the DLQ consumer').toHaveLength(2);
    const paymentsSpan = exactlyOne(consumers.filter((c) => isChildOf(c, after.producerSpan)), 'CONSUMER span child of the producer');
    const dlqSpan = exactlyOne(consumers.filter((c) => c !== paymentsSpan), 'DLQ CONSUMER span');
    expect(dlqSpan.spanContext().traceId, "the DLQ consumer's span is in the producer's trace").toBe(producerTrace);
    // The republish happened inside the payments consumer's span: that is the DLQ message's producer context.
    expect(isChildOf(dlqSpan, paymentsSpan), 'the DLQ CONSUMER span is a child of the span that republished').toBe(true);
    expect(isChildOf(after.park, dlqSpan), "'park order' is a child of the DLQ CONSUMER span").toBe(true);
  });
});
