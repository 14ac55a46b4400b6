import type { BrokerSpec } from './types.js';

/**
 * `@golevelup/nestjs-rabbitmq`: `AmqpConnection.publish(exchange, routingKey, message, options)` and
 * `AmqpConnection.request(options)`, injected by its class. The message is JSON-serialised; `options` are amqplib's
 * publish options, headers included. The library publishes on its raw amqplib channel (`this._channel.publish`, not the managed channel's queue), so the amqplib
 * instrumentation covers the call. `@RabbitSubscribe` and `@RabbitRPC` handlers are called with the deserialised
 * message, the raw amqplib message and its headers, from the library's `consume` callback on that raw channel: the
 * amqplib instrumentation parents them, and without it they extract from the raw message's `properties.headers`.
 */
const golevelupRabbitmq: BrokerSpec = {
  id: 'golevelup-rabbitmq',
  name: '@golevelup/nestjs-rabbitmq',
  system: 'rabbitmq',
  packages: ['@golevelup/nestjs-rabbitmq'],
  edges: {
    'module.AmqpConnection': 'AmqpConnectionClass',
    'module.RabbitSubscribe': 'subscribeDecorator',
    'module.RabbitRPC': 'subscribeDecorator',
  },
  types: { AmqpConnection: 'connection' },
  publish: [
    {
      on: 'connection', method: 'publish', label: 'amqpConnection.publish()', destination: 'arg0 || arg1', carrier: 'arg3.headers', carrierName: 'options.headers',
      body: ['arg2'], shape: 'object', autoInjectedBy: 'amqplib',
    },
    // `request({ exchange, routingKey, payload, headers })`: an RPC request, published through `publish()` with
    // `headers: requestOptions.headers` and a `replyTo`.
    {
      on: 'connection', method: 'request', label: 'amqpConnection.request()', messages: 'arg0', destination: 'arg0.exchange || arg0.routingKey',
      carrier: 'headers', carrierName: 'headers', body: ['payload'], shape: 'object', autoInjectedBy: 'amqplib',
    },
  ],
  consume: [
    {
      on: 'subscribeDecorator', style: 'method', label: '@RabbitSubscribe/@RabbitRPC', message: 'param1', carrier: 'properties.headers',
      destination: 'arg0.queue', incoming: 'string', autoExtractedBy: 'amqplib',
    },
  ],
};

export default golevelupRabbitmq;
