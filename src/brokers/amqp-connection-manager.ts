import { amqpConsume, amqpPublish } from './amqplib.js';
import type { BrokerSpec } from './types.js';

/**
 * amqp-connection-manager queues publishes and writes them later from a worker, so the amqplib instrumentation
 * injects under whatever context that worker runs in: its publishes are never counted as auto-injected.
 * Consumers run through amqplib's instrumented `consume`.
 */
const amqpConnectionManager: BrokerSpec = {
  id: 'amqp-connection-manager',
  name: 'amqp-connection-manager',
  system: 'rabbitmq',
  packages: ['amqp-connection-manager'],
  edges: {
    'module.connect()': 'manager',
    'manager.createChannel()': 'channel',
    // `createChannel({ setup: (channel) => ... })`: the setup function receives the amqplib channel underneath.
    'manager.createChannel({setup})': 'amqplib:channel',
    // `wrapper.addSetup((channel) => ...)`: a setup added later receives it too.
    'channel.addSetup(fn)': 'amqplib:channel',
  },
  types: { AmqpConnectionManager: 'manager', IAmqpConnectionManager: 'manager', ChannelWrapper: 'channel' },
  publish: amqpPublish('channel', false),
  consume: [amqpConsume('channel')],
};

export default amqpConnectionManager;
