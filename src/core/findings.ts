/**
 * @fileoverview What the core reports. Rules turn findings into ESLint problems; codemods and the CLI read the
 * same objects, so what a rule reports is exactly what they act on.
 */
import type { BrokerSpec, Instrumentation } from '../brokers/index.js';
import type { Node } from './ast.js';
import type { FixHint } from './fixes.js';

export type RuleName = 'require-header-injection' | 'require-context-extraction' | 'no-payload-trace-ids' | 'require-correlation-id' | 'consumer-span-conventions';

export type PublishMessageId =
  | 'missingHeaders'
  | 'headersNotInjected'
  | 'handBuiltTraceparent'
  | 'copiedCarrierKeys'
  | 'wrongCarrierShape'
  | 'tooManyAttributes'
  | 'wrapperWithoutContext'
  | 'passThroughNotInjected';

export type ConsumeMessageId =
  | 'missingExtraction'
  | 'snsEnvelopeNotExtracted'
  | 'extractedContextNotActivated'
  | 'bufferHeadersDefaultGetter'
  | 'carrierNeedsGetter'
  | 'attributesNotRequested'
  | 'batchWithoutPerMessageContext';

export type PayloadMessageId = 'traceIdInPayload' | 'traceIdReadFromPayload';

export type CorrelationMessageId = 'missingCorrelation' | 'freshCorrelationId' | 'causationNotFromMessage' | 'correlationIdInPayload';

export type SpanMessageId = 'consumerSpanKind' | 'producerSpanKind' | 'missingMessagingAttributes' | 'errorNotRecorded' | 'genericSpanName';

export interface Finding {
  rule: RuleName;
  messageId: PublishMessageId | ConsumeMessageId | PayloadMessageId | CorrelationMessageId | SpanMessageId;
  /** Where the report starts. */
  node: Node;
  broker: BrokerSpec;
  /** Values for the message template; `broker` and `site` are always present. */
  data: Record<string, string>;
  /** Silenced when any of these instrumentations is declared in `autoInstrumented`. */
  coveredBy?: readonly Instrumentation[];
  /** A safe local fix (offered as an editor suggestion, applied by codemods). */
  fix?: FixHint;
  /** Why there is no fix, when there is none. */
  reason?: string;
  /** The publish call or consumer entry point the finding belongs to. */
  site?: Node;
  /**
   * A report of the same break that comes first (a receive not requesting the attributes, for its handler that does
   * not extract): this one is left out while that one stands.
   */
  supersededBy?: Finding;
  /** The file where this finding's fix belongs (a wrapper's module), when that is another file. */
  fixIn?: string;
  /**
   * Why applying `fix` without asking could change a message contract (a body key whose value is not the span's,
   * or that a consumer reads): an editor still offers the suggestion, a codemod leaves the site with this reason
   * unless told otherwise (`--drop-payload-ids`). Computed on demand: it may look at the whole project.
   */
  contractRisk?: () => string | undefined;
}

export function isCovered(finding: Finding, autoInstrumented: Partial<Record<Instrumentation, boolean>>): boolean {
  if (finding.supersededBy && !isCovered(finding.supersededBy, autoInstrumented)) return true;
  return finding.coveredBy?.some((name) => autoInstrumented[name] === true) ?? false;
}
