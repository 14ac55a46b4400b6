/**
 * @fileoverview Names that carry trace context. Matching ignores case and punctuation, so `traceId`, `trace_id`
 * and `trace-id` are one name.
 */

/** Trace-context names (W3C, B3, Jaeger, Datadog, Sentry, X-Ray, vendor-prefixed variants) in normalised form. */
const TRACE_NAMES = new Set([
  'traceparent', 'tracestate', 'baggage', 'b3', 'traceid', 'spanid', 'parentspanid', 'xtraceid', 'xspanid',
  'ubertraceid', 'sentrytrace', 'xamzntraceid', 'awstraceheader', 'xcloudtracecontext', 'googclienttraceparent',
  'googclienttracestate', 'elasticapmtraceparent', 'tracecontext', 'otspancontext',
]);
const TRACE_PREFIXES = ['xb3', 'xdatadog', 'ottracer', 'uberctx'];

export interface TraceKeyOptions {
  additionalKeys?: readonly string[];
  allowedKeys?: readonly string[];
}

export function normaliseKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Builds a predicate for one set of options. */
export function traceKeyMatcher(options: TraceKeyOptions = {}): (name: string) => boolean {
  const additional = new Set((options.additionalKeys ?? []).map(normaliseKey));
  const allowed = new Set((options.allowedKeys ?? []).map(normaliseKey));
  return (name) => {
    const key = normaliseKey(name);
    if (allowed.has(key)) return false;
    if (TRACE_NAMES.has(key) || additional.has(key)) return true;
    return TRACE_PREFIXES.some((prefix) => key.startsWith(prefix));
  };
}

/** Header names that only propagation should write (used to spot hand-built headers). */
export const isTraceHeaderName = traceKeyMatcher();
