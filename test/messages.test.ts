/**
 * Every report speaks of its own broker only: an SNS report never mentions kafkajs, an SQS one never recommends
 * `headers`/`injectTraceHeaders` instead of MessageAttributes/injectMessageAttributes. Checked over every report the
 * rules make on the fixture services (all brokers, all message kinds), and messages stay short.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { brokers } from '../src/brokers/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Words that belong to one family of clients. */
const FAMILIES: Record<string, readonly string[]> = {
  kafka: ['kafkajs', 'rdkafka', 'confluent', 'Kafka', 'injectRdkafkaHeaders'],
  amqp: ['amqplib', 'amqp-connection-manager', 'AMQP', 'RabbitMQ', 'properties.headers', 'options.headers'],
  aws: ['SQS', 'SNS', 'sqs-consumer', 'MessageAttributes', 'injectMessageAttributes', 'aws-sdk', 'MessageAttributeNames'],
  pubsub: ['Pub/Sub', 'pubsub'],
  servicebus: ['Service Bus', 'applicationProperties', 'azure'],
  nats: ['NATS', 'MsgHdrs', 'injectNatsHeaders', 'JetStream'],
};
/** Words wrong for a family even though no other family owns them: the generic header helpers for attribute carriers. */
const FOREIGN: Record<string, readonly string[]> = {
  aws: ['injectTraceHeaders', 'headers'],
  nats: ['injectTraceHeaders('],
};
const FAMILY_OF: Record<string, readonly string[]> = {
  kafkajs: ['kafka'], 'confluent-kafka': ['kafka'], 'node-rdkafka': ['kafka'],
  amqplib: ['amqp'], 'amqp-connection-manager': ['amqp'], 'golevelup-rabbitmq': ['amqp'],
  sqs: ['aws'], 'sqs-consumer': ['aws'], sns: ['aws'], 'aws-sdk-v2': ['aws'], 'sqs-v2': ['aws'], 'sns-v2': ['aws'],
  'sqs-nestjs': ['aws'], pubsub: ['pubsub'], 'service-bus': ['servicebus'], nats: ['nats'],
  nestjs: ['kafka', 'amqp', 'nats'],
};

describe('messages', () => {
  it('every broker has a family', () => {
    for (const broker of brokers) expect(FAMILY_OF[broker.id], broker.id).toBeDefined();
  });

  it('name only the broker they are about, and stay within two sentences (plus the instrumentation note)', async () => {
    const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const results = await eslint.lintFiles(['fixtures/services/**/*.{ts,js,mjs,cjs}']);
    const byName = new Map(brokers.map((b) => [b.name, b.id]));
    let checked = 0;
    const wrong: string[] = [];
    for (const result of results) {
      for (const message of result.messages) {
        if (!message.ruleId?.startsWith('trace-propagation/')) continue;
        const name = [...byName.keys()].find((n) => message.message.startsWith(`${n}: `));
        expect(name, message.message).toBeDefined();
        const own = new Set(FAMILY_OF[byName.get(name!)!]);
        const text = message.message.slice(name!.length + 2);
        if (own.size === 1) for (const family of own) for (const word of FOREIGN[family] ?? []) if (text.includes(word)) wrong.push(`${path.relative(root, result.filePath)}:${message.line} (${name}) mentions '${word}': ${message.message}`);
        for (const [family, words] of Object.entries(FAMILIES)) {
          if (own.has(family)) continue;
          for (const word of words) if (text.includes(word)) wrong.push(`${path.relative(root, result.filePath)}:${message.line} (${name}) mentions '${word}': ${message.message}`);
        }
        const main = text.replace(/ (No|The|A) [^.]*instrumentation[^.]*\.?$/, '');
        expect(main.split(/(?<=[a-z)'\]])\. /).length, message.message).toBeLessThanOrEqual(2);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});
