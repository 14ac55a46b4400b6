/**
 * @fileoverview Evaluates the path language of broker descriptions (see `src/brokers/types.ts`) over the AST.
 * Each result says what is there: a node, a definite absence (an object literal without the property, a call
 * without the argument), or "unknown" (a parameter, an unresolved call, an object passed to other code).
 * Rules only report on definite facts, never on unknowns.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { isFunction, isNullish, memberName, returnedExpressions, staticName, typeReferenceName, unwrap, type FunctionNode, type Node } from './ast.js';
import type { Resolver, ScopeVariable } from './resolve.js';

export type Step =
  | { type: 'arg'; index: number }
  | { type: 'param'; index: number }
  | { type: 'prop'; name: string }
  | { type: 'each' }
  | { type: 'eachOrSelf' }
  | { type: 'new'; kind: string }
  | { type: 'chain'; method: string };

export type PathResult =
  | { type: 'node'; node: Node }
  | { type: 'absent'; at: Node }
  | { type: 'unknown' }
  /** The value is of another shape than the path requires: the description does not apply here. */
  | { type: 'mismatch' };

const cache = new Map<string, Step[]>();

export function parsePath(path: string): Step[] {
  let steps = cache.get(path);
  if (steps) return steps;
  steps = [];
  const re = /\[\*\]|\[\?\]|new:([\w$]+)|chain:([\w$]+)|(arg|param)(\d+)|([\w$]+)/g;
  for (const match of path.matchAll(re)) {
    if (match[0] === '[*]') steps.push({ type: 'each' });
    else if (match[0] === '[?]') steps.push({ type: 'eachOrSelf' });
    else if (match[1]) steps.push({ type: 'new', kind: match[1] });
    else if (match[2]) steps.push({ type: 'chain', method: match[2] });
    else if (match[3] === 'arg') steps.push({ type: 'arg', index: Number(match[4]) });
    else if (match[3] === 'param') steps.push({ type: 'param', index: Number(match[4]) });
    else steps.push({ type: 'prop', name: match[5]! });
  }
  cache.set(path, steps);
  return steps;
}

/**
 * Whether a parameter is declared as plain data, never a broker record: a primitive, or (for NestJS clients, `nest`)
 * a named type that is neither a record, message or envelope type nor a type parameter (`dto: CreateUserDto`,
 * `email: Account.Request`).
 */
export function declaredPlainParameter(fn: FunctionNode, param: Node, nest: boolean): boolean {
  let declared: Node = param;
  if (declared.type === 'TSParameterProperty') declared = declared.parameter;
  if (declared.type === 'AssignmentPattern') declared = declared.left;
  const type = 'typeAnnotation' in declared ? (declared.typeAnnotation as TSESTree.TSTypeAnnotation | undefined)?.typeAnnotation : undefined;
  if (!type) return false;
  if (PRIMITIVE_TYPES.has(type.type)) return true;
  if (!nest || type.type !== 'TSTypeReference') return false;
  const name = typeReferenceName(type.typeName);
  if (!name) return false;
  if (RECORD_TYPE.test(name) || fn.typeParameters?.params.some((p) => p.name.name === name)) return false;
  return !(fn.parent?.type === 'MethodDefinition' && enclosingTypeParameters(fn.parent).has(name));
}

const PRIMITIVE_TYPES = new Set(['TSNumberKeyword', 'TSStringKeyword', 'TSBooleanKeyword', 'TSBigIntKeyword']);
const RECORD_TYPE = /Record|Message|Envelope|^(Partial|Readonly|Pick|Omit|Required|Array|ReadonlyArray)$/;

/** The type parameters of the class a method belongs to (`class Publisher<T>`). */
function enclosingTypeParameters(method: TSESTree.MethodDefinition): Set<string> {
  const owner = method.parent?.parent;
  const params = owner && (owner.type === 'ClassDeclaration' || owner.type === 'ClassExpression') ? owner.typeParameters?.params ?? [] : [];
  return new Set(params.map((p) => p.name.name));
}

/** `undefined`, `void 0` or `null` written as an argument: the parameter is left out. */
function isLeftOut(resolver: Resolver, arg: Node): boolean {
  if (arg.type === 'Literal') return arg.value === null && !('regex' in arg) && !('bigint' in arg);
  if (arg.type === 'UnaryExpression') return arg.operator === 'void' && arg.argument.type === 'Literal';
  return arg.type === 'Identifier' && arg.name === 'undefined' && !resolver.variableOf(arg)?.defs.length;
}

/**
 * Evaluates `path` from `start`. `broker` qualifies the kinds named in `new:` steps; `site` is the publish or
 * consume call being examined, whose own use of a variable is not an escape.
 */
export function evalPath(resolver: Resolver, start: Node, path: string, broker: string, site?: Node): PathResult[] {
  let current: PathResult[] = [{ type: 'node', node: start }];
  for (const step of parsePath(path)) {
    const next: PathResult[] = [];
    for (const result of current) {
      if (result.type !== 'node') next.push(result);
      else next.push(...applyStep(resolver, result.node, step, broker, site));
    }
    current = next;
  }
  return current;
}

export function applyStep(resolver: Resolver, node: Node, step: Step, broker: string, site: Node | undefined): PathResult[] {
  switch (step.type) {
    case 'arg': {
      const call = unwrap(node);
      if (call.type !== 'CallExpression' && call.type !== 'NewExpression') return [{ type: 'unknown' }];
      const args = call.arguments;
      for (let i = 0; i <= step.index && i < args.length; i++) if (args[i]!.type === 'SpreadElement') return [{ type: 'unknown' }];
      const arg = args[step.index];
      // `sendToQueue(queue, content, undefined, callback)`: an argument left out to reach a later one.
      return arg && !isLeftOut(resolver, arg) ? [{ type: 'node', node: arg }] : [{ type: 'absent', at: call }];
    }
    case 'param': {
      const fn = unwrap(node);
      if (!isFunction(fn)) return [{ type: 'unknown' }];
      const param = fn.params[step.index];
      return param ? [{ type: 'node', node: param }] : [{ type: 'absent', at: fn }];
    }
    case 'prop':
      return [propertyOf(resolver, node, step.name, site)];
    case 'each':
      return elementsOf(resolver, node, site);
    case 'eachOrSelf': {
      const { node: value } = resolver.follow(node);
      return value.type === 'ObjectExpression' ? [{ type: 'node', node: value }] : elementsOf(resolver, node, site);
    }
    case 'new': {
      const value = builtValue(resolver, node);
      if (value.type !== 'NewExpression') {
        return value.type === 'Identifier' || value.type === 'MemberExpression' || value.type === 'CallExpression'
          ? [{ type: 'unknown' }]
          : [{ type: 'mismatch' }];
      }
      return resolver.kindOf(value.callee) === `${broker}:${step.kind}` ? [{ type: 'node', node: value }] : [{ type: 'mismatch' }];
    }
    case 'chain': {
      const { node: value, variables } = resolver.follow(node);
      for (let link: Node = value; ; ) {
        if (link.type === 'CallExpression') {
          const callee = unwrap(link.callee);
          if (callee.type === 'MemberExpression') {
            if (memberName(callee) === step.method) return [{ type: 'node', node: link }];
            link = unwrap(callee.object);
            continue;
          }
        }
        break;
      }
      // The builder's steps as statements: `const opts = consumerOpts(); opts.durable('d'); opts.callback(fn)`.
      const variable = variables[variables.length - 1];
      for (const ref of variable?.references ?? []) {
        const member = (ref.identifier as Node).parent;
        if (member?.type === 'MemberExpression' && member.object === ref.identifier && memberName(member) === step.method && member.parent?.type === 'CallExpression' && member.parent.callee === member) {
          return [{ type: 'node', node: member.parent }];
        }
      }
      // A parameter: its callers build the record (`send(pattern, record)` forwarding the caller's `RmqRecord`),
      // unless it is declared as plain data (`dto: CreateUserDto`, `id: number`), which no builder made.
      const def = variables.length === 1 ? variable?.defs[0] : undefined;
      if (value.type === 'Identifier' && def?.type === 'Parameter' && isFunction(def.node) && !declaredPlainParameter(def.node, def.name, true)) return [{ type: 'unknown' }];
      return [{ type: 'absent', at: value }];
    }
  }
}

/**
 * The value of `name` on an object: the last matching property of an object literal (spreads included), or
 * a later `obj.name = value` assignment. Unknown when the object escapes to other code that could add it.
 */
export function propertyOf(resolver: Resolver, node: Node, name: string, site?: Node): PathResult {
  const { node: value, variables } = resolver.follow(node);
  if (value.type === 'ObjectPattern') {
    // A destructured handler parameter: `({ message }) => ...`.
    for (const prop of value.properties) {
      if (prop.type === 'Property' && staticName(prop.key, prop.computed) === name) return { type: 'node', node: prop.value };
    }
    return value.properties.some((p) => p.type === 'RestElement') ? { type: 'unknown' } : { type: 'absent', at: value };
  }
  if (value.type === 'Identifier' && variables.length > 0) return branchProperty(resolver, variables[variables.length - 1]!, name, site);
  if (value.type === 'CallExpression') return madeProperty(resolver, value, variables, name, site);
  if (value.type !== 'ObjectExpression') return { type: 'unknown' };
  const assigned = assignedProperty(variables, name, site);
  if (assigned === 'escapes') return { type: 'unknown' };
  if (assigned) return { type: 'node', node: assigned };
  return literalProperty(resolver, value, name, 0);
}

/**
 * `const options = this.getPublishOptions(opts)`, a function of this file every return of which is an object literal
 * (`{ deliveryMode, contentType }`, `{}`): the property is absent when no return has it and nothing sets it later;
 * unknown otherwise.
 */
function madeProperty(resolver: Resolver, call: TSESTree.CallExpression, variables: ScopeVariable[], name: string, site?: Node): PathResult {
  const ref = resolver.calleeFunction(call);
  if (!ref || ref.resolver !== resolver || !isFunction(ref.fn)) return { type: 'unknown' };
  const returned = returnedExpressions(ref.fn, resolver.keys).map((r) => resolver.follow(r).node);
  if (returned.length === 0 || returned.some((r) => r.type !== 'ObjectExpression' || literalProperty(resolver, r, name, 0).type !== 'absent')) return { type: 'unknown' };
  const assigned = assignedProperty(variables, name, site);
  if (assigned === 'escapes') return { type: 'unknown' };
  return assigned ? { type: 'node', node: assigned } : { type: 'absent', at: call };
}

/**
 * `let options; if (ttl) options = { expiration: ttl }; ch.publish(x, k, body, options)`: a local variable given
 * its value in several places has the property only if one of those values has it. Absent when every value is an
 * object literal without it (or nothing at all); unknown when any value is not a literal or the object escapes.
 */
function branchProperty(resolver: Resolver, variable: ScopeVariable, name: string, site: Node | undefined): PathResult {
  const def = variable.defs.length === 1 ? variable.defs[0]! : undefined;
  if (def?.type !== 'Variable' || def.node.type !== 'VariableDeclarator' || def.node.id.type !== 'Identifier' || (def.parent as TSESTree.VariableDeclaration | null)?.kind === 'const') return { type: 'unknown' };
  const values: Array<Node | undefined> = [def.node.init ?? undefined];
  for (const ref of variable.references) {
    if (!ref.isWrite() || ref.init) continue;
    const parent = (ref.identifier as Node).parent;
    if (parent?.type !== 'AssignmentExpression' || parent.operator !== '=' || parent.left !== ref.identifier) return { type: 'unknown' };
    values.push(parent.right);
  }
  const assigned = assignedProperty([variable], name, site);
  if (assigned === 'escapes') return { type: 'unknown' };
  if (assigned) return { type: 'node', node: assigned };
  let at: Node | undefined;
  for (const written of values) {
    const value = written && resolver.follow(written).node;
    if (!value || isNullish(value)) continue;
    if (value.type !== 'ObjectExpression') return { type: 'unknown' };
    const found = literalProperty(resolver, value, name, 0);
    if (found.type !== 'absent') return found;
    at ??= value;
  }
  return { type: 'absent', at: at ?? def.node };
}

function literalProperty(resolver: Resolver, object: TSESTree.ObjectExpression, name: string, depth: number): PathResult {
  for (let i = object.properties.length - 1; i >= 0; i--) {
    const prop = object.properties[i]!;
    if (prop.type === 'Property') {
      if (staticName(prop.key, prop.computed) === name) return { type: 'node', node: prop.value };
      if (prop.computed && staticName(prop.key, true) === undefined) return { type: 'unknown' };
    } else {
      if (depth > 4) return { type: 'unknown' };
      const inner = spreadProperty(resolver, prop.argument, name, depth + 1);
      if (inner.type !== 'absent') return inner;
    }
  }
  return { type: 'absent', at: object };
}

/**
 * `...spread` in an object literal: an object literal, or a choice between object literals and nothing
 * (`...(attrs ? { MessageAttributes: attrs } : {})`, `...(fifo && { MessageGroupId })`). A branch that has the
 * property gives it; absent when no branch has it.
 */
function spreadProperty(resolver: Resolver, argument: Node, name: string, depth: number): PathResult {
  const { node: spread } = resolver.follow(argument);
  if (spread.type === 'ObjectExpression') return literalProperty(resolver, spread, name, depth);
  if (spread.type === 'ConditionalExpression' || spread.type === 'LogicalExpression') {
    const branches = spread.type === 'ConditionalExpression' ? [spread.consequent, spread.alternate]
      : spread.operator === '&&' ? [spread.right] : [spread.left, spread.right];
    let result: PathResult = { type: 'absent', at: spread };
    for (const branch of branches) {
      const value = unwrap(branch);
      if (value.type === 'Literal' || (value.type === 'Identifier' && value.name === 'undefined')) continue;
      const found = spreadProperty(resolver, value, name, depth + 1);
      if (found.type === 'unknown' || found.type === 'mismatch') return found;
      if (found.type === 'node') result = found;
    }
    return result;
  }
  return { type: 'unknown' };
}

/**
 * Looks at how the variables holding an object are used: `obj.name = v` gives the value; passing the object to
 * other code (which might add the property) makes the answer unknown.
 */
function assignedProperty(variables: ScopeVariable[], name: string, site: Node | undefined): Node | 'escapes' | undefined {
  let found: Node | undefined;
  for (const variable of variables) {
    for (const ref of variable.references) {
      const id = ref.identifier as Node;
      const parent = id.parent;
      if (!parent || ref.init) continue;
      if (parent.type === 'MemberExpression' && parent.object === id) {
        const grand = parent.parent;
        if (grand?.type === 'AssignmentExpression' && grand.left === parent && memberName(parent) === name) found = grand.right;
      } else if (parent.type === 'CallExpression' && parent.arguments.includes(id as TSESTree.Expression)) {
        if (parent !== site && !isHarmlessCall(parent)) return 'escapes';
      }
    }
  }
  return found;
}

/** Calls that read an object without changing it. */
export function isHarmlessCall(call: TSESTree.CallExpression): boolean {
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression') return false;
  const object = unwrap(callee.object);
  const objectName = object.type === 'Identifier' ? object.name : object.type === 'MemberExpression' ? memberName(object) : undefined;
  if (objectName === 'JSON' || objectName === 'console' || objectName === 'logger' || objectName === 'log') return true;
  // Object.entries(carrier): its keys are read (to copy them into the broker's headers, say), never written.
  if (objectName === 'Object' && object.type === 'Identifier' && OBJECT_READERS.has(memberName(callee) ?? '')) return true;
  // A span copies what it records (`span.setAttributes(headers)`): the object is read, never written.
  return SPAN_RECORDERS.has(memberName(callee) ?? '');
}

const SPAN_RECORDERS = new Set(['setAttributes', 'setAttribute', 'addEvent']);
const OBJECT_READERS = new Set(['keys', 'values', 'entries']);

/**
 * The elements of an array value: literal elements, spread arrays, `xs.map(fn)` results, or the arguments of
 * `arr.push(...)` on an array that started empty. Unknown otherwise.
 */
export function elementsOf(resolver: Resolver, node: Node, site?: Node): PathResult[] {
  const { node: value, variables } = resolver.follow(node);
  if (value.type === 'Identifier' && variables.length > 0) {
    // `let messages = [...]` reassigned later (`messages = events.map(...)`): every array it is given.
    const variable = variables[variables.length - 1]!;
    const def = variable.defs.length === 1 ? variable.defs[0] : undefined;
    const init = def?.type === 'Variable' && def.node.type === 'VariableDeclarator' && def.node.id.type === 'Identifier' ? def.node.init : null;
    if (init && unwrap(init).type === 'ArrayExpression') {
      return [...literalElements(resolver, unwrap(init) as TSESTree.ArrayExpression, site), ...pushedElements(resolver, [variable], site)];
    }
  }
  if (value.type === 'ConditionalExpression') {
    // `Array.isArray(m) ? m.map(toMessage) : [toMessage(m)]`: the messages of either branch.
    return [...elementsOf(resolver, value.consequent, site), ...elementsOf(resolver, value.alternate, site)];
  }
  if (value.type === 'ArrayExpression') {
    if (value.elements.length === 0 && variables.length > 0) return pushedElements(resolver, variables, site);
    return literalElements(resolver, value, site);
  }
  if (value.type === 'CallExpression') {
    const callee = unwrap(value.callee);
    if (callee.type === 'MemberExpression' && (memberName(callee) === 'map' || memberName(callee) === 'flatMap')) {
      const fn = value.arguments[0] && resolver.functionOf(value.arguments[0]);
      if (fn && isFunction(fn)) {
        // `events.map((e, i) => buildEntry(e, i))`: what the builder of this file returns.
        return returnedExpressions(fn, resolver.keys).map((n) => ({ type: 'node', node: builtValue(resolver, n) }) as PathResult);
      }
    }
  }
  return [{ type: 'unknown' }];
}

/** The elements written in an array literal, spread arrays included. */
function literalElements(resolver: Resolver, array: TSESTree.ArrayExpression, site: Node | undefined): PathResult[] {
  return array.elements.flatMap((e): PathResult[] =>
    !e ? [] : e.type === 'SpreadElement' ? elementsOf(resolver, e.argument, site) : [{ type: 'node', node: e }],
  );
}

function pushedElements(resolver: Resolver, variables: ScopeVariable[], site: Node | undefined): PathResult[] {
  const out: PathResult[] = [];
  for (const ref of variables[variables.length - 1]!.references) {
    const id = ref.identifier as Node;
    if (ref.init) continue;
    const parent = id.parent;
    if (parent?.type === 'MemberExpression' && parent.object === id && memberName(parent) === 'push' && parent.parent?.type === 'CallExpression') {
      for (const arg of parent.parent.arguments) out.push(arg.type === 'SpreadElement' ? { type: 'unknown' } : { type: 'node', node: arg });
    } else if (parent?.type === 'AssignmentExpression' && parent.operator === '=' && parent.left === id) {
      // let messages = []; ... messages = events.map((e) => ({ value: e })): the new array's elements too
      out.push(...elementsOf(resolver, parent.right, site));
    } else if (parent?.type === 'CallExpression' || parent?.type === 'AssignmentExpression') {
      // handed to other code or reassigned: we cannot know what it holds
      if (!(parent.type === 'CallExpression' && (parent === site || isHarmlessCall(parent)))) return [{ type: 'unknown' }];
    }
  }
  return out;
}

/**
 * `buildCommand(event)`, `buildEntry(e, i)`: what a function of this file returns, when it returns one expression
 * (a command or a message literal built there, and fixed there). Other values are returned as they are.
 */
export function builtValue(resolver: Resolver, node: Node): Node {
  const value = resolver.follow(node).node;
  if (value.type !== 'CallExpression') return value;
  const fn = resolver.functionOf(value.callee);
  if (!fn || !isFunction(fn)) return value;
  const returned = returnedExpressions(fn, resolver.keys);
  return returned.length === 1 ? resolver.follow(returned[0]!).node : value;
}
