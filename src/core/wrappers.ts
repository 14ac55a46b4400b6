/**
 * @fileoverview Publish wrappers: the project's own functions and methods that publish what their callers hand
 * them (`sendSqsMessage(sqs, queueUrl, body, attributes)`, `kafkaService.emitMessage(topic, message)`). A wrapper
 * is summarised once: for each broker call inside it, which parameter reaches the message, the carrier or the
 * body, and whether the wrapper itself injects. A call to a wrapper then becomes a publish site of its own, judged
 * with the same checks as a direct call, through a description derived from the broker's (`arg1` is the message).
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { Catalog, PublishSpec } from '../brokers/index.js';
import path from 'node:path';
import { calleeName, contains, enclosingFunction, isFunction, isNullish, memberName, positionOf, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { applyStep, declaredPlainParameter, evalPath, parsePath, type Step } from './paths.js';
import type { PublishSite } from './publish.js';
import { ownString, packageDir } from './project.js';
import { escapeRegExp, fileFacts, importersOf, importersThroughBarrels, reaches } from './reach.js';
import { isTestFile } from './test-files.js';
import { functionName, Resolver, type FunctionRef } from './resolve.js';
import { bodyInjects, EMPTY_NAMES } from './otel.js';

/** Where a wrapper is written, for messages that send the reader there. */
export interface WrapperInfo {
  name: string;
  file: string | undefined;
  line: number;
  /** The line of the broker (or inner wrapper) call inside it. */
  callLine: number;
  /** `message`: callers hand over the message; `carrier`: callers hand over the headers; `body`: only the payload. */
  mode: 'message' | 'carrier' | 'body';
  /** The broker call inside the wrapper, and the resolver of the wrapper's module. */
  inner: PublishSite;
  resolver: Resolver;
}

interface WrapperEntry {
  info: WrapperInfo;
  spec: PublishSpec;
}

/**
 * Calls whose result is a string or bytes, never a message object (`JSON.stringify(x)`, `Buffer.from(...)`,
 * `msgpack.pack(x)`): a value made by one can only be a body. A project's own `serialize()` is not among them: it
 * may return a whole record, headers included.
 */
export function isSerializedValue(resolver: Resolver, node: Node): boolean {
  const value = unwrap(resolver.follow(node).node);
  // A string written out: `'ping'`, `` `${JSON.stringify(order)}` ``, `'order-' + id`.
  if (isStringValue(value)) return true;
  if (value.type !== 'CallExpression') return false;
  const callee = unwrap(value.callee);
  const name = calleeName(value);
  if (name === 'stringify' || name === 'pack' || name === 'compress') return true;
  return name === 'from' && callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'Buffer';
}

/** A string literal, a template literal, or a concatenation with one. */
function isStringValue(node: Node): boolean {
  if ((node.type === 'Literal' && typeof node.value === 'string') || node.type === 'TemplateLiteral') return true;
  return node.type === 'BinaryExpression' && node.operator === '+' && (isStringValue(unwrap(node.left as Node)) || isStringValue(unwrap(node.right)));
}

/** Serialisers whose first argument becomes the body. */
const SERIALIZERS = new Set(['stringify', 'from', 'encode', 'serialize', 'String', 'compress', 'pack']);
const MAX_DEPTH = 3;

type SiteMatcher = (resolver: Resolver, call: TSESTree.CallExpression) => PublishSite | undefined;

/**
 * The publish sites a call to a project function stands for: one per broker call inside the function (or inside
 * the wrappers it calls in turn) that takes its message, carrier or body from the function's parameters.
 */
export function matchWrapperCall(resolver: Resolver, call: TSESTree.CallExpression, matchDirect: SiteMatcher, depth = 0): PublishSite[] {
  if (depth > MAX_DEPTH) return [];
  const ref = resolver.calleeFunction(call);
  if (!ref) return [];
  return wrapperEntries(ref, matchDirect, depth).map(({ info, spec }) => ({
    call, broker: info.inner.broker, spec, via: info,
    messages: spec.messages ? evalPath(resolver, call, spec.messages, info.inner.broker.id, call) : [{ type: 'node', node: call } as const],
  }));
}


function wrapperEntries(ref: FunctionRef, matchDirect: SiteMatcher, depth: number): WrapperEntry[] {
  const { resolver, fn } = ref;
  // `[]` while computing: a wrapper reached again through its own calls publishes nothing more.
  // Keyed by depth too: entries cut short at the depth limit must not stand for those asked from nearer.
  return resolver.memo(`wrapper-entries:${depth}`, fn, () => {
    const entries: WrapperEntry[] = [];
    const inners = sitesIn(resolver, fn, matchDirect, depth);
    const calls = new Set<Node>(inners.map((inner) => inner.call));
    for (const inner of inners) {
      // `if (queueUrl) sqs.send(...) else lambda.send(new InvokeCommand(...))`: the callers may not publish at all.
      if (choosesAnotherWay(fn, inner.call, calls)) continue;
      const entry = deriveEntry(resolver, fn, ref.name, inner);
      if (entry) entries.push(entry);
    }
    return entries;
  }, []);
}

/**
 * Whether a broker call is one branch of a choice in its function whose other branch publishes nothing (an `if` with
 * an `else`, an `else if` chain, a conditional expression): a helper that sends to a queue when one is configured and
 * otherwise invokes a Lambda or a local service. A guard with no alternative (`if (producer && topic)`) is no choice.
 */
function choosesAnotherWay(fn: FunctionNode, call: Node, calls: ReadonlySet<Node>): boolean {
  const publishes = (branch: Node | null | undefined): boolean => {
    if (!branch) return false;
    for (const other of calls) if (contains(branch, other)) return true;
    return false;
  };
  for (let node: Node = call; node.parent && node !== fn; node = node.parent) {
    const parent = node.parent;
    if (parent.type === 'ConditionalExpression' && (parent.consequent === node || parent.alternate === node)) {
      if (!publishes(parent.consequent === node ? parent.alternate : parent.consequent)) return true;
    }
    if (parent.type !== 'IfStatement' || (parent.consequent !== node && parent.alternate !== node)) continue;
    // The whole `if / else if / else` chain this branch belongs to.
    let top: TSESTree.IfStatement = parent;
    while (top.parent?.type === 'IfStatement' && top.parent.alternate === top) top = top.parent;
    const branches: Node[] = [];
    let last: TSESTree.IfStatement = top;
    for (let link: TSESTree.Statement | null = top; link?.type === 'IfStatement'; link = link.alternate) {
      branches.push(link.consequent);
      last = link;
    }
    if (!last.alternate) {
      if (branches.length === 1) continue;
    } else branches.push(last.alternate);
    if (branches.some((branch) => !publishes(branch))) return true;
    node = top;
  }
  return false;
}

/** The publish sites written inside a function: direct broker calls, and calls to wrappers. */
function sitesIn(resolver: Resolver, fn: FunctionNode, matchDirect: SiteMatcher, depth: number): PublishSite[] {
  const out: PublishSite[] = [];
  walk(fn.body, resolver.keys, (node) => {
    if (node.type !== 'CallExpression') return undefined;
    const direct = matchDirect(resolver, node);
    if (direct) out.push(direct);
    else out.push(...matchWrapperCall(resolver, node, matchDirect, depth + 1));
    return undefined;
  });
  return out;
}

/** How the callers of `fn` feed the broker call `inner`, if they do. */
function deriveEntry(resolver: Resolver, fn: FunctionNode, name: string, inner: PublishSite): WrapperEntry | undefined {
  const entry = deriveEntryOf(resolver, fn, name, inner);
  // A function that hands part of its arguments to a wrapper as a payload, among much other work (a service method
  // that loads, validates, saves, then asks another service), is where that call is made, not a helper its own
  // callers publish through: the wrapper it calls is reported, and that wrapper's callers are told so.
  if (entry?.info.mode === 'body' && inner.via && fn.body.type === 'BlockStatement' && statementCount(resolver, fn.body, MAX_RELAY_STATEMENTS) > MAX_RELAY_STATEMENTS) return undefined;
  return entry;
}

function deriveEntryOf(resolver: Resolver, fn: FunctionNode, name: string, inner: PublishSite): WrapperEntry | undefined {
  const info = (mode: WrapperInfo['mode']): WrapperInfo => ({ name, file: resolver.file, line: positionOf(resolver.input.text, fn).line, callLine: positionOf(resolver.input.text, inner.call).line, mode, inner, resolver });
  const label = `${name}()`;
  const base = inner.spec;
  // The message (or the list, or the whole record) comes from a parameter.
  if (base.messages) {
    const origin = originAlong(resolver, fn, inner.call, inner.spec.messages!, inner);
    // `create(dto: CreateClientDto) { return this.client.send('create_client', dto) }`: what its callers hand over
    // is declared as plain data, never a record with headers; the wrapper makes the message from it.
    if (origin && declaredPlainData(fn, origin, base)) return { info: info('body'), spec: { ...base, label, messages: undefined, carrier: '', body: [origin] } };
    if (origin) return { info: info('message'), spec: { ...base, label, messages: origin } };
    // `emit(topic, JSON.stringify(message))`: what callers hand over becomes a string here, so it can only be the
    // body, whatever headers it held. (A project's `serialize()` may return a whole record, headers included.)
    if (inner.messages.some((m) => m.type === 'node' && isSerializedValue(resolver, m.node))) {
      const serialized = originAlong(resolver, fn, inner.call, inner.spec.messages!, inner, true);
      if (serialized) return { info: info('body'), spec: { ...base, label, messages: undefined, carrier: '', body: [serialized] } };
    }
  }
  const messages = inner.messages.filter((m): m is { type: 'node'; node: Node } => m.type === 'node');
  for (const message of messages) {
    const start = base.messages ? message.node : inner.call;
    const carrier = originAlong(resolver, fn, start, base.carrier, inner, false, true);
    if (!carrier) continue;
    // A wrapper that converts its caller's plain map into the broker's shape (`{ DataType, StringValue }` per entry)
    // takes a plain map: what callers inject with `injectTraceHeaders` is the right shape for it.
    const converts = base.shape !== 'object' && evalPath(resolver, start, base.carrier, inner.broker.id, inner.call).some((r) => r.type === 'node' && convertsEntries(resolver, r.node));
    return { info: info('carrier'), spec: { ...base, label, messages: undefined, carrier, body: [], ...(converts ? { shape: 'object' as const } : {}) } };
  }
  for (const message of messages) {
    const start = base.messages ? message.node : inner.call;
    for (const bodyPath of base.body ?? []) {
      const body = (bodyPath === '' ? paramOrigin(resolver, fn, start, true) : originAlong(resolver, fn, start, bodyPath, inner, true)) ?? bodyBuiltFromParam(resolver, fn, start, bodyPath, inner);
      if (body) return { info: info('body'), spec: { ...base, label, messages: undefined, carrier: '', body: [body] } };
    }
  }
  return undefined;
}

/**
 * Whether the parameter a message comes from whole (`arg1`) is declared with a type no record can have: a primitive
 * (`id: number`); or, where a NestJS client sends it, a named type that is not a record's (`dto: CreateUserDto`, not
 * `RmqRecord`, `KafkaMessage`, a `Record<...>` or a type parameter). Undeclared, `any` or `unknown`: it may be one.
 */
function declaredPlainData(fn: FunctionNode, origin: string, spec: PublishSpec): boolean {
  const index = /^arg(\d+)$/.exec(origin)?.[1];
  const param: Node | undefined = index === undefined ? undefined : fn.params[Number(index)];
  return !!param && declaredPlainParameter(fn, param, !!spec.builder || spec.carrier.startsWith('chain:') || !!spec.envelopeKeys);
}

/**
 * `publishEvent(topic, { user })`, `emit('user.updated', { id: user.id, ...changes })`: a body a thin wrapper writes
 * as an object around its parameters. The callers hand over only part of a payload, never headers: the wrapper's
 * callers publish through it as through a pass-through of that parameter. Not a spread into a Nest Kafka message,
 * where a caller's `key`/`value`/`headers` would make it a whole record.
 */
function bodyBuiltFromParam(resolver: Resolver, fn: FunctionNode, start: Node, bodyPath: string, inner: PublishSite): string | undefined {
  // Only a function that does little else: a service method that saves a record and then publishes an event built
  // from its arguments is where that event starts, not a helper its callers publish through.
  if (fn.body.type === 'BlockStatement' && (fn.body.body.length > 2 || statementCount(resolver, fn.body, MAX_THIN_STATEMENTS) > MAX_THIN_STATEMENTS)) return undefined;
  const values = bodyPath === '' ? [start] : evalPath(resolver, start, bodyPath, inner.broker.id, inner.call).flatMap((r) => (r.type === 'node' ? [r.node] : []));
  for (const value of values) {
    let object = resolver.follow(value).node;
    // `Buffer.from(JSON.stringify({ client, data: event }))`, `MessageBody: JSON.stringify({ key })`: the object serialised.
    for (let i = 0; i < 3 && object.type === 'CallExpression' && SERIALIZERS.has(calleeName(object) ?? '') && object.arguments[0] && object.arguments[0].type !== 'SpreadElement'; i++) {
      object = resolver.follow(object.arguments[0]).node;
    }
    if (object.type !== 'ObjectExpression') continue;
    for (const prop of object.properties) {
      if (prop.type === 'SpreadElement' && inner.spec.envelopeKeys) continue;
      const origin = paramOrigin(resolver, fn, prop.type === 'SpreadElement' ? prop.argument : (prop.value as Node));
      if (origin) return origin;
    }
  }
  return undefined;
}

/** A thin wrapper's statements, nested ones included: a log line and a `try`/`catch` around the publish, at most. */
const MAX_THIN_STATEMENTS = 5;
/** A function between its callers and a wrapper, passing on their payload: a few lines of mapping and logging. */
const MAX_RELAY_STATEMENTS = 10;

/**
 * The statements of a block at every depth (`try { ... } catch { ... }` counts its own and those inside), blocks and
 * nested functions aside, counted up to just past `limit`.
 */
function statementCount(resolver: Resolver, block: TSESTree.BlockStatement, limit: number): number {
  let count = 0;
  walk(block, resolver.keys, (node) => {
    if (count > limit || isFunction(node)) return false;
    if (node.type !== 'BlockStatement' && node.type !== 'StaticBlock' && /(Statement|Declaration)$/.test(node.type)) count++;
    return undefined;
  });
  return count;
}

/**
 * Evaluates a description path inside the wrapper and, when the value at some step is one of the wrapper's
 * parameters, returns the path a caller's call takes to the same value (`arg2` + the remaining steps).
 */
function originAlong(resolver: Resolver, fn: FunctionNode, start: Node, path: string, site: PublishSite, throughSerializers = false, spreadCarrier = false): string | undefined {
  const steps = parsePath(path);
  let current: Node[] = [start];
  for (let i = 0; i <= steps.length; i++) {
    for (const node of current) {
      if (i === 0 && node === site.call) continue;
      const origin = paramOrigin(resolver, fn, node, throughSerializers && i === steps.length) ?? (spreadCarrier && i === steps.length ? spreadIntoCarrier(resolver, fn, node) ?? copiedFromParam(resolver, fn, node) : undefined);
      if (origin) return [origin, ...steps.slice(i).map(stepText)].filter(Boolean).join('.');
    }
    if (i === steps.length) break;
    const next: Node[] = [];
    for (const node of current) {
      const results = applyStep(resolver, node, steps[i]!, site.broker.id, site.call);
      for (const result of results) if (result.type === 'node') next.push(result.node);
      // `{ ...defaults, ...options }` without the property itself: it comes from a spread parameter, if any. Not for
      // a Nest Kafka emit, where a spread payload without `key`/`value` is all body and a caller's headers would be too.
      const step = steps[i]!;
      if (step.type === 'prop' && !site.spec.envelopeKeys && !results.some((r) => r.type === 'node')) {
        const spread = spreadParamOrigin(resolver, fn, node);
        if (spread) return [spread, ...steps.slice(i).map(stepText)].join('.');
      }
    }
    current = next;
  }
  return undefined;
}

function stepText(step: Step): string {
  switch (step.type) {
    case 'arg':
      return `arg${step.index}`;
    case 'param':
      return `param${step.index}`;
    case 'prop':
      return step.name;
    case 'each':
      return '[*]';
    case 'eachOrSelf':
      return '[?]';
    case 'new':
      return `new:${step.kind}`;
    case 'chain':
      return `chain:${step.method}`;
  }
}

/** `argN(.prop)*` when a value is (a property of) the N-th parameter of `fn`. */
function paramOrigin(resolver: Resolver, fn: FunctionNode, node: Node, throughSerializers = false): string | undefined {
  let current = unwrap(node);
  if (throughSerializers) {
    // `publish(subject, encode(JSON.stringify(message)))`, also through constants on the way
    // (`const json = JSON.stringify(message); const data = encoder.encode(json)`).
    for (let i = 0; i < 4; i++) {
      const value = unwrap(resolver.follow(current).node);
      if (value.type !== 'CallExpression' || !SERIALIZERS.has(calleeName(value) ?? '') || !value.arguments[0]) break;
      current = unwrap(value.arguments[0]);
    }
  }
  // `headers || {}`, `attributes ?? {}`: the parameter, with a default for callers that pass none.
  if (current.type === 'LogicalExpression' && (current.operator === '||' || current.operator === '??') && isEmptyDefault(unwrap(current.right))) current = unwrap(current.left);
  const props: string[] = [];
  while (current.type === 'MemberExpression' && memberName(current)) {
    props.unshift(memberName(current)!);
    current = unwrap(current.object);
  }
  const { node: value } = resolver.follow(current);
  if (value.type !== 'Identifier') return undefined;
  const variable = resolver.variableOf(value);
  const def = variable?.defs[0];
  // `for (const record of records) send(record)`, `records.map((record) => send(record))`: an element of a parameter.
  const list = def ? iteratedList(def.name as Node) : undefined;
  if (list) {
    const origin = paramOrigin(resolver, fn, list);
    return origin ? [origin, '[*]', ...props].join('.') : undefined;
  }
  // `const { subject, options } = params`: a property of a parameter, destructured in the body.
  if (def?.type === 'Variable' && def.node.type === 'VariableDeclarator' && def.node.id.type === 'ObjectPattern' && def.node.init && (def.parent as TSESTree.VariableDeclaration | null)?.kind === 'const') {
    const path = bindingPath(def.node.id, def.name);
    const origin = path ? paramOrigin(resolver, fn, def.node.init) : undefined;
    return origin ? [origin, ...path!, ...props].join('.') : undefined;
  }
  if (!def || def.type !== 'Parameter' || def.node !== fn) return undefined;
  for (let index = 0; index < fn.params.length; index++) {
    const path = bindingPath(fn.params[index]!, def.name);
    if (path) return [`arg${index}`, ...path, ...props].join('.');
  }
  return undefined;
}

/** The last spread of an object literal that is (a property of) a parameter: `{ ...defaults, ...options }` → `arg0.options`. */
function spreadParamOrigin(resolver: Resolver, fn: FunctionNode, node: Node): string | undefined {
  const object = resolver.follow(node).node;
  if (object.type !== 'ObjectExpression') return undefined;
  for (let i = object.properties.length - 1; i >= 0; i--) {
    const prop = object.properties[i]!;
    if (prop.type !== 'SpreadElement') continue;
    const origin = paramOrigin(resolver, fn, prop.argument);
    if (origin) return origin;
  }
  return undefined;
}

/**
 * `headers: { 'event-id': event.id, ...options.headers }`: a carrier the wrapper writes its own plain values into
 * and spreads its caller's carrier over, so what traces it carries is what the caller passes. Not when anything
 * else in it is computed (`...injectTraceHeaders()`, `traceparent: current()`): the wrapper may inject itself.
 */
function spreadIntoCarrier(resolver: Resolver, fn: FunctionNode, node: Node): string | undefined {
  const object = resolver.follow(node).node;
  if (object.type !== 'ObjectExpression') return undefined;
  let origin: string | undefined;
  for (const prop of object.properties) {
    if (prop.type === 'SpreadElement') {
      if (origin) return undefined;
      origin = paramOrigin(resolver, fn, prop.argument);
      if (!origin) return undefined;
    } else if (prop.computed || !isPlainValue(resolver, prop.value as Node)) {
      return undefined;
    }
  }
  return origin;
}

/**
 * A carrier the wrapper copies from its caller's, entry by entry, into the broker's format:
 * `for (const [key, value] of Object.entries(message.headers)) attributes[key] = String(value)`, or through a
 * converter of the project that does not inject (`this.recordToNatsHeaders(message.headers)`).
 */
function copiedFromParam(resolver: Resolver, fn: FunctionNode, node: Node): string | undefined {
  const value = unwrap(resolver.follow(node).node);
  if (value.type === 'CallExpression') {
    const args = value.arguments.filter((a) => a.type !== 'SpreadElement').map((a) => paramOrigin(resolver, fn, a as Node)).filter((o): o is string => !!o);
    const ref = args.length === 1 ? resolver.calleeFunction(value) : undefined;
    if (!ref || bodyInjects(ref.resolver, ref.fn, EMPTY_NAMES)) return undefined;
    return args[0];
  }
  // `{ ...(attrs ? Object.entries(attrs).reduce(toAttribute, {}) : {}), ...(raw ?? {}) }`: only the caller's maps,
  // converted entry by entry or copied whole.
  if (value.type === 'ObjectExpression' && value.properties.length > 0 && value.properties.every((p) => p.type === 'SpreadElement')) {
    const origins = value.properties.map((p) => copiedWhole(resolver, fn, (p as TSESTree.SpreadElement).argument));
    return origins.every((o) => o !== undefined) ? origins.find((o): o is string => typeof o === 'string') : undefined;
  }
  if (value.type !== 'ObjectExpression' || value.properties.length > 0 || unwrap(node).type !== 'Identifier') return undefined;
  // `const attributes = {}` filled in a loop over (the entries of) a parameter's carrier, and nothing else.
  const variable = resolver.variableOf(unwrap(node));
  let origin: string | undefined;
  for (const ref of variable?.references ?? []) {
    const id = ref.identifier as Node;
    const member = id.parent;
    if (member?.type !== 'MemberExpression' || member.object !== id || !member.computed) continue;
    if (member.parent?.type !== 'AssignmentExpression' || member.parent.left !== member) continue;
    let loop: Node | undefined = member.parent;
    while (loop && loop !== fn && loop.type !== 'ForOfStatement' && loop.type !== 'ForInStatement') loop = loop.parent;
    if (loop?.type !== 'ForOfStatement' && loop?.type !== 'ForInStatement') return undefined;
    let source = unwrap(loop.right);
    if (source.type === 'CallExpression' && (calleeName(source) === 'entries' || calleeName(source) === 'keys') && source.arguments[0]) source = unwrap(source.arguments[0] as Node);
    if (source.type === 'LogicalExpression' && isEmptyDefault(unwrap(source.right))) source = unwrap(source.left);
    const found = paramOrigin(resolver, fn, source);
    if (!found || (origin && origin !== found)) return undefined;
    origin = found;
  }
  return origin;
}

/** The map `Object.entries(map).reduce(...)` or `.map(...)` converts entry by entry; undefined for another node. */
function convertedMap(node: Node): Node | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || !['reduce', 'map'].includes(memberName(node.callee) ?? '')) return undefined;
  const source = unwrap(node.callee.object);
  return source.type === 'CallExpression' && calleeName(source) === 'entries' && source.arguments[0] ? (source.arguments[0] as Node) : undefined;
}

/** Whether a carrier is built entry by entry from a map (`Object.entries(attrs).reduce(...)`, `.map(...)`). */
function convertsEntries(resolver: Resolver, node: Node): boolean {
  let found = false;
  walk(unwrap(resolver.follow(node).node), resolver.keys, (inner) => {
    if (found) return false;
    found = convertedMap(inner) !== undefined;
    return undefined;
  });
  return found;
}

/**
 * What a spread in a carrier copies: a parameter's map (`attrs`, `attrs ?? {}`, `attrs ? ... : {}`), or its entries
 * converted one by one (`Object.entries(attrs).reduce(...)`, `.map(...)`). `null` for an empty default branch,
 * undefined for anything else.
 */
function copiedWhole(resolver: Resolver, fn: FunctionNode, node: Node): string | null | undefined {
  const value = unwrap(node);
  if (isEmptyDefault(value)) return null;
  if (value.type === 'ConditionalExpression') {
    const branches = [copiedWhole(resolver, fn, value.consequent), copiedWhole(resolver, fn, value.alternate)];
    return branches.every((b) => b !== undefined) ? (branches.find((b): b is string => typeof b === 'string') ?? null) : undefined;
  }
  if (value.type === 'LogicalExpression' && value.operator !== '&&' && isEmptyDefault(unwrap(value.right))) return copiedWhole(resolver, fn, value.left);
  const converted = convertedMap(value);
  if (converted) return paramOrigin(resolver, fn, converted);
  if (value.type === 'CallExpression' && value.callee.type === 'MemberExpression' && ['reduce', 'map'].includes(memberName(value.callee) ?? '')) return undefined;
  return paramOrigin(resolver, fn, value);
}

/** Whether a broker call's carrier is copied from a parameter of the function around the call. */
export function copiedFromCaller(resolver: Resolver, call: Node, carrier: Node): boolean {
  for (let fn = enclosingFunction(call), levels = 0; fn && levels < 3; fn = enclosingFunction(fn), levels++) {
    if (copiedFromParam(resolver, fn, carrier)) return true;
  }
  return false;
}

/** A literal, or (a property of) a variable: nothing that is computed by a call. */
function isPlainValue(resolver: Resolver, node: Node): boolean {
  let value = unwrap(node);
  while (value.type === 'MemberExpression' && !value.computed) value = unwrap(value.object);
  if (value.type === 'Literal' || value.type === 'ThisExpression') return true;
  if (value.type === 'TemplateLiteral') return value.expressions.every((e) => isPlainValue(resolver, e as Node));
  // `options.messageType || 'default'`, `id ? String(id) : 'none'`: plain values either way.
  if (value.type === 'LogicalExpression') return isPlainValue(resolver, value.left) && isPlainValue(resolver, value.right);
  if (value.type === 'ConditionalExpression') return isPlainValue(resolver, value.consequent) && isPlainValue(resolver, value.alternate);
  if (value.type !== 'Identifier') return false;
  const followed = unwrap(resolver.follow(value).node);
  return followed === value || isPlainValue(resolver, followed);
}

/** `{}`, `[]`, `undefined`, `null`: a default that carries nothing. */
function isEmptyDefault(node: Node): boolean {
  return (node.type === 'ObjectExpression' && node.properties.length === 0) || (node.type === 'ArrayExpression' && node.elements.length === 0) || isNullish(node);
}

/** The list a loop variable (`for (const x of list)`) or an iterator callback's element (`list.map((x) => ...)`) comes from. */
function iteratedList(name: Node): Node | undefined {
  const declarator = name.parent;
  const loop = declarator?.type === 'VariableDeclarator' && declarator.id === name ? declarator.parent?.parent : undefined;
  if (loop?.type === 'ForOfStatement' && loop.left === declarator!.parent) return loop.right;
  const callback = name.parent;
  if ((callback?.type === 'ArrowFunctionExpression' || callback?.type === 'FunctionExpression') && callback.params[0] === name) {
    const call = callback.parent;
    const callee = call?.type === 'CallExpression' && call.arguments[0] === callback ? unwrap(call.callee) : undefined;
    if (callee?.type === 'MemberExpression' && ELEMENT_ITERATORS.has(memberName(callee) ?? '')) return callee.object;
  }
  return undefined;
}

const ELEMENT_ITERATORS = new Set(['map', 'forEach', 'flatMap']);

/** The property path from a parameter pattern to one of its bound names (`{ message }` → `['message']`). */
export function bindingPath(pattern: Node, target: TSESTree.Identifier): string[] | undefined {
  if (pattern === target) return [];
  if (pattern.type === 'TSParameterProperty') return bindingPath(pattern.parameter, target);
  if (pattern.type === 'AssignmentPattern') return bindingPath(pattern.left, target);
  if (pattern.type === 'RestElement') return undefined;
  if (pattern.type !== 'ObjectPattern') return undefined;
  for (const prop of pattern.properties) {
    if (prop.type !== 'Property') continue;
    const key = prop.key.type === 'Identifier' && !prop.computed ? prop.key.name : undefined;
    if (!key) continue;
    const rest = bindingPath(prop.value, target);
    if (rest) return [key, ...rest];
  }
  return undefined;
}

/** Where a wrapper is written, as the reader of a report finds it: `src/helpers/sqs.js:47`. */
export function wrapperLocation(info: WrapperInfo, resolver: Resolver, at: 'function' | 'call' = 'function'): string {
  const root = resolver.project?.root;
  const file = info.file ? (root ? path.relative(root, info.file) : info.file) : 'this file';
  return `${file.split(path.sep).join('/')}:${at === 'call' ? info.callLine : info.line}`;
}

/** A direct broker call inside a function that passes its callers' message or carrier through, with that function. */
export function passThroughOf(resolver: Resolver, site: PublishSite): { fn: FunctionNode; name: string; mode: WrapperInfo['mode'] } | undefined {
  // The nearest enclosing function whose parameters feed the call (callbacks inside it, such as a Promise
  // executor or `.then()`, are looked through).
  let levels = 0;
  for (let p: Node | undefined = site.call.parent; p && levels < 4; p = p.parent) {
    if (p.type !== 'FunctionDeclaration' && p.type !== 'FunctionExpression' && p.type !== 'ArrowFunctionExpression') continue;
    levels++;
    const name = functionName(p);
    const entry = name ? deriveEntry(resolver, p, name, site) : undefined;
    if (entry) return entry.info.mode !== 'body' ? { fn: p, name: name!, mode: entry.info.mode } : undefined;
  }
  return undefined;
}


/** Beyond this many files naming the function, its callers are not looked for (each would be parsed). */
const MAX_CALLER_FILES = 24;

/** Files that may call a function of `file` by name; undefined when there are too many to look at. */
function callerFiles(project: NonNullable<Resolver['project']>, file: string, name: string, resolver: Resolver): string[] | undefined {
  const dir = packageDir(file, project.root);
  const pkg = project.manifest(dir) as { name?: string } | undefined;
  const hints = [path.basename(file).replace(/\.[cm]?[jt]sx?$/, ''), path.basename(path.dirname(file)), pkg?.name].filter((h): h is string => !!h && h !== 'src' && h !== 'index');
  const named = callIndex(project, resolver).get(name) ?? [];
  if (named.length > MAX_CALLER_FILES) return undefined;
  const out: string[] = [];
  for (const candidate of named) {
    if (candidate === file) continue;
    if (!candidate.startsWith(dir + path.sep)) {
      const text = project.text(candidate);
      if (!text || !hints.some((h) => text.includes(h))) continue;
    }
    out.push(candidate);
  }
  return out;
}

/**
 * Whether the code around a site runs only under tests: its nearest named function (`receiveLast`, a helper a
 * test peeks at a queue with) is called in the project's test files and nowhere else, not even in its own file.
 * Test code is left out by the configs, and so is the source code only tests run.
 */
export function onlyTestsCall(resolver: Resolver, site: Node): boolean {
  const { project, file } = resolver;
  if (!project || !file) return false;
  // The nearest function called by its name: callbacks handed to a library (`run({ eachMessage })`) are skipped,
  // since tests often call those by hand while only the library calls them in production.
  let fn = enclosingFunction(site);
  while (fn && (!functionName(fn) || isCallback(fn))) fn = enclosingFunction(fn);
  if (!fn) return false;
  const owner = fn;
  return resolver.memo('tests-only', owner, () => {
    // Test files linted on purpose are judged as they are.
    if (isTestFile(project.relative(file))) return false;
    const testOnly = (): boolean => {
      // A method is judged by its class (`new SqsRepository(client).send(...)` only in a test): a method's name may be
      // as common as `send`, and frameworks call decorated handlers and lifecycle hooks that tests call by hand.
      const method = owner.parent;
      if (method?.type === 'MethodDefinition') {
        const classNode = method.parent?.parent;
        return (classNode?.type === 'ClassDeclaration' || classNode?.type === 'ClassExpression') && !!classNode.id && nameOnlyInTests(resolver, classNode.id.name);
      }
      return nameOnlyInTests(resolver, functionName(owner)!);
    };
    // A module no source file imports may be an entry point a runtime calls (a Lambda handler named in a template,
    // a route file, a script): tests calling its functions say nothing about production. Only an unused part of a
    // module the app imports is test-only.
    return testOnly() && importedBySource(project, file, resolver.catalog);
  });
}

/**
 * Whether the code around a site is dead: its outermost function is a module-level function that nothing in the
 * project names, neither its own file nor any other (tests included), while source files import its module (so the
 * module is no entry point a runtime calls by name: a Lambda handler's module is imported by none). An exported
 * helper nobody calls sends nothing; a maintainer would delete it, not add context to it.
 */
export function neverCalled(resolver: Resolver, site: Node): boolean {
  const { project, file } = resolver;
  if (!project || !file || isTestFile(project.relative(file))) return false;
  let outer: Node | undefined;
  for (let fn = enclosingFunction(site); fn; fn = enclosingFunction(fn)) outer = fn;
  if (!outer) return false;
  const holder = outer.parent?.type === 'VariableDeclarator' ? outer.parent.parent : outer;
  const statement = holder?.parent?.type === 'ExportNamedDeclaration' ? holder.parent : holder;
  if (statement?.parent?.type !== 'Program') return false;
  const name = functionName(outer as FunctionNode);
  if (!name) return false;
  return resolver.memo('never-called', outer, () => {
    if (importersOf(project, file, resolver.catalog).length === 0 || usedIn(resolver, name)) return false;
    // Another module calls it only by importing it (directly or through barrels); tests calling it make it test-only.
    const word = new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`);
    return !importersThroughBarrels(project, file, resolver.catalog).some((other) => namedOutsideReexports(project.text(other), name, word));
  });
}

/** The name a module goes by in imports and test names: its file's, or its folder's for an index file. */
function moduleName(file: string): string {
  const base = path.basename(file).replace(/\.[cm]?[jt]sx?$/, '');
  return base === 'index' ? path.basename(path.dirname(file)) : base;
}

/** Whether a source file of the project (not a test) imports the module. */
function importedBySource(project: NonNullable<Resolver['project']>, file: string, catalog: Catalog): boolean {
  return importersOf(project, file, catalog).length > 0;
}

/**
 * Whether a name declared in this module is used in the project's test files and nowhere else: not in its own
 * module (beyond declaring it), not in another source file except as a key, a type member or a re-export.
 */
function nameOnlyInTests(resolver: Resolver, name: string): boolean {
  const project = resolver.project!;
  const file = resolver.file!;
  // Tests that name the module (its file or folder name, in their path or text), not another function of that name.
  const testFiles = testCalls(project).get(name);
  if (!testFiles) return false;
  const pkg = (project.manifest(packageDir(file, project.root)) as { name?: string } | undefined)?.name;
  const hints = [moduleName(file), pkg].filter((h): h is string => !!h && h !== 'src' && h !== 'lib');
  if (!testFiles.some((test) => hints.some((hint) => project.relative(test).includes(hint) || (project.text(test) ?? '').includes(hint)))) return false;
  // Used in its own file: called, or handed over by name (`run({ eachMessage: handle })`).
  if (usedIn(resolver, name)) return false;
  // Callers among the files that reach a broker (indexed for wrappers anyway), then, rarely needed, any other mention.
  if ((callIndex(project, resolver).get(name) ?? []).some((other) => other !== file)) return false;
  return !project.projectSlot(`used-outside-tests:${file}:${name}`, () => {
    const word = new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])(?!\\s*\\??\\s*:)`);
    return project.files().some((other) => {
      if (other === file || isTestFile(project.relative(other))) return false;
      return namedOutsideReexports(project.text(other), name, word);
    });
  });
}

/**
 * Whether a module's text names `name` (as `word` matches it) on a line other than a re-export:
 * `export { SqsRepository } from './sqs-repository'` in a barrel passes the name on; it uses nothing.
 */
function namedOutsideReexports(text: string | undefined, name: string, word: RegExp): boolean {
  return !!text && text.includes(name) && text.split('\n').some((line) => word.test(line) && !/^\s*export\b[^;]*\bfrom\b/.test(line));
}

/** Whether a module uses a name as a value: anywhere but a key, a declared name or a type member. */
function usedIn(resolver: Resolver, name: string): boolean {
  let used = false;
  walk(resolver.input.ast, resolver.keys, (node) => {
    if (used) return false;
    if (node.type !== 'Identifier' || node.name !== name) return undefined;
    const parent = node.parent;
    const declares =
      ((parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition' || parent?.type === 'TSPropertySignature' || parent?.type === 'TSMethodSignature') && parent.key === node && !(parent.type === 'Property' && parent.shorthand)) ||
      ((parent?.type === 'FunctionDeclaration' || parent?.type === 'FunctionExpression' || parent?.type === 'VariableDeclarator' || parent?.type === 'ClassDeclaration' || parent?.type === 'ClassExpression') && parent.id === node) ||
      (parent?.type === 'MemberExpression' && parent.property === node && parent.parent?.type === 'AssignmentExpression' && parent.parent.left === parent) ||
      parent?.type === 'ExportSpecifier';
    if (!declares) used = true;
    return undefined;
  });
  return used;
}

/** A function passed to a call, directly or as a property of an object literal passed to one. */
function isCallback(fn: FunctionNode): boolean {
  let node: Node = fn;
  if (node.parent?.type === 'Property' && node.parent.parent?.type === 'ObjectExpression') node = node.parent.parent;
  const parent = node.parent;
  return (parent?.type === 'CallExpression' || parent?.type === 'NewExpression') && parent.arguments.includes(node as TSESTree.Expression);
}

/** Name called in the project's test files → those files; built once per listing. */
function testCalls(project: NonNullable<Resolver['project']>): Map<string, string[]> {
  return project.projectSlot('test-calls', () => {
    const names = new Map<string, string[]>();
    for (const file of project.files()) {
      if (!isTestFile(project.relative(file))) continue;
      for (const name of new Set(Array.from((project.text(file) ?? '').matchAll(/([A-Za-z_$][\w$]*)\s*\(/g), (m) => m[1]!))) {
        const list = names.get(name);
        if (list) list.push(file);
        else names.set(ownString(name), [file]);
      }
    }
    return names;
  });
}

/** Name called → files calling it, over the project's files that reach a broker (tests left out); built once per listing. */
function callIndex(project: NonNullable<Resolver['project']>, resolver: Resolver): Map<string, string[]> {
  return project.projectSlot('call-index', () => {
    const index = new Map<string, string[]>();
    for (const candidate of project.files()) {
      // Tests call wrappers with mocks: they are not the callers whose carriers decide a wrapper's verdict.
      if (isTestFile(project.relative(candidate))) continue;
      if (!reaches(project, candidate, resolver.catalog, 'broker')) continue;
      const text = project.text(candidate);
      if (!text) continue;
      for (const called of new Set(Array.from(text.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g), (m) => m[1]!))) {
        const list = index.get(called);
        if (list) list.push(candidate);
        else index.set(ownString(called), [candidate]);
      }
    }
    return index;
  });
}

/**
 * The publish sites, anywhere in the project, that call `fn` (written in `file`) and reach `inner` through it.
 * Files are looked at only when they reach a broker and name the function; calls are matched by the function's
 * file and position, since another module's view of this file is a separate parse.
 */
export function callerSites(resolver: Resolver, fn: FunctionNode, name: string, inner: PublishSite, matchDirect: SiteMatcher): Array<{ resolver: Resolver; site: PublishSite }> | undefined {
  const project = resolver.project;
  const file = resolver.file;
  const out: Array<{ resolver: Resolver; site: PublishSite }> = [];
  const word = new RegExp(`\\b${escapeRegExp(name)}\\s*\\(`);
  // The linted file itself (as the editor has it), then the project's other files that name the function and
  // can import it (same package, or naming its module, folder or package), at most MAX_CALLER_FILES of them.
  const others = project && file ? callerFiles(project, file, name, resolver) : [];
  if (others === undefined) return undefined;
  for (const candidate of [undefined, ...others]) {
    const text = candidate ? project!.text(candidate) : resolver.input.text;
    if (!text || !word.test(text)) continue;
    const other = candidate ? Resolver.forModule(project!, candidate, resolver.catalog) : resolver;
    if (!other) continue;
    walk(other.input.ast, other.keys, (node) => {
      if (node.type !== 'CallExpression') return undefined;
      const callee = unwrap(node.callee);
      const calleeName = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && callee.property.type === 'Identifier' ? callee.property.name : undefined;
      if (calleeName !== name) return undefined;
      const ref = other.calleeFunction(node);
      if (!ref || (ref.fn !== fn && (ref.resolver.file !== file || ref.fn.range[0] !== fn.range[0]))) return undefined;
      for (const site of matchWrapperCall(other, node, matchDirect)) {
        if (site.via && site.via.inner.call.range[0] === inner.call.range[0]) out.push({ resolver: other, site });
      }
      return undefined;
    });
  }
  return out;
}
