import type { BrokerSpec, ConsumeSpec, PublishSpec } from './types.js';

const attributes = {
  carrier: 'MessageAttributes', carrierName: 'MessageAttributes', body: ['MessageBody'],
  shape: 'message-attributes', attributeLimit: 10,
} as const;

const sendMessage: PublishSpec[] = [
  { on: 'client', method: 'send', label: 'SendMessageCommand', messages: 'arg0.new:SendMessageCommand.arg0', destination: 'arg0.new:SendMessageCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'client', method: 'send', label: 'SendMessageBatchCommand', messages: 'arg0.new:SendMessageBatchCommand.arg0.Entries[*]', destination: 'arg0.new:SendMessageBatchCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  // The aggregated `SQS` class extends `SQSClient`: it sends commands too.
  { on: 'aggregated', method: 'send', label: 'SendMessageCommand', messages: 'arg0.new:SendMessageCommand.arg0', destination: 'arg0.new:SendMessageCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'aggregated', method: 'send', label: 'SendMessageBatchCommand', messages: 'arg0.new:SendMessageBatchCommand.arg0.Entries[*]', destination: 'arg0.new:SendMessageBatchCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'aggregated', method: 'sendMessage', label: 'sqs.sendMessage()', messages: 'arg0', destination: 'arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'aggregated', method: 'sendMessageBatch', label: 'sqs.sendMessageBatch()', messages: 'arg0.Entries[*]', destination: 'arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
];

/**
 * `@aws-sdk/client-sqs`. Message attributes arrive only when `ReceiveMessage` asks for them by name; the aws-sdk
 * instrumentation adds the propagation fields to the request but never parents the processing of the messages.
 */
/** `client.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames }))`: the request, and the pulled batch. */
function receiveMessageCommand(on: string): ConsumeSpec[] {
  const command = 'arg0.new:ReceiveMessageCommand.arg0';
  return [
    {
      on, style: 'request', method: 'send', label: 'ReceiveMessageCommand', request: command, attributeNames: `${command}.MessageAttributeNames`,
      requestAddedBy: 'aws-sdk', carrier: 'MessageAttributes', incoming: 'message-attributes',
    },
    {
      on, style: 'pull', method: 'send', label: 'ReceiveMessageCommand', request: command, destination: `${command}.QueueUrl`,
      batch: true, carrier: 'MessageAttributes', incoming: 'message-attributes',
    },
  ];
}

const sqs: BrokerSpec = {
  id: 'sqs',
  name: 'SQS (@aws-sdk/client-sqs)',
  system: 'aws_sqs',
  packages: ['@aws-sdk/client-sqs'],
  edges: {
    'module.SQSClient': 'SQSClientClass',
    'new SQSClientClass': 'client',
    'module.SQS': 'SQSClass',
    'new SQSClass': 'aggregated',
    'module.SendMessageCommand': 'SendMessageCommand',
    'module.SendMessageBatchCommand': 'SendMessageBatchCommand',
    'module.ReceiveMessageCommand': 'ReceiveMessageCommand',
  },
  types: { SQSClient: 'client', SQS: 'aggregated' },
  publish: sendMessage,
  consume: [
    ...receiveMessageCommand('client'),
    // The aggregated `SQS` class extends `SQSClient`: it sends commands too.
    ...receiveMessageCommand('aggregated'),
    {
      on: 'aggregated', style: 'pull', method: 'receiveMessage', label: 'sqs.receiveMessage()', batch: true, destination: 'arg0.QueueUrl',
      carrier: 'MessageAttributes', incoming: 'message-attributes',
    },
    {
      on: 'aggregated', style: 'request', method: 'receiveMessage', label: 'sqs.receiveMessage()',
      request: 'arg0', attributeNames: 'arg0.MessageAttributeNames',
      requestAddedBy: 'aws-sdk', carrier: 'MessageAttributes', incoming: 'message-attributes',
    },
  ],
};

export default sqs;
