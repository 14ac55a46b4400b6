/**
 * @fileoverview Where a site publishes to or consumes from: the topic, queue, subject or exchange, as a name when
 * the code states it (a string literal, a constant, an enum member, a template literal of constants, a property
 * of a config object, in this module or another of the project) and as its source text when it does not
 * (`process.env.ORDERS_TOPIC`). A destination is never guessed.
 *
 * The broker descriptions say where a call keeps its destination (`PublishSpec.destination`,
 * `ConsumeSpec.destination`), in the path language of `paths.ts`, plus:
 *   `a | b`              both paths (a consumer subscribed to `topic` or to each of `topics`)
 *   `a || b`             `a`, and `b` where `a` is the empty string (AMQP's default exchange routes by key)
 *   `receiver:m.rest`    the call's receiver was made by a call `x.m(...)`: continue at that call
 *   `calls:m.rest`       the other calls `r.m(...)` on the same receiver `r` in this file (`consumer.subscribe`)
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { calleeName, staticName, unwrap, walk, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import { evalPath } from './paths.js';
import type { PublishSite } from './publish.js';
import { Resolver, type ScopeVariable } from './resolve.js';
import { bindingPath } from './wrappers.js';

export interface Destination {
  /** The name, when the code states it. */
  name?: string;
  /** What the code says: the name, or the expression's source text when it cannot be resolved. */
  text: string;
}

const MAX_DEPTH = 6;

/** The destinations of a publish site, at the call (through wrappers: from the outermost caller's arguments). */
export function publishDestinations(resolver: Resolver, site: PublishSite): Destination[] {
  return publishNodes(resolver, site, 0).map(({ resolver: r, node }) => valueOf(r, node));
}

/** The destinations of a consumer site (a consume wrapper's: from its caller's arguments). */
export function consumeDestinations(resolver: Resolver, site: ConsumeSite): Destination[] {
  if (site.via) {
    const { inner, resolver: wrapperResolver } = site.via;
    const start = anchorCall(inner);
    const nodes = start ? destinationNodes(wrapperResolver, start, inner.spec.destination, inner.broker.id).map((node) => ({ resolver: wrapperResolver, node })) : [];
    return nodes.flatMap((located) => (site.anchor.type === 'CallExpression' ? throughParameter(located, resolver, site.anchor) : [located])).map(({ resolver: r, node }) => valueOf(r, node));
  }
  const start = anchorCall(site);
  return start ? destinationNodes(resolver, start, site.spec.destination, site.broker.id).map((node) => valueOf(resolver, node)) : [];
}

interface LocatedNode {
  resolver: Resolver;
  node: Node;
}

/** A wrapper call's destinations are its innermost broker call's, each mapped out through the parameters. */
function publishNodes(resolver: Resolver, site: PublishSite, depth: number): LocatedNode[] {
  if (!site.via) return destinationNodes(resolver, site.call, site.spec.destination, site.broker.id).map((node) => ({ resolver, node }));
  if (depth > MAX_DEPTH) return [];
  return publishNodes(site.via.resolver, site.via.inner, depth + 1).flatMap((located) => throughParameter(located, resolver, site.call));
}

/**
 * The call a consumer's destination path starts from: the registering call, or for a decorated handler the
 * `@EventPattern(...)`/`@MessagePattern(...)` decorator call. For-await loops start at the iterated value.
 */
export function anchorCall(site: ConsumeSite): Node | undefined {
  if (site.spec.style === 'decorator' || site.spec.style === 'method') {
    const decorators = (site.anchor as { decorators?: TSESTree.Decorator[] }).decorators ?? [];
    // `@EventPattern(...)`, or a decorator the spec's label names (`@RabbitSubscribe(...)`).
    const named = (name: string): boolean => (site.spec.style === 'decorator' ? /Pattern$/.test(name) : site.spec.label.split('/').includes(`@${name}`));
    return decorators.map((d) => unwrap(d.expression)).find((e) => e.type === 'CallExpression' && named(calleeName(e) ?? ''));
  }
  if (site.anchor.type === 'ForOfStatement') return site.anchor.right;
  return site.anchor;
}

/** The nodes a destination path leads to from `start` (see the file header for the forms). */
export function destinationNodes(resolver: Resolver, start: Node, path: string | undefined, broker: string): Node[] {
  if (!path) return [];
  if (path.includes(' | ')) return path.split(' | ').flatMap((p) => destinationNodes(resolver, start, p.trim(), broker));
  if (path.includes(' || ')) {
    const [first, second] = path.split(' || ') as [string, string];
    return destinationNodes(resolver, start, first, broker).flatMap((node) =>
      valueOf(resolver, node).name === '' ? destinationNodes(resolver, start, second, broker) : [node]);
  }
  const receiverMatch = /^receiver:([\w$]+)\.(.+)$/.exec(path);
  if (receiverMatch) {
    const made = madeBy(resolver, start, receiverMatch[1]!);
    return made ? destinationNodes(resolver, made, receiverMatch[2]!, broker) : [];
  }
  const callsMatch = /^calls:([\w$]+)\.(.+)$/.exec(path);
  if (callsMatch) return callsOnReceiver(resolver, start, callsMatch[1]!).flatMap((call) => destinationNodes(resolver, call, callsMatch[2]!, broker));
  return evalPath(resolver, start, path, broker).flatMap((r) => (r.type === 'node' ? [r.node] : []));
}

/** The receiver of a call (or an iterated value), followed to the `x.method(...)` call that made it. */
function madeBy(resolver: Resolver, start: Node, method: string): TSESTree.CallExpression | undefined {
  let value: Node = unwrap(start);
  if (value.type === 'CallExpression' || value.type === 'NewExpression') {
    const callee = unwrap(value.callee);
    if (callee.type !== 'MemberExpression') return undefined;
    value = callee.object;
  }
  let made = resolver.follow(value).node;
  if (made.type === 'MemberExpression') made = resolver.follow(resolver.fieldValue(made) ?? made).node;
  return made.type === 'CallExpression' && calleeName(made) === method ? made : undefined;
}

/** The calls `r.method(...)` on the receiver `r` of `start`, when `r` is a variable or `this.field`. */
function callsOnReceiver(resolver: Resolver, start: Node, method: string): TSESTree.CallExpression[] {
  const call = unwrap(start);
  if (call.type !== 'CallExpression') return [];
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression') return [];
  const key = receiverKey(resolver, callee.object);
  if (!key) return [];
  const found: TSESTree.CallExpression[] = [];
  walk(resolver.input.ast, resolver.keys, (node) => {
    if (node.type !== 'CallExpression' || calleeName(node) !== method) return undefined;
    const c = unwrap(node.callee);
    if (c.type === 'MemberExpression' && receiverKey(resolver, c.object) === key) found.push(node);
    return undefined;
  });
  return found;
}

function receiverKey(resolver: Resolver, node: Node): ScopeVariable | string | undefined {
  const value = unwrap(node);
  if (value.type === 'Identifier') return resolver.variableOf(value) ?? undefined;
  if (value.type === 'MemberExpression' && unwrap(value.object).type === 'ThisExpression') return `this.${staticName(value.property, value.computed) ?? ''}`;
  return undefined;
}

/**
 * A destination in a wrapper that comes from one of its parameters (`topic`, `options.topic`, a destructured
 * `{ topic }`): the caller's argument, in the caller's module. The node itself when it is not a parameter of the
 * function the call calls; nothing when the caller leaves the argument out.
 */
function throughParameter(located: LocatedNode, callerResolver: Resolver, call: TSESTree.CallExpression): LocatedNode[] {
  const { resolver: wrapperResolver, node } = located;
  const path: string[] = [];
  let base: Node = unwrap(node);
  while (base.type === 'MemberExpression') {
    const name = staticName(base.property, base.computed);
    if (!name) return [located];
    path.unshift(name);
    base = unwrap(base.object);
  }
  if (base.type !== 'Identifier') return [located];
  const def = wrapperResolver.variableOf(base)?.defs[0];
  if (!def || def.type !== 'Parameter' || !('params' in def.node)) return [located];
  const params = def.node.params as Node[];
  let index = -1;
  for (let i = 0; i < params.length && index < 0; i++) {
    const bound = bindingPath(params[i]!, def.name);
    if (bound) {
      index = i;
      path.unshift(...bound); // `({ topic }: Options)`: the caller's argument's property
    }
  }
  const arg = index >= 0 ? call.arguments[index] : undefined;
  if (index < 0) return [located];
  if (!arg || arg.type === 'SpreadElement') return [];
  let current: Node = arg;
  for (const name of path) {
    const object: Node = callerResolver.follow(current).node;
    const next: Node | undefined = object.type === 'ObjectExpression' ? propertyValue(object, name) : undefined;
    if (!next) return [located]; // shown as the wrapper writes it (`options.topic`)
    current = next;
  }
  return [{ resolver: callerResolver, node: current }];
}

/** A destination: its name when the code states it, else the expression as written. */
export function valueOf(resolver: Resolver, node: Node): Destination {
  const name = constantString(resolver, node, 0);
  if (name !== undefined) return { name, text: name };
  // `const QUEUE = process.env.QUEUE_URL!` shows as what it is set to, not as its name.
  const value = resolver.follow(node).node;
  return { text: sourceText(resolver, value.type === 'Identifier' || value.type === 'MemberExpression' || value.type === 'TSNonNullExpression' || value.type === 'LogicalExpression' || value.type === 'TemplateLiteral' ? value : node) };
}

function sourceText(resolver: Resolver, node: Node): string {
  const text = resolver.input.text.slice(node.range[0], node.range[1]).replace(/\s+/g, ' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The string a node always evaluates to, when the code says so (here or in another module of the project). */
export function constantString(resolver: Resolver, node: Node, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const value = unwrap(node);
  switch (value.type) {
    case 'Literal':
      return typeof value.value === 'string' || typeof value.value === 'number' ? String(value.value) : undefined;
    case 'TemplateLiteral': {
      let out = value.quasis[0]?.value.cooked ?? '';
      for (let i = 0; i < value.expressions.length; i++) {
        const part = constantString(resolver, value.expressions[i]!, depth + 1);
        if (part === undefined) return undefined;
        out += part + (value.quasis[i + 1]?.value.cooked ?? '');
      }
      return out;
    }
    case 'BinaryExpression': {
      if (value.operator !== '+') return undefined;
      const left = constantString(resolver, value.left, depth + 1);
      const right = left === undefined ? undefined : constantString(resolver, value.right, depth + 1);
      return right === undefined ? undefined : left! + right;
    }
    case 'Identifier': {
      const declared = declarationOf(resolver, value);
      return declared ? constantString(declared.resolver, declared.node, depth + 1) : undefined;
    }
    case 'MemberExpression': {
      const name = staticName(value.property, value.computed);
      if (name === undefined) return undefined;
      const object = objectOf(resolver, value.object, depth + 1);
      const member = object ? memberOf(object.node, name) : undefined;
      return member ? constantString(object!.resolver, member, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

interface Located {
  resolver: Resolver;
  node: Node;
}

/** What an identifier was declared as: a `const`'s value, an enum, or an import's exported declaration. */
function declarationOf(resolver: Resolver, id: TSESTree.Identifier): Located | undefined {
  const variable = resolver.variableOf(id);
  if (variable) {
    const def = variable.defs[0];
    if (def?.node.type === 'TSEnumDeclaration') return { resolver, node: def.node };
    const init = resolver.initOf(variable);
    if (init) return { resolver, node: init };
    if (def?.type !== 'ImportBinding') return undefined;
  }
  const info = resolver.imports.get(id.name);
  if (!info || info.imported === '*' || info.imported === 'default') return undefined;
  const other = moduleOf(resolver, info.source);
  return other ? exportedDeclaration(other, info.imported, 0) : undefined;
}

/** An object literal, an enum or a namespace import that a member expression reads from. */
function objectOf(resolver: Resolver, node: Node, depth: number): Located | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const value = unwrap(node);
  if (value.type === 'Identifier') {
    const info = resolver.imports.get(value.name);
    if (info?.imported === '*') {
      const other = moduleOf(resolver, info.source);
      return other ? { resolver: other, node: other.input.ast } : undefined;
    }
    const declared = declarationOf(resolver, value);
    return declared ? objectOf(declared.resolver, declared.node, depth + 1) : undefined;
  }
  if (value.type === 'MemberExpression') {
    const name = staticName(value.property, value.computed);
    const outer = name === undefined ? undefined : objectOf(resolver, value.object, depth + 1);
    const member = outer ? memberOf(outer.node, name!) : undefined;
    return member ? objectOf(outer!.resolver, member, depth + 1) : undefined;
  }
  if (value.type === 'ObjectExpression' || value.type === 'TSEnumDeclaration') return { resolver, node: value };
  return undefined;
}

function memberOf(object: Node, name: string): Node | undefined {
  if (object.type === 'ObjectExpression') return propertyValue(object, name);
  if (object.type === 'TSEnumDeclaration') {
    const members = (object as { body?: { members: TSESTree.TSEnumMember[] }; members?: TSESTree.TSEnumMember[] }).body?.members ?? object.members;
    const member = members.find((m) => staticName(m.id) === name);
    return member?.initializer ?? undefined;
  }
  if (object.type === 'Program') {
    // A namespace import: the module's exported declaration of that name.
    for (const statement of object.body) {
      const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : undefined;
      if (declaration?.type === 'VariableDeclaration') {
        for (const d of declaration.declarations) if (d.id.type === 'Identifier' && d.id.name === name && d.init) return d.init;
      } else if (declaration?.type === 'TSEnumDeclaration' && declaration.id.name === name) return declaration;
    }
  }
  return undefined;
}

function propertyValue(object: TSESTree.ObjectExpression, name: string): Node | undefined {
  let found: Node | undefined;
  for (const prop of object.properties) {
    if (prop.type === 'SpreadElement') found = undefined; // a later spread may override: unknown
    else if (staticName(prop.key, prop.computed) === name && prop.kind === 'init') found = prop.value;
  }
  return found;
}

function moduleOf(resolver: Resolver, specifier: string): Resolver | undefined {
  const { project, file } = resolver;
  if (!project || !file) return undefined;
  const target = project.resolve(file, specifier);
  return target ? Resolver.forModule(project, target, resolver.catalog) : undefined;
}

/** The declaration a module exports under `name`: `export const X = ...`, `export enum X`, `export { X }`, re-exports. */
function exportedDeclaration(resolver: Resolver, name: string, depth: number): Located | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const local = (localName: string): Located | undefined => {
    for (const statement of resolver.input.ast.body) {
      const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
      if (declaration?.type === 'VariableDeclaration') {
        for (const d of declaration.declarations) if (d.id.type === 'Identifier' && d.id.name === localName && d.init) return { resolver, node: d.init };
      } else if (declaration?.type === 'TSEnumDeclaration' && declaration.id.name === localName) return { resolver, node: declaration };
    }
    const info = resolver.imports.get(localName);
    const other = info && info.imported !== '*' && info.imported !== 'default' ? moduleOf(resolver, info.source) : undefined;
    return other ? exportedDeclaration(other, info!.imported, depth + 1) : undefined;
  };
  for (const statement of resolver.input.ast.body) {
    if (statement.type === 'ExportNamedDeclaration' && !statement.declaration) {
      for (const spec of statement.specifiers) {
        if (spec.type !== 'ExportSpecifier' || staticName(spec.exported) !== name) continue;
        const localName = staticName(spec.local) ?? name;
        if (!statement.source) return local(localName);
        const other = moduleOf(resolver, statement.source.value);
        return other ? exportedDeclaration(other, localName, depth + 1) : undefined;
      }
    }
  }
  const found = local(name);
  if (found) return found;
  for (const statement of resolver.input.ast.body) {
    if (statement.type === 'ExportAllDeclaration' && !statement.exported && statement.source) {
      const other = moduleOf(resolver, statement.source.value);
      const inner = other ? exportedDeclaration(other, name, depth + 1) : undefined;
      if (inner) return inner;
    }
  }
  return undefined;
}
