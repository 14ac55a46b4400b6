/**
 * End-to-end proof on a real NATS server (Debian's nats-server, on loopback): the legacy service in
 * fixtures/e2e/nats/legacy.ts breaks the trace at the broker; after the `all` codemod the consumer span is a child
 * of the producer-side span, the payload carries no trace ID, two subscribers of one subject get two children of
 * one span, and a message republished to a dead-letter subject keeps its context. Every test asserts the broken
 * state of the legacy code first, so it fails if the codemod step is skipped.
 */

import type { SpanContext } from '@opentelemetry/api';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';

import * as legacy from '../../fixtures/e2e/nats/legacy.js';
import type { Order } from '../../fixtures/e2e/nats/legacy.js';
import {
  describeWithBroker,
  NATS_SERVER,
  rewriteWithCodemod,
  setupTracing,
  startNats,
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

describeWithBroker(NATS_SERVER, 'nats against a real nats-server')('nats against a real nats-server', () => {
  let broker: RunningBroker | undefined;
  let tracing: Tracing;
  let rewritten: Rewritten<Service> | undefined;

  beforeAll(async () => {
    tracing = setupTracing();
    Object.assign(t, trail(tracing));
    broker = await startNats();
    rewritten = await rewriteWithCodemod<Service>('fixtures/e2e/nats/legacy.ts');
  });

  afterAll(async () => {
    await broker?.stop();
    rewritten?.remove();
    await tracing?.shutdown();
  });

  const t = {} as Trail;
  const details = () => t.details();
  const named = (name: string) => t.named(name);

  const checkout = (publish: () => void | Promise<void>) => t.checkout(publish);

  /** A connection of its own per scenario (closed afterwards, which ends its subscriptions). */
  async function withConnection<T>(fn: (nc: NatsConnection, subs: Subscription[]) => Promise<T>): Promise<T> {
    const nc = await connect({ servers: broker!.url, timeout: 5_000, maxReconnectAttempts: 0 });
    const subs: Subscription[] = [];
    try {
      return await fn(nc, subs);
    } finally {
      for (const sub of subs) sub.unsubscribe();
      await nc.close();
    }
  }


  it('the codemod rewrites every publish, subscription and payload trace ID in the legacy service', () => {
    expect(rewritten!.result.left).toEqual([]);
    expect(rewritten!.result.fixed.length).toBeGreaterThanOrEqual(6);
    expect(rewritten!.result.output).toContain('withConsumerSpan(');
    expect(rewritten!.result.output).toContain('injectNatsHeaders(headers())');
    expect(rewritten!.result.output).not.toMatch(/traceId: trace\.getActiveSpan/);
  });

  // --------------------------------------------------------------------------------------------
  // One publisher, one subscriber (async iterator)
  // --------------------------------------------------------------------------------------------

  async function pointToPoint(service: Service): Promise<{ producer: SpanContext; received: Order }> {
    tracing.exporter.reset();
    const subject = unique('orders');
    return withConnection(async (nc, subs) => {
      const received: Order[] = [];
      subs.push(service.startOrderConsumer(nc, subject, (order) => void received.push(order)));
      await nc.flush(); // the subscription is registered on the server before we publish
      const producer = await checkout(() => service.publishOrder(nc, subject, { id: 'o-1', amount: 42 }));
      await waitFor('the subscriber to handle the order', () => received.length === 1, 10_000, details);
      await waitFor("the 'handle order' span to end", () => named('handle order').length === 1, 10_000, details);
      return { producer, received: received[0]! };
    });
  }

  it('publish → subscribe: a new root before the codemod, a child of the producer span after it', async () => {
    expectBrokenPointToPoint(t, await pointToPoint(legacy));
    await expectJoinedPointToPoint(t, await pointToPoint(rewritten!.module), { id: 'o-1', amount: 42 });
  });

  // --------------------------------------------------------------------------------------------
  // Fan-out: two subscribers (callbacks) on one subject
  // --------------------------------------------------------------------------------------------

  async function fanout(service: Service): Promise<{ producer: SpanContext; received: Order[][] }> {
    tracing.exporter.reset();
    const subject = unique('orders.placed');
    return withConnection(async (nc, subs) => {
      const received: Order[][] = [[], []];
      subs.push(...service.startFanoutConsumers(nc, subject, [(o) => void received[0]!.push(o), (o) => void received[1]!.push(o)]));
      await nc.flush();
      const producer = await checkout(() => service.publishOrder(nc, subject, { id: 'o-2', amount: 7 }));
      await waitFor('both subscribers to handle the order', () => received.every((r) => r.length === 1), 10_000, details);
      await waitFor("two 'handle order' spans", () => named('handle order').length === 2, 10_000, details);
      return { producer, received };
    });
  }

  it('fan-out to two subscribers: two new roots before, two children of the one producer span after', async () => {
    expectBrokenFanout(t, await fanout(legacy));
    await expectJoinedFanout(t, await fanout(rewritten!.module), { id: 'o-2', amount: 7 });
  });

  // --------------------------------------------------------------------------------------------
  // Retry path: a failing handler republishes to a dead-letter subject
  // --------------------------------------------------------------------------------------------

  async function deadLetter(service: Service): Promise<{ producer: SpanContext; dead: Order }> {
    tracing.exporter.reset();
    const subject = unique('payments');
    const dlq = unique('payments.dlq');
    return withConnection(async (nc, subs) => {
      const dead: Order[] = [];
      subs.push(
        service.startRetryingConsumer(nc, subject, dlq, () => {
          throw new Error('card declined');
        }),
        service.startDeadLetterConsumer(nc, dlq, (order) => void dead.push(order)),
      );
      await nc.flush();
      const producer = await checkout(() => service.publishOrder(nc, subject, { id: 'o-3', amount: 13 }));
      await waitFor('the dead-letter subscriber to receive the order', () => dead.length === 1, 10_000, details);
      await waitFor("the 'handle dead letter' span", () => named('handle dead letter').length === 1, 10_000, details);
      return { producer, dead: dead[0]! };
    });
  }

  it('dead-letter subject: the republished message starts a new trace before, stays in the producer trace after', async () => {
    expectBrokenDeadLetter(t, await deadLetter(legacy));
    await expectJoinedDeadLetter(t, await deadLetter(rewritten!.module), { id: 'o-3', amount: 13 });
  });
});
