import type { BrokerSpec, ConsumeSpec, PublishSpec } from './types.js';

/**
 * `publish(exchange, routingKey, content, options)` and `sendToQueue(queue, content, options)`. The amqplib
 * instrumentation injects into both, also under amqp-connection-manager: its `ChannelWrapper` queues a message but,
 * while the channel is connected and has room, writes it at once, in the caller's call (`_startWorker` →
 * `_publishQueuedMessages` → `channel.publish`), so the caller's context is the one injected.
 */
export function amqpPublish(on: string): PublishSpec[] {
  const auto = { autoInjectedBy: 'amqplib' as const };
  return [
    {
      on, method: 'publish', label: 'channel.publish()', destination: 'arg0 || arg1', carrier: 'arg3.headers', carrierName: 'options.headers',
      body: ['arg2'], shape: 'object', ...auto,
    },
    {
      on, method: 'sendToQueue', label: 'channel.sendToQueue()', destination: 'arg0', carrier: 'arg2.headers',
      carrierName: 'options.headers', body: ['arg1'], shape: 'object', ...auto,
    },
  ];
}

/** `consume(queue, onMessage)`: headers at `msg.properties.headers`, string values for string headers. */
export function amqpConsume(on: string): ConsumeSpec {
  return {
    on, style: 'callback', method: 'consume', label: 'channel.consume()', handler: 'arg1', message: 'param0', destination: 'arg0',
    // amqplib calls the handler with null when the broker cancels the consumer.
    nullable: true,
    carrier: 'properties.headers', incoming: 'string', autoExtractedBy: 'amqplib',
  };
}

const amqplib: BrokerSpec = {
  id: 'amqplib',
  name: 'amqplib',
  system: 'rabbitmq',
  packages: ['amqplib', 'amqplib/callback_api'],
  edges: {
    'module.connect()': 'connection',
    'connection.createChannel()': 'channel',
    'connection.createConfirmChannel()': 'channel',
    // callback_api: `amqp.connect(url, (err, conn) => ...)`, `conn.createChannel((err, ch) => ...)`.
    'module.connect(cb)': 'connection',
    'connection.createChannel(cb)': 'channel',
    'connection.createConfirmChannel(cb)': 'channel',
  },
  types: { ChannelModel: 'connection', Connection: 'connection', Channel: 'channel', ConfirmChannel: 'channel' },
  publish: amqpPublish('channel'),
  consume: [
    amqpConsume('channel'),
    // `get()` is not instrumented: pull consumers always extract by hand.
    { on: 'channel', style: 'pull', method: 'get', label: 'channel.get()', destination: 'arg0', carrier: 'properties.headers', incoming: 'string' },
  ],
};

export default amqplib;
