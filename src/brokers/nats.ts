import type { BrokerSpec, PublishSpec } from './types.js';

function publish(on: string, method: string, label: string): PublishSpec {
  return { on, method, label, destination: 'arg0', carrier: 'arg2.headers', carrierName: 'headers', body: ['arg1'], shape: 'nats-msghdrs' };
}

/**
 * NATS: `nats` (v2) and `@nats-io/*` (v3). Headers are a `MsgHdrs` built with `headers()`: OpenTelemetry's default
 * setter writes a property that is never sent. No OpenTelemetry instrumentation exists for JS.
 */
const nats: BrokerSpec = {
  id: 'nats',
  name: 'NATS',
  system: 'nats',
  packages: ['nats', '@nats-io/transport-node', '@nats-io/nats-core', '@nats-io/jetstream', '@nats-io/services'],
  // nats.js 1.x (`nats@1`) has no message headers: the payload is its only carrier.
  headersSince: { nats: 2 },
  edges: {
    'module.connect()': 'connection',
    'module.headers()': 'msghdrs',
    'module.jetstream()': 'jetstream',
    'connection.jetstream()': 'jetstream',
    'connection.subscribe()': 'subscription',
    'jetstream.consumers': 'consumers',
    // nats.js 2.x JetStream push and pull subscriptions: async iterables of JsMsg.
    'jetstream.subscribe()': 'jsSubscription',
    'jetstream.pullSubscribe()': 'jsSubscription',
    'consumers.get()': 'jsConsumer',
    'jsConsumer.consume()': 'jsMessages',
    'jsConsumer.fetch()': 'jsMessages',
    // Services (`nc.services.add()` in v2, `new Svcm(nc).add()` in v3): endpoints answer requests.
    'connection.services': 'svcm',
    'module.Svcm': 'SvcmClass',
    'new SvcmClass': 'svcm',
    'svcm.add()': 'service',
    'service.addGroup()': 'serviceGroup',
    'serviceGroup.addGroup()': 'serviceGroup',
    'service.addEndpoint()': 'endpointMessages',
    'serviceGroup.addEndpoint()': 'endpointMessages',
  },
  types: {
    NatsConnection: 'connection', JetStreamClient: 'jetstream', MsgHdrs: 'msghdrs', Subscription: 'subscription',
    Consumer: 'jsConsumer', ConsumerMessages: 'jsMessages', JetStreamSubscription: 'jsSubscription', JetStreamPullSubscription: 'jsSubscription', Service: 'service', ServiceGroup: 'serviceGroup',
  },
  publish: [
    publish('connection', 'publish', 'nc.publish()'),
    publish('connection', 'request', 'nc.request()'),
    publish('connection', 'requestMany', 'nc.requestMany()'),
    publish('jetstream', 'publish', 'js.publish()'),
  ],
  consume: [
    { on: 'connection', style: 'callback', method: 'subscribe', label: 'subscription callback', handler: 'arg1.callback', message: 'param1', destination: 'arg0', nullable: true, carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'subscription', style: 'iterate', label: 'subscription loop', destination: 'receiver:subscribe.arg0', carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'jsConsumer', style: 'callback', method: 'consume', label: 'JetStream consume callback', handler: 'arg0.callback', message: 'param0', carrier: 'headers', incoming: 'nats-msghdrs' },
    // nats.js 2.x JetStream push subscriptions with a callback: `js.subscribe(subject, { callbackFn })`, or options
    // built with `consumerOpts()` and `.callback(fn)`. JsMsgCallback is `(err, msg)`.
    { on: 'jetstream', style: 'callback', method: 'subscribe', label: 'JetStream subscription callback', handler: 'arg1.callbackFn', message: 'param1', destination: 'arg0', nullable: true, carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'jetstream', style: 'callback', method: 'subscribe', label: 'JetStream subscription callback', handler: 'arg1.chain:callback.arg0', message: 'param1', destination: 'arg0', nullable: true, carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'jsMessages', style: 'iterate', label: 'JetStream message loop', carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'jsSubscription', style: 'iterate', label: 'JetStream subscription loop', destination: 'receiver:subscribe.arg0', carrier: 'headers', incoming: 'nats-msghdrs' },
    { on: 'jsConsumer', style: 'pull', method: 'next', label: 'consumer.next()', carrier: 'headers', incoming: 'nats-msghdrs' },
    // `addEndpoint(name, (err, msg) => ...)`, `addEndpoint(name, { handler })`, or a loop over what it returns.
    ...(['service', 'serviceGroup'] as const).flatMap((on) => (['arg1', 'arg1.handler'] as const).map((handler) => (
      { on, style: 'callback', method: 'addEndpoint', label: 'service endpoint', handler, message: 'param1', destination: 'arg0', carrier: 'headers', incoming: 'nats-msghdrs' } as const
    ))),
    { on: 'endpointMessages', style: 'iterate', label: 'service endpoint loop', destination: 'receiver:addEndpoint.arg0', carrier: 'headers', incoming: 'nats-msghdrs' },
  ],
};

export default nats;
