import type { TSESLint } from '@typescript-eslint/utils';
import { createRule } from '../src/util/create-rule.js';
import type { ConsumeMessageId } from '../src/core/findings.js';
import { namesSchema, sharedSchemaProperties, type SharedOptions } from '../src/options.js';
import { ruleListeners } from '../src/rule-adapter.js';

export type Options = [SharedOptions & { extractors?: string[]; ignore?: { probes?: boolean; replies?: boolean } }];
export type MessageIds = ConsumeMessageId | 'useHelper';

export default createRule<Options, MessageIds>({
  name: 'require-context-extraction',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: "Require broker consumers to extract the producer's trace context from each message and run their work inside it",
      recommended: true,
    },
    messages: {
      useHelper: 'Extract with {{helper}} from {{module}}, whose getter reads this carrier.',
      missingExtraction: "{{broker}}: this {{site}} handler never extracts the producer's trace context from {{carrier}}, so its work starts a new trace. Run it inside withExtractedContext({{carrier}}, fn) or context.with(propagation.extract(...), fn).{{coverage}}",
      extractedContextNotActivated: "{{broker}}: the context extracted here is never used, so the {{site}} handler runs outside the producer's trace. Pass it to context.with(ctx, fn) or tracer.startActiveSpan(name, options, ctx, fn).{{coverage}}",
      bufferHeadersDefaultGetter: '{{broker}}: {{site}} header values are Buffers, which the default getter cannot read, so no parent is found. Use extractTraceContext({{carrier}}) or a getter that decodes Buffers.',
      carrierNeedsGetter: '{{broker}}: the default getter cannot read the {{site}} {{carrier}}, so no parent is found. Use extractTraceContext({{carrier}}) or a getter for this carrier.',
      snsEnvelopeNotExtracted: "{{broker}}: this {{site}} handler reads an SNS envelope from the message body, so the producer's trace context is in the envelope's MessageAttributes ({ Type, Value }), not in the SQS message attributes. Extract it from there: withExtractedContext(envelope.MessageAttributes, fn), or propagation.extract with a getter that reads .Value.{{coverage}}",
      attributesNotRequested: "{{broker}}: {{site}} does not request message attributes, so 'traceparent' never arrives. Request ['All'] or 'traceparent', 'tracestate' and 'baggage'.{{coverage}}",
      batchWithoutPerMessageContext: "{{broker}}: this {{site}} handler processes messages without each one's trace context. Extract per message inside the loop, or link every message with linkFromCarrier.{{coverage}}",
    },
    schema: [
      {
        type: 'object',
        properties: {
          ...sharedSchemaProperties,
          extractors: namesSchema('Names of your own functions that extract the trace context from a carrier and run work inside it.'),
          ignore: {
            type: 'object',
            description: 'Handlers that continue no trace, left alone by default: health, heartbeat and ping probes, and RPC reply consumers.',
            properties: {
              probes: { type: 'boolean', description: 'Leave pattern handlers for health, heartbeat and ping messages alone (by pattern name).' },
              replies: { type: 'boolean', description: 'Leave consumers of RPC replies alone (amq.rabbitmq.reply-to, a queue or subject named reply).' },
            },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ autoInstrumented: {}, useTypeInformation: false, extractors: [], ignore: { probes: true, replies: true } }],
  },
  create(context, [options]) {
    return ruleListeners(context as unknown as TSESLint.RuleContext<MessageIds, readonly unknown[]>, 'require-context-extraction', options);
  },
});
