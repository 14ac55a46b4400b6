/**
 * @fileoverview Spans an operator can read (`consumer-span-conventions`): a consumer span started by hand has kind
 * CONSUMER (a span around a send, PRODUCER), carries the messaging attributes, records the exception and sets an
 * error status when the handler throws (a span that ends green on a failure hides the retry and DLQ path), and the
 * spans started inside a handler are named for the business step, not `process` or `handle`.
 *
 * A span is started by hand with `tracer.startSpan(name, options?, context?)` or `tracer.startActiveSpan(name,
 * options?, context?, fn)`. The consumer span of a handler is the one started with the extracted context as its
 * parent, or else the outermost one started in the handler when nothing else (a helper) starts it.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { Conventions } from './conventions.js';
import { calleeName, contains, isFunction, memberName, someCall, staticName, unwrap, walk, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import { constantString } from './destinations.js';
import type { Finding } from './findings.js';
import { extractionCall, type PropagationNames } from './otel.js';
import type { PublishSite } from './publish.js';
import type { Resolver } from './resolve.js';

const MESSAGING_ATTRIBUTES = ['messaging.system', 'messaging.destination.name', 'messaging.operation.type'] as const;
/** The semantic-conventions package's constant names for them (`ATTR_MESSAGING_SYSTEM`, `SEMATTRS_MESSAGING_SYSTEM`). */
const ATTRIBUTE_CONSTANTS: Readonly<Record<string, string>> = {
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_DESTINATION: 'messaging.destination.name',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_OPERATION: 'messaging.operation.type',
};

interface SpanStart {
  call: TSESTree.CallExpression;
  active: boolean;
  name: Node | undefined;
  options: TSESTree.ObjectExpression | undefined;
  /** Options given but not as an object literal: not judged. */
  opaqueOptions: boolean;
  parentContext: Node | undefined;
  callback: Node | undefined;
}

/** `tracer.startSpan(...)` / `tracer.startActiveSpan(...)`, on something that is a tracer by name or by `getTracer()`. */
function spanStart(resolver: Resolver, call: TSESTree.CallExpression): SpanStart | undefined {
  const method = calleeName(call);
  if (method !== 'startSpan' && method !== 'startActiveSpan') return undefined;
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression') return undefined;
  const receiver = resolver.follow(callee.object).node;
  const named = receiver.type === 'Identifier' ? receiver.name : receiver.type === 'MemberExpression' ? memberName(receiver) : undefined;
  const isTracer = (receiver.type === 'CallExpression' && calleeName(receiver) === 'getTracer') || /tracer/i.test(named ?? '');
  if (!isTracer) return undefined;
  const args = call.arguments.filter((a): a is TSESTree.Expression => a.type !== 'SpreadElement');
  const active = method === 'startActiveSpan';
  const callback = active ? args.find((a, i) => i > 0 && isFunction(unwrap(a))) : undefined;
  const rest = args.slice(1).filter((a) => a !== callback);
  const optionsArg = rest[0];
  const options = optionsArg ? resolver.follow(optionsArg).node : undefined;
  return {
    call, active, name: args[0], callback,
    options: options?.type === 'ObjectExpression' ? options : undefined,
    opaqueOptions: !!optionsArg && options?.type !== 'ObjectExpression',
    parentContext: rest[1],
  };
}

export function checkSpans(resolver: Resolver, consumers: readonly ConsumeSite[], publishes: readonly PublishSite[], conventions: Conventions, names: PropagationNames): Finding[] {
  const starts: SpanStart[] = [];
  walk(resolver.input.ast, resolver.keys, (node) => {
    if (node.type !== 'CallExpression') return undefined;
    const start = spanStart(resolver, node);
    if (start) starts.push(start);
    return undefined;
  });
  if (starts.length === 0) return [];
  const findings: Finding[] = [];
  const report = (messageId: Finding['messageId'], node: Node, site: ConsumeSite | PublishSite, data: Record<string, string>): void => {
    // Where an instrumentation makes the consumer span (kafkajs eachMessage), the one started here is a step: the
    // consumer-span findings are silenced with it, as the other rules' are.
    const coveredBy = 'call' in site || messageId === 'genericSpanName' ? undefined : site.coveredBy;
    findings.push({ rule: 'consumer-span-conventions', messageId, node, broker: site.broker, site: 'call' in site ? site.call : site.anchor, data: { broker: site.broker.name, site: site.spec.label, ...data }, ...(coveredBy ? { coveredBy } : {}) });
  };
  const judged = new Set<SpanStart>();
  for (const consumer of consumers) {
    const inside = starts.filter((s) => contains(consumer.body, s.call));
    if (inside.length === 0) continue;
    const extractedParent = inside.find((s) => s.parentContext && isExtraction(resolver, s.parentContext, names));
    const outermost = inside.filter((s) => !inside.some((o) => o !== s && o.callback && contains(o.callback, s.call)));
    const consumerSpan = extractedParent ?? (outermost.length === 1 && !activatingHelperIn(resolver, consumer, names) ? outermost[0] : undefined);
    for (const start of inside) {
      judged.add(start);
      if (start === consumerSpan) {
        checkConsumerSpan(resolver, start, consumer, report);
        continue;
      }
      if (conventions.spanNaming.style !== 'business-step-first') continue;
      const name = start.name && constantString(resolver, start.name, 0);
      if (name !== undefined && isGeneric(name, conventions)) report('genericSpanName', start.name!, consumer, { name });
    }
  }
  // A span around a send (named for sending, outside handlers) is the PRODUCER span.
  for (const start of starts) {
    if (judged.has(start) || start.opaqueOptions) continue;
    const name = start.name && constantString(resolver, start.name, 0);
    if (name === undefined || !/(^|[\s._-])(send|publish|produce|emit)([\s._-]|$)/i.test(name)) continue;
    const scope = start.callback ?? enclosingBlock(start.call);
    const publish = scope && publishes.find((p) => contains(scope, p.call));
    if (!publish) continue;
    const kind = start.options ? kindOf(start.options) : undefined;
    if (kind !== 'PRODUCER' && kind !== 'unknown') report('producerSpanKind', start.options ?? start.call, publish, { kind: kind ?? 'INTERNAL (the default)', name });
  }
  return findings;
}

function checkConsumerSpan(resolver: Resolver, start: SpanStart, consumer: ConsumeSite, report: (id: Finding['messageId'], node: Node, site: ConsumeSite, data: Record<string, string>) => void): void {
  if (start.opaqueOptions) return;
  const kind = start.options ? kindOf(start.options) : undefined;
  if (kind !== 'CONSUMER' && kind !== 'unknown') report('consumerSpanKind', start.options ?? start.call, consumer, { kind: kind ?? 'INTERNAL (the default)' });
  const present = attributesOf(resolver, start);
  if (present) {
    const missing = MESSAGING_ATTRIBUTES.filter((a) => !present.has(a));
    if (missing.length > 0) report('missingMessagingAttributes', start.options ?? start.call, consumer, { attributes: missing.join(', ') });
  }
  // Failures: the span's code records the exception or sets an error status somewhere.
  const scope = start.callback ?? consumer.body;
  if (!recordsFailure(resolver, scope)) report('errorNotRecorded', start.call, consumer, {});
}

function kindOf(options: TSESTree.ObjectExpression): string | undefined {
  const property = options.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === 'kind');
  if (!property) return options.properties.some((p) => p.type === 'SpreadElement') ? 'unknown' : undefined;
  const value = unwrap(property.value);
  if (value.type === 'MemberExpression') return memberName(value) ?? 'unknown';
  if (value.type === 'Literal' && typeof value.value === 'number') return ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][value.value] ?? 'unknown';
  return 'unknown';
}

/** The attribute names the span is given at start or later (`span.setAttribute(s)`); undefined when unknown. */
function attributesOf(resolver: Resolver, start: SpanStart): Set<string> | undefined {
  const names = new Set<string>();
  const property = start.options?.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === 'attributes');
  if (property) {
    const object = resolver.follow(property.value).node;
    if (object.type !== 'ObjectExpression') return undefined;
    for (const p of object.properties) {
      if (p.type === 'SpreadElement') return undefined;
      const name = attributeName(resolver, p.key, p.computed);
      if (name === undefined) return undefined;
      names.add(name);
    }
  }
  const scope = start.callback ?? enclosingBlock(start.call);
  let unknown = false;
  if (scope) {
    walk(scope, resolver.keys, (node) => {
      if (node.type !== 'CallExpression') return undefined;
      const method = calleeName(node);
      if (method === 'setAttribute' && node.arguments[0]) {
        const name = attributeName(resolver, node.arguments[0], true);
        if (name) names.add(name);
      } else if (method === 'setAttributes' && node.arguments[0]) {
        const object = resolver.follow(node.arguments[0]).node;
        if (object.type !== 'ObjectExpression') unknown = true;
        else for (const p of object.properties) if (p.type === 'Property') names.add(attributeName(resolver, p.key, p.computed) ?? '');
      }
      return undefined;
    });
  }
  return unknown ? undefined : names;
}

function attributeName(resolver: Resolver, key: Node, computed: boolean): string | undefined {
  const literal = staticName(key, computed) ?? (computed ? constantString(resolver, key, 0) : undefined);
  if (literal !== undefined) return literal;
  const value = unwrap(key);
  const constant = value.type === 'Identifier' ? value.name : value.type === 'MemberExpression' ? memberName(value) : undefined;
  if (!constant) return undefined;
  const bare = constant.replace(/^(ATTR_|SEMATTRS_|SemanticAttributes\.)/, '');
  return ATTRIBUTE_CONSTANTS[bare] ?? constant;
}

/** `span.recordException(e)` or `span.setStatus({ code: SpanStatusCode.ERROR })` in the span's code. */
function recordsFailure(resolver: Resolver, scope: Node): boolean {
  return someCall(scope, resolver.keys, (call) => {
    const method = calleeName(call);
    return method === 'recordException' || (method === 'setStatus' && /ERROR|\b2\b/.test(resolver.input.text.slice(call.range[0], call.range[1])));
  });
}

function isExtraction(resolver: Resolver, node: Node, names: PropagationNames): boolean {
  const value = unwrap(resolver.follow(node).node);
  return value.type === 'CallExpression' && extractionCall(resolver, value, names) !== undefined;
}

function activatingHelperIn(resolver: Resolver, consumer: ConsumeSite, names: PropagationNames): boolean {
  return someCall(consumer.body, resolver.keys, (call) => {
    const extraction = extractionCall(resolver, call, names);
    return extraction?.type === 'helper' && extraction.activates;
  });
}

function isGeneric(name: string, conventions: Conventions): boolean {
  const normal = name.trim().toLowerCase();
  return conventions.spanNaming.genericNames.some((g) => g.toLowerCase() === normal);
}

function enclosingBlock(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'BlockStatement' || p.type === 'Program') return p;
  return undefined;
}
