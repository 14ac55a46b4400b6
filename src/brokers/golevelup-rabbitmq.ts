import type { BrokerSpec } from './types.js';

/**
 * `@golevelup/nestjs-rabbitmq`: `AmqpConnection.publish(exchange, routingKey, message, options)`, injected by its
 * class. The message is JSON-serialised; `options` are amqplib's publish options, headers included. The library
 * publishes on its raw amqplib channel (`this._channel.publish`, not the managed channel's queue), so the amqplib
 * instrumentation covers the call. Its `@RabbitSubscribe` handlers are not judged yet.
 */
const golevelupRabbitmq: BrokerSpec = {
  id: 'golevelup-rabbitmq',
  name: '@golevelup/nestjs-rabbitmq',
  system: 'rabbitmq',
  packages: ['@golevelup/nestjs-rabbitmq'],
  edges: {
    'module.AmqpConnection': 'AmqpConnectionClass',
  },
  types: { AmqpConnection: 'connection' },
  publish: [
    {
      on: 'connection', method: 'publish', label: 'amqpConnection.publish()', destination: 'arg0 || arg1', carrier: 'arg3.headers', carrierName: 'options.headers',
      body: ['arg2'], shape: 'object', autoInjectedBy: 'amqplib',
    },
  ],
  consume: [],
};

export default golevelupRabbitmq;
