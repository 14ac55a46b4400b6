import type { BrokerSpec } from './types.js';

const message = { carrier: 'applicationProperties', carrierName: 'applicationProperties', body: ['body'], shape: 'object' } as const;

/**
 * `@azure/service-bus`. With the Azure SDK instrumentation registered, sends get a `Diagnostic-Id` and `subscribe`
 * handlers run in a span linked to it; `scheduleMessages` and `receiveMessages` are not covered.
 */
const serviceBus: BrokerSpec = {
  id: 'service-bus',
  name: 'Service Bus (@azure/service-bus)',
  system: 'servicebus',
  packages: ['@azure/service-bus'],
  edges: {
    'module.ServiceBusClient': 'ServiceBusClientClass',
    'new ServiceBusClientClass': 'client',
    'client.createSender()': 'sender',
    'client.createReceiver()': 'receiver',
    'sender.createMessageBatch()': 'batch',
  },
  types: { ServiceBusClient: 'client', ServiceBusSender: 'sender', ServiceBusReceiver: 'receiver', ServiceBusMessageBatch: 'batch' },
  publish: [
    { on: 'sender', method: 'sendMessages', label: 'sender.sendMessages()', destination: 'receiver:createSender.arg0', messages: 'arg0[?]', ...message, autoInjectedBy: 'azure-sdk' },
    { on: 'sender', method: 'scheduleMessages', label: 'sender.scheduleMessages()', destination: 'receiver:createSender.arg0', messages: 'arg0[?]', ...message },
    { on: 'batch', method: 'tryAddMessage', label: 'batch.tryAddMessage()', destination: 'receiver:createMessageBatch.receiver:createSender.arg0', messages: 'arg0', ...message, autoInjectedBy: 'azure-sdk' },
  ],
  consume: [
    { on: 'receiver', style: 'callback', method: 'subscribe', label: 'processMessage', destination: 'receiver:createReceiver.arg0', handler: 'arg0.processMessage', message: 'param0', carrier: 'applicationProperties', incoming: 'string', autoExtractedBy: 'azure-sdk' },
    { on: 'receiver', style: 'pull', method: 'receiveMessages', label: 'receiver.receiveMessages()', destination: 'receiver:createReceiver.arg0', batch: true, carrier: 'applicationProperties', incoming: 'string' },
  ],
};

export default serviceBus;
