import type { BrokerSpec, ConsumeSpec, PublishSpec } from './types.js';

/** kafkajs `Producer.send` / `sendBatch`; shared with the confluent KafkaJS-compatible API. */
export const kafkajsPublish: PublishSpec[] = [
  {
    on: 'producer', method: 'send', label: 'producer.send()', messages: 'arg0.messages[*]', destination: 'arg0.topic',
    carrier: 'headers', carrierName: 'headers', body: ['value'], shape: 'object', autoInjectedBy: 'kafkajs',
  },
  {
    on: 'producer', method: 'sendBatch', label: 'producer.sendBatch()', messages: 'arg0.topicMessages[*].messages[*]',
    destination: 'arg0.topicMessages[*].topic',
    carrier: 'headers', carrierName: 'headers', body: ['value'], shape: 'object', autoInjectedBy: 'kafkajs',
  },
];

/**
 * `consumer.run({ eachMessage, eachBatch })`. Header values arrive as Buffers (Buffer[] for repeated keys).
 * The kafkajs instrumentation parents `eachMessage` on the producer; `eachBatch` runs under one root poll span.
 */
export const kafkajsConsume: ConsumeSpec[] = [
  {
    on: 'consumer', style: 'callback', method: 'run', label: 'eachMessage', handler: 'arg0.eachMessage',
    destination: 'calls:subscribe.arg0.topic | calls:subscribe.arg0.topics[*]',
    message: 'param0.message', carrier: 'headers', incoming: 'buffer', autoExtractedBy: 'kafkajs',
  },
  {
    on: 'consumer', style: 'callback', method: 'run', label: 'eachBatch', handler: 'arg0.eachBatch',
    destination: 'calls:subscribe.arg0.topic | calls:subscribe.arg0.topics[*]',
    message: 'param0.batch.messages', batch: true, carrier: 'headers', incoming: 'buffer',
  },
];

export const kafkaTypes = { Kafka: 'client', Producer: 'producer', Transaction: 'producer', Consumer: 'consumer' };

const kafkajs: BrokerSpec = {
  id: 'kafkajs',
  name: 'kafkajs',
  system: 'kafka',
  packages: ['kafkajs'],
  edges: {
    'module.Kafka': 'KafkaClass',
    'new KafkaClass': 'client',
    'client.producer()': 'producer',
    'client.consumer()': 'consumer',
    'producer.transaction()': 'producer',
  },
  patchedAtLaterRequire: true,
  types: kafkaTypes,
  publish: kafkajsPublish,
  consume: kafkajsConsume,
};

export default kafkajs;
