import type { Case } from '../../rule-tester.js';

const kafka = "import { Kafka } from 'kafkajs';\nimport { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';\nimport { extractTraceContext, withConsumerSpan, injectTraceHeaders } from 'trace-propagation-helpers';\nconst kafka = new Kafka({ clientId: 'a', brokers: [] });\nconst producer = kafka.producer();\nconst consumer = kafka.consumer({ groupId: 'g' });\nconst tracer = trace.getTracer('payments');\ndeclare function reserve(m: unknown): Promise<void>;\n";
const attributes = "attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.operation.type': 'process' }";

export const valid: Case[] = [
  { name: 'withConsumerSpan, a business-step span inside', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => withConsumerSpan(message.headers, { system: 'kafka', destination: 'orders' }, async () => {\n  await tracer.startActiveSpan('reserve-inventory', async (span) => { try { await reserve(message); } finally { span.end(); } });\n}) });` },
  { name: 'a hand-made consumer span that follows the conventions', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  const parent = extractTraceContext(message.headers);\n  await tracer.startActiveSpan('process orders', { kind: SpanKind.CONSUMER, ${attributes} }, parent, async (span) => {\n    try { await reserve(message); } catch (error) { span.recordException(error as Error); span.setStatus({ code: SpanStatusCode.ERROR }); throw error; } finally { span.end(); }\n  });\n} });` },
  { name: 'attributes set on the span after start (semconv constants)', code: `${kafka}const ATTR_MESSAGING_SYSTEM = 'messaging.system';\nawait consumer.run({ eachMessage: async ({ message }) => {\n  await tracer.startActiveSpan('process orders', { kind: SpanKind.CONSUMER }, extractTraceContext(message.headers), async (span) => {\n    span.setAttribute(ATTR_MESSAGING_SYSTEM, 'kafka'); span.setAttributes({ 'messaging.destination.name': 'orders', 'messaging.operation.type': 'process' });\n    try { await reserve(message); } catch (e) { span.recordException(e as Error); throw e; } finally { span.end(); }\n  });\n} });` },
  { name: 'spans outside handlers are not judged', code: `${kafka}await tracer.startActiveSpan('handle', async (span) => { span.end(); });` },
  { name: 'span options from a variable are not judged', code: `${kafka}declare const options: object;\nawait consumer.run({ eachMessage: async ({ message }) => {\n  await tracer.startActiveSpan('process orders', options, extractTraceContext(message.headers), async (span) => { try { await reserve(message); } catch (e) { span.recordException(e as Error); } finally { span.end(); } });\n} });` },
  { name: 'a PRODUCER span around a send', code: `${kafka}export async function f() { await tracer.startActiveSpan('send orders', { kind: SpanKind.PRODUCER }, async (span) => { await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders() }] }); span.end(); }); }` },
  { name: 'lookalike: startSpan on something that is not a tracer', code: `${kafka}declare const timer: { startSpan(n: string): void };\nawait consumer.run({ eachMessage: async ({ message }) => withConsumerSpan(message.headers, { system: 'kafka' }, async () => { timer.startSpan('process'); }) });` },
  { name: 'kafkajs instrumentation on: the span in eachMessage is a step under its CONSUMER span', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await tracer.startActiveSpan('reserve-inventory', async (span) => { try { await reserve(message); } finally { span.end(); } });\n} });`, options: [{ autoInstrumented: { kafkajs: true } }] },
  { name: 'spanNaming off', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => withConsumerSpan(message.headers, { system: 'kafka' }, async () => {\n  await tracer.startActiveSpan('handle', async (span) => span.end());\n}) });`, settings: { 'trace-propagation': { conventions: { spanNaming: { style: 'off' } } } } },
];

export const invalid: Case[] = [
  {
    name: 'a consumer span with the default kind, no messaging attributes, failures not recorded',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await tracer.startActiveSpan('process orders', {}, extractTraceContext(message.headers), async (span) => { await reserve(message); span.end(); });\n} });`,
    errors: [{ messageId: 'errorNotRecorded', line: 10 }, { messageId: 'consumerSpanKind', line: 10 }, { messageId: 'missingMessagingAttributes', line: 10 }],
  },
  {
    name: 'kind SERVER is not a consumer span',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  const span = tracer.startSpan('process orders', { kind: SpanKind.SERVER, ${attributes} }, propagation.extract(context.active(), message.headers));\n  try { await reserve(message); } catch (e) { span.recordException(e as Error); } finally { span.end(); }\n} });`,
    errors: [{ messageId: 'consumerSpanKind', line: 10 }],
  },
  {
    name: 'generic names for spans inside a handler',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => withConsumerSpan(message.headers, { system: 'kafka' }, async () => {\n  await tracer.startActiveSpan('handle', async (span) => span.end());\n  tracer.startSpan('kafka.consume').end();\n}) });`,
    errors: [{ messageId: 'genericSpanName', line: 10 }, { messageId: 'genericSpanName', line: 11 }],
  },
  {
    name: 'a span named for sending that is not a PRODUCER span',
    code: `${kafka}export async function f() { await tracer.startActiveSpan('publish orders', { kind: SpanKind.INTERNAL }, async (span) => { await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders() }] }); span.end(); }); }`,
    errors: [{ messageId: 'producerSpanKind', line: 9 }],
  },
  {
    name: 'one missing messaging attribute',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await tracer.startActiveSpan('process orders', { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka' } }, extractTraceContext(message.headers), async (span) => { try { await reserve(message); } catch (e) { span.recordException(e as Error); } finally { span.end(); } });\n} });`,
    errors: [{ messageId: 'missingMessagingAttributes', line: 10 }],
  },
  {
    name: 'a send span started without options is INTERNAL',
    code: `${kafka}export async function f() { await tracer.startActiveSpan('send orders', async (span) => { await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders() }] }); span.end(); }); }`,
    errors: [{ messageId: 'producerSpanKind', line: 9 }],
  },
];
