import type { BrokerSpec, ConsumeSpec, Instrumentation, PublishSpec } from './types.js';

const attributes = {
  carrier: 'MessageAttributes', carrierName: 'MessageAttributes', body: ['MessageBody'],
  shape: 'message-attributes', attributeLimit: 10,
} as const;

/** `sqs.sendMessage(input)` / `sqs.sendMessageBatch(input)` on the aggregated client (SDK v3's `SQS`, SDK v2's `AWS.SQS`). */
export function sendMessageMethods(on: string, autoInjectedBy: Instrumentation): PublishSpec[] {
  return [
    { on, method: 'sendMessage', label: 'sqs.sendMessage()', messages: 'arg0', destination: 'arg0.QueueUrl', ...attributes, autoInjectedBy },
    { on, method: 'sendMessageBatch', label: 'sqs.sendMessageBatch()', messages: 'arg0.Entries[*]', destination: 'arg0.QueueUrl', ...attributes, autoInjectedBy },
  ];
}

/** `sqs.receiveMessage(input)` on the aggregated client: the pulled batch, and the request's attribute names. */
export function receiveMessageMethod(on: string, requestAddedBy: Instrumentation): ConsumeSpec[] {
  return [
    {
      on, style: 'pull', method: 'receiveMessage', label: 'sqs.receiveMessage()', batch: true, batchSize: { path: 'arg0.MaxNumberOfMessages', default: 1 }, destination: 'arg0.QueueUrl',
      carrier: 'MessageAttributes', incoming: 'message-attributes', peek: { visibility: 'arg0.VisibilityTimeout', atMost: 5, queue: 'arg0.QueueUrl' },
    },
    {
      on, style: 'request', method: 'receiveMessage', label: 'sqs.receiveMessage()',
      request: 'arg0', attributeNames: 'arg0.MessageAttributeNames',
      requestAddedBy, carrier: 'MessageAttributes', incoming: 'message-attributes', peek: { visibility: 'arg0.VisibilityTimeout', atMost: 5, queue: 'arg0.QueueUrl' },
    },
  ];
}

const sendMessage: PublishSpec[] = [
  { on: 'client', method: 'send', label: 'SendMessageCommand', messages: 'arg0.new:SendMessageCommand.arg0', destination: 'arg0.new:SendMessageCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'client', method: 'send', label: 'SendMessageBatchCommand', messages: 'arg0.new:SendMessageBatchCommand.arg0.Entries[*]', destination: 'arg0.new:SendMessageBatchCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  // The aggregated `SQS` class extends `SQSClient`: it sends commands too.
  { on: 'aggregated', method: 'send', label: 'SendMessageCommand', messages: 'arg0.new:SendMessageCommand.arg0', destination: 'arg0.new:SendMessageCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  { on: 'aggregated', method: 'send', label: 'SendMessageBatchCommand', messages: 'arg0.new:SendMessageBatchCommand.arg0.Entries[*]', destination: 'arg0.new:SendMessageBatchCommand.arg0.QueueUrl', ...attributes, autoInjectedBy: 'aws-sdk' },
  ...sendMessageMethods('aggregated', 'aws-sdk'),
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
      peek: { visibility: `${command}.VisibilityTimeout`, atMost: 5, queue: `${command}.QueueUrl` },
    },
    {
      on, style: 'pull', method: 'send', label: 'ReceiveMessageCommand', request: command, destination: `${command}.QueueUrl`,
      batch: true, batchSize: { path: `${command}.MaxNumberOfMessages`, default: 1 }, carrier: 'MessageAttributes', incoming: 'message-attributes',
      peek: { visibility: `${command}.VisibilityTimeout`, atMost: 5, queue: `${command}.QueueUrl` },
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
    ...receiveMessageMethod('aggregated', 'aws-sdk'),
  ],
};

export default sqs;
