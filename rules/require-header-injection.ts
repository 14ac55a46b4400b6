import type { TSESLint } from '@typescript-eslint/utils';
import { injectHint } from '../src/util/hints.js';
import { createRule } from '../src/util/create-rule.js';
import type { Finding, PublishMessageId } from '../src/core/findings.js';
import { namesSchema, sharedSchemaProperties, type SharedOptions } from '../src/options.js';
import { ruleListeners } from '../src/rule-adapter.js';

export type Options = [SharedOptions & { injectors?: string[]; reportWrapperCallers?: boolean; ignore?: { replies?: boolean; probes?: boolean; timers?: boolean } }];
export type MessageIds = PublishMessageId | 'useHelper';


/** Clients that throw on an undefined header value (a copied key when no span is active). */
const UNDEFINED_THROWS = new Set(['kafkajs', 'confluent-kafka']);

/** The values of this rule's message templates for a finding (the audit renders the same messages). */
export function messageData(finding: Finding): Record<string, string> {
  return { helper: injectHint(finding.data['shape']), undefinedValues: UNDEFINED_THROWS.has(finding.broker.id) ? ', and is undefined without an active span, which this client throws on' : '', ...finding.data };
}

export default createRule<Options, MessageIds>({
  name: 'require-header-injection',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Require every broker publish to carry the active trace context in its headers or attributes',
      recommended: true,
    },
    messages: {
      useHelper: 'Use {{helper}} from {{module}}.',
      missingHeaders: '{{broker}}: {{site}}{{via}} sends this message without {{carrier}}, so its consumers start a new trace. Add them: {{helper}}.{{coverage}}',
      headersNotInjected: '{{broker}}: the {{carrier}} of this {{site}}{{via}} message never receive the trace context. Inject it: {{helper}}.{{coverage}}',
      handBuiltTraceparent: "{{broker}}: '{{detail}}' is built by hand in the {{site}} {{carrier}}, which loses sampling flags, tracestate and baggage. Let the propagator write it: {{helper}}.",
      copiedCarrierKeys: "{{broker}}: '{{detail}}' is copied key by key into the {{site}} {{carrier}}, which drops the other fields{{undefinedValues}}. Spread the whole injected carrier.",
      wrongCarrierShape: '{{broker}}: trace context is injected into the {{site}} {{carrier}} in a shape this client cannot send; it needs {{detail}}.',
      wrapperWithoutContext: '{{broker}}: this call publishes through {{wrapper}} ({{where}}), which sends without trace context. Inject the context inside {{target}}.{{coverage}}',
      passThroughNotInjected: '{{broker}}: {{site}} sends what callers hand to {{wrapper}}, and none of its {{count}} caller(s) injects trace context. Inject it here, or in every caller.{{coverage}}',
      tooManyAttributes: '{{broker}}: this {{site}} message has {{count}} attributes; with the 3 propagation fields it passes the limit of {{limit}}, so injection is skipped. Keep at most 7 and move the rest into the body.',
    },
    schema: [
      {
        type: 'object',
        properties: {
          ...sharedSchemaProperties,
          injectors: namesSchema('Names of your own functions that inject the active trace context into the carrier they are given or return.'),
          ignore: {
            type: 'object',
            description: 'Publishes that carry no trace on, left alone by default: RPC replies to `replyTo`, health/heartbeat/ping probes, periodic flushes from timers.',
            properties: {
              replies: { type: 'boolean', description: 'Leave replies to a request\'s replyTo alone.' },
              probes: { type: 'boolean', description: 'Leave health, heartbeat and ping messages alone (by destination name).' },
              timers: { type: 'boolean', description: 'Leave periodic flushes from timers alone.' },
            },
            additionalProperties: false,
          },
          reportWrapperCallers: {
            type: 'boolean',
            description: 'Also report calls, in other files, to a wrapper that publishes without trace context (the wrapper itself is always reported).',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ autoInstrumented: {}, useTypeInformation: false, injectors: [], reportWrapperCallers: true, ignore: { replies: true, probes: true, timers: true } }],
  },
  create(context, [options]) {
    return ruleListeners(context as unknown as TSESLint.RuleContext<MessageIds, readonly unknown[]>, 'require-header-injection', options, (finding) => ({ data: messageData(finding) }));
  },
});

