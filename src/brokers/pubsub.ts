import type { BrokerSpec } from './types.js';

/**
 * `@google-cloud/pubsub`. With `enableOpenTelemetryTracing` the client injects `googclient_traceparent` itself,
 * but it never runs the user's `'message'` handler inside the extracted context.
 */
const pubsub: BrokerSpec = {
  id: 'pubsub',
  name: 'Pub/Sub (@google-cloud/pubsub)',
  system: 'gcp_pubsub',
  packages: ['@google-cloud/pubsub'],
  edges: {
    'module.PubSub': 'PubSubClass',
    'new PubSubClass': 'client',
    'client.topic()': 'topic',
    'client.subscription()': 'subscription',
    'topic.subscription()': 'subscription',
    // Admin calls resolve to tuples: `const [topic] = await pubsub.createTopic(name)`, `await topic.get({ autoCreate })`.
    'client.createTopic()': 'topicTuple',
    'topic.get()': 'topicTuple',
    'topic.create()': 'topicTuple',
    'topicTuple.0': 'topic',
    'client.createSubscription()': 'subscriptionTuple',
    'topic.createSubscription()': 'subscriptionTuple',
    'subscription.get()': 'subscriptionTuple',
    'subscription.create()': 'subscriptionTuple',
    'subscriptionTuple.0': 'subscription',
    // The low-level generated clients: no tracing of their own, whatever the `PubSub` options say.
    'module.v1': 'v1',
    'v1.PublisherClient': 'PublisherClientClass',
    'new PublisherClientClass': 'publisherClient',
    'v1.SubscriberClient': 'SubscriberClientClass',
    'new SubscriberClientClass': 'subscriberClient',
  },
  types: { PubSub: 'client', Topic: 'topic', Subscription: 'subscription', PublisherClient: 'publisherClient', SubscriberClient: 'subscriberClient' },
  publish: [
    { on: 'topic', method: 'publishMessage', label: 'topic.publishMessage()', destination: 'receiver:topic.arg0', messages: 'arg0', carrier: 'attributes', carrierName: 'attributes', body: ['data', 'json'], shape: 'object', autoInjectedBy: 'pubsub' },
    { on: 'topic', method: 'publish', label: 'topic.publish()', destination: 'receiver:topic.arg0', carrier: 'arg1', carrierName: 'attributes', body: ['arg0'], shape: 'object', autoInjectedBy: 'pubsub' },
    {
      on: 'publisherClient', method: 'publish', label: 'PublisherClient.publish()', messages: 'arg0.messages[*]', destination: 'arg0.topic',
      carrier: 'attributes', carrierName: 'attributes', body: ['data'], shape: 'object',
    },
    { on: 'topic', method: 'publishJSON', label: 'topic.publishJSON()', destination: 'receiver:topic.arg0', carrier: 'arg1', carrierName: 'attributes', body: ['arg0'], shape: 'object', autoInjectedBy: 'pubsub' },
  ],
  consume: [
    { on: 'subscription', style: 'callback', method: 'on', event: 'message', label: "subscription.on('message')", destination: 'receiver:subscription.arg0', handler: 'arg1', message: 'param0', carrier: 'attributes', incoming: 'string' },
    // const [response] = await subClient.pull(request); response.receivedMessages[i].message.attributes
    {
      on: 'subscriberClient', style: 'pull', method: 'pull', label: 'SubscriberClient.pull()', batch: true, destination: 'arg0.subscription',
      carrier: 'message.attributes', incoming: 'string',
    },
  ],
};

export default pubsub;
