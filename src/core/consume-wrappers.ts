/**
 * @fileoverview Consume wrappers: the project's own functions that register a consumer and hand each message to a
 * handler their caller passes in (`subscribe(topic, handler)`, `queue.consume(name, onMessage)`). A call to such a
 * wrapper is a consumer entry point of its own: the caller's handler receives the message, so it is the handler
 * that must extract, and it is judged where it is written. A wrapper that extracts and runs the handler inside
 * the context (or hands on only the parsed body, which is then reported inside the wrapper) makes no such site.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { BrokerSpec, ConsumeSpec } from '../brokers/index.js';
import { enclosingFunction, isFunction, memberName, propertyName, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { bindingsOf, importedHandlerSite, callSite, hasExtraction, iterateSite, matchConsumeCall, type ConsumeSite } from './consume.js';
import { evalPath } from './paths.js';
import type { FunctionRef, Resolver, ScopeVariable } from './resolve.js';

interface HandOff {
  /** The inner consumer site, in the wrapper's module. */
  inner: ConsumeSite;
  /**
   * Which parameter of the wrapper is the handler (or holds it, under `handlerKey`: `consume({ topic, onMessages })`,
   * `opts.onMessage(msg)`), and which argument of the handler call is the message (or, for a batch, the messages).
   */
  handlerParam: number;
  handlerKey?: string;
  messageArg: number;
  /** When the handler receives the callback's whole payload (`eachMessage: (p) => handler(p)`): the message's path in it. */
  messagePath?: readonly string[];
  /** A batch consumer whose loop hands the handler one message at a time: the handler is judged as a per-message one. */
  perMessage?: boolean;
}

/** The consumer sites a call to a project consume wrapper stands for, with the caller's own handler as the body. */
export function consumeWrapperSites(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression): ConsumeSite[] {
  // `new SubscriptionHandler({ subscription, messageFn })`: a constructor that registers the consumer is one too.
  const ref = call.type === 'NewExpression' ? resolver.constructorOf(call) : resolver.calleeFunction(call);
  if (!ref) return [];
  const out: ConsumeSite[] = [];
  for (const handOff of handOffs(ref)) {
    const given: Node | undefined = call.arguments[handOff.handlerParam];
    let args: Array<Node | undefined> = [given];
    if (given && handOff.handlerKey !== undefined) {
      // `consume({ topic, onMessages: async (messages) => ... })`: the handler is a property of the argument; for a
      // map of handlers by topic (`consumeMessages({ [TOPICS.UPLOAD]: handleUpload, ... })`), each of them.
      const options = resolver.follow(given).node;
      const properties = options.type === 'ObjectExpression' ? options.properties.filter((p): p is TSESTree.Property => p.type === 'Property') : [];
      args = handOff.handlerKey === '*' ? properties.map((p) => p.value as Node) : [properties.find((p) => propertyName(p) === handOff.handlerKey)?.value as Node | undefined];
    }
    for (const arg of args) out.push(...handlerSites(resolver, call, ref, handOff, arg));
  }
  return out;
}

/** The consumer site a caller's handler (`arg`) makes, handed to the wrapper as `handOff` describes. */
function handlerSites(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression, ref: FunctionRef, handOff: HandOff, arg: Node | undefined): ConsumeSite[] {
  const fn = arg ? resolver.functionOf(arg) : undefined;
  const path = [`param${handOff.messageArg}`, ...(handOff.messagePath ?? [])].join('.');
  const { inner } = handOff;
  const spec = handOff.perMessage ? { ...inner.spec, batch: false } : inner.spec;
  if (!fn || !isFunction(fn)) {
    // `mq.consumeMessage(queue, bapNetworkResponseSettler)`, the handler imported from a controller module.
    const imported = arg ? importedHandlerSite(resolver, call, arg, inner.broker, spec, path) : undefined;
    return imported ? [{ ...imported, via: { inner, resolver: ref.resolver } }] : [];
  }
  // The handler's message: its parameter, or the message inside the payload it is handed (`({ message }) => ...`).
  const bindings = bindingsOf(resolver, fn, path);
  if (bindings.length === 0) return [];
  return [{ ...inner, spec, anchor: call, location: fn, body: fn, bindings, payloads: [], via: { inner, resolver: ref.resolver } }];
}

/**
 * Whether a consumer written inside a consume wrapper hands each message to the wrapper's handler parameter: the
 * callers' handlers are then the ones judged (as calls to the wrapper), not the wrapper.
 */
export function handsOffToCaller(resolver: Resolver, site: ConsumeSite): boolean {
  for (let fn = enclosingFunction(site.anchor), depth = 0; fn && depth < 3; fn = enclosingFunction(fn), depth++) {
    if (handOffs({ resolver, fn, name: '' }).some((h) => h.inner.anchor === site.anchor)) return true;
  }
  return false;
}

function handOffs(ref: FunctionRef): HandOff[] {
  const { resolver, fn } = ref;
  // The list stands, filling, while it is computed: a wrapper reached again through its own calls adds nothing.
  const found: HandOff[] = [];
  return resolver.memo('hand-offs', fn, () => {
    walk(fn.body, resolver.keys, (node) => {
      if (node.type === 'ForOfStatement') {
        // `for await (const m of nc.subscribe(subject)) await handler(m)`: a subscription loop handing each message on.
        const site = iterateSite(resolver, node);
        const handOff = site && site.bindings.length > 0 && !hasExtraction(resolver, site.body) ? handedToParam(resolver, fn, site) : undefined;
        if (handOff) found.push({ inner: site!, ...handOff });
        return undefined;
      }
      if (node.type !== 'CallExpression' && node.type !== 'NewExpression') return undefined;
      if (node.type === 'CallExpression') passedOn(resolver, fn, node, found);
      for (const { broker, spec } of matchConsumeCall(resolver, node)) {
        if (spec.style !== 'callback') continue;
        const site = callSite(resolver, node, broker, spec);
        if (!site) {
          // `channel.consume(queue, callback)`: the wrapper's handler parameter is the consumer's callback itself.
          const direct = directHandOff(resolver, fn, node, broker, spec);
          if (direct) found.push(direct);
          continue;
        }
        // A wrapper that extracts (and runs the handler in the context) leaves its callers' handlers nothing to do.
        if (site.bindings.length === 0 || hasExtraction(resolver, site.body)) continue;
        const handOff = handedToParam(resolver, fn, site);
        if (handOff) found.push({ inner: site, ...handOff });
      }
      return undefined;
    });
    return found;
  }, found);
}

/**
 * A consumer registered with the wrapper's handler parameter itself as its callback: the caller's handler receives
 * what the callback would (`param0`, or the message inside the payload: `param0.message`).
 */
function directHandOff(resolver: Resolver, wrapper: FunctionNode, call: TSESTree.CallExpression | TSESTree.NewExpression, broker: BrokerSpec, spec: ConsumeSpec): HandOff | undefined {
  const handler = evalPath(resolver, call, spec.handler!, broker.id, call)[0];
  let target = handler?.type === 'node' ? handlerOf(resolver, wrapper, unwrap(handler.node)) : undefined;
  // `consumer.run(config)` with the wrapper's `config` parameter: the handler is that option of what its callers pass.
  const option = target ? undefined : /^(arg\d+)\.([A-Za-z_$][\w$]*)$/.exec(spec.handler!);
  if (option) {
    const holder = evalPath(resolver, call, option[1]!, broker.id, call)[0];
    const param = holder?.type === 'node' ? handlerOf(resolver, wrapper, unwrap(holder.node)) : undefined;
    if (param && param.handlerKey === undefined) target = { handlerParam: param.handlerParam, handlerKey: option[2] };
  }
  const message = /^param(\d+)(?:\.(.+))?$/.exec(spec.message ?? '');
  if (!target || !message) return undefined;
  const inner: ConsumeSite = {
    broker, spec, anchor: call, location: call, body: call, bindings: [], payloads: [], incoming: spec.incoming,
    coveredBy: spec.autoExtractedBy ? [spec.autoExtractedBy] : undefined,
  };
  return { inner, ...target, messageArg: Number(message[1]), messagePath: message[2]?.split('.') };
}

/**
 * `subscribe(topic, handler) { return this.consume(topic, handler); }`: a wrapper that hands its own handler
 * parameter (or a property of one) on to another consume wrapper is a wrapper too, with that one's consumer inside.
 * Only calls passing one of the function's parameters are looked up, so ordinary calls cost nothing.
 */
function passedOn(resolver: Resolver, wrapper: FunctionNode, call: TSESTree.CallExpression, found: HandOff[]): void {
  const targets = call.arguments.map((arg) => (arg.type === 'SpreadElement' ? undefined : handlerOf(resolver, wrapper, unwrap(arg))));
  if (!targets.some(Boolean)) return;
  const ref = resolver.calleeFunction(call);
  if (!ref || ref.fn === wrapper) return;
  for (const handOff of handOffs(ref)) {
    const target = handOff.handlerKey === undefined ? targets[handOff.handlerParam] : undefined;
    if (target) found.push({ inner: handOff.inner, ...target, messageArg: handOff.messageArg, messagePath: handOff.messagePath, perMessage: handOff.perMessage });
  }
}

/**
 * `handler(message)`, `opts.onMessage(msg)` or `onMessages(batch.messages)` inside the consumer callback, where the
 * handler is a parameter of the wrapper, a property of one, or destructured from one (`{ topic, onMessages }`).
 */
function handedToParam(resolver: Resolver, wrapper: FunctionNode, site: ConsumeSite): Omit<HandOff, 'inner'> | undefined {
  const binding = site.bindings[0]!;
  for (const ref of binding.variable.references) {
    // The message itself, or the batch's path to its messages (`batch.messages`).
    let passed = ref.identifier as Node;
    for (const name of binding.path) {
      const parent = passed.parent;
      if (parent?.type !== 'MemberExpression' || parent.object !== passed || memberName(parent) !== name) break;
      passed = parent;
    }
    // `eachMessage: (payload) => handler(payload)`: the whole payload, with the message at the binding's path in it.
    const whole = passed === ref.identifier && binding.path.length > 0 && passed.parent?.type === 'CallExpression';
    if (!whole && !samePath(ref.identifier as Node, passed, binding.path)) continue;
    const call = passed.parent;
    // `for (const message of batch.messages) await handler(topic, partition, message)`: each message of the batch.
    if (site.spec.batch && call?.type === 'ForOfStatement' && call.right === passed) {
      const each = eachHandedToParam(resolver, wrapper, call);
      if (each) return each;
      continue;
    }
    if (call?.type !== 'CallExpression' || !call.arguments.includes(passed as TSESTree.Expression)) continue;
    const target = handlerOf(resolver, wrapper, unwrap(call.callee));
    if (target) return { ...target, messageArg: call.arguments.indexOf(passed as TSESTree.Expression), messagePath: whole ? binding.path : undefined };
  }
  return site.bindings.length === 1 && binding.path.length === 0 ? carrierHandedToParam(resolver, wrapper, site, binding.variable) : undefined;
}

/**
 * `handler({ payload: decode(msg.data), headers: toRecord(msg.headers) })`: the handler parameter receives a message
 * of the wrapper's own making that holds the received carrier (converted or not), directly or through a variable.
 */
function carrierHandedToParam(resolver: Resolver, wrapper: FunctionNode, site: ConsumeSite, message: ScopeVariable): Omit<HandOff, 'inner'> | undefined {
  const root = site.spec.carrier.split('.')[0]!;
  const holdsCarrier = (node: Node, depth: number): boolean => {
    const value = unwrap(resolver.follow(node).node);
    if (value.type === 'ObjectExpression') {
      return depth < 2 && value.properties.some((p) => p.type === 'Property' && holdsCarrier(p.value as Node, depth + 1));
    }
    let found = false;
    walk(value, resolver.keys, (inner) => {
      if (found) return false;
      // The carrier whole (`msg.headers`, or converted: `toRecord(msg.headers)`), not one entry read from it
      // (`msg.headers['X-Origin']`, `msg.headers.get('X-Origin')`).
      if (inner.type === 'MemberExpression' && memberName(inner) === root && inner.object.type === 'Identifier' && resolver.variableOf(inner.object) === message) {
        const parent = inner.parent;
        found = !(parent?.type === 'MemberExpression' && parent.object === inner);
      }
      return undefined;
    });
    return found;
  };
  let handOff: Omit<HandOff, 'inner'> | undefined;
  walk(site.body, resolver.keys, (node) => {
    if (handOff) return false;
    if (node.type !== 'CallExpression') return undefined;
    const target = handlerOf(resolver, wrapper, unwrap(node.callee));
    if (!target) return undefined;
    const index = node.arguments.findIndex((arg) => arg.type !== 'SpreadElement' && holdsCarrier(arg as Node, 0));
    if (index >= 0) handOff = { ...target, messageArg: index };
    return undefined;
  });
  return handOff;
}

/** The loop over a batch's messages hands each one to the wrapper's handler parameter: a per-message handler. */
function eachHandedToParam(resolver: Resolver, wrapper: FunctionNode, loop: TSESTree.ForOfStatement): Omit<HandOff, 'inner'> | undefined {
  const id = loop.left.type === 'VariableDeclaration' ? loop.left.declarations[0]?.id : undefined;
  const variable = id?.type === 'Identifier' ? resolver.declaredVariable(id) : null;
  for (const ref of variable?.references ?? []) {
    const passed = ref.identifier as Node;
    const call = passed.parent;
    if (call?.type !== 'CallExpression' || !call.arguments.includes(passed as TSESTree.Expression)) continue;
    const target = handlerOf(resolver, wrapper, unwrap(call.callee));
    if (target) return { ...target, messageArg: call.arguments.indexOf(passed as TSESTree.Expression), perMessage: true };
  }
  return undefined;
}

function samePath(root: Node, reached: Node, path: readonly string[]): boolean {
  let depth = 0;
  for (let node = reached; node !== root; node = (node as TSESTree.MemberExpression).object) depth++;
  return depth === path.length;
}

/** `const handler = topicHandlers[topic]`: the computed element a constant is initialised with. */
function elementInit(resolver: Resolver, id: TSESTree.Identifier): Node | undefined {
  const def = resolver.variableOf(id)?.defs[0];
  if (def?.type !== 'Variable' || def.node.type !== 'VariableDeclarator' || def.node.id !== def.name || !def.node.init) return undefined;
  const init = unwrap(def.node.init);
  return init.type === 'MemberExpression' && init.computed ? init : undefined;
}

/** The wrapper parameter (and property) a callee names: `handler`, `opts.onMessage`, a destructured `onMessages`. */
function handlerOf(resolver: Resolver, wrapper: FunctionNode, callee: Node): { handlerParam: number; handlerKey?: string } | undefined {
  const paramIndex = (node: Node): number => wrapper.params.findIndex((p) => (p.type === 'AssignmentPattern' ? p.left : p) === node);
  // `topicHandlers[topic](value, message)`, or `const handler = topicHandlers[topic]; handler(...)`: one of a map of
  // handlers by topic, a parameter.
  const element = callee.type === 'Identifier' ? elementInit(resolver, callee) : callee;
  if (element?.type === 'MemberExpression' && element.computed) {
    const object = unwrap(element.object);
    const def = object.type === 'Identifier' && !resolver.kindOf(object) ? resolver.variableOf(object)?.defs[0] : undefined;
    const index = def?.type === 'Parameter' && def.node === wrapper ? paramIndex(def.name as Node) : -1;
    if (index >= 0) return { handlerParam: index, handlerKey: '*' };
  }
  if (callee.type === 'Identifier') {
    const def = resolver.variableOf(callee)?.defs[0];
    if (def?.type !== 'Parameter' || def.node !== wrapper) return undefined;
    const direct = paramIndex(def.name as Node);
    if (direct >= 0) return { handlerParam: direct };
    // `({ topic, onMessages }) => ...`: a property of a destructured parameter.
    const property = (def.name as Node).parent;
    const pattern = property?.parent;
    if (property?.type !== 'Property' || property.computed || pattern?.type !== 'ObjectPattern') return undefined;
    const index = paramIndex(pattern);
    const key = propertyName(property);
    return index >= 0 && key !== undefined ? { handlerParam: index, handlerKey: key } : undefined;
  }
  if (callee.type === 'MemberExpression' && !callee.computed) {
    // `opts.onMessage(msg)`; not `channel.nack(msg)` on a client parameter.
    const object = unwrap(callee.object);
    if (object.type !== 'Identifier' || resolver.kindOf(object)) return undefined;
    const def = resolver.variableOf(object)?.defs[0];
    if (def?.type !== 'Parameter' || def.node !== wrapper) return undefined;
    const index = paramIndex(def.name as Node);
    const key = memberName(callee);
    return index >= 0 && key ? { handlerParam: index, handlerKey: key } : undefined;
  }
  return undefined;
}
