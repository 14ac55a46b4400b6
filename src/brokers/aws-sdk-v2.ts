import type { BrokerSpec } from './types.js';

/**
 * AWS SDK v2's root module (`aws-sdk`): `new AWS.SQS()` and `new AWS.SNS()` give the clients `sqs-v2` and `sns-v2`
 * describe (the same clients as `aws-sdk/clients/sqs` and `aws-sdk/clients/sns`). It sends nothing itself.
 */
const awsSdkV2: BrokerSpec = {
  id: 'aws-sdk-v2',
  name: 'AWS SDK v2 (aws-sdk)',
  system: 'aws_sqs',
  packages: ['aws-sdk'],
  edges: { 'module.SQS': 'sqs-v2:SQSClass', 'module.SNS': 'sns-v2:SNSClass' },
  types: { SQS: 'sqs-v2:sqs', SNS: 'sns-v2:sns' },
  publish: [],
  consume: [],
};

export default awsSdkV2;
