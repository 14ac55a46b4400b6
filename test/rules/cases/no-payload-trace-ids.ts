import type { Case } from '../../rule-tester.js';

const kafka = "import { Kafka } from 'kafkajs';\nconst kafka = new Kafka({ clientId: 'a', brokers: [] });\nconst producer = kafka.producer();\nconst consumer = kafka.consumer({ groupId: 'g' });\n";
const amqp = "import amqp from 'amqplib';\nconst ch = await (await amqp.connect('amqp://x')).createChannel();\n";

export const valid: Case[] = [
  { name: 'kafkajs: business payload only', code: `${kafka}await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ orderId: 1, total: 3 }) }] });` },
  { name: 'kafkajs: trace context in headers is fine', code: `${kafka}const h = { traceparent: 'x' };\nawait producer.send({ topic: 't', messages: [{ value: 'v', headers: h }] });` },
  { name: 'amqplib: correlationId in options and body by default', code: `${amqp}ch.publish('ex', 'rk', Buffer.from(JSON.stringify({ correlationId: 'c', causationId: 'd' })), { correlationId: 'c' });` },
  { name: 'logger writing traceId (good practice)', code: `${kafka}import pino from 'pino';\nconst log = pino(); log.info({ traceId: 'abc', spanId: 'def' }, 'sent');` },
  { name: 'span attributes', code: "import { trace } from '@opentelemetry/api';\ntrace.getActiveSpan()?.setAttribute('trace_id', 'x');" },
  { name: 'EventBridge Detail is the documented carrier', code: "import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';\nconst eb = new EventBridgeClient({});\nawait eb.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: JSON.stringify({ _trace: { traceparent: 'x' } }) }] }));" },
  { name: 'Redis stream fields', code: "import Redis from 'ioredis';\nconst redis = new Redis(); await redis.xadd('orders', '*', 'traceparent', 'x', 'body', '{}');" },
  { name: 'BullMQ job data is not a broker we check', code: "import { Queue } from 'bullmq';\nconst q = new Queue('q'); await q.add('job', { traceId: 'x' });" },
  { name: 'res.send of a traceId', code: "import express from 'express';\nexpress().get('/', (req, res) => res.send({ traceId: 'x' }));" },
  { name: 'airline baggage is luggage', code: `${kafka}await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ passenger: 'a', baggage: { bags: 2 } }) }] });` },
  { name: 'allowedKeys', code: `${kafka}await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ traceId: 'x' }) }] });`, options: [{ allowedKeys: ['traceId'] }] },
  { name: 'consumer reads business fields', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => { const { orderId } = JSON.parse(message.value!.toString()); console.log(orderId, message.headers?.traceparent); } });` },
];

export const invalid: Case[] = [
  { name: 'kafkajs: traceId through JSON.stringify', code: `${kafka}const traceId = 'x';\nawait producer.send({ topic: 't', messages: [{ value: JSON.stringify({ orderId: 1, traceId }) }] });`, errors: [{ messageId: 'traceIdInPayload', line: 6 }] },
  { name: 'kafkajs: envelope built earlier in the function', code: `${kafka}export async function f(order: object, span: any) {\n  const envelope = { meta: { trace_id: span.spanContext().traceId }, data: order };\n  await producer.send({ topic: 't', messages: [{ value: JSON.stringify(envelope) }] });\n}`, errors: [{ messageId: 'traceIdInPayload', line: 6 }] },
  { name: 'kafkajs: property assigned after creation', code: `${kafka}const body: any = { orderId: 1 };\nbody.traceparent = 'x';\nawait producer.send({ topic: 't', messages: [{ value: JSON.stringify(body) }] });`, errors: [{ messageId: 'traceIdInPayload', line: 6 }] },
  { name: 'amqplib: Buffer.from(JSON.stringify(...)) with B3 keys', code: `${amqp}ch.sendToQueue('q', Buffer.from(JSON.stringify({ 'x-b3-traceid': 'a', 'X-B3-SpanId': 'b' })));`, errors: [{ messageId: 'traceIdInPayload' }, { messageId: 'traceIdInPayload' }] },
  { name: 'sqs: MessageBody with uber-trace-id', code: "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nawait sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: JSON.stringify({ 'uber-trace-id': 'x' }) }));", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'sns: Message with sentry-trace', code: "import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nconst sns = new SNSClient({});\nawait sns.send(new PublishCommand({ TopicArn: 'a', Message: JSON.stringify({ 'sentry-trace': 'x' }) }));", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'pubsub: json with spanId', code: "import { PubSub } from '@google-cloud/pubsub';\nawait new PubSub().topic('t').publishMessage({ json: { spanId: 'x' } });", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'service bus: body with x-datadog-trace-id', code: "import { ServiceBusClient } from '@azure/service-bus';\nawait new ServiceBusClient('c').createSender('q').sendMessages({ body: { 'x-datadog-trace-id': '1' } });", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'nats: codec-encoded payload', code: "import { connect, JSONCodec } from 'nats';\nconst nc = await connect(); const jc = JSONCodec();\nnc.publish('orders', jc.encode({ traceId: 'x' }));", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'nestjs: ClientKafka emit data', code: "import { ClientKafka } from '@nestjs/microservices';\nclass S { constructor(private readonly client: ClientKafka) {}\n  go() { this.client.emit('orders', { orderId: 1, parentSpanId: 'x' }); } }", errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'checkCorrelationIds turns on correlationId', code: `${amqp}ch.sendToQueue('q', Buffer.from(JSON.stringify({ correlationId: 'c' })));`, options: [{ checkCorrelationIds: true }], errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'additionalKeys', code: `${amqp}ch.sendToQueue('q', Buffer.from(JSON.stringify({ requestTrace: 'c' })));`, options: [{ additionalKeys: ['requestTrace'] }], errors: [{ messageId: 'traceIdInPayload' }] },
  { name: 'consumer rebuilds context from the payload', code: `${kafka}await consumer.run({ eachMessage: async ({ message }) => {\n  const body = JSON.parse(message.value!.toString());\n  console.log(body.traceId);\n  const { traceparent } = JSON.parse(message.value!.toString());\n} });`, errors: [{ messageId: 'traceIdReadFromPayload', line: 7 }, { messageId: 'traceIdReadFromPayload', line: 8 }] },
  { name: 'nestjs: @Payload() data read', code: "import { EventPattern, Payload } from '@nestjs/microservices';\nclass C { @EventPattern('orders')\n  handle(@Payload() data: any) { return data.traceId; } }", errors: [{ messageId: 'traceIdReadFromPayload' }] },
  { name: 'CommonJS amqplib (JS)', filename: 'file.js', code: "const amqp = require('amqplib');\nasync function go() { const ch = await (await amqp.connect('x')).createChannel();\n  ch.publish('ex', 'rk', Buffer.from(JSON.stringify({ trace_id: 'x' }))); }", errors: [{ messageId: 'traceIdInPayload' }] },
];
