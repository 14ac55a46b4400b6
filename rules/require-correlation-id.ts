import type { TSESLint } from '@typescript-eslint/utils';
import { createRule } from '../src/util/create-rule.js';
import type { CorrelationMessageId } from '../src/core/findings.js';
import { sharedSchemaProperties, type SharedOptions } from '../src/options.js';
import { ruleListeners } from '../src/rule-adapter.js';

export type Options = [SharedOptions];
export type MessageIds = CorrelationMessageId | 'useHelper';

export default createRule<Options, MessageIds>({
  name: 'require-correlation-id',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Require every publish to carry the correlation ID (and the other required IDs) in its metadata, forwarded from the consumed message inside handlers',
      recommended: false,
    },
    messages: {
      useHelper: '{{helper}}.',
      missingCorrelation: '{{broker}}: {{site}} sends this message without {{fields}} in its {{carrier}}, so its events cannot be tied to one business operation{{step}}. Add {{helper}}.',
      freshCorrelationId: "{{broker}}: inside this {{consumer}} handler the message gets a new correlation ID, which starts a new business operation. Forward the consumed message's '{{header}}' (correlationHeaders(incoming) does).",
      causationNotFromMessage: "{{broker}}: inside this {{consumer}} handler the causation ID ('{{header}}') must be the consumed message's event ID ('{{event}}'), so that the chain of events can be rebuilt. correlationHeaders(incoming) sets it.",
      correlationIdInPayload: "{{broker}}: '{{key}}' is in the {{site}} payload, where tools that follow message metadata cannot see it. Carry it in the {{carrier}} as '{{header}}' (correlationHeaders).",
    },
    schema: [{ type: 'object', properties: { ...sharedSchemaProperties }, additionalProperties: false }],
    defaultOptions: [{ autoInstrumented: {}, useTypeInformation: false }],
  },
  create(context, [options]) {
    return ruleListeners(context as unknown as TSESLint.RuleContext<MessageIds, readonly unknown[]>, 'require-correlation-id', options);
  },
});
