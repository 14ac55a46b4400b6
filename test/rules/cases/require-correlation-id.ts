import type { Case } from '../../rule-tester.js';

const kafka = "import { Kafka } from 'kafkajs';\nimport { randomUUID } from 'node:crypto';\nimport { injectTraceHeaders, correlationHeaders } from 'trace-propagation-helpers';\nconst kafka = new Kafka({ clientId: 'a', brokers: [] });\nconst producer = kafka.producer();\nconst consumer = kafka.consumer({ groupId: 'g' });\n";
const amqp = "import amqp from 'amqplib';\nimport { injectTraceHeaders, correlationHeaders } from 'trace-propagation-helpers';\nconst ch = await (await amqp.connect('amqp://x')).createChannel();\n";
const sqs = "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nimport { injectMessageAttributes, correlationMessageAttributes } from 'trace-propagation-helpers';\nconst sqs = new SQSClient({});\n";

export const valid: Case[] = [
  { name: 'kafkajs: boundary publish with correlationHeaders()', code: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders()) }] });` },
  { name: 'kafkajs: handler forwards the consumed message\'s IDs', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'payments', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders(message.headers)) }] });\n} });` },
  { name: 'kafkajs: handler sets the IDs from the message by hand', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  const h = message.headers ?? {};\n  await producer.send({ topic: 'payments', messages: [{ value: 'v', headers: { ...injectTraceHeaders(), 'correlation-id': String(h['correlation-id']), 'causation-id': String(h['event-id']) } }] });\n} });` },
  { name: 'kafkajs: x-correlation-id spelling counts', code: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders({ 'x-correlation-id': id }) }] }); }` },
  { name: 'kafkajs: headers from a parameter are not judged', code: `${kafka}export async function f(headers: Record<string, string>) { await producer.send({ topic: 't', messages: [{ value: 'v', headers }] }); }` },
  { name: 'amqplib: correlation header in options.headers', code: `${amqp}export function f(id: string) { ch.publish('ex', 'rk', Buffer.from('x'), { headers: injectTraceHeaders({ 'correlation-id': id }) }); }` },
  { name: 'sqs: correlationMessageAttributes()', code: `${sqs}await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b', MessageAttributes: injectMessageAttributes(correlationMessageAttributes()) }));` },
  { name: 'lookalike: HTTP x-request-id middleware', code: "import express from 'express';\nimport { randomUUID } from 'node:crypto';\nexpress().use((req, res, next) => { res.setHeader('x-request-id', randomUUID()); next(); });" },
  { name: 'lookalike: logger fields', code: `${kafka}import pino from 'pino';\nconst log = pino();\nlog.info({ correlationId: 'c', causationId: 'd' }, 'sent');` },
  { name: 'lookalike: an in-process EventEmitter', code: "import { EventEmitter } from 'node:events';\nconst bus = new EventEmitter();\nbus.emit('order', { correlationId: 'c' });" },
  { name: 'conventions: only correlationId required', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: injectTraceHeaders({ 'correlation-id': String(message.headers?.['correlation-id']) }) }] });\n} });`, settings: { 'trace-propagation': { conventions: { requiredFields: ['traceId', 'correlationId'] } } } },
  { name: 'conventions: renamed header', code: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders({ 'x-corr': id }) }] }); }`, settings: { 'trace-propagation': { conventions: { headers: { correlationId: 'x-corr' } } } } },
];

export const invalid: Case[] = [
  {
    name: 'kafkajs: boundary publish without a correlation ID (suggestion adds correlationHeaders())',
    code: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders() }] });`,
    errors: [{ messageId: 'missingCorrelation', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders()) }] });` }] }],
  },
  {
    name: 'kafkajs: a step inside a handler forwards the consumed message (suggestion passes message.headers)',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: { ...injectTraceHeaders(), tenant: 't' } }] });\n} });`,
    errors: [{ messageId: 'missingCorrelation', line: 8, suggestions: [{ messageId: 'useHelper', output: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: { ...injectTraceHeaders(), tenant: 't', ...correlationHeaders(message.headers) } }] });\n} });` }] }],
  },
  {
    name: 'kafkajs: a fresh correlation ID inside a handler, and a causation ID that is not the event ID',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: { ...injectTraceHeaders(), 'correlation-id': randomUUID(), 'causation-id': 'order-service' } }] });\n} });`,
    errors: [{ messageId: 'freshCorrelationId', line: 8 }, { messageId: 'causationNotFromMessage', line: 8 }],
  },
  {
    name: 'kafkajs: correlation ID in the payload',
    code: `${kafka}export async function f(correlationId: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ correlationId }), headers: injectTraceHeaders(correlationHeaders()) }] }); }`,
    errors: [{ messageId: 'correlationIdInPayload', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}export async function f(correlationId: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({}), headers: injectTraceHeaders(correlationHeaders()) }] }); }` }] }],
  },
  {
    name: 'amqplib: AMQP correlationId is reply matching, not the business correlation ID',
    code: `${amqp}export function f(id: string) { ch.publish('ex', 'rk', Buffer.from('x'), { correlationId: id, headers: injectTraceHeaders() }); }`,
    errors: [{ messageId: 'missingCorrelation', line: 4, suggestions: [{ messageId: 'useHelper', output: `${amqp}export function f(id: string) { ch.publish('ex', 'rk', Buffer.from('x'), { correlationId: id, headers: injectTraceHeaders(correlationHeaders()) }); }` }] }],
  },
  {
    name: 'sqs: MessageAttributes without the IDs (suggestion adds correlationMessageAttributes())',
    code: `${sqs}await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b', MessageAttributes: injectMessageAttributes() }));`,
    errors: [{ messageId: 'missingCorrelation', line: 4, suggestions: [{ messageId: 'useHelper', output: `${sqs}await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b', MessageAttributes: injectMessageAttributes(correlationMessageAttributes()) }));` }] }],
  },
  {
    name: 'sqs: no suggestion past the 10-attribute budget',
    code: `${sqs}await sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b', MessageAttributes: { a: { DataType: 'String', StringValue: '1' }, b: { DataType: 'String', StringValue: '1' }, c: { DataType: 'String', StringValue: '1' }, d: { DataType: 'String', StringValue: '1' }, e: { DataType: 'String', StringValue: '1' } } }));`,
    errors: [{ messageId: 'missingCorrelation', line: 4 }],
  },
  {
    name: 'conventions: eventId required too',
    code: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders({ 'correlation-id': id }) }] }); }`,
    settings: { 'trace-propagation': { conventions: { requiredFields: ['correlationId', 'eventId'] } } },
    errors: [{ messageId: 'missingCorrelation', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders({ 'correlation-id': id, ...correlationHeaders() }) }] }); }` }] }],
  },
  {
    name: 'amqplib: with replyCorrelationIsBusiness the correlationId property counts, a fresh one in a handler does not',
    code: `${amqp}import { randomUUID } from 'node:crypto';\nawait ch.consume('q', (msg) => { if (!msg) return; ch.publish('ex', 'rk', Buffer.from('x'), { correlationId: randomUUID(), headers: injectTraceHeaders({ 'causation-id': String(msg.properties.headers?.['event-id']) }) }); });`,
    settings: { 'trace-propagation': { conventions: { replyCorrelationIsBusiness: true } } },
    errors: [{ messageId: 'freshCorrelationId', line: 5 }],
  },
  {
    name: 'kafkajs: correlationHeaders() inside a handler starts a new operation (suggestion passes the consumed message)',
    code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders()) }] });\n} });`,
    errors: [{ messageId: 'freshCorrelationId', line: 8, suggestions: [{ messageId: 'useHelper', output: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  await producer.send({ topic: 'p', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders(message.headers)) }] });\n} });` }] }],
  },
  {
    name: 'conventions: a renamed header is not what correlationHeaders() writes without options',
    code: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders()) }] });`,
    settings: { 'trace-propagation': { conventions: { headers: { correlationId: 'x-corr' } } } },
    errors: [{ messageId: 'missingCorrelation', line: 7 }],
  },
  {
    name: 'conventions: the suggestion gives the helper the renamed headers',
    code: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders() }] });`,
    settings: { 'trace-propagation': { conventions: { headers: { correlationId: 'x-corr' } } } },
    errors: [{ messageId: 'missingCorrelation', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}await producer.send({ topic: 'orders', messages: [{ value: 'v', headers: injectTraceHeaders(correlationHeaders(undefined, { headers: { correlationId: 'x-corr', causationId: 'causation-id', eventId: 'event-id' } })) }] });` }] }],
  },
  {
    name: 'kafkajs: x-correlation-id and conversationId in the payload',
    code: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ 'x-correlation-id': id, conversationId: id }), headers: injectTraceHeaders({ tenant: 'eu' }) }] }); }`,
    errors: [
      { messageId: 'missingCorrelation', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ 'x-correlation-id': id, conversationId: id }), headers: injectTraceHeaders({ tenant: 'eu', ...correlationHeaders() }) }] }); }` }] },
      { messageId: 'correlationIdInPayload', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ conversationId: id }), headers: injectTraceHeaders({ tenant: 'eu', 'correlation-id': id }) }] }); }` }] },
      { messageId: 'correlationIdInPayload', line: 7, suggestions: [{ messageId: 'useHelper', output: `${kafka}export async function f(id: string) { await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ 'x-correlation-id': id }), headers: injectTraceHeaders({ tenant: 'eu', 'correlation-id': id }) }] }); }` }] },
    ],
  },
];
