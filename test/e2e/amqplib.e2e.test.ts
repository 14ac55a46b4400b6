/**
 * End-to-end proof on a real RabbitMQ (Debian's rabbitmq-server, on loopback): the legacy amqplib service in
 * fixtures/e2e/amqplib/legacy.ts breaks the trace at the broker; after the `all` codemod the consumer span is a
 * child of the producer-side span, the payload carries no trace ID, fan-out gives two children of one span, and
 * a message republished to a dead-letter queue keeps its context. Every test asserts the broken state of the
 * legacy code first, so it fails if the codemod step is skipped.
 */

import type { SpanContext } from '@opentelemetry/api';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';

import * as legacy from '../../fixtures/e2e/amqplib/legacy.js';
import type { Order } from '../../fixtures/e2e/amqplib/legacy.js';
import {
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
import {
  expectBrokenDeadLetter,
  expectBrokenFanout,
  expectBrokenPointToPoint,
  expectJoinedDeadLetter,
  expectJoinedFanout,
  expectJoinedPointToPoint,
  trail,
  unique,
  type Trail,
} from './verdicts.js';

type Service = typeof legacy;

describeWithBroker(RABBITMQ_SERVER, 'amqplib against a real RabbitMQ')('amqplib against a real RabbitMQ', () => {
  let broker: RunningBroker | undefined;
  let connection: ChannelModel | undefined;
  let tracing: Tracing;
  let rewritten: Rewritten<Service> | undefined;

  beforeAll(async () => {
    tracing = setupTracing();
    Object.assign(t, trail(tracing));
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

  const t = {} as Trail;
  const details = () => t.details();

  const checkout = (publish: () => void | Promise<void>) => t.checkout(publish);

  async function withChannel<T>(fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
    const ch = await connection!.createChannel();
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  const named = (name: string) => t.named(name);


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
    expectBrokenPointToPoint(t, await pointToPoint(legacy));
    await expectJoinedPointToPoint(t, await pointToPoint(rewritten!.module), { id: 'o-1', amount: 42 });
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
    expectBrokenFanout(t, await fanout(legacy));
    await expectJoinedFanout(t, await fanout(rewritten!.module), { id: 'o-2', amount: 7 });
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
    expectBrokenDeadLetter(t, await deadLetter(legacy));
    await expectJoinedDeadLetter(t, await deadLetter(rewritten!.module), { id: 'o-3', amount: 13 });
  });
});
