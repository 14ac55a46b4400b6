import type { BrokerSpec, Instrumentation, PublishSpec } from './types.js';

const attributes = {
  carrier: 'MessageAttributes', carrierName: 'MessageAttributes', body: ['Message'],
  shape: 'message-attributes', attributeLimit: 10, directKeys: ['PhoneNumber'],
} as const;

/** `sns.publish(input)` / `sns.publishBatch(input)` on the aggregated client (SDK v3's `SNS`, SDK v2's `AWS.SNS`). */
export function publishMethods(on: string, autoInjectedBy: Instrumentation): PublishSpec[] {
  return [
    { on, method: 'publish', label: 'sns.publish()', messages: 'arg0', destination: 'arg0.TopicArn', ...attributes, autoInjectedBy },
    { on, method: 'publishBatch', label: 'sns.publishBatch()', messages: 'arg0.PublishBatchRequestEntries[*]', destination: 'arg0.TopicArn', ...attributes },
  ];
}

/** `@aws-sdk/client-sns`. The aws-sdk instrumentation injects on `Publish` but not on `PublishBatch`. */
const sns: BrokerSpec = {
  id: 'sns',
  name: 'SNS (@aws-sdk/client-sns)',
  system: 'aws_sns',
  packages: ['@aws-sdk/client-sns'],
  edges: {
    'module.SNSClient': 'SNSClientClass',
    'new SNSClientClass': 'client',
    'module.SNS': 'SNSClass',
    'new SNSClass': 'aggregated',
    'module.PublishCommand': 'PublishCommand',
    'module.PublishBatchCommand': 'PublishBatchCommand',
  },
  types: { SNSClient: 'client', SNS: 'aggregated' },
  publish: [
    { on: 'client', method: 'send', label: 'PublishCommand', messages: 'arg0.new:PublishCommand.arg0', destination: 'arg0.new:PublishCommand.arg0.TopicArn', ...attributes, autoInjectedBy: 'aws-sdk' },
    { on: 'client', method: 'send', label: 'PublishBatchCommand', messages: 'arg0.new:PublishBatchCommand.arg0.PublishBatchRequestEntries[*]', destination: 'arg0.new:PublishBatchCommand.arg0.TopicArn', ...attributes },
    // The aggregated `SNS` class extends `SNSClient`: it sends commands too.
    { on: 'aggregated', method: 'send', label: 'PublishCommand', messages: 'arg0.new:PublishCommand.arg0', destination: 'arg0.new:PublishCommand.arg0.TopicArn', ...attributes, autoInjectedBy: 'aws-sdk' },
    { on: 'aggregated', method: 'send', label: 'PublishBatchCommand', messages: 'arg0.new:PublishBatchCommand.arg0.PublishBatchRequestEntries[*]', destination: 'arg0.new:PublishBatchCommand.arg0.TopicArn', ...attributes },
    ...publishMethods('aggregated', 'aws-sdk'),
  ],
  consume: [],
};

export default sns;
