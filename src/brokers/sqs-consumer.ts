import type { BrokerSpec, ConsumeSpec } from './types.js';

function consumerSpecs(method: string, on = 'ConsumerClass'): ConsumeSpec[] {
  const common = { on, style: 'callback', method, destination: 'arg0.queueUrl', carrier: 'MessageAttributes', incoming: 'message-attributes' } as const;
  return [
    { ...common, label: 'handleMessage', handler: 'arg0.handleMessage', message: 'param0' },
    { ...common, label: 'handleMessageBatch', handler: 'arg0.handleMessageBatch', message: 'param0', batch: true },
    {
      on, style: 'request', method, label: 'Consumer.create()', request: 'arg0',
      attributeNames: 'arg0.messageAttributeNames', requestAddedBy: 'aws-sdk', carrier: 'MessageAttributes',
      incoming: 'message-attributes',
    },
  ];
}

/**
 * sqs-consumer: `messageAttributeNames` defaults to `[]`, so without it (or the aws-sdk instrumentation adding the
 * propagation fields) no trace attribute ever arrives. Handlers run after the receive span ended: always extract.
 */
const sqsConsumer: BrokerSpec = {
  id: 'sqs-consumer',
  name: 'sqs-consumer',
  system: 'aws_sqs',
  packages: ['sqs-consumer'],
  edges: { 'module.Consumer': 'ConsumerClass' },
  types: {},
  publish: [],
  // Up to version 5 the module itself is the class (`module.exports = Consumer`): `require('sqs-consumer').create()`.
  consume: [...consumerSpecs('create'), ...consumerSpecs('new'), ...consumerSpecs('create', 'module')],
};

export default sqsConsumer;
