import { kafkajsConsume, kafkajsPublish, kafkaTypes } from './kafkajs.js';
import { rdkafkaConsume, rdkafkaEdges, rdkafkaPublish, rdkafkaTypes } from './node-rdkafka.js';
import type { BrokerSpec } from './types.js';

/**
 * `@confluentinc/kafka-javascript`: the KafkaJS-compatible API under `.KafkaJS` and the node-rdkafka-style classes
 * at the top level. No OpenTelemetry instrumentation covers this module, so nothing is ever auto-injected.
 */
const confluentKafka: BrokerSpec = {
  id: 'confluent-kafka',
  name: '@confluentinc/kafka-javascript',
  system: 'kafka',
  packages: ['@confluentinc/kafka-javascript'],
  edges: {
    'module.KafkaJS': 'kafkaJS',
    'kafkaJS.Kafka': 'KafkaClass',
    'new KafkaClass': 'client',
    'client.producer()': 'producer',
    'client.consumer()': 'consumer',
    'producer.transaction()': 'producer',
    ...rdkafkaEdges,
  },
  types: { ...kafkaTypes, ...rdkafkaTypes },
  publish: [...kafkajsPublish.map(({ autoInjectedBy: _, ...spec }) => spec), ...rdkafkaPublish],
  consume: [...kafkajsConsume.map(({ autoExtractedBy: _, ...spec }) => spec), ...rdkafkaConsume],
};

export default confluentKafka;
