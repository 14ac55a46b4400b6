/**
 * @fileoverview Small ESTree helpers with one purpose each. No knowledge of brokers here.
 */
import type { TSESTree } from '@typescript-eslint/utils';

export type Node = TSESTree.Node;
export type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration;
export type VisitorKeys = Readonly<Record<string, readonly string[] | undefined>>;

/**
 * Visits every node once, depth first, setting `parent` where the parser left it out (typescript-estree does when
 * called outside ESLint). `enter` may return `false` to skip a subtree.
 */
export function walk(root: Node, keys: VisitorKeys, enter: (node: Node) => boolean | void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (enter(node) === false) continue;
    const childKeys = keys[node.type];
    if (!childKeys) continue;
    for (let k = childKeys.length - 1; k >= 0; k--) {
      const value = (node as unknown as Record<string, unknown>)[childKeys[k]!];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          const child = value[i] as Node | null;
          if (child && typeof child.type === 'string') {
            if (!child.parent) (child as { parent?: Node }).parent = node;
            stack.push(child);
          }
        }
      } else if (value && typeof (value as Node).type === 'string') {
        const child = value as Node;
        if (!child.parent) (child as { parent?: Node }).parent = node;
        stack.push(child);
      }
    }
  }
}

/**
 * Where a node starts in the text it was parsed from (1-based line and column): from its location when the parser
 * kept one, else counted (the project view parses other modules without locations).
 */
export function positionOf(text: string, node: Node): { line: number; column: number } {
  if (node.loc) return { line: node.loc.start.line, column: node.loc.start.column + 1 };
  const offset = node.range[0];
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1 };
}

/** Whether some call under `root` (nested functions included) passes `test`; the walk stops at the first. */
export function someCall(root: Node, keys: VisitorKeys, test: (call: TSESTree.CallExpression) => boolean): boolean {
  let found = false;
  walk(root, keys, (node) => {
    if (found) return false;
    if (node.type === 'CallExpression' && test(node)) found = true;
    return undefined;
  });
  return found;
}

/** Strips wrappers that do not change the value: TS assertions, `!`, `satisfies`, optional chains, `await`. */
export function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    switch (current.type) {
      case 'TSAsExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
      case 'ChainExpression':
        current = current.expression;
        break;
      case 'AwaitExpression':
        current = current.argument;
        break;
      default:
        return current;
    }
  }
}

/** The name a type reference ends with: `CreateUserDto`, `Request` of `Account.Request`. */
export function typeReferenceName(name: TSESTree.EntityName): string {
  return name.type === 'Identifier' ? name.name : name.type === 'TSQualifiedName' ? name.right.name : '';
}

/** The static name of a property key or member property: `a.b`, `a['b']`, `{ b: 1 }`, `{ 'b': 1 }`. */
export function staticName(node: Node | null | undefined, computed = false): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier' && !computed) return node.name;
  // `this.#channel`, `#channel: Channel`: a private name keeps its `#`, so it never meets a public one.
  if (node.type === 'PrivateIdentifier') return `#${node.name}`;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

export function memberName(node: TSESTree.MemberExpression): string | undefined {
  return staticName(node.property, node.computed);
}

export function propertyName(node: TSESTree.Property | TSESTree.PropertyDefinition | TSESTree.MethodDefinition): string | undefined {
  return staticName(node.key, node.computed);
}

/** `callee.property` name of a method call (`a.b.send(...)` → `send`), or the identifier of a plain call. */
export function calleeName(call: TSESTree.CallExpression | TSESTree.NewExpression): string | undefined {
  const callee = unwrap(call.callee);
  if (callee.type === 'MemberExpression') return memberName(callee);
  if (callee.type === 'Identifier') return callee.name;
  return undefined;
}

/** The node a report about a call should point at: the method name when there is one. */
export function callLocation(call: TSESTree.CallExpression | TSESTree.NewExpression): Node {
  const callee = unwrap(call.callee);
  return callee.type === 'MemberExpression' ? callee.property : call;
}

export function isFunction(node: Node | null | undefined): node is FunctionNode {
  return !!node && (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration');
}

export function enclosingFunction(node: Node): FunctionNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (isFunction(p)) return p;
  return undefined;
}

/** `null` or `undefined`: a value that holds nothing. */
export function isNullish(raw: Node): boolean {
  const node = unwrap(raw);
  return (node.type === 'Literal' && node.value === null) || (node.type === 'Identifier' && node.name === 'undefined');
}

/** Whether `inner` lies inside `outer` (or is it). */
export function contains(outer: Node, inner: Node): boolean {
  return inner.range[0] >= outer.range[0] && inner.range[1] <= outer.range[1];
}

/** The expressions a function returns: its expression body, or every `return x` not inside a nested function. */
export function returnedExpressions(fn: FunctionNode, keys: VisitorKeys): Node[] {
  if (fn.body.type !== 'BlockStatement') return [fn.body];
  const out: Node[] = [];
  walk(fn.body, keys, (node) => {
    if (isFunction(node)) return false;
    if (node.type === 'ReturnStatement' && node.argument) out.push(node.argument);
    return undefined;
  });
  return out;
}

/** `require('x')` with a literal specifier. */
export function requireSpecifier(node: Node): string | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'require') return undefined;
  const arg = node.arguments[0];
  return arg && arg.type === 'Literal' && typeof arg.value === 'string' ? arg.value : undefined;
}

const LOOP_TYPES = new Set(['ForOfStatement', 'ForInStatement', 'ForStatement', 'WhileStatement', 'DoWhileStatement']);
const ITERATION_METHODS = new Set(['map', 'forEach', 'flatMap', 'reduce', 'filter', 'some', 'every', 'find']);

/** Whether `node` runs once per element: inside a loop or an array-iteration callback below `root`. */
export function isInsideIteration(node: Node, root: Node): boolean {
  for (let p = node.parent; p && p !== root; p = p.parent) {
    if (LOOP_TYPES.has(p.type)) return true;
    if (isFunction(p) && p.parent?.type === 'CallExpression' && p.parent.arguments.includes(p as TSESTree.Expression)) {
      const name = calleeName(p.parent);
      if (name && ITERATION_METHODS.has(name)) return true;
    }
  }
  return false;
}
