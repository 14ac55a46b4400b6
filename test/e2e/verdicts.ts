/**
 * The before/after verdicts every broker's end-to-end scenarios share: what a broken trace looks like with the
 * legacy code, and what a joined one must look like after the codemod. Each broker test runs its own scenario
 * (publish, fan-out, dead letter) and hands the outcome here, so the brokers are judged by the same assertions.
 */
import { randomUUID } from 'node:crypto';
import { SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { ancestry, describeSpans, waitFor, type Tracing } from './brokers.js';

export interface Trail {
  spans(): ReadableSpan[];
  named(name: string): ReadableSpan[];
  /** The consumer spans `withConsumerSpan` starts (`process <broker>`). */
  consumerSpans(): ReadableSpan[];
  details(): string;
  expectChildOf(child: ReadableSpan, parent: SpanContext | ReadableSpan): void;
  /** Runs `publish` inside an active 'checkout' span (the producer side); returns that span's context. */
  checkout(publish: () => void | Promise<void>): Promise<SpanContext>;
}

/** A queue or subject name no other test uses. */
export const unique = (what: string): string => `e2e.${what}.${randomUUID()}`;

export function trail(tracing: Tracing): Trail {
  const spans = () => tracing.exporter.getFinishedSpans();
  const details = () => describeSpans(spans());
  return {
    spans,
    details,
    named: (name) => spans().filter((s) => s.name === name),
    consumerSpans: () => spans().filter((s) => s.kind === SpanKind.CONSUMER && s.name.startsWith('process ')),
    expectChildOf(child, parent) {
      const ctx = typeof (parent as ReadableSpan).spanContext === 'function' ? (parent as ReadableSpan).spanContext() : (parent as SpanContext);
      expect(child.spanContext().traceId, `${child.name} is in the producer's trace\n${details()}`).toBe(ctx.traceId);
      expect(child.parentSpanContext?.spanId, `${child.name}'s parent\n${details()}`).toBe(ctx.spanId);
    },
    checkout: (publish) =>
      tracing.tracer.startActiveSpan('checkout', async (span) => {
        try {
          await publish();
          return span.spanContext();
        } finally {
          span.end();
        }
      }),
  };
}

interface Payload {
  traceId?: unknown;
}

/** Legacy point-to-point: the consumer starts a new trace; the trace ID travels in the payload instead. */
export function expectBrokenPointToPoint(t: Trail, before: { producer: SpanContext; received: Payload }): void {
  const [handled] = t.named('handle order');
  expect(before.received.traceId, 'legacy payload carries the trace ID').toBe(before.producer.traceId);
  expect(handled!.spanContext().traceId, `legacy consumer span is in a new trace\n${t.details()}`).not.toBe(before.producer.traceId);
  expect(handled!.parentSpanContext, 'legacy consumer span is a root').toBeUndefined();
  expect(t.consumerSpans()).toHaveLength(0);
}

/** Rewritten point-to-point: one consumer span, child of the producer span, parent of the handler's span. */
export async function expectJoinedPointToPoint(t: Trail, after: { producer: SpanContext; received: Payload }, order: object): Promise<void> {
  await waitFor('one CONSUMER span', () => t.consumerSpans().length === 1, 10_000, t.details);
  const [processSpan] = t.consumerSpans();
  const [handled] = t.named('handle order');
  t.expectChildOf(processSpan!, after.producer);
  t.expectChildOf(handled!, processSpan!);
  expect(after.received, 'no trace ID left in the payload').not.toHaveProperty('traceId');
  expect(after.received).toEqual(order);
}

/** Legacy fan-out: every consumer starts a new trace. */
export function expectBrokenFanout(t: Trail, before: { producer: SpanContext; received: Payload[][] }): void {
  for (const span of t.named('handle order')) {
    expect(span.spanContext().traceId, `legacy fan-out consumer starts a new trace\n${t.details()}`).not.toBe(before.producer.traceId);
    expect(span.parentSpanContext).toBeUndefined();
  }
  expect(before.received.map((r) => r[0]!.traceId)).toEqual([before.producer.traceId, before.producer.traceId]);
}

/** Rewritten fan-out: two distinct consumer spans, both children of the one producer span. */
export async function expectJoinedFanout(t: Trail, after: { producer: SpanContext; received: Payload[][] }, order: object): Promise<void> {
  await waitFor('two CONSUMER spans', () => t.consumerSpans().length === 2, 10_000, t.details);
  const processSpans = t.consumerSpans();
  for (const span of processSpans) t.expectChildOf(span, after.producer);
  expect(new Set(processSpans.map((s) => s.spanContext().spanId)).size).toBe(2);
  const handled = t.named('handle order');
  expect(handled.map((h) => h.parentSpanContext?.spanId).sort()).toEqual(processSpans.map((s) => s.spanContext().spanId).sort());
  for (const [received] of after.received) expect(received).toEqual(order);
}

/** Legacy dead letter: the republished message starts a new trace. */
export function expectBrokenDeadLetter(t: Trail, before: { producer: SpanContext; dead: Payload }): void {
  const [dead] = t.named('handle dead letter');
  expect(dead!.spanContext().traceId, `legacy DLQ consumer starts a new trace\n${t.details()}`).not.toBe(before.producer.traceId);
  expect(dead!.parentSpanContext).toBeUndefined();
  expect(before.dead.traceId).toBe(before.producer.traceId);
}

/**
 * Rewritten dead letter: producer span → process (retrying consumer) → [republish] → process (DLQ consumer) →
 * handle dead letter, all in the producer's trace.
 */
export async function expectJoinedDeadLetter(t: Trail, after: { producer: SpanContext; dead: Payload }, order: object): Promise<void> {
  await waitFor('two CONSUMER spans (retrying consumer, DLQ consumer)', () => t.consumerSpans().length === 2, 10_000, t.details);
  const [deadSpan] = t.named('handle dead letter');
  expect(deadSpan!.spanContext().traceId, `DLQ consumer is in the producer's trace\n${t.details()}`).toBe(after.producer.traceId);
  const chain = ancestry(deadSpan!, t.spans());
  expect(chain, `DLQ span's parent chain reaches the producer span\n${t.details()}`).toContain(after.producer.spanId);
  expect(chain).toHaveLength(4);
  expect(t.consumerSpans().filter((s) => s.parentSpanContext?.spanId === after.producer.spanId), `the retrying consumer's span is a child of the producer span\n${t.details()}`).toHaveLength(1);
  expect(after.dead).toEqual(order);
  expect(trace.getActiveSpan()).toBeUndefined();
}
