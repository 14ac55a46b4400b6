import { amqpConsume, amqpPublish } from './amqplib.js';
import type { BrokerSpec } from './types.js';

/**
 * amqp-connection-manager's `ChannelWrapper` publishes through amqplib's instrumented `channel.publish`, in the
 * caller's call while the channel is connected and has room (see `amqpPublish`); only a message held for a reconnect
 * or for back-pressure is written later, from another context. Consumers run through amqplib's instrumented `consume`.
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
  publish: amqpPublish('channel'),
  consume: [amqpConsume('channel')],
};

export default amqpConnectionManager;
