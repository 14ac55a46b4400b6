import { receiveMessageMethod, sendMessageMethods } from './sqs.js';
import type { BrokerSpec } from './types.js';

/**
 * AWS SDK v2's SQS client (`new AWS.SQS()`, `aws-sdk/clients/sqs`): the methods of SDK v3's aggregated `SQS`, with
 * the same `MessageAttributes`; `.promise()` on a request gives its result. OpenTelemetry's aws-sdk instrumentation
 * no longer supports v2 (`aws-sdk-v2` is what the APM agents and X-Ray cover).
 */
const sqsV2: BrokerSpec = {
  id: 'sqs-v2',
  name: 'SQS (aws-sdk v2)',
  system: 'aws_sqs',
  packages: ['aws-sdk/clients/sqs'],
  edges: { 'new module': 'sqs', 'new SQSClass': 'sqs' },
  types: { default: 'sqs', SQS: 'sqs' },
  publish: sendMessageMethods('sqs', 'aws-sdk-v2'),
  consume: receiveMessageMethod('sqs', 'aws-sdk-v2'),
};

export default sqsV2;
