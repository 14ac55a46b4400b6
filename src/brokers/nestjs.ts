import type { BrokerSpec } from './types.js';

/**
 * NestJS microservices. `ClientKafka.emit/send(pattern, data)` keeps `data.headers` only when `data` is a Kafka
 * message (has `key` or `value`); otherwise everything is the body. RMQ headers go through `RmqRecordBuilder`,
 * NATS headers through `NatsRecordBuilder.setHeaders(MsgHdrs)`. A plain `ClientProxy` has an unknown transport,
 * so only record-builder messages are checked on it. Handlers are `@EventPattern`/`@MessagePattern` methods.
 */
const CLIENT_BY_TRANSPORT = { KAFKA: 'clientKafka', RMQ: 'clientRmq', NATS: 'clientNats', TCP: 'clientTcp', REDIS: 'clientRedis' };

const nestjs: BrokerSpec = {
  id: 'nestjs',
  name: 'NestJS microservices',
  // The system follows the transport: known from the handler's @Ctx() parameter type.
  system: 'nestjs',
  systemByContext: { kafkaContext: 'kafka', rmqContext: 'rabbitmq', natsContext: 'nats', mqttContext: 'mqtt', redisContext: 'redis' },
  packages: ['@nestjs/microservices'],
  edges: {
    'module.ClientProxyFactory': 'ClientProxyFactory',
    'ClientProxyFactory.create()': 'clientProxy',
    'module.RmqRecordBuilder': 'RmqRecordBuilder',
    'module.NatsRecordBuilder': 'NatsRecordBuilder',
    'module.EventPattern': 'handlerDecorator',
    'module.MessagePattern': 'handlerDecorator',
    'module.Ctx': 'ctxDecorator',
    'module.Payload': 'payloadDecorator',
    // `new ClientRMQ(options)`, or a project class that extends one and calls `this.emit()` / `this.send()`.
    'module.ClientKafka': 'ClientKafkaClass',
    'new ClientKafkaClass': 'clientKafka',
    'module.ClientRMQ': 'ClientRMQClass',
    'new ClientRMQClass': 'clientRmq',
    'module.ClientNats': 'ClientNatsClass',
    'new ClientNatsClass': 'clientNats',
  },
  // A client built for a named transport is that transport's client (ClientsModule's `useFactory` and custom
  // providers build them this way). TCP and Redis clients have no publish entry: their payload is the only carrier.
  edgesByOption: {
    'ClientProxyFactory.create()': { arg: 0, option: 'transport', kinds: CLIENT_BY_TRANSPORT },
    // `@Client({ transport: Transport.NATS }) client: ClientProxy`: the decorator builds the same client.
    'module.Client()': { arg: 0, option: 'transport', kinds: CLIENT_BY_TRANSPORT },
  },
  // `loadPackage('kafkajs')` and the like in the transports' constructors (@nestjs/microservices).
  loadsLazily: ['kafkajs', 'amqplib', 'amqp-connection-manager', 'nats'],
  types: {
    ClientProxy: 'clientProxy', ClientKafka: 'clientKafka', ClientRMQ: 'clientRmq', ClientNats: 'clientNats',
    KafkaContext: 'kafkaContext', RmqContext: 'rmqContext', NatsContext: 'natsContext',
    TcpContext: 'tcpContext', RedisContext: 'redisContext', MqttContext: 'mqttContext',
  },
  publish: [
    ...(['emit', 'send'] as const).flatMap((method) => [
      { on: 'clientKafka', method, label: `client.${method}()`, cold: method === 'send', destination: 'arg0', messages: 'arg1', envelopeKeys: ['key', 'value'], carrier: 'headers', carrierName: 'headers', body: ['value'], shape: 'object', autoInjectedBy: 'kafkajs' } as const,
      // ClientRMQ publishes through amqp-connection-manager, which writes through amqplib in the caller's context.
      { on: 'clientRmq', method, label: `client.${method}()`, cold: method === 'send', destination: 'arg0', messages: 'arg1', carrier: 'chain:setOptions.arg0.headers', carrierName: 'RmqRecordBuilder headers', body: [''], shape: 'object', autoInjectedBy: 'amqplib' } as const,
      { on: 'clientProxy', method, label: `client.${method}()`, cold: method === 'send', destination: 'arg0', messages: 'arg1', builder: 'RmqRecordBuilder', carrier: 'chain:setOptions.arg0.headers', carrierName: 'RmqRecordBuilder headers', body: [''], shape: 'object', autoInjectedBy: 'amqplib' } as const,
      { on: 'clientNats', method, label: `client.${method}()`, cold: method === 'send', destination: 'arg0', messages: 'arg1', carrier: 'chain:setHeaders.arg0', carrierName: 'NatsRecordBuilder headers', body: [''], shape: 'nats-msghdrs' } as const,
      { on: 'clientProxy', method, label: `client.${method}()`, cold: method === 'send', destination: 'arg0', messages: 'arg1', builder: 'NatsRecordBuilder', carrier: 'chain:setHeaders.arg0', carrierName: 'NatsRecordBuilder headers', body: [''], shape: 'nats-msghdrs' } as const,
    ]),
    { on: 'clientKafka', method: 'emitBatch', label: 'client.emitBatch()', destination: 'arg0', messages: 'arg1.messages[*]', envelopeKeys: ['key', 'value'], carrier: 'headers', carrierName: 'headers', body: ['value'], shape: 'object', autoInjectedBy: 'kafkajs' },
  ],
  consume: [
    {
      on: 'handlerDecorator', style: 'decorator', label: '@EventPattern/@MessagePattern', carrier: 'headers', destination: 'arg0',
      incoming: 'string', autoExtractedByContext: { kafkaContext: 'kafkajs', rmqContext: 'amqplib' },
      incomingByContext: { natsContext: 'nats-msghdrs' },
    },
  ],
};

export default nestjs;
