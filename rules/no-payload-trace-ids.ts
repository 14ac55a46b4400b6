import type { TSESLint } from '@typescript-eslint/utils';
import { createRule } from '../src/util/create-rule.js';
import type { Finding, PayloadMessageId } from '../src/core/findings.js';
import { namesSchema, sharedSchemaProperties, type SharedOptions } from '../src/options.js';
import { ruleListeners } from '../src/rule-adapter.js';
import { injectHint } from '../src/util/hints.js';

export type Options = [SharedOptions & { additionalKeys?: string[]; allowedKeys?: string[] }];
export type MessageIds = PayloadMessageId | 'useHelper';

/** The values of this rule's message templates for a finding (the audit renders the same messages). */
export function messageData(finding: Finding): Record<string, string> {
  return { helper: injectHint(finding.data['shape']), ...finding.data };
}

export default createRule<Options, MessageIds>({
  name: 'no-payload-trace-ids',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow trace identifiers in message bodies, where propagators and tooling cannot see them',
      recommended: true,
    },
    messages: {
      useHelper: '{{helper}}; the trace context travels in the message headers instead.',
      traceIdInPayload: "{{broker}}: '{{key}}'{{via}} is written into the {{site}} message body, where propagators and broker instrumentations do not look. Remove it and carry the context in {{carrier}}: {{helper}}.",
      traceIdReadFromPayload: "{{broker}}: '{{key}}' is read from the {{site}} message body to rebuild trace context. Extract it from {{carrier}} instead (extractTraceContext or propagation.extract).",
    },
    schema: [
      {
        type: 'object',
        properties: {
          ...sharedSchemaProperties,
          additionalKeys: namesSchema('More payload keys to treat as trace identifiers (matched ignoring case and punctuation).'),
          allowedKeys: namesSchema('Keys never to report, even if they look like trace identifiers.'),
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ autoInstrumented: {}, useTypeInformation: false, additionalKeys: [], allowedKeys: [] }],
  },
  create(context, [options]) {
    return ruleListeners(context as unknown as TSESLint.RuleContext<MessageIds, readonly unknown[]>, 'no-payload-trace-ids', options, (finding) => ({ data: messageData(finding) }));
  },
});
