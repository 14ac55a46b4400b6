/**
 * End-to-end proof on a real RabbitMQ (Debian's rabbitmq-server, on loopback): the legacy amqplib service in
 * fixtures/e2e/amqplib/legacy.ts breaks the trace at the broker; after the `all` codemod the consumer span is a
 * child of the producer-side span, the payload carries no trace ID, fan-out gives two children of one span, and
 * a message republished to a dead-letter queue keeps its context. Every test asserts the broken state of the
 * legacy code first, so it fails if the codemod step is skipped.
 */
import { randomUUID } from 'node:crypto';

import { SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';

import * as legacy from '../../fixtures/e2e/amqplib/legacy.js';
import type { Order } from '../../fixtures/e2e/amqplib/legacy.js';
import {
  ancestry,
  describeSpans,
  describeWithBroker,
  RABBITMQ_SERVER,
  rewriteWithCodemod,
  setupTracing,
  startRabbit,
  waitFor,
  type Rewritten,
  type RunningBroker,
  type Tracing,
} from './brokers.js';

type Service = typeof legacy;

describeWithBroker(RABBITMQ_SERVER, 'amqplib against a real RabbitMQ')('amqplib against a real RabbitMQ', () => {
  let broker: RunningBroker | undefined;
  let connection: ChannelModel | undefined;
  let tracing: Tracing;
  let rewritten: Rewritten<Service> | undefined;

  beforeAll(async () => {
    tracing = setupTracing();
    broker = await startRabbit();
    connection = await amqp.connect(broker.url);
    rewritten = await rewriteWithCodemod<Service>('fixtures/e2e/amqplib/legacy.ts');
  });

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await broker?.stop();
    rewritten?.remove();
    await tracing?.shutdown();
  });

  const spans = () => tracing.exporter.getFinishedSpans();
  const details = () => describeSpans(spans());
  const unique = (what: string) => `e2e.${what}.${randomUUID()}`;

  /** Runs `publish` inside an active 'checkout' span (the producer side); returns that span's context. */
  async function checkout(publish: () => Promise<void>): Promise<SpanContext> {
    return tracing.tracer.startActiveSpan('checkout', async (span) => {
      try {
        await publish();
        return span.spanContext();
      } finally {
        span.end();
      }
    });
  }

  async function withChannel<T>(fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
    const ch = await connection!.createChannel();
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  const named = (name: string) => spans().filter((s) => s.name === name);
  const consumerSpans = () => spans().filter((s) => s.kind === SpanKind.CONSUMER && s.name.startsWith('process '));

  function expectChildOf(child: ReadableSpan, parent: SpanContext | ReadableSpan): void {
    const ctx = typeof (parent as ReadableSpan).spanContext === 'function' ? (parent as ReadableSpan).spanContext() : (parent as SpanContext);
    expect(child.spanContext().traceId, `${child.name} is in the producer's trace\n${details()}`).toBe(ctx.traceId);
    expect(child.parentSpanContext?.spanId, `${child.name}'s parent\n${details()}`).toBe(ctx.spanId);
  }

  // --------------------------------------------------------------------------------------------
  // One producer, one consumer
  // --------------------------------------------------------------------------------------------

  async function pointToPoint(service: Service): Promise<{ producer: SpanContext; received: Order }> {
    tracing.exporter.reset();
    const queue = unique('orders');
    return withChannel(async (ch) => {
      const received: Order[] = [];
      await service.startOrderConsumer(ch, queue, (order) => {
        received.push(order);
      });
      const producer = await checkout(() => service.publishOrder(ch, queue, { id: 'o-1', amount: 42 }));
      await waitFor('the consumer to handle the order', () => received.length === 1, 10_000, details);
      await waitFor("the 'handle order' span to end", () => named('handle order').length === 1, 10_000, details);
      return { producer, received: received[0]! };
    });
  }

  it('the codemod rewrites every publish, consume and payload trace ID in the legacy service', () => {
    expect(rewritten!.result.left).toEqual([]);
    expect(rewritten!.result.fixed.length).toBeGreaterThanOrEqual(7);
    expect(rewritten!.result.output).toContain('withConsumerSpan(');
    expect(rewritten!.result.output).toContain('injectTraceHeaders(');
    expect(rewritten!.result.output).not.toMatch(/traceId: trace\.getActiveSpan/);
  });

  it('publish → consume: a new root before the codemod, a child of the producer span after it', async () => {
    // Before: the consumer starts a new trace; the trace ID travels in the payload instead.
    const before = await pointToPoint(legacy);
    const [handledBefore] = named('handle order');
    expect(before.received.traceId, 'legacy payload carries the trace ID').toBe(before.producer.traceId);
    expect(handledBefore!.spanContext().traceId, `legacy consumer span is in a new trace\n${details()}`).not.toBe(before.producer.traceId);
    expect(handledBefore!.parentSpanContext, 'legacy consumer span is a root').toBeUndefined();
    expect(consumerSpans()).toHaveLength(0);

    // After the codemod: the context travels in the AMQP headers.
    const after = await pointToPoint(rewritten!.module);
    await waitFor('one CONSUMER span', () => consumerSpans().length === 1, 10_000, details);
    const [processSpan] = consumerSpans();
    const [handled] = named('handle order');
    expectChildOf(processSpan!, after.producer);
    expectChildOf(handled!, processSpan!);
    expect(after.received, 'no trace ID left in the payload').not.toHaveProperty('traceId');
    expect(after.received).toEqual({ id: 'o-1', amount: 42 });
  });

  // --------------------------------------------------------------------------------------------
  // Fan-out: one exchange, two queues, two consumers
  // --------------------------------------------------------------------------------------------

  async function fanout(service: Service): Promise<{ producer: SpanContext; received: Order[][] }> {
    tracing.exporter.reset();
    const exchange = unique('orders.fanout');
    const queues = [unique('billing'), unique('shipping')];
    return withChannel(async (ch) => {
      await service.setupFanout(ch, exchange, queues);
      const received: Order[][] = [[], []];
      for (const [i, queue] of queues.entries()) await service.startOrderConsumer(ch, queue, (order) => void received[i]!.push(order));
      const producer = await checkout(() => service.broadcastOrder(ch, exchange, { id: 'o-2', amount: 7 }));
      await waitFor('both consumers to handle the order', () => received.every((r) => r.length === 1), 10_000, details);
      await waitFor("two 'handle order' spans", () => named('handle order').length === 2, 10_000, details);
      return { producer, received };
    });
  }

  it('fan-out to two queues: two new roots before, two children of the one producer span after', async () => {
    const before = await fanout(legacy);
    for (const span of named('handle order')) {
      expect(span.spanContext().traceId, `legacy fan-out consumer starts a new trace\n${details()}`).not.toBe(before.producer.traceId);
      expect(span.parentSpanContext).toBeUndefined();
    }
    expect(before.received.map((r) => r[0]!.traceId)).toEqual([before.producer.traceId, before.producer.traceId]);

    const after = await fanout(rewritten!.module);
    await waitFor('two CONSUMER spans', () => consumerSpans().length === 2, 10_000, details);
    const processSpans = consumerSpans();
    for (const span of processSpans) expectChildOf(span, after.producer);
    expect(new Set(processSpans.map((s) => s.spanContext().spanId)).size).toBe(2);
    const handled = named('handle order');
    expect(handled.map((h) => h.parentSpanContext?.spanId).sort()).toEqual(processSpans.map((s) => s.spanContext().spanId).sort());
    for (const [order] of after.received) expect(order).toEqual({ id: 'o-2', amount: 7 });
  });

  // --------------------------------------------------------------------------------------------
  // Retry path: a failing handler republishes to a dead-letter queue
  // --------------------------------------------------------------------------------------------

  async function deadLetter(service: Service): Promise<{ producer: SpanContext; dead: Order }> {
    tracing.exporter.reset();
    const queue = unique('payments');
    const dlq = unique('payments.dlq');
    return withChannel(async (ch) => {
      const dead: Order[] = [];
      await service.startRetryingConsumer(ch, queue, dlq, () => {
        throw new Error('card declined');
      });
      await service.startDeadLetterConsumer(ch, dlq, (order) => void dead.push(order));
      const producer = await checkout(() => service.publishOrder(ch, queue, { id: 'o-3', amount: 13 }));
      await waitFor('the dead-letter consumer to receive the order', () => dead.length === 1, 10_000, details);
      await waitFor("the 'handle dead letter' span", () => named('handle dead letter').length === 1, 10_000, details);
      return { producer, dead: dead[0]! };
    });
  }

  it('dead-letter queue: the republished message starts a new trace before, stays in the producer trace after', async () => {
    const before = await deadLetter(legacy);
    const [deadBefore] = named('handle dead letter');
    expect(deadBefore!.spanContext().traceId, `legacy DLQ consumer starts a new trace\n${details()}`).not.toBe(before.producer.traceId);
    expect(deadBefore!.parentSpanContext).toBeUndefined();
    expect(before.dead.traceId).toBe(before.producer.traceId);

    const after = await deadLetter(rewritten!.module);
    // producer span → process (retrying consumer) → [republish] → process (DLQ consumer) → handle dead letter
    await waitFor('two CONSUMER spans (retrying consumer, DLQ consumer)', () => consumerSpans().length === 2, 10_000, details);
    const [deadSpan] = named('handle dead letter');
    const all = spans();
    expect(deadSpan!.spanContext().traceId, `DLQ consumer is in the producer's trace\n${details()}`).toBe(after.producer.traceId);
    const chain = ancestry(deadSpan!, all);
    expect(chain, `DLQ span's parent chain reaches the producer span\n${details()}`).toContain(after.producer.spanId);
    expect(chain).toHaveLength(4);
    const [retrySpan] = consumerSpans().filter((s) => s.parentSpanContext?.spanId === after.producer.spanId);
    expect(retrySpan, `the retrying consumer's span is a child of the producer span\n${details()}`).toBeDefined();
    expect(after.dead).toEqual({ id: 'o-3', amount: 13 });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
