/**
 * @fileoverview One builder per kind of repair. Each returns a fix hint (see `fixes.ts`) when the repair is local
 * and safe, or the reason it is not, which codemods print and leave the site untouched.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { CarrierShape } from '../brokers/types.js';
import { enclosingFunction, isFunction, memberName, staticName, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import { addPropertyEdits, helper, HELPER_BY_SHAPE, lineEnding, lineIndent, lineStart, quoteOf, removePropertyEdits, removeStatementEdit, sourceOf, type Edit, type FixHint, type Requirement } from './fixes.js';
import { isBarePayload, type PublishSite } from './publish.js';
import { anchorCall, constantString } from './destinations.js';
import type { Resolver, SourceInput } from './resolve.js';
import { majorVersionOf } from './versions.js';
import { isTraceHeaderName } from './trace-keys.js';

export type Repair = { fix: FixHint; reason?: undefined } | { reason: string; fix?: undefined };

const OTEL = '@opentelemetry/api';

function hint(label: string, requires: Requirement[], edits: (local: (r: Requirement) => string) => Edit[]): Repair {
  return { fix: { label, requires, edits } };
}

/** Replaces a value; a shorthand property (`{ headers }`) becomes `headers: <text>`. */
function replaceValue(node: Node, text: string): Edit {
  const parent = node.parent;
  if (parent?.type === 'Property' && parent.shorthand && parent.value === node) {
    return { range: parent.range, text: `${(parent.key as TSESTree.Identifier).name}: ${text}` };
  }
  return { range: node.range, text };
}

/** `headers()` from the NATS package this file already uses. */
function natsHeadersRequirement(resolver: Resolver): Requirement {
  const sources = new Set([...resolver.imports.values()].map((i) => i.source));
  const module = ['nats', '@nats-io/nats-core', '@nats-io/transport-node'].find((m) => sources.has(m)) ?? 'nats';
  return { module, name: 'headers' };
}

/** The expression that builds a fresh injected carrier of a shape: `injectTraceHeaders()`, `injectNatsHeaders(headers())`. */
function freshCarrier(resolver: Resolver, shape: CarrierShape): { requires: Requirement[]; render(local: (r: Requirement) => string): string } {
  const inject = helper(HELPER_BY_SHAPE[shape]);
  if (shape === 'nats-msghdrs') {
    const headers = natsHeadersRequirement(resolver);
    return { requires: [inject, headers], render: (local) => `${local(inject)}(${local(headers)}())` };
  }
  return { requires: [inject], render: (local) => `${local(inject)}()` };
}

// ---------------------------------------------------------------------------------------------------------------
// Publishers

/** A publish without any carrier: add one, holding a freshly injected context. */
export function addCarrier(resolver: Resolver, site: PublishSite, message: Node): Repair {
  const { spec, call } = site;
  const input = resolver.input;
  const fresh = freshCarrier(resolver, spec.shape);
  const label = HELPER_BY_SHAPE[spec.shape];
  const path = spec.carrier.split('.');
  const literal = resolver.follow(message).node;

  if (spec.envelopeKeys && isBarePayload(resolver, spec, message)) {
    // NestJS ClientKafka: `emit(p, data)` sends `{ value: data }`; saying so explicitly keeps the body identical.
    // The envelope is built at the call: a variable holding the body may be typed as the body (`const m: Event = {...}`).
    return hint(label, fresh.requires, (local) => [replaceValue(message, `{ value: ${sourceOf(input, message)}, headers: ${fresh.render(local)} }`)]);
  }
  if (path[0]?.startsWith('chain:')) return builderCarrier(resolver, site, message);
  if (literal.type === 'ObjectExpression' && literal.properties.some((p) => p.type === 'Property' && staticName(p.key, p.computed) === 'MessageStructure' && staticName(p.value) === 'json')) {
    return { reason: "SNS drops message attributes when MessageStructure is 'json'; carry the context per protocol inside the JSON message, or stop using MessageStructure 'json'" };
  }
  if (spec.messages) {
    if (path.length !== 1 || literal.type !== 'ObjectExpression') return { reason: 'the message is not an object literal in this file' };
    if (isBranchValue(literal)) return { reason: BRANCH_VALUE };
    if (unwrap(message) !== literal && literal.parent?.type === 'VariableDeclarator' && literal.parent.id.typeAnnotation) {
      // `const m: OrderMessage = {...}`: its declared type may not have the carrier; add it where the message is sent.
      return hint(label, fresh.requires, (local) => [replaceValue(message, `{ ...${sourceOf(input, message)}, ${path[0]}: ${fresh.render(local)} }`)]);
    }
    return hint(label, fresh.requires, (local) => addPropertyEdits(input, literal, `${path[0]}: ${fresh.render(local)}`));
  }
  // Positional APIs: carrier at argN (rdkafka, Pub/Sub publish) or in argN's options object (AMQP, NATS).
  const index = Number(/^arg(\d+)$/.exec(path[0] ?? '')?.[1] ?? NaN);
  if (Number.isNaN(index)) return { reason: 'unsupported carrier position' };
  const args = call.arguments;
  if (args.some((a) => a.type === 'SpreadElement')) return { reason: 'the call spreads its arguments' };
  // The keys from the argument down to the carrier: `arg2.headers` → [headers]; `arg0.options.headers` (a wrapper's
  // options object inside its one parameter) → [options, headers].
  const keys = path.slice(1);
  const property = keys[0];
  const nested = (from: number, local: (r: Requirement) => string): string => keys.slice(from).reduceRight((inner, key) => `{ ${key}: ${inner} }`, fresh.render(local));
  const value = (local: (r: Requirement) => string): string => nested(0, local);
  const existing = args[index];
  if (existing && !isFunction(unwrap(existing))) {
    let options = resolver.follow(existing).node;
    if (property && options.type === 'ObjectExpression') {
      // Down the object literals that hold the carrier; the first key missing gets the rest, nested.
      for (let k = 0; k < keys.length - 1; k++) {
        if (isBranchValue(options)) return { reason: BRANCH_VALUE };
        const holder = options as TSESTree.ObjectExpression;
        if (holder.properties.some((p) => p.type === 'SpreadElement')) return { reason: 'the options object spreads another object' };
        const found = holder.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === keys[k]);
        if (!found) return hint(label, fresh.requires, (local) => addPropertyEdits(input, holder, `${keys[k]}: ${nested(k + 1, local)}`));
        options = resolver.follow(found.value).node;
        if (options.type !== 'ObjectExpression') return { reason: `${keys[k]} is not an object literal in this file` };
      }
      if (isBranchValue(options)) return { reason: BRANCH_VALUE };
      const holder = options;
      return hint(label, fresh.requires, (local) => addPropertyEdits(input, holder, `${keys[keys.length - 1]}: ${fresh.render(local)}`));
    }
    if (!property && unwrap(existing).type === 'Literal' || (unwrap(existing).type === 'Identifier' && (unwrap(existing) as TSESTree.Identifier).name === 'undefined')) {
      return hint(label, fresh.requires, (local) => [replaceValue(existing, value(local))]);
    }
    return { reason: 'the options argument is not an object literal in this file' };
  }
  // Missing argument(s), or a callback where the headers go (rdkafka HighLevelProducer): insert before it.
  const callback = existing && isFunction(unwrap(existing)) ? existing : undefined;
  if (callback) {
    return hint(label, fresh.requires, (local) => [{ range: [callback.range[0], callback.range[0]], text: `${value(local)}, ` }]);
  }
  const last = args[args.length - 1];
  if (!last) return { reason: 'the call has no arguments to extend' };
  const padding = index > args.length ? ', undefined'.repeat(index - args.length) : '';
  return hint(label, fresh.requires, (local) => [{ range: [last.range[1], last.range[1]], text: `${padding}, ${value(local)}` }]);
}

const BRANCH_VALUE = 'the variable is given this value on one branch only; give every value the carrier';

/** `let options; if (ttl) options = { expiration: ttl }`: a value the variable holds only on some paths. */
function isBranchValue(node: Node): boolean {
  return node.parent?.type === 'AssignmentExpression' && node.parent.right === node;
}

/** NestJS record builders: add headers to `setOptions`, or a `setOptions`/`setHeaders` call before `build()`. */
function builderCarrier(resolver: Resolver, site: PublishSite, message: Node): Repair {
  const { spec } = site;
  const input = resolver.input;
  const value = resolver.follow(message).node;
  const method = /^chain:(\w+)/.exec(spec.carrier)![1]!;
  const fresh = freshCarrier(resolver, spec.shape);
  const label = HELPER_BY_SHAPE[spec.shape];
  if (value.type !== 'CallExpression') {
    if (method !== 'setOptions' || value.type !== 'ObjectExpression') return { reason: 'the payload is not a record builder or an object literal' };
    // ClientRMQ with plain data: wrap it in a record builder carrying the headers.
    const builder = { module: '@nestjs/microservices', name: 'RmqRecordBuilder' };
    return hint(label, [...fresh.requires, builder], (local) => [
      { range: value.range, text: `new ${local(builder)}(${sourceOf(input, value)}).setOptions({ headers: ${fresh.render(local)} }).build()` },
    ]);
  }
  let build: TSESTree.CallExpression | undefined;
  for (let link: Node = value; link.type === 'CallExpression'; ) {
    const callee = unwrap(link.callee);
    if (callee.type !== 'MemberExpression') break;
    if (memberName(callee) === 'build') build = link;
    if (memberName(callee) === method && method === 'setOptions') {
      const options = link.arguments[0] && resolver.follow(link.arguments[0]).node;
      if (options?.type !== 'ObjectExpression') return { reason: 'setOptions() is not given an object literal' };
      return hint(label, fresh.requires, (local) => addPropertyEdits(input, options, `headers: ${fresh.render(local)}`));
    }
    link = unwrap(callee.object);
  }
  if (!build) return { reason: 'the record builder chain has no build() call' };
  const buildCallee = unwrap(build.callee) as TSESTree.MemberExpression;
  const at = buildCallee.property.range[0] - 1; // before `.build`
  const call = method === 'setOptions' ? (local: (r: Requirement) => string) => `.setOptions({ headers: ${fresh.render(local)} })` : (local: (r: Requirement) => string) => `.setHeaders(${fresh.render(local)})`;
  return hint(label, fresh.requires, (local) => [{ range: [at, at], text: call(local) }]);
}

/** A carrier that exists but never received the context: wrap it, keeping its values. */
export function wrapCarrier(resolver: Resolver, carrier: Node, shape: CarrierShape): Repair {
  const value = resolver.follow(carrier).node;
  if (value.type === 'ConditionalExpression' || value.type === 'LogicalExpression') {
    return { reason: 'the carrier is chosen at run time (a conditional); inject into the carrier that is sent, by hand' };
  }
  const inject = helper(HELPER_BY_SHAPE[shape]);
  return hint(inject.name, [inject], (local) => [replaceValue(carrier, `${local(inject)}(${sourceOf(resolver.input, carrier)})`)]);
}

/** Hand-built or copied trace keys in an object literal carrier: drop them and let the helper inject. */
export function rebuildCarrier(resolver: Resolver, carrier: Node, shape: CarrierShape): Repair {
  const object = unwrap(carrier);
  if (object.type !== 'ObjectExpression') return { reason: 'the trace headers are set outside an object literal (for example with h.set()); remove them by hand' };
  const kept = object.properties.filter((p) => !(p.type === 'Property' && isTraceHeaderName(staticName(p.key, p.computed) ?? '')));
  const inject = helper(HELPER_BY_SHAPE[shape]);
  const input = resolver.input;
  return hint(inject.name, [inject], (local) => [
    replaceValue(carrier, `${local(inject)}(${kept.length > 0 ? `{ ${kept.map((p) => sourceOf(input, p)).join(', ')} }` : ''})`),
  ]);
}

/**
 * Injected with the default setter into a carrier that cannot hold it. Safe only when the carrier holds nothing
 * but the injected context (`const c = {}`), or is a NATS MsgHdrs (where the default setter's write is inert).
 */
export function reshapeCarrier(resolver: Resolver, carrier: Node, shape: CarrierShape): Repair {
  if (shape === 'nats-msghdrs') return wrapCarrier(resolver, carrier, shape);
  const emptyInit = (node: Node): boolean => {
    const { node: value } = resolver.follow(node);
    return (value.type === 'ObjectExpression' && value.properties.length === 0) || (value.type === 'ArrayExpression' && value.elements.length === 0);
  };
  const value = unwrap(carrier);
  const onlyInjected = value.type === 'ArrayExpression' ? value.elements.every((e) => e && e.type !== 'SpreadElement' && emptyInit(e)) : emptyInit(value);
  if (!onlyInjected) return { reason: `the carrier holds other values; convert it by hand to ${shape === 'message-attributes' ? '{ DataType, StringValue } entries' : 'single-key header objects'}` };
  const fresh = freshCarrier(resolver, shape);
  return hint(HELPER_BY_SHAPE[shape], fresh.requires, (local) => [replaceValue(carrier, fresh.render(local))]);
}

/**
 * SQS/SNS attributes over the budget: the message's own attributes leave no room for the propagation fields.
 * With at most 9 of its own, `injectMessageAttributes(own)` fits traceparent (and tracestate if there is room)
 * into the limit of 10; injected carriers spread into the literal are dropped, since the helper re-injects.
 */
export function budgetAttributes(resolver: Resolver, literal: TSESTree.ObjectExpression, limit: number, isInjected: (node: Node) => boolean): Repair {
  const own = literal.properties.filter((p) => p.type === 'Property').length;
  if (own >= limit) return { reason: `${own} attributes of its own leave no room for traceparent; move some into the message body by hand` };
  const spreads = literal.properties.filter((p): p is TSESTree.SpreadElement => p.type === 'SpreadElement');
  if (spreads.some((p) => !isInjected(p.argument))) return { reason: 'the attributes spread other objects; move some attributes into the message body by hand' };
  const inject = helper('injectMessageAttributes');
  const input = resolver.input;
  return hint(inject.name, [inject], (local) => [
    { range: [literal.range[0], literal.range[0]], text: `${local(inject)}(` },
    ...spreads.flatMap((spread) => removePropertyEdits(input, literal, spread)),
    { range: [literal.range[1], literal.range[1]], text: ')' },
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Consumers

/** `propagation.extract(ctx, carrier)` with a getter that cannot read the carrier → `extractTraceContext(carrier, ctx)`. */
export function extractWithHelper(resolver: Resolver, call: TSESTree.CallExpression): Repair {
  const [ctx, carrier] = call.arguments;
  if (!ctx || !carrier) return { reason: 'unexpected extract() arguments' };
  const extract = helper('extractTraceContext');
  return hint(extract.name, [extract], (local) => [{ range: call.range, text: `${local(extract)}(${sourceOf(resolver.input, carrier)}, ${sourceOf(resolver.input, ctx)})` }]);
}

/** The expression reading a message's carrier from a binding (`message?.headers`, `ctx.getMessage().headers`). */
export function incomingCarrierExpression(resolver: Resolver, site: ConsumeSite, binding: { name: string; path: string[] }, nonNull = false): string {
  if (site.spec.style === 'decorator') {
    if (site.contextKind === 'natsContext') return `${binding.name}.getHeaders()`;
    if (site.contextKind === 'rmqContext') return `${binding.name}.getMessage().properties.headers`;
    return `${binding.name}.getMessage().headers`;
  }
  const [first, ...rest] = [...binding.path, ...site.spec.carrier.split('.')];
  // A message that is always there (or follows a guard that returned when it is missing) needs no `?.`.
  const certain = nonNull || (!site.spec.nullable && site.spec.style !== 'pull');
  return `${binding.name}${certain ? '.' : '?.'}${[first, ...rest].join('?.')}`;
}

/** Whether the handler returns early when its message is missing (`if (!msg) return;`): below, it is there. */
export function guardsMessage(site: ConsumeSite): boolean {
  const binding = site.bindings[0];
  const fn = isFunction(site.body) ? site.body : undefined;
  if (!binding || binding.path.length > 0 || fn?.body.type !== 'BlockStatement') return false;
  return guardedNonNull(fn.body, leadingGuards(fn.body), binding.variable.name);
}

/** `if (!msg) return;` among the leading guards: `msg` is not null below them. */
function guardedNonNull(block: TSESTree.BlockStatement, guards: number, name: string): boolean {
  return block.body.slice(0, guards).some((statement) => {
    const test = (statement as TSESTree.IfStatement).test;
    const operand = test.type === 'UnaryExpression' && test.operator === '!' ? unwrap(test.argument) : undefined;
    return operand?.type === 'Identifier' && operand.name === name;
  });
}

/**
 * What names the consumer span, as the helpers take it: `{ system: 'kafka', destination: 'orders' }` (named
 * `process orders` by the OpenTelemetry messaging conventions), the destination only when it is a string literal or
 * a constant; else `{ system: 'kafka' }` (`process kafka`).
 */
function spanName(resolver: Resolver, site: ConsumeSite): string {
  const system = (site.contextKind && site.broker.systemByContext?.[site.contextKind]) ?? site.broker.system;
  const destination = destinationOf(resolver, site);
  const q = quoteOf(resolver.input);
  const quote = (text: string): string => `${q}${text.replace(/\\/g, '\\\\').replaceAll(q, `\\${q}`)}${q}`;
  return `{ system: ${quote(system)}${destination === undefined ? '' : `, destination: ${quote(destination)}`} }`;
}

function destinationOf(resolver: Resolver, site: ConsumeSite): string | undefined {
  const index = Number(/^arg(\d+)$/.exec(site.spec.destination ?? '')?.[1] ?? NaN);
  if (Number.isNaN(index)) return undefined;
  const call = anchorCall(site);
  if (call?.type !== 'CallExpression') return undefined;
  const argument = call.arguments[index];
  if (!argument || argument.type === 'SpreadElement') return undefined;
  // A literal, or a constant of this module or an imported one (`import { PAYMENTS_QUEUE } from './queues'`).
  return constantString(resolver, argument, 0);
}

/** A handler that never extracts: run its body inside `withConsumerSpan(carrier, name, fn)`. */
export function wrapHandler(resolver: Resolver, site: ConsumeSite): Repair {
  const binding = site.bindings[0];
  if (!binding) {
    if (site.spec.style === 'decorator') return addContextParameter(resolver, site);
    return { reason: site.spec.style === 'method' ? 'the handler does not take the raw message' : 'the handler does not receive the message' };
  }
  if (site.spec.style === 'pull') return wrapAfterPull(resolver, site);
  const name = { name: binding.variable.name, path: binding.path };
  const carrier = incomingCarrierExpression(resolver, site, name);
  const wrap = helper('withConsumerSpan');
  const input = resolver.input;
  const body = site.body;
  if (site.spec.style === 'iterate') return wrapBlock(resolver, (body as TSESTree.Statement), carrier, spanName(resolver, site), true);
  const fn = isFunction(body) ? body : undefined;
  if (!fn || fn.generator) return { reason: 'the handler is not a plain function' };
  if (usesArguments(resolver, fn)) return { reason: 'the handler uses `arguments`, which an inner arrow function would change' };
  const asyncKeyword = fn.async ? 'async ' : '';
  if (fn.body.type !== 'BlockStatement') return hint(wrap.name, [wrap], (local) => wrapFunctionBody(input, fn, `${local(wrap)}(${carrier}, ${spanName(resolver, site)}, `));
  const block = fn.body;
  // Leading guards (`if (!msg) return;`: amqplib passes null when the broker cancels the consumer) stay outside,
  // so that no consumer span is started for a message that is not there.
  const guards = leadingGuards(block);
  if (guards > 0 && guards < block.body.length) {
    const first = block.body[guards]!;
    const last = block.body[block.body.length - 1]!;
    const guarded = binding.path.length === 0 && guardedNonNull(block, guards, binding.variable.name) ? incomingCarrierExpression(resolver, site, name, true) : carrier;
    return hint(wrap.name, [wrap], (local) => wrapStatements(input, first, last, `return ${local(wrap)}(${guarded}, ${spanName(resolver, site)}, ${asyncKeyword}() => {`));
  }
  return hint(wrap.name, [wrap], (local) => wrapFunctionBody(input, fn, `${local(wrap)}(${carrier}, ${spanName(resolver, site)}, `));
}

/** How many statements open a block as `if (...) return;` guards (no value, no else). */
function leadingGuards(block: TSESTree.BlockStatement): number {
  let count = 0;
  for (const statement of block.body) {
    const consequent = statement.type === 'IfStatement' && !statement.alternate ? statement.consequent : undefined;
    const bare = consequent?.type === 'BlockStatement' && consequent.body.length === 1 ? consequent.body[0] : consequent;
    if (bare?.type !== 'ReturnStatement' || bare.argument) break;
    count++;
  }
  return count;
}

/**
 * A NestJS handler without a `@Ctx()` parameter. When every other handler of its class takes the same context
 * type (so the transport is known), add that parameter, written as the siblings write it, and wrap the body.
 */
function addContextParameter(resolver: Resolver, site: ConsumeSite): Repair {
  const reason = { reason: 'the handler has no @Ctx() parameter to read the headers from, and neither its class nor the app bootstrap tells the transport; add one' };
  const method = site.anchor;
  const fn = site.body;
  if (method.type !== 'MethodDefinition' || method.parent?.type !== 'ClassBody' || !isFunction(fn) || fn.body.type !== 'BlockStatement') return reason;
  const input = resolver.input;
  const siblings = new Map<string, { decorator: string; type: string; kind: string }>();
  for (const element of method.parent.body) {
    if (element.type !== 'MethodDefinition' || element === method) continue;
    for (const param of element.value.params) {
      if (param.type !== 'Identifier' || !param.typeAnnotation) continue;
      for (const decorator of param.decorators ?? []) {
        const expression = unwrap(decorator.expression);
        const kind = resolver.kindOf(expression.type === 'CallExpression' ? expression.callee : expression);
        const contextKind = resolver.kindOfType(param.typeAnnotation)?.split(':')[1];
        if (kind === `${site.broker.id}:ctxDecorator` && contextKind) {
          const type = sourceOf(input, param.typeAnnotation.typeAnnotation);
          siblings.set(type, { decorator: sourceOf(input, decorator), type, kind: contextKind });
        }
      }
    }
  }
  // Else the transport the app was bootstrapped with (main.ts) named the context kind: add `@Ctx() ctx: KafkaContext`.
  const requires: Requirement[] = [];
  let written: ((local: (r: Requirement) => string) => { decorator: string; type: string }) | undefined;
  let kind: string;
  if (siblings.size === 1) {
    const [sibling] = [...siblings.values()];
    kind = sibling!.kind;
    written = () => sibling!;
  } else {
    // The context class of that kind, as the broker's data names it (`KafkaContext` for `kafkaContext`).
    const typeName = site.contextKind && siblings.size === 0 ? Object.entries(site.broker.types).find(([, k]) => k === site.contextKind)?.[0] : undefined;
    const module = site.broker.packages[0];
    if (!typeName || !module) return reason;
    kind = site.contextKind!;
    const ctx = { module, name: 'Ctx' };
    const contextType = { module, name: typeName };
    requires.push(ctx, contextType);
    written = (local) => ({ decorator: `@${local(ctx)}()`, type: local(contextType) });
  }
  const taken = new Set<string>();
  walk(fn, resolver.keys, (node) => {
    if (node.type === 'Identifier') taken.add(node.name);
  });
  let name = 'ctx';
  for (let i = 2; taken.has(name); i++) name = `ctx${i}`;
  const lastParam = fn.params[fn.params.length - 1];
  const open = input.text.indexOf('(', method.key.range[1]);
  const carrier = kind === 'natsContext' ? `${name}.getHeaders()` : kind === 'rmqContext' ? `${name}.getMessage().properties.headers` : `${name}.getMessage().headers`;
  const wrap = helper('withConsumerSpan');
  const parameterOf = (local: (r: Requirement) => string): string => {
    const { decorator, type } = written!(local);
    return `${decorator} ${name}: ${type}`;
  };
  // Nest 12 types `@EventPattern('topic')` (keyed overload) so that further parameters must be `unknown`;
  // `@EventPattern<string>('topic')` picks the overload that accepts a typed context parameter. Earlier majors
  // need no type argument (nor does a project whose version cannot be told from a file on disk).
  const typeArgument: Edit[] = [];
  const nestMajor = resolver.file ? majorVersionOf(resolver.file, '@nestjs/microservices') : undefined;
  for (const d of nestMajor !== undefined && nestMajor < 12 ? [] : (method.decorators ?? [])) {
    const call = unwrap(d.expression);
    if (call.type !== 'CallExpression' || call.typeArguments || call.callee.type !== 'Identifier') continue;
    if (resolver.imports.get(call.callee.name)?.imported === 'EventPattern' && staticName(call.arguments[0]) !== undefined) {
      typeArgument.push({ range: [call.callee.range[1], call.callee.range[1]], text: '<string>' });
    }
  }
  return hint(wrap.name, [wrap, ...requires], (local) => [
    ...typeArgument,
    lastParam ? { range: [lastParam.range[1], lastParam.range[1]], text: `, ${parameterOf(local)}` } : { range: [open + 1, open + 1], text: parameterOf(local) },
    ...wrapFunctionBody(input, fn, `${local(wrap)}(${carrier}, ${spanName(resolver, { ...site, contextKind: kind })}, `),
  ]);
}

/** Wraps a loop body so that each message is processed in its own consumer span. */
function wrapBlock(resolver: Resolver, statement: TSESTree.Statement, carrier: string, name: string, awaitIt: boolean): Repair {
  if (statement.type !== 'BlockStatement') return { reason: 'the loop body is not a block' };
  if (jumpsOut(resolver, statement)) return { reason: 'the loop body uses break, continue, return or yield, which a wrapping function would change' };
  const wrap = helper('withConsumerSpan');
  return hint(wrap.name, [wrap], (local) => wrapBlockBody(resolver.input, statement, `${awaitIt ? 'await ' : ''}${local(wrap)}(${carrier}, ${name}, ${awaitIt ? 'async ' : ''}() => {`));
}

/** A batch handler without per-message context: wrap the body of its loop over the messages. */
export function wrapBatchLoop(resolver: Resolver, site: ConsumeSite): Repair {
  const binding = site.bindings[0];
  if (!binding) return { reason: 'the handler does not receive the messages' };
  const arrayText = [binding.variable.name, ...binding.path].join('.');
  let loop: TSESTree.ForOfStatement | undefined;
  walk(site.body, resolver.keys, (node) => {
    if (loop) return false;
    if (node.type === 'ForOfStatement' && !node.await && rootIdentifier(node.right)?.name === binding.variable.name && resolver.variableOf(rootIdentifier(node.right)!) === binding.variable) loop = node;
    return undefined;
  });
  if (!loop) return wrapInBatchSpan(resolver, site, arrayText);
  const id = loop.left.type === 'VariableDeclaration' ? loop.left.declarations[0]?.id : undefined;
  if (id?.type !== 'Identifier') return { reason: 'the loop variable is destructured' };
  const fn = isFunction(site.body) ? site.body : undefined;
  const [head, ...tail] = site.spec.carrier.split('.');
  const carrier = [`${id.name}.${head}`, ...tail].join('?.'); // a loop variable over the batch is never null
  return wrapBlock(resolver, loop.body, carrier, spanName(resolver, site), !!fn?.async);
}

/**
 * A batch handler that aggregates its messages (no per-message loop): run it in one consumer span linked to
 * every message's producer, `withBatchConsumerSpan(messages.map((m) => m?.headers), name, fn)`.
 */
function wrapInBatchSpan(resolver: Resolver, site: ConsumeSite, arrayText: string): Repair {
  if (site.spec.style === 'pull') return wrapAfterPull(resolver, site);
  const fn = isFunction(site.body) ? site.body : undefined;
  if (!fn || site.spec.style !== 'callback') return { reason: `no for...of loop over ${arrayText} to give each message its own context; add one by hand` };
  if (fn.generator || usesArguments(resolver, fn)) return { reason: 'the handler is a generator or uses `arguments`' };
  const wrap = helper('withBatchConsumerSpan');
  // Evaluated before the handler's own guards (`if (err) return`): must not throw when the batch is missing.
  // Evaluated before the handler's own guards (`if (err) return`): a batch that may be missing is read with `?.`.
  const carriers = site.spec.nullable
    ? `${arrayText}?.map((m) => m.${site.spec.carrier.split('.').join('?.')}) ?? []`
    : `${arrayText}.map((m) => m.${site.spec.carrier.split('.').join('?.')})`;
  return hint(wrap.name, [wrap], (local) => wrapFunctionBody(resolver.input, fn, `${local(wrap)}(${carriers}, ${spanName(resolver, site)}, `));
}

/**
 * Runs the statements after `statement` (in the same function body) inside a wrapper:
 * `return <open>(async () => { ...rest });`. Only in a function body, where `return` keeps its meaning: the
 * rest's own returns now return from the wrapper, whose result the function returns.
 */
function wrapRestOfBody(resolver: Resolver, statement: Node, label: string, requires: Requirement[], open: (local: (r: Requirement) => string, asyncKeyword: string) => string, includeStatement = false): Repair {
  const block = statement.parent;
  const owner = block?.parent;
  const fn = enclosingFunction(statement);
  if (block?.type !== 'BlockStatement' || !fn) return { reason: 'not in a block of a function; wrap the processing by hand' };
  // In the function body `return` passes the result on; in a loop body of an async function, `await` runs each
  // iteration's rest inside the context, provided nothing in it jumps out of the loop.
  const inLoop = /^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(owner?.type ?? '') && fn.async;
  if (owner !== fn && !inLoop) return { reason: 'not directly in a function body or a loop body; wrap the processing by hand' };
  if (fn.generator || usesArguments(resolver, fn)) return { reason: 'the handler is a generator or uses `arguments`' };
  const index = block.body.indexOf(statement as TSESTree.Statement);
  let rest = block.body.slice(index + 1);
  if (inLoop) {
    // Leading guards (`if (!msg) break;`) stay outside: wrap what follows the last statement that jumps.
    const lastJump = rest.map((r) => jumpsOut(resolver, r)).lastIndexOf(true);
    rest = rest.slice(lastJump + 1);
    includeStatement = includeStatement && lastJump < 0;
  }
  if (rest.length === 0) return { reason: inLoop ? 'the loop body ends in break, continue or return, which a wrapping function would change' : 'nothing follows to run inside the context' };
  if (rest.some((r) => r.type === 'FunctionDeclaration')) return { reason: 'function declarations follow, which wrapping would hide from earlier code' };
  const asyncKeyword = fn.async ? 'async ' : '';
  const keyword = owner === fn ? 'return' : 'await';
  const first = includeStatement ? statement : rest[0]!;
  const last = rest[rest.length - 1]!;
  return hint(label, requires, (local) => wrapStatements(resolver.input, first, last, `${keyword} ${open(local, asyncKeyword)}${asyncKeyword}() => {`));
}

/** `const ctx = propagation.extract(...)` never used: run the rest of the handler inside it. */
export function activateExtracted(resolver: Resolver, call: TSESTree.CallExpression): Repair {
  const contextApi = { module: OTEL, name: 'context' };
  const declarator = call.parent;
  if (declarator?.type === 'VariableDeclarator' && declarator.init === call && declarator.id.type === 'Identifier' && declarator.parent?.type === 'VariableDeclaration') {
    const name = declarator.id.name;
    return wrapRestOfBody(resolver, declarator.parent, 'context.with', [contextApi], (local) => `${local(contextApi)}.with(${name}, `);
  }
  if (call.parent?.type === 'ExpressionStatement') {
    // The result is discarded: the statement itself becomes the context of the rest.
    const statement = call.parent;
    const input = resolver.input;
    const text = sourceOf(input, call);
    const repair = wrapRestOfBody(resolver, statement, 'context.with', [contextApi], (local) => `${local(contextApi)}.with(${text}, `);
    if (!repair.fix) return repair;
    const fix = repair.fix;
    // The discarded call statement goes; the wrapper opens where the rest starts (its first edit).
    const opensAt = fix.edits(() => '')[0]!.range[0];
    const start = lineStart(input.text, statement.range[0]);
    const ownLine = /^[ \t]*$/.test(input.text.slice(start, statement.range[0])) && lineStart(input.text, opensAt) === opensAt;
    const between = input.text.slice(statement.range[1], opensAt);
    if (!/^\s*$/.test(between.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''))) return { reason: 'statements between the extraction and the processing jump out of the loop; wrap the processing by hand' };
    // A comment after the call stays where it was, on a line of its own.
    const removal: Edit = /^\s*$/.test(between) ? { range: [ownLine ? start : statement.range[0], opensAt], text: '' } : { range: [statement.range[0], statement.range[1] + /^[ \t]*/.exec(between)![0].length], text: '' };
    return hint(fix.label, [...fix.requires], (local) => [removal, ...fix.edits(local)]);
  }
  return { reason: 'the extracted context is computed but never used: pass it to context.with or startActiveSpan by hand' };
}

/** A pull receive (`const msg = await ch.get(q)`): run the rest of the function in the message's consumer span. */
function wrapAfterPull(resolver: Resolver, site: ConsumeSite): Repair {
  const binding = site.bindings[0]!;
  const def = binding.variable.defs[0];
  const declaration = def?.node.parent;
  if (def?.type !== 'Variable' || declaration?.type !== 'VariableDeclaration' || def.node.type !== 'VariableDeclarator' || def.node.id.type !== 'Identifier') {
    return { reason: 'a pull receive whose result is destructured: wrap the processing of each message by hand' };
  }
  const name = binding.variable.name;
  const carrier = site.spec.carrier.split('.').join('?.');
  if (site.spec.batch) {
    const wrap = helper('withBatchConsumerSpan');
    return wrapRestOfBody(resolver, declaration, wrap.name, [wrap], (local) => `${local(wrap)}(${name}?.map((m) => m?.${carrier}) ?? [], ${spanName(resolver, site)}, `);
  }
  const wrap = helper('withConsumerSpan');
  return wrapRestOfBody(resolver, declaration, wrap.name, [wrap], (local) => `${local(wrap)}(${name}?.${carrier}, ${spanName(resolver, site)}, `);
}

/** An SQS receive that does not ask for the trace attributes: request them. */
export function requestAttributes(resolver: Resolver, request: TSESTree.ObjectExpression, field: string): Repair {
  const input = resolver.input;
  const existing = request.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === field);
  if (!existing) return hint(field, [], () => addPropertyEdits(input, request, `${field}: ['All']`));
  const list = unwrap(existing.value);
  if (list.type !== 'ArrayExpression') return { reason: `${field} is not an array literal` };
  const last = list.elements[list.elements.length - 1];
  const fields = "'traceparent', 'tracestate', 'baggage'";
  return hint(field, [], () => [last ? { range: [last.range[1], last.range[1]], text: `, ${fields}` } : { range: list.range, text: `[${fields}]` }]);
}

// ---------------------------------------------------------------------------------------------------------------
// Payloads

/** A trace key written into a body: remove the property (or the `body.traceId = ...;` statement). */
export function removePayloadKey(resolver: Resolver, key: Node): Repair {
  const input = resolver.input;
  const owner = key.parent;
  if (owner?.type === 'Property' && owner.parent?.type === 'ObjectExpression') {
    const object = owner.parent;
    const orphan = orphanedTraceVariable(resolver, owner);
    return hint(`Remove '${staticName(owner.key, owner.computed) ?? 'the trace key'}' from the payload`, [], () => [
      ...removePropertyEdits(input, object, owner),
      ...(orphan ? [orphan] : []),
    ]);
  }
  const assignment = owner?.parent;
  if (owner?.type === 'MemberExpression' && assignment?.type === 'AssignmentExpression' && assignment.parent?.type === 'ExpressionStatement') {
    const statement = assignment.parent;
    const start = lineStart(input.text, statement.range[0]);
    const onlyIndent = /^[ \t]*$/.test(input.text.slice(start, statement.range[0]));
    const end = input.text[statement.range[1]] === '\n' && onlyIndent ? statement.range[1] + 1 : statement.range[1];
    return hint(`Remove the '${memberName(owner) ?? 'trace key'}' assignment from the payload`, [], () => [{ range: [onlyIndent ? start : statement.range[0], end], text: '' }]);
  }
  return { reason: 'the trace key is not an object-literal property or a plain assignment' };
}

/**
 * `const traceId = trace.getActiveSpan()?.spanContext().traceId;` whose only use was the payload property being
 * removed: delete the declaration too, so the fix leaves no unused variable. Only for initialisers that merely read
 * span context (no other calls), which removing cannot change.
 */
function orphanedTraceVariable(resolver: Resolver, property: TSESTree.Property): Edit | undefined {
  const value = unwrap(property.value);
  if (value.type !== 'Identifier') return undefined;
  const variable = resolver.variableOf(value);
  const def = variable?.defs[0];
  const declarator = def?.node;
  const declaration = declarator?.parent;
  if (!variable || variable.defs.length !== 1 || def?.type !== 'Variable' || declarator?.type !== 'VariableDeclarator' || declaration?.type !== 'VariableDeclaration' || declaration.declarations.length !== 1) return undefined;
  if (declaration.parent?.type !== 'BlockStatement' && declaration.parent?.type !== 'Program') return undefined;
  if (variable.references.filter((r) => !r.init).length !== 1 || !declarator.init || !readsSpanContextOnly(declarator.init)) return undefined;
  return removeStatementEdit(resolver.input.text, declaration);
}

/** `trace.getActiveSpan()?.spanContext().traceId`, `span.spanContext().spanId`, `sc?.traceId`: reads only. */
function readsSpanContextOnly(node: Node): boolean {
  const v = unwrap(node);
  if (v.type === 'Identifier') return true;
  if (v.type === 'MemberExpression') return readsSpanContextOnly(v.object);
  if (v.type === 'CallExpression') {
    const callee = unwrap(v.callee);
    const name = callee.type === 'MemberExpression' ? memberName(callee) : undefined;
    return v.arguments.length === 0 && (name === 'spanContext' || name === 'getActiveSpan') && readsSpanContextOnly((callee as TSESTree.MemberExpression).object);
  }
  return false;
}

/**
 * A consumer reading a trace id from the parsed payload. Once the handler runs in the extracted context, the
 * active span carries that trace id, so the read becomes `trace.getActiveSpan()?.spanContext().traceId`.
 */
export function replacePayloadRead(resolver: Resolver, property: Node, key: string): Repair {
  if (!['traceid'].includes(key.toLowerCase().replace(/[^a-z]/g, ''))) return { reason: `'${key}' has no equivalent on the active span; extract the context from the headers instead` };
  const traceApi = { module: OTEL, name: 'trace' };
  const member = property.parent;
  if (member?.type === 'Property' && member.key === property && member.parent?.type === 'ObjectPattern') {
    return destructuredRead(resolver, member, traceApi);
  }
  if (member?.type !== 'MemberExpression' || member.property !== property) return { reason: 'read in a way the codemod does not follow; read it from the active span by hand' };
  const parent = member.parent;
  if (parent?.type === 'AssignmentExpression' && parent.left === member) return { reason: 'the payload key is written, not read' };
  if (parent?.type === 'LogicalExpression' && parent.left === member && parent.operator !== '&&') {
    return { reason: `read with a fallback of its own (${parent.operator} ...), so the body is its source of truth; the publishers keep the key` };
  }
  return hint('Read the trace id from trace.getActiveSpan()', [traceApi], (local) => [{ range: member.range, text: `(${local(traceApi)}.getActiveSpan()?.spanContext().traceId ?? '')` }]);
}

// ---------------------------------------------------------------------------------------------------------------

/** `const { orderId, traceId } = JSON.parse(...)` → `const { orderId } = ...; const traceId = trace.getActiveSpan()...`. */
function destructuredRead(resolver: Resolver, property: TSESTree.Property, traceApi: Requirement): Repair {
  const pattern = property.parent as TSESTree.ObjectPattern;
  const declarator = pattern.parent;
  const declaration = declarator?.parent;
  if (property.value.type !== 'Identifier' || declarator?.type !== 'VariableDeclarator' || declaration?.type !== 'VariableDeclaration' || declaration.declarations.length !== 1) {
    return { reason: 'destructured in a way the codemod does not follow; read it from the active span by hand' };
  }
  if (pattern.properties.length === 1) return { reason: 'the trace id is all that is read from the payload; replace the read by hand' };
  const local = property.value.name;
  const input = resolver.input;
  const removal = removePropertyEdits(input, pattern as unknown as TSESTree.ObjectExpression, property);
  const indent = lineIndent(input.text, declaration.range[0]);
  // After the declaration's line (and any comment ending it), on a line of its own.
  const lineEnd = input.text.indexOf('\n', declaration.range[1]);
  const at = lineEnd < 0 ? input.text.length : input.text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  return hint('Read the trace id from trace.getActiveSpan()', [traceApi], (names) => [
    ...removal,
    { range: [at, at], text: `${lineEnding(input)}${indent}const ${local} = ${names(traceApi)}.getActiveSpan()?.spanContext().traceId ?? '';` },
  ]);
}

/** `res.Messages ?? []` → `res`. */
function rootIdentifier(expression: Node): TSESTree.Identifier | undefined {
  let node = unwrap(expression);
  for (;;) {
    if (node.type === 'LogicalExpression') node = unwrap(node.left);
    else if (node.type === 'MemberExpression') node = unwrap(node.object);
    else break;
  }
  return node.type === 'Identifier' ? node : undefined;
}

/**
 * Runs a function's body inside `<opening>() => ...)`, `opening` being a call up to its last argument
 * (`withConsumerSpan(carrier, 'name', `): a block body becomes `{ return <opening>async () => {...}); }`, an
 * expression body the arrow's expression.
 */
function wrapFunctionBody(input: SourceInput, fn: FunctionNode, opening: string): Edit[] {
  const asyncKeyword = fn.async ? 'async ' : '';
  if (fn.body.type !== 'BlockStatement') {
    const expression = fn.body;
    return [{ range: expression.range, text: `${opening}${asyncKeyword}() => ${parenthesiseObject(sourceOf(input, expression), expression)})` }];
  }
  return wrapBlockBody(input, fn.body, `return ${opening}${asyncKeyword}() => {`);
}

/**
 * Puts a block's statements inside `opener ... });`. A block written over several lines gets the opener and the
 * closer on lines of their own and its statements re-indented one level in the file's own indentation; a block on
 * one line stays on one line.
 */
function wrapBlockBody(input: SourceInput, block: TSESTree.BlockStatement, opener: string): Edit[] {
  const text = input.text;
  const open = block.range[0] + 1;
  const close = block.range[1] - 1;
  const first = block.body[0];
  const last = block.body[block.body.length - 1];
  const multiline = first && last && text.slice(open, first.range[0]).includes('\n') && text.slice(last.range[1], close).includes('\n');
  if (!multiline) {
    return [
      { range: [open, open], text: ` ${opener}` },
      { range: [close, close], text: '}); ' },
    ];
  }
  const eol = lineEnding(input);
  const inner = lineIndent(text, first.range[0]);
  const closeLine = lineStart(text, close);
  // After a comment that ends the opening line (`{ // why`), so that the comment stays where it was.
  const openLineEnd = text.indexOf('\n', open);
  const rest = text.slice(open, openLineEnd);
  const at = /^\s*(\/\/.*)?$/.test(rest) ? open + rest.replace(/\r$/, '').length : open;
  return [
    { range: [at, at], text: `${eol}${inner}${opener}` },
    ...indentLines(input, block, open, closeLine),
    { range: [closeLine, closeLine], text: `${inner}});${eol}` },
  ];
}

/** Puts statements `first`..`last` inside `opening ... });`, the opener and closer on lines of their own. */
function wrapStatements(input: SourceInput, first: Node, last: Node, opening: string): Edit[] {
  const eol = lineEnding(input);
  const text = input.text;
  const indent = lineIndent(text, first.range[0]);
  const firstLine = lineStart(text, first.range[0]);
  const lastLineEnd = text.indexOf('\n', last.range[1]);
  const ownLines = /^[ \t]*$/.test(text.slice(firstLine, first.range[0])) && /^[ \t]*\r?$/.test(text.slice(last.range[1], lastLineEnd < 0 ? text.length : lastLineEnd));
  if (!ownLines) {
    return [
      { range: [first.range[0], first.range[0]], text: `${opening}${eol}${indent}` },
      { range: [last.range[1], last.range[1]], text: `${eol}${indent}});` },
    ];
  }
  const unit = indentUnit(text);
  const owner = enclosingBlock(first) ?? first;
  return [
    { range: [firstLine, firstLine], text: `${indent}${opening}${eol}${unit}` },
    ...indentLines(input, owner, firstLine + 1, last.range[1]),
    { range: [last.range[1], last.range[1]], text: `${eol}${indent}});` },
  ];
}

function enclosingBlock(node: Node): Node | undefined {
  return node.parent?.type === 'BlockStatement' || node.parent?.type === 'Program' ? node.parent : undefined;
}

/**
 * The file's indentation step: a tab, or the most frequent increase of indentation from one code line to the next
 * (2 when nothing is indented). A stray line indented by one space does not decide it; JSDoc continuation lines
 * (` * ...`) and blank lines are skipped.
 */
function indentUnit(text: string): string {
  const steps = new Map<number, number>();
  let previous = 0;
  let tabs = 0;
  let spaces = 0;
  for (const match of text.matchAll(/^([ \t]*)(\S)/gm)) {
    if (match[2] === '*') continue;
    const indent = match[1]!;
    if (indent.startsWith('\t')) tabs++;
    else if (indent.length > 0) spaces++;
    const width = indent.replace(/\t/g, '    ').length;
    if (width > previous) steps.set(width - previous, (steps.get(width - previous) ?? 0) + 1);
    previous = width;
  }
  if (tabs > spaces) return '\t';
  let best = 2;
  let count = 0;
  for (const [step, seen] of steps) if (step <= 8 && (seen > count || (seen === count && step < best))) [best, count] = [step, seen];
  return ' '.repeat(best);
}

/**
 * Edits adding one indentation step to every non-blank line that starts in (from, to), except lines that start
 * inside a template literal (their text is the string's content) within `scope`.
 */
function indentLines(input: SourceInput, scope: Node, from: number, to: number): Edit[] {
  const text = input.text;
  const unit = indentUnit(text);
  const templates: Array<readonly [number, number]> = [];
  walk(scope, input.visitorKeys, (node) => {
    if (node.type === 'TemplateLiteral' && text.slice(node.range[0], node.range[1]).includes('\n')) templates.push(node.range);
    return undefined;
  });
  const edits: Edit[] = [];
  for (let at = text.indexOf('\n', from); at >= 0 && at + 1 < to; at = text.indexOf('\n', at + 1)) {
    const start = at + 1;
    if (/^[ \t]*\r?(\n|$)/.test(text.slice(start, start + 200))) continue; // blank line: no trailing whitespace
    if (templates.some(([a, b]) => a < start && start < b)) continue;
    edits.push({ range: [start, start], text: unit });
  }
  return edits;
}

function parenthesiseObject(text: string, expression: Node): string {
  return expression.type === 'ObjectExpression' ? `(${text})` : text;
}

function usesArguments(resolver: Resolver, fn: FunctionNode): boolean {
  let found = false;
  walk(fn.body, resolver.keys, (node) => {
    if (found || (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration')) return false;
    if (node.type === 'Identifier' && node.name === 'arguments') found = true;
    return undefined;
  });
  return found;
}

/** Whether a block has control flow that would mean something else inside a wrapping function. */
function jumpsOut(resolver: Resolver, block: Node): boolean {
  let found = false;
  walk(block, resolver.keys, (node) => {
    if (found || isFunction(node)) return false;
    if (node.type === 'ReturnStatement' || node.type === 'YieldExpression') found = true;
    // break/continue aimed at this loop (nested loops and switches own theirs)
    if ((node.type === 'BreakStatement' || node.type === 'ContinueStatement') && !insideNestedBreakable(node, block)) found = true;
    return undefined;
  });
  return found;
}

function insideNestedBreakable(node: Node, root: Node): boolean {
  for (let p = node.parent; p && p !== root; p = p.parent) {
    if (/^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(p.type)) return true;
    if (p.type === 'SwitchStatement' && node.type === 'BreakStatement') return true;
  }
  return false;
}
