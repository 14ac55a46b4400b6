import type { BrokerSpec } from './types.js';

/**
 * `@ssut/nestjs-sqs`: a NestJS module over sqs-consumer and sqs-producer. `SqsService.send(name, message | messages)`,
 * injected by its class, sends `{ id, body, messageAttributes }` records; sqs-producer turns each into a
 * `SendMessageBatch` entry whose `MessageAttributes` are the record's `messageAttributes`, sent with AWS SDK v3, so
 * the aws-sdk instrumentation injects into them. `@SqsMessageHandler(name, batch?)` methods are sqs-consumer's
 * `handleMessage` (or `handleMessageBatch`) for the consumer of that name: they get the SDK's `Message` and run
 * after the receive span ended, so they extract from its `MessageAttributes` themselves (which arrive only when the
 * consumer's `messageAttributeNames` in the module options ask for them).
 */
const nestjsSqs: BrokerSpec = {
  id: 'sqs-nestjs',
  name: '@ssut/nestjs-sqs',
  system: 'aws_sqs',
  packages: ['@ssut/nestjs-sqs'],
  edges: {
    'module.SqsService': 'SqsServiceClass',
    'new SqsServiceClass': 'service',
    'module.SqsMessageHandler': 'messageHandlerDecorator',
  },
  types: { SqsService: 'service' },
  publish: [
    {
      on: 'service', method: 'send', label: 'sqsService.send()', destination: 'arg0', messages: 'arg1[?]', carrier: 'messageAttributes',
      carrierName: 'messageAttributes', body: ['body'], shape: 'message-attributes', attributeLimit: 10, autoInjectedBy: 'aws-sdk',
    },
  ],
  consume: [
    {
      on: 'messageHandlerDecorator', style: 'method', label: '@SqsMessageHandler', message: 'param0', carrier: 'MessageAttributes',
      destination: 'arg0', incoming: 'message-attributes',
    },
  ],
};

export default nestjsSqs;
