import type { BrokerSpec } from './types.js';

/**
 * `@google-cloud/pubsub`. With `enableOpenTelemetryTracing` the client injects `googclient_traceparent` itself,
 * but it never runs the user's `'message'` handler inside the extracted context.
 */
const pubsub: BrokerSpec = {
  id: 'pubsub',
  name: 'Pub/Sub (@google-cloud/pubsub)',
  packages: ['@google-cloud/pubsub'],
  edges: {
    'module.PubSub': 'PubSubClass',
    'new PubSubClass': 'client',
    'client.topic()': 'topic',
    'client.subscription()': 'subscription',
    'topic.subscription()': 'subscription',
  },
  types: { PubSub: 'client', Topic: 'topic', Subscription: 'subscription' },
  publish: [
    { on: 'topic', method: 'publishMessage', label: 'topic.publishMessage()', messages: 'arg0', carrier: 'attributes', carrierName: 'attributes', body: ['data', 'json'], shape: 'object', autoInjectedBy: 'pubsub' },
    { on: 'topic', method: 'publish', label: 'topic.publish()', carrier: 'arg1', carrierName: 'attributes', body: ['arg0'], shape: 'object', autoInjectedBy: 'pubsub' },
    { on: 'topic', method: 'publishJSON', label: 'topic.publishJSON()', carrier: 'arg1', carrierName: 'attributes', body: ['arg0'], shape: 'object', autoInjectedBy: 'pubsub' },
  ],
  consume: [
    { on: 'subscription', style: 'callback', method: 'on', event: 'message', label: "subscription.on('message')", handler: 'arg1', message: 'param0', carrier: 'attributes', incoming: 'string' },
  ],
};

export default pubsub;
