/**
 * @fileoverview The fix each message names, per carrier shape: the helper for that client's carrier, so that an SQS
 * report speaks of MessageAttributes and injectMessageAttributes, a NATS one of MsgHdrs, never of another broker's.
 */

/** How to inject into a carrier of this shape (`CarrierShape` of the broker data). */
export function injectHint(shape: string | undefined): string {
  switch (shape) {
    case 'message-attributes':
      return 'injectMessageAttributes(attributes)';
    case 'nats-msghdrs':
      return 'injectNatsHeaders(headers())';
    case 'rdkafka-array':
      return 'injectRdkafkaHeaders(headers)';
    default:
      return 'injectTraceHeaders(headers) or propagation.inject(context.active(), carrier)';
  }
}
