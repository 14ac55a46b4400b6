import type { Finding, RuleName } from '../src/core/findings.js';
import noPayloadTraceIds, { messageData as payloadData } from './no-payload-trace-ids.js';
import requireContextExtraction from './require-context-extraction.js';
import requireHeaderInjection, { messageData as injectionData } from './require-header-injection.js';
import requireCorrelationId from './require-correlation-id.js';
import consumerSpanConventions from './consumer-span-conventions.js';

export const rules = {
  'require-header-injection': requireHeaderInjection,
  'require-context-extraction': requireContextExtraction,
  'no-payload-trace-ids': noPayloadTraceIds,
  'require-correlation-id': requireCorrelationId,
  'consumer-span-conventions': consumerSpanConventions,
};

/** The rules of the `recommended` configs; `strict` adds the correlation and span-convention rules. */
export const RECOMMENDED_RULES: readonly RuleName[] = ['require-header-injection', 'require-context-extraction', 'no-payload-trace-ids'];

/**
 * A finding's message exactly as its rule reports it (the template with the rule's values), for the audit and
 * anything else that speaks for the rules outside ESLint. `coverage` is the instrumentation note, if any.
 */
export function ruleMessage(finding: Finding, coverage = ''): string {
  const template = (rules[finding.rule as RuleName].meta.messages as Record<string, string>)[finding.messageId] ?? finding.messageId;
  const data: Record<string, string> = {
    ...(finding.rule === 'require-header-injection' ? injectionData(finding) : finding.rule === 'no-payload-trace-ids' ? payloadData(finding) : finding.data),
    coverage,
  };
  return template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}
