import type { BrokerSpec, ConsumeSpec, PublishSpec } from './types.js';

/** Classes of the node-rdkafka API; also exported by `@confluentinc/kafka-javascript`. */
export const rdkafkaEdges: Record<string, string> = {
  'module.Producer': 'ProducerClass',
  'new ProducerClass': 'rdProducer',
  'module.HighLevelProducer': 'HighLevelProducerClass',
  'new HighLevelProducerClass': 'rdHighLevelProducer',
  'module.KafkaConsumer': 'KafkaConsumerClass',
  'new KafkaConsumerClass': 'rdConsumer',
  'ProducerClass.createWriteStream()': 'rdWriteStream',
  // Client methods that return the client itself (`this` in the type definitions), so calls chain:
  // `consumer.on('event.error', log).on('data', handle)`, `consumer.connect().subscribe([topic])`.
  'rdConsumer.on()': 'rdConsumer',
  'rdConsumer.once()': 'rdConsumer',
  'rdConsumer.connect()': 'rdConsumer',
  'rdConsumer.subscribe()': 'rdConsumer',
  'rdProducer.on()': 'rdProducer',
  'rdProducer.once()': 'rdProducer',
  'rdProducer.connect()': 'rdProducer',
  'rdHighLevelProducer.on()': 'rdHighLevelProducer',
  'rdHighLevelProducer.once()': 'rdHighLevelProducer',
  'rdHighLevelProducer.connect()': 'rdHighLevelProducer',
};

export const rdkafkaTypes: Record<string, string> = {
  Producer: 'rdProducer',
  HighLevelProducer: 'rdHighLevelProducer',
  KafkaConsumer: 'rdConsumer',
};

/**
 * `produce(topic, partition, value, key, timestamp, opaque, headers)`; the high-level producer takes
 * `(topic, partition, value, key, timestamp, [headers,] callback)`. Headers are `MessageHeader[]`, and only the
 * first key of each object is encoded.
 */
export const rdkafkaPublish: PublishSpec[] = [
  {
    on: 'rdProducer', method: 'produce', label: 'producer.produce()', destination: 'arg0', carrier: 'arg6', carrierName: 'headers',
    body: ['arg2'], shape: 'rdkafka-array',
  },
  {
    on: 'rdHighLevelProducer', method: 'produce', label: 'producer.produce()', destination: 'arg0', carrier: 'arg5', carrierName: 'headers',
    body: ['arg2'], shape: 'rdkafka-array',
  },
  {
    on: 'rdWriteStream', method: 'write', label: 'stream.write()', messages: 'arg0', carrier: 'headers',
    carrierName: 'headers', body: ['value'], shape: 'rdkafka-array',
  },
];

/** `consumer.on('data', msg => ...)` and `consumer.consume(n, (err, msgs) => ...)`; header values are Buffers. */
export const rdkafkaConsume: ConsumeSpec[] = [
  {
    on: 'rdConsumer', style: 'callback', method: 'on', event: 'data', label: "consumer.on('data')", handler: 'arg1',
    destination: 'calls:subscribe.arg0[?]',
    message: 'param0', carrier: 'headers', incoming: 'rdkafka-array',
  },
  {
    on: 'rdConsumer', style: 'callback', method: 'consume', label: 'consumer.consume(n, callback)', handler: 'arg1',
    destination: 'calls:subscribe.arg0[?]',
    // `(err, messages)`: no messages when there is an error.
    message: 'param1', batch: true, nullable: true, carrier: 'headers', incoming: 'rdkafka-array',
  },
];

const nodeRdkafka: BrokerSpec = {
  id: 'node-rdkafka',
  name: 'node-rdkafka',
  system: 'kafka',
  packages: ['node-rdkafka'],
  edges: rdkafkaEdges,
  types: rdkafkaTypes,
  publish: rdkafkaPublish,
  consume: rdkafkaConsume,
};

export default nodeRdkafka;
