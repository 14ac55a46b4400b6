/**
 * @fileoverview Publish sites: finds them from the broker descriptions and decides, for each message, whether
 * its carrier holds the active trace context.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { brokerOf, type BrokerSpec, type PublishSpec } from '../brokers/index.js';
import type { CarrierShape } from '../brokers/types.js';
import { callLocation, calleeName, contains, isFunction, isNullish, memberName, returnedExpressions, staticName, unwrap, walk, type Node } from './ast.js';
import type { Finding, PublishMessageId } from './findings.js';
import { addCarrier, budgetAttributes, rebuildCarrier, reshapeCarrier, wrapCarrier, type Repair } from './repairs.js';
import { injectedClientTransport, isHeaderlessTransport } from './nest.js';
import { bodyInjects, EMPTY_NAMES, injectionCall, type PropagationNames } from './otel.js';
import { builtValue, evalPath, isHarmlessCall, type PathResult } from './paths.js';
import { entityOf, Resolver, type ScopeVariable } from './resolve.js';
import { fileFacts } from './reach.js';
import { isTestFile } from './test-files.js';
import { atStartup, handedToTimer, inStreamRelay, inTimer, onlyTimersCall } from './timers.js';
import { isTraceHeaderName } from './trace-keys.js';
import { copiedFromCaller, isSerializedValue, wrapperLocation, type WrapperInfo } from './wrappers.js';

export interface PublishSite {
  call: TSESTree.CallExpression;
  broker: BrokerSpec;
  spec: PublishSpec;
  /** Each message of the call (the call itself for positional APIs). */
  messages: PathResult[];
  /** Set when the call is to one of the project's wrappers, which publishes through `via.inner`. */
  via?: WrapperInfo;
}

/** The publish description matching a call, if its receiver is a known broker client. */
export function matchPublish(resolver: Resolver, call: TSESTree.CallExpression): PublishSite | undefined {
  const callee = unwrap(call.callee);
  // `(send ?? client.send.bind(client))(command)`, `sendCommand(new SendMessageCommand(...))`: an AWS SDK v3
  // command is sent whatever function takes it.
  const member = callee.type === 'MemberExpression';
  const sentCommand = member ? null : commandClient(resolver, call);
  const name = member ? calleeName(call) : sentCommand ? 'send' : undefined;
  const entries = name ? resolver.catalog.publishByMethod.get(name) : undefined;
  if (!entries) return undefined;
  let kind = member ? receiverKind(resolver, call, name!) : sentCommand;
  if (!kind) return undefined;
  if (kind === 'nestjs:clientProxy' && callee.type === 'MemberExpression') {
    // `@Inject('ORDERS') client: ClientProxy` registered with `ClientsModule.register([{ name: 'ORDERS', transport }])`.
    const transport = injectedClientTransport(resolver, callee.object);
    const finer = transport && !isHeaderlessTransport(resolver, transport) ? nestClientKinds(resolver)?.get(transport) : undefined;
    if (finer) kind = finer;
  }
  for (const { broker, spec, on } of entries) {
    if (on !== kind) continue;
    if (spec.cold && resultDiscarded(call)) continue;
    const messages = spec.messages ? evalPath(resolver, call, spec.messages, broker.id, call).flatMap((m) => branchMessages(resolver, m)) : [{ type: 'node', node: call } as const];
    if (messages.some((m) => m.type === 'mismatch')) continue;
    if (spec.directKeys && messages.length > 0 && messages.every((m) => m.type === 'node' && namesKey(resolver.follow(m.node).node, spec.directKeys!))) continue;
    // A plain ClientProxy is judged only through a record builder that names its transport.
    if (spec.builder && !messages.some((m) => m.type === 'node' && builderKind(resolver, m.node) === `${broker.id}:${spec.builder}`)) continue;
    return { call, broker, spec, messages };
  }
  return undefined;
}

/** Whether an object literal has one of these keys (`{ PhoneNumber, Message }`). */
function namesKey(node: Node, keys: readonly string[]): boolean {
  return node.type === 'ObjectExpression' && node.properties.some((p) => p.type === 'Property' && keys.includes(staticName(p.key, p.computed) ?? ''));
}

/** Whether nothing reads what a call returns: `x.send(...);`, `await x.send(...);`, `void x.send(...)`. */
function resultDiscarded(call: TSESTree.CallExpression): boolean {
  let node: Node = call;
  let parent = node.parent;
  while (parent && (parent.type === 'AwaitExpression' || parent.type === 'ChainExpression' || parent.type === 'TSAsExpression' || parent.type === 'TSNonNullExpression')) {
    node = parent;
    parent = node.parent;
  }
  return parent?.type === 'ExpressionStatement' || (parent?.type === 'UnaryExpression' && parent.operator === 'void');
}

/**
 * The kind a call's receiver has for matching: its own kind; for an instance of a project class that extends a
 * client class, the client's kind when the method is inherited; for an AWS SDK v3 `x.send(new XCommand(...))`,
 * the command's client, whatever `x` is (an untyped parameter, a field set elsewhere).
 */
export function receiverKind(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression, method: string): string | null {
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression') return null;
  const kind = resolver.kindOf(callee.object);
  if (kind && entityOf(kind)) return resolver.inheritedKind(kind, method);
  if (kind || method !== 'send') return kind;
  return commandClient(resolver, call);
}

/** For a call whose first argument is an AWS SDK v3 command (`new SendMessageCommand(...)`), the command's client kind. */
function commandClient(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression): string | null {
  const command = call.arguments[0] ? builtValue(resolver, call.arguments[0]) : undefined;
  const commandKind = command?.type === 'NewExpression' ? resolver.kindOf(command.callee) : null;
  return commandKind && /:\w+Command$/.test(commandKind) ? `${brokerOf(commandKind)}:client` : null;
}

/** The client kind of each NestJS transport, from the broker data (`ClientProxyFactory.create({ transport })`). */
function nestClientKinds(resolver: Resolver): ReadonlyMap<string, string> | undefined {
  return resolver.catalog.edgesByOption.get('nestjs:ClientProxyFactory.create()')?.kinds;
}

/**
 * An `emit`/`send` on a NestJS client registered with a transport that carries no headers (TCP, Redis): not
 * judged (the payload is the only carrier), but shown by the audit. Undefined otherwise.
 */
export function headerlessPublish(resolver: Resolver, call: TSESTree.CallExpression): { broker: BrokerSpec; spec: PublishSpec; transport: string } | undefined {
  const name = calleeName(call);
  const callee = unwrap(call.callee);
  if ((name !== 'emit' && name !== 'send') || callee.type !== 'MemberExpression') return undefined;
  const kind = receiverKind(resolver, call, name);
  const transport = kind === 'nestjs:clientProxy' ? injectedClientTransport(resolver, callee.object)
    : [...(nestClientKinds(resolver) ?? [])].find(([, built]) => built === kind)?.[0];
  if (!transport || !isHeaderlessTransport(resolver, transport)) return undefined;
  const entry = resolver.catalog.publishByMethod.get(name)?.find((e) => e.on === 'nestjs:clientProxy');
  return entry ? { broker: entry.broker, spec: entry.spec, transport } : undefined;
}

/**
 * `publishMessage(binary ? { data } : { json })`: a message chosen between two object literals is either of them,
 * and each is judged (and fixed) where it is written.
 */
function branchMessages(resolver: Resolver, message: PathResult): PathResult[] {
  if (message.type !== 'node') return [message];
  const value = resolver.follow(message.node).node;
  if (value.type !== 'ConditionalExpression') return [message];
  const branches = [value.consequent, value.alternate].map((b) => resolver.follow(b).node);
  return branches.every((b) => b.type === 'ObjectExpression') ? branches.map((node) => ({ type: 'node', node }) as const) : [message];
}

/** The message nodes of a site that a rule can reason about (builder-filtered for NestJS record builders). */
export function siteMessages(resolver: Resolver, site: PublishSite): Node[] {
  const out: Node[] = [];
  for (const message of site.messages) {
    if (message.type !== 'node') continue;
    if (site.spec.builder && builderKind(resolver, message.node) !== `${site.broker.id}:${site.spec.builder}`) continue;
    out.push(message.node);
  }
  return out;
}

function builderKind(resolver: Resolver, node: Node): string | null {
  let link = resolver.follow(node).node;
  while (link.type === 'CallExpression') {
    const callee = unwrap(link.callee);
    if (callee.type !== 'MemberExpression') return null;
    link = unwrap(callee.object);
  }
  return link.type === 'NewExpression' ? resolver.kindOf(link.callee) : null;
}

/**
 * NestJS `ClientKafka.emit(pattern, data)`: a `data` object without `key` or `value` is not a Kafka message; the
 * whole object becomes the body and carries no headers.
 */
export function isBarePayload(resolver: Resolver, spec: PublishSpec, message: Node): boolean {
  const value = resolver.follow(message).node;
  if (!spec.envelopeKeys) return false;
  if (value.type === 'NewExpression') {
    // `emit(topic, new OrderCreatedEvent(...))`: an instance of a project class without `key`/`value` is the body.
    const entity = resolver.classOf(value.callee);
    if (!entity) return false;
    const fields = entity.resolver.fieldNames(entity.node as TSESTree.ClassDeclaration);
    return !spec.envelopeKeys.some((k) => fields.has(k)) && !fields.has('headers');
  }
  // `emit(topic, JSON.stringify(event))`: a string or bytes is never a Kafka message, so it is the body.
  if (isSerializedValue(resolver, value)) return true;
  if (isReceivedPayload(resolver, message)) return true;
  if (value.type === 'CallExpression') {
    // `emit(topic, createStandardMessage(type, data))`: an envelope builder of the project whose every return is an
    // object without `key`/`value` builds the body.
    const ref = resolver.handedToFunction(value) ?? staticMethodOf(resolver, value);
    if (!ref || !isFunction(ref.fn)) return false;
    const returned = returnedExpressions(ref.fn, ref.resolver.keys).map((e) => ref.resolver.follow(e).node);
    return returned.length > 0 && returned.every((object) => object.type === 'ObjectExpression' && isBareObject(object, spec.envelopeKeys!));
  }
  return value.type === 'ObjectExpression' && isBareObject(value, spec.envelopeKeys);
}

/** `Messages.create(type, data)`: a static method of a project class (in any module), with its class's resolver. */
function staticMethodOf(resolver: Resolver, call: TSESTree.CallExpression): { fn: Node; resolver: Resolver } | undefined {
  const callee = unwrap(call.callee);
  const name = callee.type === 'MemberExpression' ? memberName(callee) : undefined;
  const entity = name ? resolver.classOf((callee as TSESTree.MemberExpression).object) : undefined;
  if (!entity) return undefined;
  const classNode = entity.node as TSESTree.ClassDeclaration;
  const method = classNode.body.body.find((m): m is TSESTree.MethodDefinition => m.type === 'MethodDefinition' && m.static && m.kind === 'method' && staticName(m.key, m.computed) === name);
  return method ? { fn: method.value, resolver: entity.resolver } : undefined;
}

/** An object literal with only named keys (no spread, no computed key), none of them a message envelope's. */
function isBareObject(value: TSESTree.ObjectExpression, envelopeKeys: readonly string[]): boolean {
  const keys = value.properties.map((p) => (p.type === 'Property' ? staticName(p.key, p.computed) : null));
  return !keys.includes(null) && !keys.some((k) => typeof k === 'string' && envelopeKeys.includes(k));
}

/**
 * A NestJS handler's `@Payload()` parameter, or a part of it (`payload.data`): the body of the message received,
 * which Nest hands over without its headers. Sent on as is, it is a body, not a message with headers.
 */
function isReceivedPayload(resolver: Resolver, node: Node): boolean {
  let root = unwrap(node);
  while (root.type === 'MemberExpression') root = unwrap(root.object);
  if (root.type !== 'Identifier') return false;
  const variable = resolver.variableOf(root);
  const def = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (def?.type !== 'Parameter' || variable!.references.some((r) => r.isWrite())) return false;
  return (def.name.decorators ?? []).some((decorator) => {
    const expression = unwrap(decorator.expression);
    return expression.type === 'CallExpression' && resolver.kindOf(expression.callee) === 'nestjs:payloadDecorator';
  });
}

/**
 * nats.js 1.x style `nc.publish(subject, data, () => done())` on a 2.x connection: a callback where the options with
 * the headers go (2.x ignores it), so the message has none.
 */
function callbackForOptions(site: PublishSite): Node | undefined {
  const options = site.spec.messages ? null : /^arg(\d)\./.exec(site.spec.carrier);
  const holder = options ? site.call.arguments[Number(options[1])] : undefined;
  return holder && isFunction(unwrap(holder)) ? unwrap(holder) : undefined;
}

/**
 * Where a message without a carrier is reported: the message object the call sends (also built earlier in the
 * function, `const event = { ... }`); the call itself when the message is not written as one (`user`, the result of
 * another send, which would put the report on that send's line).
 */
function messageLocation(resolver: Resolver, site: PublishSite, message: Node): Node {
  if (!site.spec.messages) return callLocation(site.call);
  const value = resolver.follow(message).node;
  // A builder chain (`new NatsRecordBuilder(data).build()`) builds the message too.
  let root: Node = value;
  while (root.type === 'CallExpression' && root.callee.type === 'MemberExpression') root = unwrap(root.callee.object);
  return root.type === 'ObjectExpression' || root.type === 'ArrayExpression' || root.type === 'NewExpression' || contains(site.call, value) ? value : callLocation(site.call);
}

/** The carrier of one message: a node, a definite absence, or unknown. */
export function carrierOf(resolver: Resolver, site: PublishSite, message: Node): PathResult {
  const { spec, broker, call } = site;
  if (isBarePayload(resolver, spec, message)) return { type: 'absent', at: resolver.follow(message).node };
  const callback = callbackForOptions(site);
  if (callback) return { type: 'absent', at: callback };
  const result = evalPath(resolver, spec.messages ? message : call, spec.carrier, broker.id, call)[0] ?? { type: 'unknown' };
  if (result.type === 'node') {
    const carrier = unwrap(result.node);
    if (isFunction(carrier) || isNullish(carrier)) {
      return { type: 'absent', at: carrier };
    }
  }
  return result;
}

export function checkPublishSite(resolver: Resolver, site: PublishSite, names: PropagationNames): Finding[] {
  const findings = checkSite(resolver, site, names);
  // Asked last, since it reads the module's importers: a function only timers of other modules run.
  if (findings.length > 0 && names.exempt?.timers !== false && (onlyTimersCall(resolver, site.call) || handedToTimer(resolver, site.call))) return [];
  return findings;
}

function checkSite(resolver: Resolver, site: PublishSite, names: PropagationNames): Finding[] {
  const findings: Finding[] = [];
  const { spec, broker, call, via } = site;
  const data = { broker: broker.name, site: spec.label, carrier: spec.carrierName, shape: spec.shape, via: via ? ` (which calls ${via.inner.spec.label} at ${wrapperLocation(via, resolver, 'call')})` : '' };
  if (exemption(resolver, site, names.exempt ?? {})) return findings;
  if (via?.mode === 'body') {
    // The wrapper builds the message itself: its own broker call is judged (and fixed) where it is written. A call
    // from another file is told why its events lose the trace.
    if (names.wrapperCallers === false || via.file === resolver.file) return findings;
    // One report per hop between files: a wrapper that reaches the broker call through another module's wrapper
    // already has its own call of that wrapper reported, and its callers would repeat it.
    if (wrapperDropsContext(via, names) && (names.everyHop || chainStaysInFile(via))) findings.push(wrapperCallerFinding(resolver, site));
    return findings;
  }
  const report = (messageId: PublishMessageId, node: Node, covered: boolean, extra: Record<string, string>, repair: Repair): void => {
    findings.push({
      rule: 'require-header-injection', messageId, node, broker, data: { ...data, ...extra },
      coveredBy: covered && spec.autoInjectedBy ? [spec.autoInjectedBy] : undefined,
      site: call, fix: repair.fix, reason: repair.reason,
    });
  };
  for (const message of siteMessages(resolver, site)) {
    const carrier = carrierOf(resolver, site, message);
    if (carrier.type === 'absent') {
      // A callback where the options go: the call's completion is the caller's to rework.
      const repair = callbackForOptions(site) ? { reason: 'a callback sits where the options with the headers go' } : addCarrier(resolver, site, message);
      report('missingHeaders', messageLocation(resolver, site, message), true, {}, repair);
      continue;
    }
    if (carrier.type !== 'node') continue;
    const verdict = classifyCarrier(resolver, carrier.node, spec.shape, names, 0, call);
    // Copied from the caller's carrier (a loop over its entries, a converter): the callers are judged instead.
    if (verdict.id === 'headersNotInjected' && copiedFromCaller(resolver, call, carrier.node)) continue;
    if (verdict.id !== 'ok' && verdict.id !== 'unknown') {
      // Hand-built and copied keys and wrong shapes break even when instrumentation runs (it may not overwrite
      // them, and kafkajs throws on undefined values); a plain uninjected object is what instrumentation fixes.
      const repair =
        verdict.id === 'headersNotInjected' ? wrapCarrier(resolver, carrier.node, spec.shape)
        : verdict.id === 'wrongCarrierShape' ? reshapeCarrier(resolver, carrier.node, spec.shape)
        : rebuildCarrier(resolver, carrier.node, spec.shape);
      report(verdict.id, carrier.node, verdict.id === 'headersNotInjected', { detail: 'detail' in verdict ? (verdict.detail ?? '') : '' }, repair);
    }
    const literal = resolver.follow(carrier.node).node;
    if (spec.attributeLimit && literal.type === 'ObjectExpression') {
      const own = literal.properties.filter((p) => p.type === 'Property').length;
      if (own >= spec.attributeLimit - 2) {
        const isInjected = (node: Node): boolean => classifyCarrier(resolver, node, spec.shape, names, 0, call).id === 'ok';
        report('tooManyAttributes', literal, false, { count: String(own), limit: String(spec.attributeLimit) }, budgetAttributes(resolver, literal, spec.attributeLimit, isInjected));
      }
    }
  }
  return findings;
}

/** Publishes that have no trace to carry on, by default not asked for injection (see the rule docs). */
export interface Exemptions {
  /** An RPC reply to the request's `replyTo`: it answers within the request's own trace. */
  replies?: boolean;
  /** A health, heartbeat or ping message (by its destination name), which nothing consumes as work. */
  probes?: boolean;
  /** A periodic flush from a timer (`setInterval`, a cron schedule, a function one calls, a `flush*` function): no request context exists. `setTimeout` keeps its caller's context and is not one. */
  timers?: boolean;
}

export const PROBE = /(^|[._\-/:])(health|healthcheck|healthz|heartbeat|ping|liveness|readiness)([._\-/:]|$)/i;
// `cmd`: a NestJS message pattern (`client.send({ cmd: 'ping' }, {})`).
const DESTINATION_KEYS = new Set(['topic', 'subject', 'queue', 'QueueUrl', 'TopicArn', 'routingKey', 'exchange', 'cmd']);

function exemption(resolver: Resolver, site: PublishSite, exempt: Exemptions): string | undefined {
  const { call } = site;
  const args = call.arguments.filter((a): a is TSESTree.Expression => a.type !== 'SpreadElement');
  const values: Node[] = [...args];
  for (const arg of args) {
    const object = resolver.follow(arg).node;
    if (object.type === 'ObjectExpression') {
      for (const prop of object.properties) if (prop.type === 'Property' && DESTINATION_KEYS.has(staticName(prop.key, prop.computed) ?? '')) values.push(prop.value);
    }
  }
  if (exempt.replies !== false && values.some((v) => isReplyAddress(v))) return 'reply';
  if (exempt.probes !== false && values.some((v) => PROBE.test(destinationText(resolver, v)))) return 'probe';
  if (exempt.timers !== false && (inTimer(resolver, call) || inStreamRelay(call) || atStartup(resolver, call))) return 'timer';
  return undefined;
}

function isReplyAddress(node: Node): boolean {
  const value = unwrap(node);
  const name = value.type === 'MemberExpression' ? memberName(value) : value.type === 'Identifier' ? value.name : undefined;
  return !!name && /^(replyTo|reply_to|reply|replySubject|replyQueue)$/.test(name);
}

/**
 * A handler method whose pattern decorator names a health, heartbeat or ping message (`@MessagePattern('health')`,
 * `@MessagePattern(Patterns.HEALTH_CHECK)`): a probe answers no business operation, so it has no trace to continue.
 */
export function isProbeHandler(resolver: Resolver, site: { anchor: Node }): boolean {
  if (site.anchor.type !== 'MethodDefinition') return false;
  for (const decorator of site.anchor.decorators ?? []) {
    const call = decorator.expression;
    const pattern = call.type === 'CallExpression' ? call.arguments[0] : undefined;
    if (!pattern || pattern.type === 'SpreadElement') continue;
    // An options object names its destinations in its values (`{ routingKey: 'heartbeat.ping', queue }`).
    const values = pattern.type === 'ObjectExpression' ? pattern.properties.flatMap((p) => (p.type === 'Property' ? [p.value] : [])) : [pattern];
    for (const value of values) {
      // The pattern's string when it can be followed, else its own name (`HEALTH_CHECK`, `Patterns.HEARTBEAT`).
      const text = destinationText(resolver, value) || resolver.input.text.slice(value.range[0], value.range[1]);
      if (PROBE.test(text)) return true;
    }
  }
  return false;
}

function destinationText(resolver: Resolver, node: Node): string {
  const value = resolver.follow(node).node;
  if (value.type === 'Literal' && typeof value.value === 'string') return value.value;
  if (value.type === 'TemplateLiteral') return value.quasis.map((q) => q.value.cooked ?? '').join('.');
  return '';
}

/**
 * A call in another file of a wrapper that sends without trace context: it names the wrapper, where the fix goes
 * (the wrapper itself, or the one it reaches that makes the broker call).
 */
export function wrapperCallerFinding(resolver: Resolver, site: PublishSite): Finding {
  const { spec, broker, call } = site;
  const via = site.via!;
  const sender = innermostWrapper(via);
  const target = sender === via ? `${via.name}()` : `${sender.name}() (${wrapperLocation(sender, resolver)})`;
  return {
    rule: 'require-header-injection', messageId: 'wrapperWithoutContext', node: callLocation(call), broker,
    data: { broker: broker.name, site: spec.label, carrier: spec.carrierName, shape: spec.shape, via: ` (which calls ${via.inner.spec.label} at ${wrapperLocation(via, resolver, 'call')})`, wrapper: `${via.name}()`, where: wrapperLocation(via, resolver), target },
    coveredBy: spec.autoInjectedBy ? [spec.autoInjectedBy] : undefined, site: call,
    reason: `the fix belongs in ${via.name}() (${wrapperLocation(via, resolver)})`, fixIn: via.file,
  };
}

/** Whether a wrapper reaches its broker call through wrappers of its own file only (or directly). */
function chainStaysInFile(via: WrapperInfo): boolean {
  for (let current = via.inner.via; current; current = current.inner.via) if (current.file !== via.file) return false;
  return true;
}

/** The wrapper that makes the broker call, at the end of a chain of wrappers. */
export function innermostWrapper(via: WrapperInfo): WrapperInfo {
  let current = via;
  while (current.inner.via) current = current.inner.via;
  return current;
}

/** Whether a wrapper that builds its messages itself sends them without trace context. */
function wrapperDropsContext(via: WrapperInfo, names: PropagationNames): boolean {
  const inner = via.inner;
  if (inner.via) return inner.via.mode === 'body' && wrapperDropsContext(inner.via, names);
  return checkPublishSite(via.resolver, inner, names).some((f) => f.messageId === 'missingHeaders' || f.messageId === 'headersNotInjected');
}

type Verdict = { id: 'ok' | 'unknown' } | { id: Exclude<PublishMessageId, 'missingHeaders' | 'tooManyAttributes'>; detail?: string };

/** Shapes the default OpenTelemetry setter cannot write. */
function needsSetter(shape: CarrierShape, value: Node): boolean {
  return shape !== 'object' || (value.type === 'NewExpression' && value.callee.type === 'Identifier' && value.callee.name === 'Map');
}

const SHAPE_HINT: Record<CarrierShape, string> = {
  object: 'a plain object of string values',
  'message-attributes': '{ DataType: "String", StringValue } entries (use injectMessageAttributes or a setter)',
  'nats-msghdrs': 'a MsgHdrs filled with .set() (use injectNatsHeaders or a setter calling h.set)',
  'rdkafka-array': 'an array of single-key objects (use injectRdkafkaHeaders or Object.entries(carrier).map(([k, v]) => ({ [k]: v })))',
};

/** Decides whether a carrier expression holds injected trace context. */
/** `site`: the publish call the carrier is sent with; handing the carrier to it is not an escape. */
export function classifyCarrier(resolver: Resolver, node: Node, shape: CarrierShape, names: PropagationNames, depth: number, site?: Node): Verdict {
  if (depth > 4) return { id: 'unknown' };
  const { node: value, variables } = resolver.follow(node);
  const usage = carrierUsage(resolver, variables, names, site);
  const wrongShape = { id: 'wrongCarrierShape', detail: SHAPE_HINT[shape] } as const;
  if (usage.injection?.type === 'otel') {
    if (!usage.injection.hasSetter && needsSetter(shape, value)) return wrongShape;
    if (shape === 'rdkafka-array' && value.type !== 'ArrayExpression') return wrongShape;
    return { id: 'ok' };
  }
  if (usage.injection) return usage.injection.shape && usage.injection.shape !== shape ? wrongShape : { id: 'ok' };
  if (usage.handBuilt) return { id: 'handBuiltTraceparent', detail: usage.handBuilt };
  if (usage.escapes) return { id: 'unknown' };

  switch (value.type) {
    case 'CallExpression': {
      const injection = injectionCall(resolver, value, names);
      if (injection?.type === 'helper') return injection.shape && injection.shape !== shape ? wrongShape : { id: 'ok' };
      if (functionInjects(resolver, value, names)) return { id: 'ok' };
      // `serializeContext({ ... })` of another module, whose body injects into what it returns.
      const ref = resolver.calleeFunction(value);
      if (ref && ref.resolver !== resolver && isFunction(ref.fn) && bodyInjects(ref.resolver, ref.fn, names)) return { id: 'ok' };
      // Object.entries(carrier).map(([k, v]) => ({ [k]: v })): the rdkafka array form of an injected carrier.
      const callee = unwrap(value.callee);
      if (callee.type === 'MemberExpression' && memberName(callee) === 'map') {
        const source = unwrap(callee.object);
        if (source.type === 'CallExpression' && calleeName(source) === 'entries' && source.arguments[0]) {
          const inner = classifyCarrier(resolver, source.arguments[0], 'object', names, depth + 1, site);
          return inner.id === 'ok' || inner.id === 'unknown' ? inner : { id: 'headersNotInjected' };
        }
      }
      // `this.toNatsHeaders(carrier)`: a function of the project handed a carrier the code injected converts it (its
      // keys copied one by one into the broker's headers).
      if (resolver.calleeFunction(value) && value.arguments.some((arg) => arg.type !== 'SpreadElement' && classifyCarrier(resolver, arg, 'object', names, depth + 1, site).id === 'ok')) return { id: 'ok' };
      if (resolver.kindOf(value)?.endsWith(':msghdrs')) return { id: 'headersNotInjected' };
      return { id: 'unknown' };
    }
    case 'ObjectExpression':
      return classifyObject(resolver, value, shape, names, depth, site);
    case 'ArrayExpression': {
      let sawUnknown = false;
      for (const element of value.elements) {
        if (!element) continue;
        if (element.type === 'SpreadElement') {
          const inner = classifyCarrier(resolver, element.argument, shape, names, depth + 1, site);
          if (inner.id === 'ok') return { id: 'ok' };
          if (inner.id === 'unknown') sawUnknown = true;
          else if (inner.id !== 'headersNotInjected') return inner;
          continue;
        }
        const inner = classifyCarrier(resolver, element, 'object', names, depth + 1, site);
        if (inner.id === 'ok') return shape === 'rdkafka-array' ? wrongShape : { id: 'ok' };
        if (inner.id === 'handBuiltTraceparent' || inner.id === 'copiedCarrierKeys') return inner;
        if (inner.id === 'unknown') sawUnknown = true;
      }
      return sawUnknown ? { id: 'unknown' } : { id: 'headersNotInjected' };
    }
    case 'NewExpression':
      return { id: 'headersNotInjected' };
    case 'ConditionalExpression': {
      // `traceId ? headers() : undefined`, `...(retry ? { retries } : {})`: both branches must be judged.
      const branches = [value.consequent, value.alternate].map((b) => (isNothing(b) ? ({ id: 'headersNotInjected' } as Verdict) : classifyCarrier(resolver, b, shape, names, depth + 1, site)));
      if (branches.some((b) => b.id === 'ok')) return { id: 'ok' };
      if (branches.some((b) => b.id === 'unknown')) return { id: 'unknown' };
      return branches.find((b) => b.id !== 'headersNotInjected') ?? { id: 'headersNotInjected' };
    }
    case 'LogicalExpression': {
      // `headers ?? {}`, `attrs || {}`: the left side decides, unless it is unknown.
      const left = classifyCarrier(resolver, value.left, shape, names, depth + 1, site);
      if (left.id !== 'headersNotInjected' || value.operator === '&&') return left;
      const right = isNothing(value.right) ? left : classifyCarrier(resolver, value.right, shape, names, depth + 1, site);
      return right.id === 'ok' || right.id === 'unknown' ? right : left;
    }
    default:
      return { id: 'unknown' };
  }
}

/** `undefined`, `null`, `{}` or `[]`: a branch that carries nothing. */
function isNothing(node: Node): boolean {
  const value = unwrap(node);
  return isNullish(value) || (value.type === 'ObjectExpression' && value.properties.length === 0) || (value.type === 'ArrayExpression' && value.elements.length === 0);
}

function classifyObject(resolver: Resolver, object: TSESTree.ObjectExpression, shape: CarrierShape, names: PropagationNames, depth: number, site: Node | undefined): Verdict {
  let injected = false;
  let unknown = false;
  for (const prop of object.properties) {
    if (prop.type === 'SpreadElement') {
      const inner = classifyCarrier(resolver, prop.argument, shape, names, depth + 1, site);
      if (inner.id === 'ok') injected = true;
      else if (inner.id === 'unknown') unknown = true;
      else if (inner.id !== 'headersNotInjected') return inner;
      continue;
    }
    // `meta: JSON.stringify(ctx.extractMeta())`: a header of the project's own format holding an injected carrier.
    if (injectedValue(resolver, prop.value as Node, names)) injected = true;
    let key = staticName(prop.key, prop.computed);
    if (prop.computed && key === undefined) key = staticName(resolver.follow(prop.key).node);
    if (prop.computed && key === undefined) unknown = true;
    if (key && isTraceHeaderName(key)) {
      return copiesCarrierKey(prop.value) ? { id: 'copiedCarrierKeys', detail: key } : { id: 'handBuiltTraceparent', detail: key };
    }
  }
  if (injected) return { id: 'ok' };
  return unknown ? { id: 'unknown' } : { id: 'headersNotInjected' };
}

/**
 * A header value made by a function that injects into what it returns: of this module, of another, or a method of
 * the project called on a receiver whose class is not known here (`ctx.extractMeta()` on an interface, implemented
 * in another package by a method that calls `propagation.inject`). Serialised or not (`JSON.stringify(...)`).
 */
function injectedValue(resolver: Resolver, node: Node, names: PropagationNames): boolean {
  let value = unwrap(resolver.follow(node).node);
  for (let i = 0; i < 3 && value.type === 'CallExpression' && VALUE_SERIALIZERS.has(calleeName(value) ?? '') && value.arguments[0]; i++) value = unwrap(resolver.follow(value.arguments[0]).node);
  if (value.type !== 'CallExpression') return false;
  if (injectionCall(resolver, value, names)?.type === 'helper' || functionInjects(resolver, value, names)) return true;
  const ref = resolver.calleeFunction(value);
  if (ref) return isFunction(ref.fn) && bodyInjects(ref.resolver, ref.fn, names);
  const callee = unwrap(value.callee);
  const method = callee.type === 'MemberExpression' ? memberName(callee) : undefined;
  return !!method && !!resolver.project && methodInjects(resolver, method);
}

const VALUE_SERIALIZERS = new Set(['stringify', 'String', 'from', 'encode']);

/**
 * Whether a method of that name somewhere in the project calls `propagation.inject` in its body (test code left out).
 * Only modules whose text names both the method and an `inject(` call are parsed; the answer is kept per name.
 */
function methodInjects(resolver: Resolver, method: string): boolean {
  const project = resolver.project!;
  return project.projectSlot(`injecting-method:${method}`, () => {
    for (const file of project.files()) {
      if (isTestFile(project.relative(file)) || !fileFacts(project, file, resolver.catalog)?.propagation) continue;
      const text = project.text(file);
      if (!text?.includes('.inject(') || !text.includes(method)) continue;
      const other = Resolver.forModule(project, file, resolver.catalog);
      if (!other) continue;
      let found = false;
      walk(other.input.ast, other.keys, (node) => {
        if (found) return false;
        if (node.type === 'MethodDefinition' && isFunction(node.value) && staticName(node.key, node.computed) === method && bodyInjects(other, node.value, EMPTY_NAMES)) found = true;
        return undefined;
      });
      if (found) return true;
    }
    return false;
  });
}

/** `carrier.traceparent`, `carrier['traceparent'] ?? ''`, `{ StringValue: carrier.traceparent }`. */
function copiesCarrierKey(value: Node): boolean {
  const v = unwrap(value);
  if (v.type === 'MemberExpression') return isTraceHeaderName(memberName(v) ?? '');
  if (v.type === 'LogicalExpression') return copiesCarrierKey(v.left);
  if (v.type === 'ObjectExpression') {
    return v.properties.some((p) => p.type === 'Property' && copiesCarrierKey(p.value));
  }
  if (v.type === 'CallExpression' && v.callee.type === 'Identifier' && v.callee.name === 'String' && v.arguments[0]) {
    return copiesCarrierKey(v.arguments[0]);
  }
  return false;
}

interface CarrierUsage {
  injection?: { type: 'otel'; hasSetter: boolean } | { type: 'helper'; shape: CarrierShape | undefined };
  /** `h.set('traceparent', ...)` on a header object. */
  handBuilt?: string;
  /** Passed to code we cannot see, which might inject. */
  escapes?: boolean;
}

/** How the variables holding a carrier are used elsewhere in the file. */
function carrierUsage(resolver: Resolver, variables: ScopeVariable[], names: PropagationNames, site: Node | undefined): CarrierUsage {
  const usage: CarrierUsage = {};
  for (const variable of variables) {
    for (const ref of variable.references) {
      if (ref.init) continue;
      const id = ref.identifier as Node;
      const parent = id.parent;
      if (parent?.type === 'CallExpression' && parent.arguments.includes(id as TSESTree.Expression)) {
        const injection = injectionCall(resolver, parent, names);
        if (injection?.type === 'otel' && unwrap(injection.carrier) === id) {
          usage.injection = { type: 'otel', hasSetter: injection.hasSetter };
          return usage;
        }
        if (injection?.type === 'helper') {
          usage.injection = injection;
          return usage;
        }
        if (functionInjects(resolver, parent, names)) {
          usage.injection = { type: 'helper', shape: undefined };
          return usage;
        }
        if (parent !== site && !isHarmlessCall(parent) && !isBuilderStep(resolver, parent)) usage.escapes = true;
      } else if (parent?.type === 'MemberExpression' && parent.object === id && memberName(parent) === 'set') {
        const call = parent.parent;
        const key = call?.type === 'CallExpression' && call.arguments[0] ? staticName(call.arguments[0]) : undefined;
        if (key && isTraceHeaderName(key)) usage.handBuilt = key;
        else if (call?.type === 'CallExpression' && filledFromInjected(resolver, call, names)) {
          usage.injection = { type: 'helper', shape: undefined };
          return usage;
        }
      } else if (parent?.type === 'AssignmentExpression' && parent.left === id) {
        // The one assignment of a variable declared empty is its value (`let h; if (x) h = headers()`).
        if (resolver.initOf(variable) !== parent.right) usage.escapes = true;
      } else if (parent?.type === 'MemberExpression' && parent.object === id && parent.parent?.type === 'AssignmentExpression' && parent.parent.left === parent) {
        const key = memberName(parent);
        if (key && isTraceHeaderName(key)) usage.handBuilt = key;
      }
    }
  }
  return usage;
}

/**
 * `for (const [k, v] of Object.entries(carrier)) headers.set(k, v)`: a `MsgHdrs` or `Map` filled, key by key, from a
 * plain carrier that was injected (`const carrier = serializeContext({ ... })`, whose function calls
 * `propagation.inject`). Also `for (const k in carrier)` and `Object.entries(carrier).forEach(...)`.
 */
function filledFromInjected(resolver: Resolver, setCall: TSESTree.CallExpression, names: PropagationNames): boolean {
  for (let node: Node | undefined = setCall.parent; node && !isFunctionBoundary(node); node = node.parent) {
    let source: Node | undefined;
    if (node.type === 'ForOfStatement') source = node.right;
    else if (node.type === 'ForInStatement') source = node.right;
    else if (node.type === 'CallExpression' && calleeName(node) === 'forEach' && node.callee.type === 'MemberExpression') source = node.callee.object;
    if (!source) continue;
    let value = unwrap(source);
    // Object.entries(carrier), Object.keys(carrier)
    if (value.type === 'CallExpression' && value.callee.type === 'MemberExpression' && staticName(unwrap(value.callee.object)) === 'Object' && value.arguments[0]) {
      value = unwrap(value.arguments[0] as Node);
    }
    return classifyCarrier(resolver, value, 'object', names, 3).id === 'ok';
  }
  return false;
}

/** A function, other than the callback of a `forEach` loop. */
function isFunctionBoundary(node: Node): boolean {
  if (!isFunction(node)) return false;
  const parent = node.parent;
  return !(parent?.type === 'CallExpression' && calleeName(parent) === 'forEach' && parent.arguments[0] === node);
}

/**
 * `new NatsRecordBuilder(data).setHeaders(h)`: a step of a NestJS record builder that places the carrier in the
 * message (in the publish call's arguments, or in a variable it sends), not code the carrier escapes to.
 */
function isBuilderStep(resolver: Resolver, call: TSESTree.CallExpression): boolean {
  let link: Node = unwrap(call.callee);
  while (link.type === 'MemberExpression' || link.type === 'CallExpression') link = unwrap(link.type === 'MemberExpression' ? link.object : link.callee);
  return link.type === 'NewExpression' && /^nestjs:\w+RecordBuilder$/.test(resolver.kindOf(link.callee) ?? '');
}

/** A call to a function defined in this file whose body injects (e.g. `buildHeaders()` calling `propagation.inject`). */
function functionInjects(resolver: Resolver, call: TSESTree.CallExpression, names: PropagationNames): boolean {
  const fn = resolver.functionOf(call.callee);
  if (!fn || !isFunction(fn)) return false;
  return bodyInjects(resolver, fn, names);
}
