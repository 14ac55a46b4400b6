/**
 * @fileoverview Recognises propagation calls: OpenTelemetry's `propagation.inject/extract`, this package's helpers,
 * and the organisation's own helpers named in options. Recognition is deliberately generous: it only ever
 * silences reports, so accepting a lookalike costs a missed report, never a false one.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { CarrierShape } from '../brokers/types.js';
import { memberName, someCall, unwrap, type FunctionNode, type Node } from './ast.js';
import type { Resolver } from './resolve.js';

export const HELPERS_MODULE = 'trace-propagation-helpers';
/** The helpers' former path inside the plugin: code rewritten before they moved is still recognised. */
export const LEGACY_HELPERS_MODULE = 'eslint-plugin-trace-propagation/helpers';

/** Our injecting helpers and the carrier shape each one produces. */
export const INJECT_HELPERS: Readonly<Record<string, CarrierShape>> = {
  injectTraceHeaders: 'object',
  injectMessageAttributes: 'message-attributes',
  injectNatsHeaders: 'nats-msghdrs',
  injectRdkafkaHeaders: 'rdkafka-array',
};

/** Helpers that extract and make the context current (or usable as a link) in one call. */
export const ACTIVATING_EXTRACT_HELPERS = new Set(['withExtractedContext', 'withConsumerSpan', 'withBatchConsumerSpan', 'linkFromCarrier']);
/** Our helpers that write the correlation, causation and event IDs (no trace context), by carrier shape. */
export const CORRELATION_HELPERS: Readonly<Record<CarrierShape, string>> = {
  object: 'correlationHeaders',
  'message-attributes': 'correlationMessageAttributes',
  'nats-msghdrs': 'correlationNatsHeaders',
  'rdkafka-array': 'correlationRdkafkaHeaders',
};
/** Every helper of ours, by the name an organisation's module may replace. */
export const HELPER_NAMES: readonly string[] = [
  ...Object.keys(INJECT_HELPERS), 'extractTraceContext', 'withExtractedContext', 'withConsumerSpan', 'withBatchConsumerSpan', 'linkFromCarrier',
  ...Object.values(CORRELATION_HELPERS),
];

/** Helpers that give every message of a batch its context (one link each), wherever they are called. */
export const BATCH_EXTRACT_HELPERS = new Set(['withBatchConsumerSpan']);
/** Helpers that return an extracted context, which must then be used. */
export const EXTRACT_HELPERS = new Set(['extractTraceContext']);

export interface PropagationNames {
  /** Extra injecting function names from options. */
  injectors: readonly string[];
  /** Extra extract-and-activate function names from options. */
  extractors: readonly string[];
  /** An organisation's replacement for our helpers module. */
  helpers?: HelperTarget;
  /** False: calls to a wrapper in another file that sends without context are not reported (the wrapper still is). */
  wrapperCallers?: boolean;
  /** Callers of a wrapper that reaches another module's wrapper are reported too (the audit maps every path). */
  everyHop?: boolean;
  /** Publishes with no trace to carry on (replies, probes, timer flushes), not asked for injection unless false. */
  exempt?: { replies?: boolean; probes?: boolean; timers?: boolean };
}

/** No project injectors or extractors: the OpenTelemetry API and our helpers only. */
export const EMPTY_NAMES: PropagationNames = { injectors: [], extractors: [] };

/** Where the helpers come from: a module and its export name for each of our helper names. */
export interface HelperTarget {
  module: string;
  names: Readonly<Record<string, string>>;
}

/**
 * The local name of a call's callee (`inject` for `propagation.inject`, `helper` for `ns.helper`) and, when it
 * is one of our helpers (imported from our module, or from the organisation's replacement under its own export
 * name), the helper's canonical name.
 */
function calleeInfo(resolver: Resolver, call: TSESTree.CallExpression, names?: PropagationNames): { name?: string; object?: Node; imported?: string } {
  const callee = unwrap(call.callee);
  const canonical = (source: string | undefined, exported: string | undefined): string | undefined => {
    if (!source || !exported) return undefined;
    if (source === HELPERS_MODULE || source === LEGACY_HELPERS_MODULE) return exported;
    const target = names?.helpers;
    if (!target || source !== target.module) return undefined;
    const entry = Object.entries(target.names).find(([, theirs]) => theirs === exported);
    return entry ? entry[0] : exported;
  };
  if (callee.type === 'Identifier') {
    const info = resolver.imports.get(callee.name);
    return { name: callee.name, imported: canonical(info?.source, info?.imported) };
  }
  if (callee.type === 'MemberExpression') {
    const object = unwrap(callee.object);
    const info = object.type === 'Identifier' ? resolver.imports.get(object.name) : undefined;
    return { name: memberName(callee), object, imported: info?.imported === '*' ? canonical(info.source, memberName(callee)) : undefined };
  }
  return {};
}

/** The helper a call calls, by our canonical name (an organisation's renamed helpers mapped back), if it is one. */
export function calleeImport(resolver: Resolver, call: TSESTree.CallExpression, names?: PropagationNames): string | undefined {
  return calleeInfo(resolver, call, names).imported;
}

/** `propagation.inject(ctx, carrier, setter?)`, `api.propagation.inject(...)`, or a propagator's `.inject(...)`. */
export function isOtelPropagationCall(resolver: Resolver, call: TSESTree.CallExpression, method: 'inject' | 'extract'): boolean {
  const { name, object } = calleeInfo(resolver, call);
  if (name !== method || !object || call.arguments.length < 2) return false;
  if (object.type === 'Identifier') {
    const info = resolver.imports.get(object.name);
    if (info?.source === '@opentelemetry/api') return info.imported === 'propagation' || info.imported === '*';
    return /propagat/i.test(object.name);
  }
  return object.type === 'MemberExpression' && /propagat/i.test(memberName(object) ?? '');
}

export type InjectionCall =
  | { type: 'otel'; carrier: Node; hasSetter: boolean }
  | { type: 'helper'; shape: CarrierShape | undefined };

/** What a call does to the carrier it is given, if it is an injector. */
export function injectionCall(resolver: Resolver, call: TSESTree.CallExpression, names: PropagationNames): InjectionCall | undefined {
  if (isOtelPropagationCall(resolver, call, 'inject')) {
    return { type: 'otel', carrier: call.arguments[1]!, hasSetter: call.arguments.length >= 3 };
  }
  const { name, imported } = calleeInfo(resolver, call, names);
  if (imported && imported in INJECT_HELPERS) return { type: 'helper', shape: INJECT_HELPERS[imported] };
  if (name && names.injectors.includes(name)) return { type: 'helper', shape: undefined };
  return undefined;
}

/** Whether a function's body calls an injector (`propagation.inject`, a helper): what it returns may be injected. */
export function bodyInjects(resolver: Resolver, fn: FunctionNode, names: PropagationNames): boolean {
  return someCall(fn.body, resolver.keys, (call) => injectionCall(resolver, call, names) !== undefined);
}

export type ExtractionCall =
  | { type: 'otel'; carrier: Node; hasGetter: boolean }
  | { type: 'helper'; activates: boolean; batch?: boolean };

export function extractionCall(resolver: Resolver, call: TSESTree.CallExpression, names: PropagationNames): ExtractionCall | undefined {
  if (isOtelPropagationCall(resolver, call, 'extract')) {
    return { type: 'otel', carrier: call.arguments[1]!, hasGetter: call.arguments.length >= 3 };
  }
  const { name, imported } = calleeInfo(resolver, call, names);
  if (imported && ACTIVATING_EXTRACT_HELPERS.has(imported)) return { type: 'helper', activates: true, batch: BATCH_EXTRACT_HELPERS.has(imported) };
  if (imported && EXTRACT_HELPERS.has(imported)) return { type: 'helper', activates: false };
  if (name && names.extractors.includes(name)) return { type: 'helper', activates: true };
  return undefined;
}
