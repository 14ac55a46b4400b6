/**
 * @fileoverview Consume wrappers: the project's own functions that register a consumer and hand each message to a
 * handler their caller passes in (`subscribe(topic, handler)`, `queue.consume(name, onMessage)`). A call to such a
 * wrapper is a consumer entry point of its own: the caller's handler receives the message, so it is the handler
 * that must extract, and it is judged where it is written. A wrapper that extracts and runs the handler inside
 * the context (or hands on only the parsed body, which is then reported inside the wrapper) makes no such site.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { isFunction, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { callSite, matchConsumeCall, type ConsumeSite } from './consume.js';
import type { FunctionRef, Resolver } from './resolve.js';

interface HandOff {
  /** The inner consumer site, in the wrapper's module. */
  inner: ConsumeSite;
  /** Which parameter of the wrapper is the handler, and which argument of the handler call is the message. */
  handlerParam: number;
  messageArg: number;
}

const summaries = new WeakMap<Node, HandOff[]>();

/** The consumer sites a call to a project consume wrapper stands for, with the caller's own handler as the body. */
export function consumeWrapperSites(resolver: Resolver, call: TSESTree.CallExpression): ConsumeSite[] {
  const ref = resolver.calleeFunction(call);
  if (!ref) return [];
  const out: ConsumeSite[] = [];
  for (const handOff of handOffs(ref)) {
    const arg = call.arguments[handOff.handlerParam];
    const fn = arg ? resolver.functionOf(arg) : undefined;
    if (!fn || !isFunction(fn)) continue;
    const param = fn.params[handOff.messageArg];
    const variable = param?.type === 'Identifier' ? resolver.declaredVariable(param) : null;
    if (!variable) continue;
    const { inner } = handOff;
    out.push({ ...inner, anchor: call, location: fn, body: fn, bindings: [{ variable, path: [] }], payloads: [] });
  }
  return out;
}

function handOffs(ref: FunctionRef): HandOff[] {
  const cached = summaries.get(ref.fn);
  if (cached) return cached;
  const found: HandOff[] = [];
  summaries.set(ref.fn, found);
  const { resolver, fn } = ref;
  walk(fn.body, resolver.keys, (node) => {
    if (node.type !== 'CallExpression' && node.type !== 'NewExpression') return undefined;
    for (const { broker, spec } of matchConsumeCall(resolver, node)) {
      if (spec.style !== 'callback') continue;
      const site = callSite(resolver, node, broker, spec);
      if (!site || site.bindings.length === 0) continue;
      const handOff = handedToParam(resolver, fn, site);
      if (handOff) found.push({ inner: site, ...handOff });
    }
    return undefined;
  });
  return found;
}

/** `handler(message)` / `await opts.onMessage(msg)` inside the consumer callback, where `handler` is a parameter. */
function handedToParam(resolver: Resolver, wrapper: FunctionNode, site: ConsumeSite): { handlerParam: number; messageArg: number } | undefined {
  const message = site.bindings[0]!.variable;
  for (const ref of message.references) {
    const id = ref.identifier as Node;
    const call = id.parent;
    if (call?.type !== 'CallExpression' || !call.arguments.includes(id as TSESTree.Expression)) continue;
    const callee = unwrap(call.callee);
    if (callee.type !== 'Identifier') continue;
    const variable = resolver.variableOf(callee);
    const def = variable?.defs[0];
    if (def?.type !== 'Parameter' || def.node !== wrapper) continue;
    const handlerParam = wrapper.params.findIndex((p) => (p.type === 'AssignmentPattern' ? p.left : p) === def.name);
    if (handlerParam >= 0) return { handlerParam, messageArg: call.arguments.indexOf(id as TSESTree.Expression) };
  }
  return undefined;
}
