/**
 * @fileoverview Consumer handlers: finds them from the broker descriptions, then checks that each extracts the
 * producer's context from its message carrier (per message for batches) with a getter that can read it, and
 * makes the extracted context current.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { BrokerSpec, ConsumeSpec, Instrumentation } from '../brokers/index.js';
import type { IncomingValues } from '../brokers/types.js';
import {
  callLocation, calleeName, contains, enclosingFunction, isFunction, isInsideIteration, memberName, returnedExpressions, someCall, staticName, unwrap, walk,
  type FunctionNode, type Node,
} from './ast.js';
import type { ConsumeMessageId, Finding } from './findings.js';
import { activateExtracted, extractWithHelper, requestAttributes, wrapBatchLoop, wrapHandler, type Repair } from './repairs.js';
import { extractionCall, type PropagationNames } from './otel.js';
import { matchPublish, receiverKind } from './publish.js';
import { isTraceHeaderName } from './trace-keys.js';
import { frameworkExtractor, handlerTransport, HEADER_TRANSPORTS, isHeaderlessTransport } from './nest.js';
import { evalPath, isHarmlessCall, parsePath } from './paths.js';
import { enclosingClass, entityOf, Resolver, type ScopeVariable } from './resolve.js';
import { escapeRegExp, importersThroughBarrels } from './reach.js';

/** A consumer entry point: the code that handles messages, and what names the message(s) there. */
export interface ConsumeSite {
  broker: BrokerSpec;
  spec: ConsumeSpec;
  /** The registering call, loop or method. */
  anchor: Node;
  /** Where `missingExtraction` is reported. */
  location: Node;
  /** The code handling the message(s): a function or a loop body. */
  body: Node;
  /** Variables naming the message (or the batch), with the property path from the variable to it. */
  bindings: MessageBinding[];
  /** Payload parameters (NestJS `@Payload()`), for trace-id reads. */
  payloads: ScopeVariable[];
  incoming: IncomingValues;
  coveredBy?: readonly Instrumentation[];
  /** Decorator style: the kind of the `@Ctx()` parameter (`kafkaContext`, `rmqContext`, `natsContext`). */
  contextKind?: string;
  /** An interceptor or decorator of the framework that extracts for this handler (by name): nothing to ask for. */
  extractedBy?: string;
  /** Set when the site is a call to one of the project's consume wrappers: the consumer inside it, in its module. */
  via?: { inner: ConsumeSite; resolver: Resolver };
  /**
   * Set when the handler is a function imported from another module (`run({ eachMessage: handleOrder })`): that
   * module's resolver, which `body` and `bindings` belong to. `location` is the reference in this file.
   */
  owner?: Resolver;
}

export interface MessageBinding {
  variable: ScopeVariable;
  path: string[];
}

/** Call-style consumer descriptions matching a call (`consumer.run`, `ch.consume`, `Consumer.create`). */
export function matchConsumeCall(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression): Array<{ broker: BrokerSpec; spec: ConsumeSpec }> {
  // `class EventConsumer extends Consumer { constructor(o) { super({ handleMessage }) } }`: the constructor's
  // `super(...)` is the construction of the library class.
  const parentClass = call.callee.type === 'Super' ? superClassOf(call) : undefined;
  const isNew = call.type === 'NewExpression' || parentClass !== undefined;
  const name = isNew ? 'new' : calleeName(call);
  const entries = name ? resolver.catalog.consumeByMethod.get(name) : undefined;
  if (!entries) return [];
  const callee = unwrap(call.callee);
  const kind = parentClass ? resolver.kindOf(parentClass) : isNew ? resolver.kindOf(callee) : receiverKind(resolver, call, name!);
  if (!kind) return [];
  return entries.filter(({ on, spec }) => {
    if (on !== kind) return false;
    if (spec.event) {
      const first = call.arguments[0];
      return !!first && staticName(first) === spec.event;
    }
    return true;
  });
}

/** The base class a `super(...)` call constructs: the `extends` clause of the class around it. */
function superClassOf(call: Node): Node | undefined {
  for (let node = call.parent; node; node = node.parent) {
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') return node.superClass ?? undefined;
  }
  return undefined;
}

/** Builds the site for a callback-, pull- or request-style description. */
export function callSite(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression, broker: BrokerSpec, spec: ConsumeSpec): ConsumeSite | undefined {
  const coveredBy = spec.autoExtractedBy ? [spec.autoExtractedBy] : undefined;
  if (spec.style === 'callback') {
    const handlerResult = evalPath(resolver, call, spec.handler!, broker.id, call)[0];
    if (handlerResult?.type !== 'node') return undefined;
    const fn = resolver.functionOf(handlerResult.node) ?? madeCallback(resolver, handlerResult.node);
    if (!fn || !isFunction(fn)) return importedHandlerSite(resolver, call, handlerResult.node, broker, spec);
    const bindings = bindingsOf(resolver, fn, spec.message!);
    return { broker, spec, anchor: call, location: fn, body: fn, bindings, payloads: [], incoming: spec.incoming, coveredBy };
  }
  if (spec.style === 'pull') {
    // const msg = await ch.get(q) / const msgs = await receiver.receiveMessages(10)
    let holder: Node = call;
    // AWS SDK v2: `await sqs.receiveMessage(params).promise()`.
    const promised = holder.parent?.type === 'MemberExpression' && holder.parent.object === holder && !holder.parent.computed && holder.parent.property.type === 'Identifier' && holder.parent.property.name === 'promise' ? holder.parent.parent : undefined;
    if (promised?.type === 'CallExpression' && promised.callee === holder.parent && promised.arguments.length === 0) holder = promised;
    while (holder.parent && (holder.parent.type === 'AwaitExpression' || holder.parent.type === 'TSAsExpression' || holder.parent.type === 'TSNonNullExpression')) holder = holder.parent;
    const declarator = holder.parent;
    // The request discriminates calls sharing a method name: `sqs.send(new ReceiveMessageCommand(...))`.
    const requests = spec.request ? evalPath(resolver, call, spec.request, broker.id, call) : [];
    if (requests.some((r) => r.type === 'mismatch')) return undefined;
    let fn: Node = enclosingFunction(call) ?? resolver.input.ast;
    const seen = requests.some((r) => r.type === 'node');
    const bindings: MessageBinding[] = [];
    const bind = (pattern: Node): void => {
      for (const id of boundIdentifiers(pattern)) {
        const variable = resolver.declaredVariable(id);
        if (variable) bindings.push({ variable, path: [] });
      }
    };
    if (declarator?.type === 'VariableDeclarator' && declarator.init === holder) {
      // A request we cannot see (`client.send(command)`, a parameter): a receive only if its result is read as one.
      if (spec.request && !seen && !readsMessages(resolver, declarator.id)) return undefined;
      bind(declarator.id);
    } else if (declarator?.type === 'AssignmentExpression' && declarator.operator === '=' && declarator.right === holder && declarator.left.type === 'Identifier') {
      // `let data = null; ... data = await client.send(new ReceiveMessageCommand(...))` (a poller's loop).
      if (spec.request && !seen) return undefined;
      const variable = resolver.variableOf(declarator.left);
      if (variable) bindings.push({ variable, path: [] });
    } else if (holder === call && declarator?.type === 'MemberExpression' && declarator.object === call && memberName(declarator) === 'then') {
      // `receiver.receiveMessages(10).then((messages) => ...)`: the callback receives them.
      const then = declarator.parent;
      const callback = then?.type === 'CallExpression' && then.callee === declarator ? then.arguments[0] : undefined;
      const first = callback && isFunction(callback) ? callback.params[0] : undefined;
      if (!first || (spec.request && !seen)) return undefined;
      bind(first);
      fn = callback!;
    }
    if (bindings.length === 0) return undefined;
    const single = spec.batch && spec.batchSize && receivesOne(resolver, call, broker, spec.batchSize);
    return { broker, spec: single ? { ...spec, batch: false } : spec, anchor: call, location: callLocation(call), body: fn, bindings, payloads: [], incoming: spec.incoming, coveredBy };
  }
  return undefined;
}

/** Whether a pull asks for at most one message (`MaxNumberOfMessages: 1`, or left at a default of one). */
function receivesOne(resolver: Resolver, call: Node, broker: BrokerSpec, size: { path: string; default: number }): boolean {
  const results = evalPath(resolver, call, size.path, broker.id, call);
  if (results.length === 0) return false;
  return results.every((result) => {
    if (result.type === 'absent') return size.default === 1;
    if (result.type !== 'node') return false;
    const value = resolver.follow(result.node).node;
    return value.type === 'Literal' && value.value === 1;
  });
}

/**
 * `consumer.run({ eachMessage: handleOrder })` with `handleOrder` imported from another module of the project: the
 * handler is judged in its module and reported at the reference here.
 */
export function importedHandlerSite(resolver: Resolver, anchor: Node, reference: Node, broker: BrokerSpec, spec: ConsumeSpec, path = spec.message!): ConsumeSite | undefined {
  const ref = resolver.referencedFunction(reference);
  if (!ref || ref.resolver === resolver || !isFunction(ref.fn)) return undefined;
  const bindings = bindingsOf(ref.resolver, ref.fn, path);
  if (bindings.length === 0) return undefined;
  return { broker, spec, anchor, location: reference, body: ref.fn, bindings, payloads: [], incoming: spec.incoming, coveredBy: spec.autoExtractedBy ? [spec.autoExtractedBy] : undefined, owner: ref.resolver };
}

/** The field a message's carrier is read from last: `headers` of `properties.headers`. */
function carrierField(spec: ConsumeSpec): string {
  return spec.carrier.split('.').pop()!;
}

/** Whether an expression reads the message's carrier field (`message.headers || {}`). */
function readsCarrier(site: ConsumeSite, node: Node): boolean {
  const field = carrierField(site.spec);
  let value = unwrap(node);
  while (value.type === 'LogicalExpression') value = unwrap(value.left);
  return value.type === 'MemberExpression' && memberName(value) === field;
}

/** Whether a pull's result is read as a batch of received messages: `{ Messages }`, `result.Messages`. */
function readsMessages(resolver: Resolver, pattern: Node): boolean {
  if (pattern.type === 'ObjectPattern') return pattern.properties.some((p) => p.type === 'Property' && staticName(p.key, p.computed) === 'Messages');
  if (pattern.type !== 'Identifier') return false;
  const variable = resolver.declaredVariable(pattern);
  return !!variable?.references.some((ref) => {
    const parent = (ref.identifier as Node).parent;
    return parent?.type === 'MemberExpression' && parent.object === ref.identifier && memberName(parent) === 'Messages';
  });
}

/** `consume(queue, makeCallback(params))`: the function a factory of this file returns, as the handler. */
function madeCallback(resolver: Resolver, node: Node): Node | undefined {
  const value = resolver.follow(node).node;
  if (value.type !== 'CallExpression') return undefined;
  const ref = resolver.calleeFunction(value);
  if (!ref || ref.resolver !== resolver || !isFunction(ref.fn)) return undefined;
  const returned = returnedExpressions(ref.fn, resolver.keys);
  return returned.length === 1 ? resolver.functionOf(returned[0]!) : undefined;
}

/** The variables a declaration or a parameter binds: `x`, `{ Messages = [] }`, `{ a: { b } }`, `[response, ...rest]`. */
function boundIdentifiers(pattern: Node): TSESTree.Identifier[] {
  if (pattern.type === 'Identifier') return [pattern];
  if (pattern.type === 'AssignmentPattern') return boundIdentifiers(pattern.left);
  if (pattern.type === 'RestElement') return boundIdentifiers(pattern.argument);
  if (pattern.type === 'TSParameterProperty') return boundIdentifiers(pattern.parameter);
  if (pattern.type === 'ObjectPattern') {
    return pattern.properties.flatMap((p) => (p.type === 'Property' ? boundIdentifiers(p.value) : boundIdentifiers(p.argument)));
  }
  if (pattern.type === 'ArrayPattern') return pattern.elements.flatMap((e) => (e ? boundIdentifiers(e) : []));
  return [];
}

/** `for await (const msg of sub)` over a value of a consumable kind. */
export function iterateSite(resolver: Resolver, loop: TSESTree.ForOfStatement): ConsumeSite | undefined {
  const kind = resolver.kindOf(loop.right);
  const entry = kind ? resolver.catalog.consumeByIteratedKind.get(kind) : undefined;
  if (!entry) return undefined;
  const bindings: MessageBinding[] = [];
  if (loop.left.type === 'VariableDeclaration') {
    const id = loop.left.declarations[0]?.id;
    const variable = id?.type === 'Identifier' ? resolver.declaredVariable(id) : null;
    if (variable) bindings.push({ variable, path: [] });
  }
  return { broker: entry.broker, spec: entry.spec, anchor: loop, location: loop, body: loop.body, bindings, payloads: [], incoming: entry.spec.incoming };
}

/** A class method decorated with a handler decorator (`@EventPattern('orders.created')`). */
export function decoratorSite(resolver: Resolver, method: TSESTree.MethodDefinition): ConsumeSite | undefined {
  const entry = handlerEntry(resolver, method);
  if (!entry) return undefined;
  const { broker, spec } = entry;
  if (spec.style === 'method') return methodSite(resolver, method, broker, spec);
  const params = handlerParams(resolver, method, broker.id);
  // The transport decides whether there are headers at all: TCP and Redis carry none (the payload is their only
  // carrier; so do RabbitMQ and NATS before Nest 8), and a handler whose transport cannot be told is not judged.
  const transport = handlerTransport(resolver, method, params.contextKind, (m) => (handlerEntry(resolver, m) ? handlerParams(resolver, m, broker.id).contextKind : undefined));
  if (!transport || !(transport in HEADER_TRANSPORTS) || isHeaderlessTransport(resolver, transport)) return undefined;
  const contextKind = params.contextKind ?? HEADER_TRANSPORTS[transport]!;
  const byContext = spec.autoExtractedByContext ?? {};
  const coveredBy = byContext[contextKind] ? [byContext[contextKind]!] : undefined;
  const incoming = spec.incomingByContext?.[contextKind] || spec.incoming;
  return {
    broker, spec, anchor: method, location: method.key, body: method.value, bindings: params.bindings, payloads: params.payloads, incoming, coveredBy, contextKind,
    extractedBy: frameworkExtractor(resolver, method),
  };
}

/**
 * A NestJS handler on a transport that carries no headers (TCP, Redis): the payload is its only carrier, so it
 * is not judged, but the audit shows it. Undefined when the handler has headers or its transport cannot be told.
 */
export function headerlessHandler(resolver: Resolver, method: TSESTree.MethodDefinition): { broker: BrokerSpec; spec: ConsumeSpec; transport: string } | undefined {
  const entry = handlerEntry(resolver, method);
  if (!entry) return undefined;
  const { broker, spec } = entry;
  if (spec.style === 'method') return undefined;
  const params = handlerParams(resolver, method, broker.id);
  const transport = handlerTransport(resolver, method, params.contextKind, (m) => (handlerEntry(resolver, m) ? handlerParams(resolver, m, broker.id).contextKind : undefined));
  return transport && isHeaderlessTransport(resolver, transport) ? { broker, spec, transport } : undefined;
}

/** A handler method a library calls with the message as one of its parameters (`@RabbitSubscribe`). */
function methodSite(resolver: Resolver, method: TSESTree.MethodDefinition, broker: BrokerSpec, spec: ConsumeSpec): ConsumeSite {
  const index = Number(/^param(\d+)$/.exec(spec.message ?? '')?.[1] ?? NaN);
  const param = Number.isNaN(index) ? undefined : method.value.params[index];
  const variable = param?.type === 'Identifier' || param?.type === 'AssignmentPattern' ? patternVariables(resolver, param)[0] : undefined;
  return {
    broker, spec, anchor: method, location: method.key, body: method.value, bindings: variable ? [{ variable, path: [] }] : [], payloads: [],
    incoming: spec.incoming, coveredBy: spec.autoExtractedBy ? [spec.autoExtractedBy] : undefined, extractedBy: frameworkExtractor(resolver, method),
  };
}

function handlerEntry(resolver: Resolver, method: TSESTree.MethodDefinition): { broker: BrokerSpec; spec: ConsumeSpec } | undefined {
  for (const decorator of method.decorators ?? []) {
    const expression = unwrap(decorator.expression);
    const target = expression.type === 'CallExpression' ? expression.callee : expression;
    const kind = resolver.kindOf(target);
    const entry = kind ? (resolver.catalog.consumeByDecoratorKind.get(kind) ?? composedDecorator(kind, resolver.catalog)) : undefined;
    if (entry) return entry;
  }
  return undefined;
}

/**
 * A project decorator factory that returns a handler decorator (`export function KafkaEventPattern(p) { return
 * EventPattern(prefix + p) }`, or `applyDecorators(MessagePattern(p), UseFilters(...))`): its methods are handlers.
 */
function composedDecorator(kind: string, catalog: Resolver['catalog']): { broker: BrokerSpec; spec: ConsumeSpec } | undefined {
  const entity = entityOf(kind);
  if (entity?.type !== 'function' || !isFunction(entity.node)) return undefined;
  const { resolver } = entity;
  const decorators = (expression: Node): Node[] => {
    const call = unwrap(expression);
    if (call.type !== 'CallExpression') return [];
    return calleeName(call) === 'applyDecorators' ? call.arguments.flatMap((arg) => (arg.type === 'SpreadElement' ? [] : decorators(arg))) : [call.callee];
  };
  for (const returned of returnedExpressions(entity.node, resolver.keys)) {
    for (const callee of decorators(resolver.follow(returned).node)) {
      const inner = resolver.kindOf(callee);
      const entry = inner ? catalog.consumeByDecoratorKind.get(inner) : undefined;
      if (entry) return entry;
    }
  }
  return undefined;
}

/** The `@Ctx()` and `@Payload()` parameters of a handler, and the kind of the context's declared type. */
function handlerParams(resolver: Resolver, method: TSESTree.MethodDefinition, brokerId: string): { bindings: MessageBinding[]; payloads: ScopeVariable[]; contextKind?: string } {
  const bindings: MessageBinding[] = [];
  const payloads: ScopeVariable[] = [];
  let contextKind: string | undefined;
  for (const param of method.value.params) {
    const id = param.type === 'TSParameterProperty' ? param.parameter : param;
    if (id.type !== 'Identifier') continue;
    for (const paramDecorator of id.decorators ?? param.decorators ?? []) {
      const decoratorExpression = unwrap(paramDecorator.expression);
      const decoratorKind = resolver.kindOf(decoratorExpression.type === 'CallExpression' ? decoratorExpression.callee : decoratorExpression);
      const variable = resolver.declaredVariable(id);
      if (!variable) continue;
      if (decoratorKind === `${brokerId}:ctxDecorator`) {
        bindings.push({ variable, path: [] });
        contextKind = resolver.kindOfType(id.typeAnnotation)?.split(':')[1];
      } else if (decoratorKind === `${brokerId}:payloadDecorator`) {
        payloads.push(variable);
      }
    }
  }
  return { bindings, payloads, contextKind };
}

/**
 * Resolves a handler's message path (`param0.message`) to variables: a destructured `({ message })` gives the
 * `message` variable; `(payload)` gives `payload` with the path `['message']`.
 */
export function bindingsOf(resolver: Resolver, fn: FunctionNode, path: string): MessageBinding[] {
  const steps = parsePath(path);
  const first = steps[0];
  if (first?.type !== 'param') return [];
  let pattern: Node | undefined = fn.params[first.index];
  const rest: string[] = [];
  for (const step of steps.slice(1)) {
    if (step.type !== 'prop') return [];
    if (pattern?.type === 'AssignmentPattern') pattern = pattern.left;
    if (pattern?.type === 'ObjectPattern') {
      const prop: TSESTree.Property | undefined = pattern.properties.find(
        (p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === step.name,
      );
      pattern = prop?.value;
    } else {
      rest.push(step.name);
    }
  }
  if (pattern?.type === 'AssignmentPattern') pattern = pattern.left;
  if (pattern?.type !== 'Identifier') return [];
  const variable = resolver.declaredVariable(pattern);
  return variable ? [{ variable, path: rest }] : [];
}

/** Checks a consumer site. */
export function checkConsumeSite(resolver: Resolver, site: ConsumeSite, names: PropagationNames): Finding[] {
  const findings: Finding[] = [];
  if (site.extractedBy) return findings;
  const { broker, spec } = site;
  const data = { broker: broker.name, site: spec.label, carrier: spec.carrier };
  const report = (messageId: ConsumeMessageId, node: Node, coveredBy?: readonly Instrumentation[], repair?: Repair): void => {
    findings.push({ rule: 'require-context-extraction', messageId, node, broker, data, coveredBy, site: site.anchor, fix: repair?.fix, reason: repair?.reason });
  };

  const extractions: Array<{ call: TSESTree.CallExpression; extraction: NonNullable<ReturnType<typeof extractionCall>> }> = [];
  walk(site.body, resolver.keys, (node) => {
    if (node.type === 'CallExpression') {
      const extraction = extractionCall(resolver, node, names) ?? (ownTracingExtraction(resolver, node, site) ? OWN_EXTRACTION : undefined);
      if (extraction) extractions.push({ call: node, extraction });
    }
    return undefined;
  });

  if (extractions.length === 0) {
    if (doesNoWork(resolver, site.body) || delegates(resolver, site, 0) || linkedByHand(resolver, site) || relaysCarrier(resolver, site)) return findings;
    // The body is an SNS envelope: the trace is in its MessageAttributes, not in the SQS message's.
    if (broker.id.startsWith('sqs') && snsEnvelopeIn(resolver, site.body)) findings.push({ rule: 'require-context-extraction', messageId: 'snsEnvelopeNotExtracted', node: site.location, broker, data, coveredBy: site.coveredBy, site: site.anchor });
    else if (spec.batch) report('batchWithoutPerMessageContext', site.location, site.coveredBy, wrapBatchLoop(resolver, site));
    else report('missingExtraction', site.location, site.coveredBy, wrapHandler(resolver, site));
    return findings;
  }

  for (const { call, extraction } of extractions) {
    if (extraction.type === 'otel' && !extraction.hasGetter && derivesFromMessage(resolver, extraction.carrier, site)) {
      const fix = extractWithHelper(resolver, call);
      if (site.incoming === 'buffer' || site.incoming === 'rdkafka-array') report('bufferHeadersDefaultGetter', call, undefined, fix);
      else if (site.incoming !== 'string') report('carrierNeedsGetter', call, undefined, fix);
    }
    const activates = extraction.type === 'helper' && extraction.activates;
    if (!activates && !isUsed(resolver, call)) {
      report('extractedContextNotActivated', call, site.coveredBy, activateExtracted(resolver, call));
    }
  }
  const perMessage = extractions.some(({ call, extraction }) => isInsideIteration(call, site.body) || (extraction.type === 'helper' && extraction.batch));
  if (spec.batch && !perMessage) {
    report('batchWithoutPerMessageContext', site.location, site.coveredBy, wrapBatchLoop(resolver, site));
  }
  return findings;
}

const OWN_EXTRACTION = { type: 'helper', activates: false } as const;
const MAX_STUB_CALLS = 2;

/**
 * `this.ebayService.create(dto)` where the constructor declares `private readonly ebayService: EbayService`: the
 * method of that class, in whatever module of the project declares it (one that names no broker too).
 */
function injectedServiceMethod(resolver: Resolver, call: TSESTree.CallExpression): { resolver: Resolver; fn: Node } | undefined {
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression') return undefined;
  const holder = unwrap(callee.object);
  if (holder.type !== 'MemberExpression' || unwrap(holder.object).type !== 'ThisExpression') return undefined;
  const field = memberName(holder);
  const method = memberName(callee);
  const owner = enclosingClass(call);
  const ctor = owner?.body.body.find((m): m is TSESTree.MethodDefinition => m.type === 'MethodDefinition' && m.kind === 'constructor');
  let annotation: TSESTree.TypeNode | undefined;
  for (const param of ctor?.value.params ?? []) {
    const id = param.type === 'TSParameterProperty' ? param.parameter : undefined;
    if (id?.type === 'Identifier' && id.name === field) annotation = id.typeAnnotation?.typeAnnotation;
  }
  for (const member of owner?.body.body ?? []) {
    if (member.type === 'PropertyDefinition' && staticName(member.key, member.computed) === field) annotation = member.typeAnnotation?.typeAnnotation ?? annotation;
  }
  if (annotation?.type !== 'TSTypeReference' || annotation.typeName.type !== 'Identifier') return undefined;
  const entity = resolver.classOf(annotation.typeName);
  const classNode = entity?.node as TSESTree.ClassDeclaration | undefined;
  const definition = classNode?.body?.body.find((m): m is TSESTree.MethodDefinition => m.type === 'MethodDefinition' && m.kind === 'method' && staticName(m.key, m.computed) === method);
  return definition && entity ? { resolver: entity.resolver, fn: definition.value } : undefined;
}

/**
 * A project's own tracing, without OpenTelemetry: `extractTraceContext(message.headers)` reading its own headers
 * (`X-Trace-Id`), its result run with (`runWithTraceContext(ctx, () => handler(message))`). The context is taken
 * from the message; whether it is then used is judged as for any extraction.
 */
function ownTracingExtraction(resolver: Resolver, call: TSESTree.CallExpression, site: ConsumeSite): boolean {
  const name = calleeName(call);
  if (!name || !/^extract/i.test(name) || !/trace|context|span|propagat/i.test(name)) return false;
  const arg = call.arguments[0];
  if (!arg || arg.type === 'SpreadElement') return false;
  const value = unwrap(arg as Node);
  const field = carrierField(site.spec);
  const carrierRead = value.type === 'MemberExpression' && (memberName(value) === field || /^(headers|attributes|properties|metadata)$/i.test(memberName(value) ?? ''));
  return carrierRead || derivesFromMessage(resolver, value, site);
}

/**
 * A relay: the handler publishes with the received carrier as the new message's (`MessageAttributes:
 * copy(message.MessageAttributes)`, a DLQ redrive, a bridge between brokers), so the trace goes on to the next
 * consumer without the relay taking part in it.
 */
function relaysCarrier(resolver: Resolver, site: ConsumeSite): boolean {
  const field = carrierField(site.spec);
  const publishes = (node: Node): boolean => node.type === 'CallExpression' && !!matchPublish(resolver, node);
  let found = false;
  walk(site.body, resolver.keys, (node) => {
    if (found) return false;
    if (node.type !== 'MemberExpression' || memberName(node) !== field) return undefined;
    for (let p: Node | undefined = node.parent; p && p !== site.body; p = p.parent) {
      if (publishes(p)) return ((found = true), false);
      // `const params = { ..., MessageAttributes: copy(message.MessageAttributes) }; sqs.sendMessage(params)`.
      if (p.type === 'VariableDeclarator' && p.id.type === 'Identifier') {
        const variable = resolver.declaredVariable(p.id);
        found = !!variable?.references.some((ref) => {
          const parent = (ref.identifier as Node).parent;
          return !!parent && (publishes(parent) || (parent.parent !== undefined && publishes(parent.parent)));
        });
        return false;
      }
    }
    return undefined;
  });
  return found;
}

/**
 * Whether a handler reads an SNS envelope out of the SQS body (`JSON.parse(message.Body).Message`, or its
 * `MessageAttributes`): an SNS subscription without raw delivery, whose trace context travels inside the envelope.
 */
export function snsEnvelopeIn(resolver: Resolver, body: Node): boolean {
  const parsedBodies = new Set<string>();
  let found = false;
  walk(body, resolver.keys, (node) => {
    if (found) return false;
    if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.init && isParsedBody(node.init)) parsedBodies.add(node.id.name);
    if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return undefined;
    if (node.property.name !== 'Message' && node.property.name !== 'MessageAttributes') return undefined;
    const object = unwrap(node.object);
    found = isParsedBody(object) || (object.type === 'Identifier' && parsedBodies.has(object.name));
    return undefined;
  });
  return found;
}

/**
 * A handler of S3 event notifications delivered through a queue (`JSON.parse(message.Body)` read as an `S3Event`:
 * its `Records[].s3`): S3 sends no trace context, so there is none to request or extract.
 */
export function s3NotificationsIn(resolver: Resolver, body: Node): boolean {
  const seen = { records: false, s3: false };
  s3NotificationParts(resolver, body, seen, 0, new Set());
  return seen.records && seen.s3;
}

/**
 * The parts of an S3 notification a handler reads, also in the functions and methods of its module it hands the
 * message or its records to (`this.processMessage(message)` parsing `Records`, then `processUploadedItem(record)`
 * reading `record.s3`), two calls down.
 */
function s3NotificationParts(resolver: Resolver, body: Node, seen: { records: boolean; s3: boolean }, depth: number, visited: Set<Node>): void {
  visited.add(body);
  walk(body, resolver.keys, (node) => {
    if (seen.records && seen.s3) return false;
    if (node.type === 'TSTypeReference' && node.typeName.type === 'Identifier' && /^S3Event(Record)?$/.test(node.typeName.name)) seen.records = seen.s3 = true;
    else if (node.type === 'Literal' && (node.value === 's3:TestEvent' || node.value === 'aws:s3')) seen.records = seen.s3 = true;
    else if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
      if (node.property.name === 'Records') seen.records = true;
      else if (node.property.name === 's3' && unwrap(node.object).type !== 'ThisExpression') seen.s3 = true;
    } else if (node.type === 'Property' && node.parent?.type === 'ObjectPattern') {
      const key = staticName(node.key, node.computed);
      if (key === 'Records') seen.records = true;
      else if (key === 's3') seen.s3 = true;
    } else if (node.type === 'CallExpression' && depth < 2 && node.arguments.length > 0) {
      const callee = resolver.functionOf(node.callee);
      if (callee && !visited.has(callee) && !contains(callee, node)) s3NotificationParts(resolver, callee, seen, depth + 1, visited);
    }
    return undefined;
  });
}

/** `JSON.parse(message.Body)`, `JSON.parse(record.body ?? '{}')`. */
function isParsedBody(node: Node): boolean {
  const call = unwrap(node);
  if (call.type !== 'CallExpression' || calleeName(call) !== 'parse' || !call.arguments[0]) return false;
  let arg = unwrap(call.arguments[0] as Node);
  if (arg.type === 'LogicalExpression') arg = unwrap(arg.left);
  if (arg.type === 'CallExpression' && calleeName(arg) === 'toString' && arg.callee.type === 'MemberExpression') arg = unwrap(arg.callee.object);
  return arg.type === 'MemberExpression' && (memberName(arg) === 'Body' || memberName(arg) === 'body');
}

/**
 * A handler that calls nothing (`@MessagePattern({ cmd: 'getStatus' }) status() { return 'up'; }`): no work runs in
 * it, so there is no span to parent and nothing to run inside the producer's context.
 */
function doesNoWork(resolver: Resolver, body: Node, depth = 0): boolean {
  let work = false;
  const calls: TSESTree.CallExpression[] = [];
  walk(isFunction(body) ? body.body : body, resolver.keys, (node) => {
    if (work) return false;
    if (node.type === 'CallExpression') {
      calls.push(node);
      // A stub makes a call or two; a body with more calls works, whatever they reach (and is not followed into them).
      if (calls.length > MAX_STUB_CALLS) work = true;
    } else if (node.type === 'NewExpression' || node.type === 'TaggedTemplateExpression' || node.type === 'AwaitExpression' || node.type === 'YieldExpression') {
      work = true;
    }
    return undefined;
  });
  // `return this.ordersService.create(dto)` where `create()` only returns `'This action adds a new order'` (a
  // generated resource's stub): a call of the project's that does no work is none either.
  return !work && calls.every((call) => {
    if (depth >= 2) return false;
    const ref = resolver.calleeFunction(call) ?? injectedServiceMethod(resolver, call);
    return !!ref && isFunction(ref.fn) && doesNoWork(ref.resolver, ref.fn, depth + 1);
  });
}

/**
 * A handler that builds the producer's span context itself from what its message carries: it reads its carrier
 * and starts a span with `links` (`{ context: { traceId, spanId, ... } }` parsed from `traceparent` or B3 headers),
 * or it makes a parent with `trace.setSpanContext` from the message, inline or through a helper it hands the
 * value to (`newSpan(name, payload.spanContext)`). The trace continues without the propagator: no missing
 * extraction (a context carried in the body is the business of no-payload-trace-ids).
 */
function linkedByHand(resolver: Resolver, site: ConsumeSite): boolean {
  const key = carrierField(site.spec);
  let readsCarrier = false;
  let links = false;
  let parentFromMessage = false;
  // The message, its payload, or any parameter of the handler (Nest hands an undecorated first parameter the
  // payload), also through a local (`const spanContext = payload?.spanContext`).
  const handler = isFunction(site.body) ? site.body : undefined;
  const fromMessage = (node: Node): boolean => {
    const variable = rootVariable(resolver, node, false);
    if (!variable) return false;
    const def = variable.defs[0];
    return site.bindings.some((b) => b.variable === variable) || site.payloads.includes(variable) || loopVariableOver(resolver, variable, site) ||
      (def?.type === 'Parameter' && !!handler && def.node === handler);
  };
  walk(site.body, resolver.keys, (node) => {
    if (node.type === 'MemberExpression' && memberName(node) === key && derivesFromMessage(resolver, node, site)) readsCarrier = true;
    else if (node.type === 'CallExpression') {
      const name = calleeName(node);
      const args = node.arguments.filter((a): a is TSESTree.Expression => a.type !== 'SpreadElement');
      if (SPAN_CONTEXT_SETTERS.has(name ?? '')) {
        links = true;
        parentFromMessage ||= args.some(fromMessage);
      }
      else if (name === 'startSpan' || name === 'startActiveSpan') links ||= args.some((arg) => hasLinks(resolver, arg));
      else if (!parentFromMessage && args.some(fromMessage)) {
        const ref = resolver.calleeFunction(node);
        parentFromMessage = !!ref && someCall(ref.fn, ref.resolver.keys, (call) => SPAN_CONTEXT_SETTERS.has(calleeName(call) ?? ''));
      }
    }
    return undefined;
  });
  return parentFromMessage || (readsCarrier && links);
}

const SPAN_CONTEXT_SETTERS = new Set(['setSpanContext', 'wrapSpanContext']);

function hasLinks(resolver: Resolver, arg: Node): boolean {
  const options = resolver.follow(arg).node;
  return options.type === 'ObjectExpression' && options.properties.some((p) => p.type === 'Property' && staticName(p.key, p.computed) === 'links');
}

/** Whether an expression reads from the message: `message.headers`, `msg.properties.headers ?? {}`, `ctx.getHeaders()`. */
function derivesFromMessage(resolver: Resolver, expression: Node, site: ConsumeSite): boolean {
  let node = unwrap(expression);
  if (node.type === 'LogicalExpression') node = unwrap(node.left);
  const variable = rootVariable(resolver, node, true);
  return !!variable && site.bindings.some((b) => b.variable === variable) || loopVariableOver(resolver, variable, site);
}

/**
 * The variable an expression reads from (`message` in `message.headers.traceparent`), through the local it may be
 * held in; with `throughCalls`, also through methods called on it (`ctx.getHeaders()`).
 */
function rootVariable(resolver: Resolver, expression: Node, throughCalls: boolean): ScopeVariable | null {
  let root = resolver.follow(expression).node;
  for (;;) {
    if (root.type === 'MemberExpression') root = unwrap(root.object);
    else if (throughCalls && root.type === 'CallExpression' && root.callee.type === 'MemberExpression') root = unwrap(root.callee.object);
    else break;
  }
  return root.type === 'Identifier' ? resolver.variableOf(root) : null;
}

/** `for (const m of batch.messages)` / `messages.forEach((m) => ...)`: `m` is a message too. */
function loopVariableOver(resolver: Resolver, variable: ScopeVariable | null, site: ConsumeSite): boolean {
  const def = variable?.defs[0];
  if (!def) return false;
  let source: Node | undefined;
  const declaration = def.node.parent;
  if (def.type === 'Variable' && declaration?.parent?.type === 'ForOfStatement') source = declaration.parent.right;
  if (def.type === 'Parameter' && isFunction(def.node) && def.node.parent?.type === 'CallExpression') {
    const callee = unwrap(def.node.parent.callee);
    if (callee.type === 'MemberExpression') source = callee.object;
  }
  if (!source) return false;
  return derivesFromMessage(resolver, source, site);
}

/** Whether the extracted context is used: passed to anything, assigned and read, returned. */
function isUsed(resolver: Resolver, call: TSESTree.CallExpression): boolean {
  let node: Node = call;
  while (node.parent && (node.parent.type === 'TSAsExpression' || node.parent.type === 'TSNonNullExpression')) node = node.parent;
  const parent = node.parent;
  if (!parent || parent.type === 'ExpressionStatement') return false;
  if (parent.type === 'VariableDeclarator' && parent.init === node) {
    if (parent.id.type !== 'Identifier') return true;
    const variable = resolver.declaredVariable(parent.id);
    return !!variable && variable.references.some((r) => !r.init && r.isRead());
  }
  return true;
}

/** Logger methods: a message or key handed to one is only read. */
const LOGGING = new Set(['log', 'info', 'warn', 'error', 'debug', 'trace', 'verbose', 'fatal']);

/** Map and Set methods that take the message as a key: bookkeeping, not a hand-off (`set(msg, value)` keeps it). */
const KEYED = new Set(['set', 'get', 'has', 'delete', 'add']);

/** Calls that settle, convert or log a message: receiving it does not make them extract its context. */
const NON_DELEGATING = new Set([
  'ack', 'nack', 'reject', 'resolveOffset', 'heartbeat', 'working', 'term', 'completeMessage', 'abandonMessage',
  'deadLetterMessage', 'deferMessage', 'renewMessageLock', 'commitMessage', 'commitMessageSync', 'commitOffsets',
  'toString', 'decode', 'parse', 'stringify', 'from', 'keys', 'values', 'entries', 'inspect', 'String', 'Number', 'Boolean', 'parseInt', 'parseFloat', ...LOGGING,
]);
/** Parts of a message that are its body or metadata, not its carrier: handing these on loses the headers. */
const NON_CARRIER_FIELDS = new Set([
  'value', 'body', 'Body', 'data', 'content', 'json', 'key', 'offset', 'partition', 'topic', 'timestamp', 'subject',
  'Message', 'ReceiptHandle', 'MessageId', 'MD5OfBody', 'id', 'messageId', 'deliveryTag', 'fields', 'seq', 'sid',
  'reply', 'length', 'ackId', 'deliveryAttempt', 'publishTime', 'orderingKey',
  // Service Bus and SQS system properties.
  'sequenceNumber', 'enqueuedSequenceNumber', 'enqueuedTimeUtc', 'deliveryCount', 'lockToken', 'lockedUntilUtc',
  'sessionId', 'partitionKey', 'contentType', 'timeToLive', 'redelivered', 'Attributes',
  // AMQP message properties and delivery fields besides the headers (RPC routing: `msg.properties.replyTo`).
  'replyTo', 'correlationId', 'contentEncoding', 'deliveryMode', 'priority', 'expiration', 'appId', 'userId',
  'routingKey', 'exchange', 'consumerTag',
]);
const ITERATORS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'some', 'every']);

/**
 * Whether the handler hands its message (or the headers) to other code that may extract: a function defined in
 * this file is checked in turn; unknown code is given the benefit of the doubt. Passing only the parsed body
 * (`handle(JSON.parse(message.value))`) loses the headers, so it does not count. Loop variables over a batch
 * are messages too.
 */
function delegates(resolver: Resolver, site: ConsumeSite, depth: number): boolean {
  if (depth > 2) return true;
  const pending = [...site.bindings.map((b) => b.variable)];
  const seen = new Set<ScopeVariable>();
  // Arrays the messages are collected in, and what is taken out of them: followed wherever they are used (a worker
  // beside the loop that drains the queue), not only inside the handler.
  const collected = new Set<ScopeVariable>();
  // The function the message reaches, as the variable `variable`: it extracts, reads a trace key, or hands it on.
  const handledIn = (owner: Resolver, fn: FunctionNode, variable: ScopeVariable): boolean =>
    hasExtraction(owner, fn) || readsTraceKey(owner, fn, variable) || delegates(owner, { ...site, body: fn, bindings: [{ variable, path: [] }] }, depth + 1);
  while (pending.length > 0) {
    const variable = pending.pop()!;
    if (seen.has(variable)) continue;
    seen.add(variable);
    for (const ref of variable.references) {
      const id = ref.identifier as Node;
      if (ref.init || (!collected.has(variable) && !contains(site.body, id))) continue;
      let top: Node = id;
      while (top.parent?.type === 'MemberExpression' && top.parent.object === top) {
        if (NON_CARRIER_FIELDS.has(memberName(top.parent) ?? '')) {
          top = top.parent;
          break;
        }
        top = top.parent;
      }
      if (top !== id && top.type === 'MemberExpression' && NON_CARRIER_FIELDS.has(memberName(top) ?? '')) continue;
      while (top.parent?.type === 'LogicalExpression' || top.parent?.type === 'TSNonNullExpression' || top.parent?.type === 'TSAsExpression') top = top.parent;
      const parent = top.parent;
      if (parent?.type === 'ForOfStatement' && parent.right === top) {
        const loopId = parent.left.type === 'VariableDeclaration' ? parent.left.declarations[0]?.id : undefined;
        const loopVariable = loopId?.type === 'Identifier' ? resolver.declaredVariable(loopId) : null;
        if (loopVariable) pending.push(loopVariable);
      } else if (parent?.type === 'MemberExpression' && parent.object === top && ITERATORS.has(memberName(parent) ?? '') && parent.parent?.type === 'CallExpression') {
        const callback = parent.parent.arguments[0];
        const param = callback && isFunction(callback) ? callback.params[memberName(parent) === 'reduce' ? 1 : 0] : undefined;
        const paramVariable = param?.type === 'Identifier' ? resolver.declaredVariable(param) : null;
        if (paramVariable) pending.push(paramVariable);
      } else if (parent?.type === 'CallExpression' && parent.arguments.includes(top as TSESTree.Expression) && isCollecting(parent)) {
        // `done.push(message)`: the array holds messages now; what happens to it is followed instead.
        const array = resolver.variableOf(unwrap((parent.callee as TSESTree.MemberExpression).object));
        if (array) {
          collected.add(array);
          pending.push(array);
        }
      } else if (collected.has(variable) && top.type === 'MemberExpression' && top.object === id && TAKERS.has(memberName(top) ?? '') && parent?.type === 'CallExpression' && parent.callee === top) {
        // `const msg = queue.shift()`: what comes out of the array is a message again.
        const holder = parent.parent;
        const taken = holder?.type === 'VariableDeclarator' && holder.id.type === 'Identifier' ? resolver.declaredVariable(holder.id) : null;
        if (taken) {
          collected.add(taken);
          pending.push(taken);
        }
      } else if (parent?.type === 'CallExpression' && parent.arguments.includes(top as TSESTree.Expression)) {
        // `for (const [key, value] of Object.entries(message.MessageAttributes)) headers[key] = value.StringValue`:
        // the carrier copied into an object of the handler's own, which is followed instead.
        const copy = copiedInto(resolver, parent);
        if (copy) {
          pending.push(copy);
          collected.add(copy);
          continue;
        }
        if (isHarmlessCall(parent) || NON_DELEGATING.has(calleeName(parent) ?? '')) continue;
        // `this.tasks.set(msg, promise)`, `inFlight.delete(msg)`: the message as a key of the handler's own bookkeeping.
        if (parent.arguments[0] === top && unwrap(parent.callee).type === 'MemberExpression' && KEYED.has(calleeName(parent) ?? '')) continue;
        // The function it is handed to, in this file or another module of the project (`this.handle(m)` too).
        const ref = resolver.handedToFunction(parent);
        if (!ref) {
          // `this.handleMessage(msg)` of an abstract method: what the subclasses' overrides do with it.
          const overrides = abstractOverrides(resolver, parent);
          if (!overrides || overrides.length === 0) return true;
          const index = parent.arguments.indexOf(top as TSESTree.Expression);
          if (overrides.some(({ fn, owner }) => patternVariables(owner, fn.params[index]).some((v) => handledIn(owner, fn, v)))) return true;
          continue;
        }
        const { fn, resolver: owner } = ref;
        const index = parent.arguments.indexOf(top as TSESTree.Expression);
        // The parameter, or what it destructures (`private async eachBatch({ batch, resolveOffset })`).
        const variables = patternVariables(owner, fn.params[index]);
        if (variables.length === 0) return true;
        if (variables.some((variable) => handledIn(owner, fn, variable))) return true;
      } else if (parent?.type === 'VariableDeclarator' && parent.init === top && parent.id.type === 'Identifier' && resolver.declaredVariable(parent.id) && !readsCarrier(site, top)) {
        // `const messages = result.Messages ?? []`: another name for what was received, followed instead. (Not the
        // carrier itself, `const headers = message.headers || {}`: what reads it is judged as before.)
        const alias = resolver.declaredVariable(parent.id)!;
        pending.push(alias);
        if (collected.has(variable)) collected.add(alias);
      } else if (parent?.type === 'SpreadElement' && parent.parent?.type === 'ArrayExpression' && parent.parent.parent?.type === 'VariableDeclarator' && parent.parent.parent.id.type === 'Identifier') {
        // `const all = [...earlier, ...messages]`: an array holding the messages, followed instead.
        const array = resolver.declaredVariable(parent.parent.parent.id);
        if (array) {
          collected.add(array);
          pending.push(array);
        }
      } else if (parent?.type === 'SpreadElement' && top === id && spreadCopy(resolver, parent)) {
        // `const decoded = { ...message, value: decode(message.value) }`: a copy of the message, followed instead.
        pending.push(spreadCopy(resolver, parent)!);
      } else if (parent?.type === 'ArrayExpression' || parent?.type === 'Property' || parent?.type === 'SpreadElement') {
        // `applyRetryPolicy({ channel, message })`: a property of an options argument, followed into the function.
        const packed = packedArgument(resolver, parent, top);
        if (packed === 'delegated') return true;
        if (packed) {
          if (handledIn(packed.owner, packed.fn, packed.variable)) return true;
          continue;
        }
        // `return { ctx, value: result }` from a push handler: its reply, built after the work ran, hands nothing on.
        if (site.spec.style !== 'pull' && packedIntoReply(top, site.body)) continue;
        // Packed into another structure: a log line reads it; anything else takes it out of our sight.
        if (!packedIntoRead(top)) return true;
      } else if (parent?.type === 'ReturnStatement' && site.spec.style === 'pull') {
        // A receive wrapper returning what it received: the caller processes it. (A callback handler returning its
        // message is an acknowledgement, as in sqs-consumer, and not a hand-off.)
        return true;
      }
    }
  }
  return false;
}

/** The variable an object literal spreading a message is declared as (`const copy = { ...message, value }`). */
function spreadCopy(resolver: Resolver, spread: TSESTree.SpreadElement): ScopeVariable | undefined {
  const object = spread.parent;
  let top: Node | undefined = object;
  while (top?.parent?.type === 'TSAsExpression' || top?.parent?.type === 'TSSatisfiesExpression') top = top.parent;
  const declarator = top?.parent;
  if (object?.type !== 'ObjectExpression' || declarator?.type !== 'VariableDeclarator' || declarator.init !== top || declarator.id.type !== 'Identifier') return undefined;
  return resolver.declaredVariable(declarator.id) ?? undefined;
}

/**
 * The overrides of an abstract method a class calls on itself (`this.handleMessage(msg)` in a base consumer whose
 * subclasses implement `handleMessage`), in its own module and the modules importing it that extend the class by
 * name; undefined when the call is not one, or an extending class cannot be read.
 */
function abstractOverrides(resolver: Resolver, call: TSESTree.CallExpression): Array<{ fn: FunctionNode; owner: Resolver }> | undefined {
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression' || callee.object.type !== 'ThisExpression') return undefined;
  const name = memberName(callee);
  const base = enclosingClass(call);
  const className = base?.id?.name;
  if (!name || !base || !className) return undefined;
  const declared = base.body.body.some((m) => m.type === 'TSAbstractMethodDefinition' && staticName(m.key, m.computed) === name);
  if (!declared) return undefined;
  const { project, file } = resolver;
  const extendsBase = new RegExp(`\\bextends\\s+${escapeRegExp(className)}\\b`);
  const modules = [resolver, ...(project && file ? importersThroughBarrels(project, file, resolver.catalog) : []).filter((other: string) => extendsBase.test(project!.text(other) ?? '')).map((other: string) => Resolver.forModule(project!, other, resolver.catalog))];
  const out: Array<{ fn: FunctionNode; owner: Resolver }> = [];
  for (const owner of modules) {
    if (!owner) return undefined;
    walk(owner.input.ast, owner.keys, (node) => {
      if ((node.type !== 'ClassDeclaration' && node.type !== 'ClassExpression') || node === base || unwrap(node.superClass ?? node).type !== 'Identifier') return undefined;
      if ((unwrap(node.superClass!) as TSESTree.Identifier).name !== className && owner.classOf(node.superClass!)?.node !== base) return undefined;
      for (const member of node.body.body) {
        if (member.type === 'MethodDefinition' && member.value.type === 'FunctionExpression' && staticName(member.key, member.computed) === name) out.push({ fn: member.value, owner });
      }
      return undefined;
    });
  }
  return out;
}

/** The variables a parameter declares: itself, or the names it destructures (with defaults). */
function patternVariables(resolver: Resolver, param: Node | undefined): ScopeVariable[] {
  return param ? boundIdentifiers(param).flatMap((id) => resolver.declaredVariable(id) ?? []) : [];
}

/**
 * The object a loop over a carrier's entries copies them into (`for (const [k, v] of Object.entries(carrier))
 * headers[k] = v.StringValue`), when it writes only there.
 */
function copiedInto(resolver: Resolver, call: TSESTree.CallExpression): ScopeVariable | undefined {
  const name = calleeName(call);
  if (name !== 'entries' && name !== 'keys') return undefined;
  let top: Node = call;
  while (top.parent?.type === 'TSAsExpression' || top.parent?.type === 'TSNonNullExpression') top = top.parent;
  const loop = top.parent;
  if (loop?.type !== 'ForOfStatement' || loop.right !== top) return undefined;
  let target: ScopeVariable | undefined;
  let other = false;
  walk(loop.body, resolver.keys, (node) => {
    if (other) return false;
    if (node.type !== 'AssignmentExpression' || node.left.type !== 'MemberExpression' || !node.left.computed) return undefined;
    const object = unwrap(node.left.object);
    const variable = object.type === 'Identifier' ? resolver.variableOf(object) : null;
    if (!variable || (target && target !== variable)) other = true;
    else target = variable;
    return undefined;
  });
  return other ? undefined : target;
}

/** Array methods that take an element out. */
const TAKERS = new Set(['shift', 'pop']);

/**
 * For a message passed as a property of an object argument (`f({ channel, message })`), the function's variable that
 * receives it (`({ message })`, or the options parameter itself); `'delegated'` when the function is out of sight,
 * undefined when the structure is not such an argument (or the call only logs it).
 */
function packedArgument(resolver: Resolver, property: Node, value: Node): { fn: FunctionNode; owner: Resolver; variable: ScopeVariable } | 'delegated' | undefined {
  const object = property.parent;
  const call = object?.parent;
  if (property.type !== 'Property' || property.value !== value || object?.type !== 'ObjectExpression' || call?.type !== 'CallExpression') return undefined;
  const index = call.arguments.indexOf(object);
  if (index < 0 || isHarmlessCall(call) || NON_DELEGATING.has(calleeName(call) ?? '')) return undefined;
  const key = staticName(property.key, property.computed);
  const ref = resolver.handedToFunction(call);
  if (!key || !ref || !isFunction(ref.fn)) return 'delegated';
  let param: Node | undefined = ref.fn.params[index];
  if (param?.type === 'AssignmentPattern') param = param.left;
  let id: Node | undefined = param;
  if (param?.type === 'ObjectPattern') {
    const match = param.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === key);
    id = match?.value.type === 'AssignmentPattern' ? match.value.left : match?.value;
  }
  const variable = id?.type === 'Identifier' ? ref.resolver.declaredVariable(id) : null;
  return variable ? { fn: ref.fn, owner: ref.resolver, variable } : 'delegated';
}

/** `list.push(message)`, `list.unshift(message)` on a local array. */
function isCollecting(call: TSESTree.CallExpression): boolean {
  const callee = unwrap(call.callee);
  return callee.type === 'MemberExpression' && unwrap(callee.object).type === 'Identifier' && (memberName(callee) === 'push' || memberName(callee) === 'unshift');
}

/** `return { ctx, value }`: a structure the handler itself returns (its reply or acknowledgement). */
function packedIntoReply(node: Node, handler: Node): boolean {
  let top: Node = node;
  while (top.parent && (top.parent.type === 'Property' || top.parent.type === 'ObjectExpression' || top.parent.type === 'ArrayExpression')) top = top.parent;
  const holder = top.parent;
  if (holder?.type === 'ReturnStatement') return enclosingFunction(holder) === handler;
  return !!holder && isFunction(holder) && holder.body === top && holder === handler;
}

/** `logger.info({ message })`, `console.log([msg])`: a structure built only to be logged or serialised. */
function packedIntoRead(node: Node): boolean {
  let top: Node = node;
  while (top.parent && (top.parent.type === 'Property' || top.parent.type === 'ObjectExpression' || top.parent.type === 'ArrayExpression' || top.parent.type === 'SpreadElement')) {
    top = top.parent;
  }
  const call = top.parent;
  return call?.type === 'CallExpression' && call.arguments.includes(top as TSESTree.Expression) && (isHarmlessCall(call) || NON_DELEGATING.has(calleeName(call) ?? ''));
}

/**
 * Whether a function reads a trace-context key (`headers['X-Trace-Id']`, `headers.traceparent`,
 * `headers.get('traceparent')`) from its parameter: a project's own extraction (`extractTraceContext(headers)`),
 * with its own carrier format. A read that only feeds a log line does not count.
 */
function readsTraceKey(resolver: Resolver, fn: Node, param: ScopeVariable): boolean {
  let found = false;
  walk(fn, resolver.keys, (node) => {
    if (found) return false;
    let name: string | undefined;
    let object: Node | undefined;
    if (node.type === 'MemberExpression') {
      name = memberName(node);
      object = node.object;
    } else if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && HEADER_GETTERS.has(memberName(node.callee) ?? '')) {
      name = staticName(node.arguments[0]);
      object = node.callee.object;
    }
    if (!name || !object || !isTraceHeaderName(name) || rootVariable(resolver, object, true) !== param) return undefined;
    for (let child: Node = node, up = node.parent; up && child !== fn; child = up, up = up.parent) {
      if (up.type === 'CallExpression' && up.callee !== child && (isHarmlessCall(up) || LOGGING.has(calleeName(up) ?? ''))) return undefined;
    }
    found = true;
    return false;
  });
  return found;
}

const HEADER_GETTERS = new Set(['get', 'getHeader', 'lastHeader', 'values']);

export function hasExtraction(resolver: Resolver, fn: Node): boolean {
  return someCall(fn, resolver.keys, (call) => extractionCall(resolver, call, { injectors: [], extractors: [] }) !== undefined);
}

/** Checks that a receive request asks for the trace attributes (SQS ReceiveMessage, sqs-consumer options). */
export function checkAttributeRequest(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression, broker: BrokerSpec, spec: ConsumeSpec): Finding[] {
  const request = evalPath(resolver, call, spec.request!, broker.id, call)[0];
  if (request?.type !== 'node') return [];
  const requestObject = resolver.follow(request.node).node;
  if (requestObject.type !== 'ObjectExpression') return [];
  const names = evalPath(resolver, call, spec.attributeNames!, broker.id, call)[0];
  if (names?.type === 'mismatch' || names?.type === 'unknown' || !names) return [];
  if (names.type === 'node') {
    const list = resolver.follow(names.node).node;
    if (list.type !== 'ArrayExpression') return [];
    for (const element of list.elements) {
      if (!element) continue;
      const value = element.type === 'SpreadElement' ? undefined : staticName(element);
      if (value === undefined) return []; // computed entries: cannot tell
      if (value === 'All' || value === '.*' || value === 'traceparent') return [];
      if (value.endsWith('.*') && 'traceparent'.startsWith(value.slice(0, -2))) return [];
    }
  }
  const repair = requestAttributes(resolver, requestObject, spec.attributeNames!.split('.').pop()!);
  return [{
    rule: 'require-context-extraction', messageId: 'attributesNotRequested', node: requestObject, broker,
    data: { broker: broker.name, site: spec.label, carrier: spec.carrier },
    coveredBy: spec.requestAddedBy ? [spec.requestAddedBy] : undefined,
    site: call, fix: repair.fix, reason: repair.reason,
  }];
}
