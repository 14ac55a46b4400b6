import { publishMethods } from './sns.js';
import type { BrokerSpec } from './types.js';

/** AWS SDK v2's SNS client (`new AWS.SNS()`, `aws-sdk/clients/sns`): the methods of SDK v3's aggregated `SNS`. */
const snsV2: BrokerSpec = {
  id: 'sns-v2',
  name: 'SNS (aws-sdk v2)',
  system: 'aws_sns',
  packages: ['aws-sdk/clients/sns'],
  edges: { 'new module': 'sns', 'new SNSClass': 'sns' },
  types: { default: 'sns', SNS: 'sns' },
  publish: publishMethods('sns', 'aws-sdk-v2'),
  consume: [],
};

export default snsV2;
