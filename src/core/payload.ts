/**
 * @fileoverview Trace identifiers inside message bodies: written by publishers (inline, through serialisers, or
 * through objects built earlier) and read back by consumers from parsed payloads.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import path from 'node:path';
import { calleeName, isFunction, memberName, returnedExpressions, staticName, unwrap, walk, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import type { Finding } from './findings.js';
import { keepReason } from './contract.js';
import { EMPTY_NAMES, injectionCall } from './otel.js';
import { evalPath } from './paths.js';
import { isBarePayload, siteMessages, type PublishSite } from './publish.js';
import { sourceOf } from './fixes.js';
import { removePayloadKey, replacePayloadRead } from './repairs.js';
import type { Resolver } from './resolve.js';

type KeyMatcher = (name: string) => boolean;
/**
 * `via`: what the message adds after the key (where it was really written, when that is another file; the class it is
 * a field of; what the value holds). `reason`: why there is no automatic fix, when `via` alone does not say.
 */
type Reporter = (key: string, node: Node, via?: string, reason?: string) => void;
/** A builder being scanned: its parameters stand for the arguments of this call, reported as at the call's side. */
interface Frame {
  fn: Node;
  call: TSESTree.CallExpression;
  resolver: Resolver;
  report: Reporter;
  frames: readonly Frame[];
}

/** Serialisers whose first argument becomes the body. */
const WRAPPERS = new Set(['stringify', 'from', 'encode', 'serialize', 'String', 'compress', 'pack', 'freeze']);

export function checkPayloadOfPublish(resolver: Resolver, site: PublishSite, isTraceKey: KeyMatcher): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<Node>();
  const data = { broker: site.broker.name, site: site.spec.label, carrier: site.spec.carrierName, shape: site.spec.shape };
  for (const message of siteMessages(resolver, site)) {
    const bodyPaths = isBarePayload(resolver, site.spec, message) ? [''] : (site.spec.body ?? []);
    for (const bodyPath of bodyPaths) {
      const start = site.spec.messages ? message : site.call;
      const results = bodyPath === '' ? [{ type: 'node' as const, node: start }] : evalPath(resolver, start, bodyPath, site.broker.id, site.call);
      for (const result of results) {
        if (result.type !== 'node') continue;
        scanBody(resolver, result.node, isTraceKey, 0, (key, node, via, reason) => {
          if (seen.has(node)) return;
          seen.add(node);
          const repair = reason ? { reason } : via ? { reason: `the key is written in another file${via}` } : removePayloadKey(resolver, node);
          const contractRisk = repair.fix ? () => keepReason(resolver, key, node) : undefined;
          findings.push({ rule: 'no-payload-trace-ids', messageId: 'traceIdInPayload', node, broker: site.broker, data: { ...data, key, via: via ?? '' }, site: site.call, fix: repair.fix, reason: repair.reason, contractRisk });
        });
      }
    }
  }
  return findings;
}

/** Walks a body expression through serialisers, variables and nested envelopes, reporting trace keys. */
function scanBody(resolver: Resolver, expression: Node, isTraceKey: KeyMatcher, depth: number, report: Reporter, frames: readonly Frame[] = []): void {
  if (depth > 6) return;
  const { node: value, variables } = resolver.follow(expression);
  if (value.type === 'Identifier' && frames.length > 0) {
    // `toRecord(event) { return Buffer.from(JSON.stringify(event)); }`: the body is what the caller passed.
    const def = resolver.variableOf(value)?.defs[0];
    const frame = def?.type === 'Parameter' ? frames.find((f) => f.fn === def.node) : undefined;
    if (frame && isFunction(frame.fn)) {
      const index = frame.fn.params.indexOf(def!.name as TSESTree.Parameter);
      const arg = index >= 0 ? frame.call.arguments[index] : undefined;
      if (arg && arg.type !== 'SpreadElement') scanBody(frame.resolver, arg, isTraceKey, depth + 1, frame.report, frame.frames);
      return;
    }
  }
  for (const variable of variables) {
    // payload.traceId = span.spanContext().traceId
    for (const ref of variable.references) {
      const parent = (ref.identifier as Node).parent;
      if (parent?.type === 'MemberExpression' && parent.object === ref.identifier && parent.parent?.type === 'AssignmentExpression' && parent.parent.left === parent) {
        const key = memberName(parent);
        if (key && isTraceKey(key)) report(key, parent.property);
      }
    }
  }
  switch (value.type) {
    case 'CallExpression':
    case 'NewExpression': {
      const name = calleeName(value);
      const callee = unwrap(value.callee);
      if (name && WRAPPERS.has(name) && value.arguments[0]) {
        scanBody(resolver, value.arguments[0], isTraceKey, depth + 1, report, frames);
      } else if (name === 'assign' && callee.type === 'MemberExpression' && staticName(unwrap(callee.object)) === 'Object') {
        // Object.assign({}, order, { traceId }): every source lands in the body.
        for (const arg of value.arguments) scanBody(resolver, arg.type === 'SpreadElement' ? arg.argument : arg, isTraceKey, depth + 1, report, frames);
      } else if (value.type === 'NewExpression') {
        instanceKeys(resolver, value, isTraceKey, report);
      } else if (value.type === 'CallExpression' && builtBy(resolver, value, isTraceKey, depth, report, frames)) {
        // A body or envelope builder of the project's own, in this file or another module.
      } else if (callee.type === 'MemberExpression' && value.type === 'CallExpression') {
        // new RmqRecordBuilder(data).setOptions(...).build(): the builder's data is the body.
        let link: Node = unwrap(callee.object);
        while (link.type === 'CallExpression' && unwrap(link.callee).type === 'MemberExpression') {
          link = unwrap((unwrap(link.callee) as TSESTree.MemberExpression).object);
        }
        if (link.type === 'NewExpression' && link.arguments[0] && name === 'build') scanBody(resolver, link.arguments[0], isTraceKey, depth + 1, report, frames);
      }
      return;
    }
    case 'ObjectExpression':
      for (const prop of value.properties) {
        if (prop.type === 'SpreadElement') {
          // { ...carrier, order }: the injected keys (traceparent, tracestate) land in the body.
          const note = holdsContext(resolver, prop.argument);
          const spread = unwrap(prop.argument);
          if (note) report(`...${spread.type === 'Identifier' ? spread.name : 'carrier'}`, prop, note, CONTEXT_REASON);
          else scanBody(resolver, prop.argument, isTraceKey, depth + 1, report, frames);
          continue;
        }
        const key = staticName(prop.key, prop.computed);
        const note = key && !isTraceKey(key) ? holdsContext(resolver, prop.value) : undefined;
        if (key && isTraceKey(key) && !isDomainValue(key, prop.value) && !isGeneratedId(resolver, prop.value)) report(key, prop.key);
        else if (key && note) report(key, prop.key, note, CONTEXT_REASON);
        else if (prop.value.type === 'ObjectExpression' || prop.value.type === 'Identifier') scanBody(resolver, prop.value, isTraceKey, depth + 1, report, frames);
      }
      return;
    case 'ArrayExpression':
      for (const element of value.elements) if (element) scanBody(resolver, element.type === 'SpreadElement' ? element.argument : element, isTraceKey, depth + 1, report, frames);
      return;
    case 'TemplateLiteral':
      for (const inner of value.expressions) scanBody(resolver, inner, isTraceKey, depth + 1, report, frames);
      return;
    // `...(context && { context })`, `extra ?? {}`, `withTrace ? { traceId } : {}`: whichever the value is.
    case 'LogicalExpression':
      if (value.operator !== '&&') scanBody(resolver, value.left, isTraceKey, depth + 1, report, frames);
      scanBody(resolver, value.right, isTraceKey, depth + 1, report, frames);
      return;
    case 'ConditionalExpression':
      scanBody(resolver, value.consequent, isTraceKey, depth + 1, report, frames);
      scanBody(resolver, value.alternate, isTraceKey, depth + 1, report, frames);
      return;
    default:
  }
}

/**
 * `buildEnvelope(order)`: the bodies a project function returns are scanned in its own module. A key found in
 * another file is reported at this call, which names the builder; one in this file is reported where it is written.
 */
function builtBy(resolver: Resolver, call: TSESTree.CallExpression, isTraceKey: KeyMatcher, depth: number, report: Reporter, frames: readonly Frame[]): boolean {
  const ref = resolver.calleeFunction(call);
  if (!ref) return false;
  const elsewhere = ref.resolver !== resolver;
  for (const returned of returnedExpressions(ref.fn, ref.resolver.keys)) {
    const inner: Reporter = (key, node, via, reason) => (elsewhere ? report(key, call, ` (set by ${ref.name}() in ${shortPath(ref.resolver)})`) : report(key, node, via, reason));
    scanBody(ref.resolver, returned, isTraceKey, depth + 2, inner, [...frames, { fn: ref.fn, call, resolver, report, frames }]);
  }
  return true;
}

/** How a report names a body key whose value is trace context rather than a trace-key name, and why it has no fix. */
const CARRIER_NOTE = ' (it holds the injected trace context)';
const SPAN_NOTE = ' (it holds the span context)';
const CONTEXT_REASON = 'the context belongs in the message headers: inject it there instead';
/**
 * Whether a `no-payload-trace-ids` finding is a whole trace context in the body (a carrier `propagation.inject`
 * filled, a span context), not just an ID: `{ traceContext: carrier }` as well as `{ order, meta: carrier }`.
 */
export function carriesContext(resolver: Resolver, finding: Finding): boolean {
  const via = String(finding.data?.via ?? '');
  if (via === CARRIER_NOTE || via === SPAN_NOTE) return true;
  const prop = finding.node.parent;
  return via === '' && prop?.type === 'Property' && prop.key === finding.node && holdsContext(resolver, prop.value as Node) !== undefined;
}

/**
 * Whether a value is trace context itself, and which: a carrier that `propagation.inject` filled or an inject
 * helper returned, or a span context (`span.spanContext()`).
 */
function holdsContext(resolver: Resolver, expression: Node, depth = 0): string | undefined {
  const { node: value, variables } = resolver.follow(expression);
  if (value.type === 'CallExpression' && calleeName(value) === 'spanContext') return SPAN_NOTE;
  if (value.type === 'MemberExpression' && depth < 2) {
    // `traceData.spanContext`, where `const traceData = newTracer(name)` returns `{ span, spanContext }`.
    const key = memberName(value);
    const source = resolver.follow(value.object).node;
    const ref = key && source.type === 'CallExpression' ? resolver.calleeFunction(source) : undefined;
    for (const returned of ref ? returnedExpressions(ref.fn, ref.resolver.keys) : []) {
      const object = ref!.resolver.follow(returned).node;
      const prop = object.type === 'ObjectExpression'
        ? object.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === key)
        : undefined;
      const held = prop && holdsContext(ref!.resolver, prop.value as Node, depth + 1);
      if (held) return held;
    }
  }
  if (value.type === 'CallExpression' && injectionCall(resolver, value, EMPTY_NAMES)?.type === 'helper') return CARRIER_NOTE;
  const variable = variables[variables.length - 1] ?? (value.type === 'Identifier' ? resolver.variableOf(value) : null);
  const injected = variable?.references.some((ref) => {
    const parent = (ref.identifier as Node).parent;
    return parent?.type === 'CallExpression' && parent.arguments[1] === ref.identifier && injectionCall(resolver, parent, EMPTY_NAMES)?.type === 'otel';
  });
  return injected ? CARRIER_NOTE : undefined;
}

/**
 * `new EventEnvelope(order)`: an instance of a project class is serialised with its fields, so a trace key among
 * them (a field, a constructor parameter property, `this.traceId = ...` in the constructor) is in the body. Reported
 * at the key in this file; at the `new` expression, naming the class, when the class is in another file.
 */
function instanceKeys(resolver: Resolver, expression: TSESTree.NewExpression, isTraceKey: KeyMatcher, report: Reporter): void {
  const entity = resolver.classOf(expression.callee);
  if (!entity) return;
  const classNode = entity.node as TSESTree.ClassDeclaration;
  const elsewhere = entity.resolver !== resolver;
  const found = (key: string, node: Node): void => {
    if (!isTraceKey(key)) return;
    const via = ` (a field of ${classNode.id?.name ?? 'a class'}${elsewhere ? ` in ${shortPath(entity.resolver)}` : ''})`;
    report(key, elsewhere ? expression : node, via, `it is a class field${via}: drop it from the class, or leave it out of the serialised body`);
  };
  for (const element of classNode.body.body) {
    if (element.type === 'PropertyDefinition' && !element.static) {
      const key = staticName(element.key, element.computed);
      if (key) found(key, element.key);
    } else if (element.type === 'MethodDefinition' && element.kind === 'constructor') {
      for (const param of element.value.params) {
        if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier') found(param.parameter.name, param.parameter);
      }
      walk(element.value.body!, entity.resolver.keys, (node) => {
        if (isFunction(node)) return false;
        if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.object.type === 'ThisExpression') {
          const key = memberName(node.left);
          if (key) found(key, node.left.property);
        }
        return undefined;
      });
    }
  }
}

function shortPath(resolver: Resolver): string {
  const file = resolver.file ?? '';
  const root = resolver.project?.root;
  return (root ? path.relative(root, file) : path.basename(file)).split(path.sep).join('/');
}

/** ID generators: what they make is an application's own ID, never a W3C trace or span ID. */
const ID_GENERATORS = /^(ulid|uuid|uuidv[1-7]|v[1-7]|randomUUID|nanoid|cuid2?|createId|generateId|ObjectId|shortid|hyperid)$/;

/**
 * `trace_id: traceId` with `const traceId = context.traceId ?? ulid()`, `traceId: uuidv4()`: an ID the application
 * makes (or falls back to making) is its own correlation key under a trace-like name, not trace context.
 */
function isGeneratedId(resolver: Resolver, value: Node): boolean {
  const generated = (node: Node): boolean => {
    const call = unwrap(node);
    return (call.type === 'CallExpression' || call.type === 'NewExpression') && ID_GENERATORS.test(calleeName(call) ?? '');
  };
  const followed = resolver.follow(value).node;
  if (generated(followed)) return true;
  // `span.spanContext().traceId ?? ulid()` is the span's trace ID whenever there is a span.
  const fromSpan = (node: Node): boolean => /spanContext|getActiveSpan|getSpan/.test(sourceOf(resolver.input, node));
  return followed.type === 'LogicalExpression' && followed.operator !== '&&' && generated(resolver.follow(followed.right).node) && !fromSpan(followed.left);
}

/** `baggage: { bags: 2 }` in an airline's message is luggage, not W3C baggage. */
function isDomainValue(key: string, value: Node): boolean {
  if (key.toLowerCase() !== 'baggage') return false;
  const v = unwrap(value);
  return v.type === 'ObjectExpression' || v.type === 'ArrayExpression' || (v.type === 'Literal' && typeof v.value === 'number');
}

/** Consumer side: `JSON.parse(body).traceId`, `const { traceId } = JSON.parse(...)`, `@Payload() data` → `data.traceId`. */
export function checkPayloadReads(resolver: Resolver, site: ConsumeSite, isTraceKey: KeyMatcher): Finding[] {
  const findings: Finding[] = [];
  const data = { broker: site.broker.name, site: site.spec.label, carrier: site.spec.carrier };
  const report = (key: string, node: Node): void => {
    const repair = replacePayloadRead(resolver, node, key);
    findings.push({ rule: 'no-payload-trace-ids', messageId: 'traceIdReadFromPayload', node, broker: site.broker, data: { ...data, key }, site: site.anchor, fix: repair.fix, reason: repair.reason });
  };
  walk(site.body, resolver.keys, (node) => {
    if (node.type === 'MemberExpression') {
      const key = memberName(node);
      if (key && isTraceKey(key) && isParsedPayload(resolver, node.object, site)) report(key, node.property);
    } else if (node.type === 'VariableDeclarator' && node.id.type === 'ObjectPattern' && node.init && isParsedPayload(resolver, node.init, site)) {
      for (const prop of node.id.properties) {
        const key = prop.type === 'Property' ? staticName(prop.key, prop.computed) : undefined;
        if (key && isTraceKey(key)) report(key, (prop as TSESTree.Property).key);
      }
    }
    return undefined;
  });
  return findings;
}

function isParsedPayload(resolver: Resolver, expression: Node, site: ConsumeSite): boolean {
  let root = unwrap(expression);
  while (root.type === 'MemberExpression') root = unwrap(root.object);
  const { node: value } = resolver.follow(root);
  if (root.type === 'Identifier') {
    const variable = resolver.variableOf(root);
    if (variable && site.payloads.includes(variable)) return true;
  }
  if (value.type !== 'CallExpression') return false;
  const name = calleeName(value);
  return name === 'parse' || name === 'decode' || name === 'json' || name === 'deserialize';
}
