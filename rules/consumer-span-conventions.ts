import type { TSESLint } from '@typescript-eslint/utils';
import { createRule } from '../src/util/create-rule.js';
import type { SpanMessageId } from '../src/core/findings.js';
import { sharedSchemaProperties, type SharedOptions } from '../src/options.js';
import { ruleListeners } from '../src/rule-adapter.js';

export type Options = [SharedOptions];
export type MessageIds = SpanMessageId;

export default createRule<Options, MessageIds>({
  name: 'consumer-span-conventions',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Require consumer spans started by hand to be CONSUMER spans with the messaging attributes that record failures, and the spans inside handlers to be named for the business step',
      recommended: false,
    },
    messages: {
      consumerSpanKind: '{{broker}}: the span this {{site}} handler starts for the message has kind {{kind}}. Start it with kind: SpanKind.CONSUMER, so that backends draw it as the consumer of the producer span.',
      producerSpanKind: "{{broker}}: the span '{{name}}' around this {{site}} has kind {{kind}}. Start it with kind: SpanKind.PRODUCER.",
      missingMessagingAttributes: '{{broker}}: the consumer span of this {{site}} handler lacks {{attributes}}. Set them at start (attributes: { ... }) or use withConsumerSpan(carrier, { system, destination }, fn).',
      errorNotRecorded: '{{broker}}: when this {{site}} handler throws, its consumer span ends without the exception or an error status, which hides the retry and dead-letter path. Call span.recordException(error) and span.setStatus({ code: SpanStatusCode.ERROR }) in a catch (withConsumerSpan does).',
      genericSpanName: "{{broker}}: the span '{{name}}' inside this {{site}} handler says nothing about the work. Name it for the business step ('reserve-inventory', 'authorize-payment'); the consumer span keeps its messaging name.",
    },
    schema: [{ type: 'object', properties: { ...sharedSchemaProperties }, additionalProperties: false }],
    defaultOptions: [{ autoInstrumented: {}, useTypeInformation: false }],
  },
  create(context, [options]) {
    return ruleListeners(context as unknown as TSESLint.RuleContext<MessageIds, readonly unknown[]>, 'consumer-span-conventions', options);
  },
});
