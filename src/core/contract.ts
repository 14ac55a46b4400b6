/**
 * @fileoverview Whether removing a trace key from a message body is safe. A body key is part of the message's
 * contract: every consumer, possibly in another repository, receives it. It is removed only when its value is the
 * active span's own (`span.spanContext().traceId`, `trace.getActiveSpan()?…`, an injected carrier), which the
 * headers then carry, and no consumer in the project reads it with a fallback of its own (`body.traceId ?? uuid()`,
 * `const { traceId = randomUUID() } = body`), which would start minting IDs. Otherwise the key stays, with the reason.
 */
import path from 'node:path';
import { calleeName, isFunction, memberName, walk, type Node } from './ast.js';
import type { Resolver } from './resolve.js';
import { escapeRegExp } from './reach.js';
import { isTestFile } from './test-files.js';

/** Calls whose result is the active span or its context. */
const SPAN_CALLS = new Set(['spanContext', 'getActiveSpan', 'getSpan', 'getSpanContext', 'getActiveSpanContext']);

/** The end of an expression that is the span or its context, before `.traceId`. */
const SPAN_OBJECT = /(?:spanContext\(\)|getActiveSpan\(\)|\bsc|[sS]pan|[cC]ontext|[cC]tx)\??$/;

const CARRIER_WORDS = /headers|carrier|attributes|properties|metadata|getHeaders\(/i;

/** The value written under a body key: the property's value, or the right side of `body.traceId = ...`. */
function valueOfKey(key: Node): Node | undefined {
  const owner = key.parent;
  if (owner?.type === 'Property') return owner.value as Node;
  if (owner?.type === 'MemberExpression' && owner.parent?.type === 'AssignmentExpression' && owner.parent.left === owner) return owner.parent.right;
  return undefined;
}

/** The value reads the active span (or is a carrier the context was injected into), through variables too. */
export function isSpanDerived(resolver: Resolver, value: Node, depth = 0): boolean {
  const { node, variables } = resolver.follow(value);
  let found = false;
  walk(node, resolver.keys, (inner) => {
    if (found) return false;
    if (inner.type === 'CallExpression') {
      const name = calleeName(inner);
      if (name && (SPAN_CALLS.has(name) || /^inject[A-Z]/.test(name))) found = true;
    } else if (inner.type === 'Identifier' && inner !== node && depth < 3 && !isPropertyName(inner)) {
      // `sc?.traceId` with `const sc = trace.getActiveSpan()?.spanContext()`
      if (resolver.variableOf(inner) && isSpanDerived(resolver, inner, depth + 1)) found = true;
    }
    return isFunction(inner) ? false : undefined;
  });
  if (found) return true;
  // `const carrier = {}; propagation.inject(context.active(), carrier)`: the carrier holds the span's context.
  return variables.some((variable) =>
    variable.references.some((ref) => {
      const call = (ref.identifier as Node).parent;
      return call?.type === 'CallExpression' && call.arguments[1] === ref.identifier && call.callee.type === 'MemberExpression' && memberName(call.callee) === 'inject';
    }),
  );
}

function isPropertyName(node: Node): boolean {
  const parent = node.parent;
  return (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) || (parent?.type === 'Property' && parent.key === node && !parent.computed);
}

/** Places (`file:line`) where some code reads `key` from an object with a fallback of its own. */
export function fallbackReads(resolver: Resolver, key: string): string[] {
  const escaped = escapeRegExp(key);
  const pattern = new RegExp(`\\.\\s*${escaped}\\s*(?:\\?\\?|\\|\\|)|\\[\\s*['"\`]${escaped}['"\`]\\s*\\]\\s*(?:\\?\\?|\\|\\|)|[{,]\\s*${escaped}\\s*=(?![=>])`, 'g');
  return readsMatching(resolver, key, pattern, 'fallback-reads');
}

/**
 * Places (`file:line`) where some code reads `key` from an object at all: `x.key`, `x['key']`, `const { key } = x`
 * (not assignments, not object literals that write it).
 */
export function bodyReads(resolver: Resolver, key: string): string[] {
  const escaped = escapeRegExp(key);
  const pattern = new RegExp(`\\.\\s*${escaped}\\b(?!\\s*=(?!=))|\\[\\s*['"\`]${escaped}['"\`]\\s*\\](?!\\s*=(?!=))|\\{[^{}=;]*\\b${escaped}\\b[^{}=;]*\\}\\s*=(?![=>])`, 'g');
  return readsMatching(resolver, key, pattern, 'body-reads');
}

function readsMatching(resolver: Resolver, key: string, pattern: RegExp, slot: string): string[] {
  const scan = (text: string, file: string): string[] => {
    const found: string[] = [];
    for (const match of text.matchAll(pattern)) {
      const lineStart = text.lastIndexOf('\n', match.index) + 1;
      if (/^\s*(?:\/\/|\/?\*)|\/\//.test(text.slice(lineStart, match.index))) continue; // in a comment
      // `span.spanContext().traceId ?? ''` and `sc?.traceId || ...` read the span, not a body.
      if (match[0].startsWith('.') && SPAN_OBJECT.test(text.slice(lineStart, match.index))) continue;
      // Reads from headers or a carrier are the propagation's own, not the body's.
      const lineEnd = text.indexOf('\n', match.index);
      const around = match[0].startsWith('.') || match[0].startsWith('[') ? text.slice(Math.max(lineStart, match.index - 60), match.index) : text.slice(match.index, lineEnd < 0 ? text.length : lineEnd);
      if (CARRIER_WORDS.test(around)) continue;
      const line = text.slice(0, match.index).split('\n').length;
      found.push(`${file}:${line}`);
    }
    return found;
  };
  const project = resolver.project;
  if (!project) return scan(resolver.input.text, path.basename(resolver.file ?? 'this file'));
  return project.projectSlot(`${slot}:${key}`, () =>
    project.files().flatMap((file) => {
      const relative = project.relative(file);
      // Tests and test data assert on payloads; they are not consumers.
      if (isTestFile(relative) || /(?:^|\/)fixtures\//.test(relative)) return [];
      const text = project.text(file);
      return text && text.includes(key) ? scan(text, relative) : [];
    }),
  );
}

/** Why the trace key must stay in the body, or undefined when removing it changes nothing a consumer relies on. */
export function keepReason(resolver: Resolver, key: string, keyNode: Node): string | undefined {
  const value = valueOfKey(keyNode);
  if (!value || !isSpanDerived(resolver, value)) {
    return `kept '${key}' in the body: its value is not the active span's, and consumers may read it (--drop-payload-ids removes it)`;
  }
  const reads = fallbackReads(resolver, key);
  if (reads.length > 0) {
    return `kept '${key}' in the body: ${reads[0]}${reads.length > 1 ? ` (and ${reads.length - 1} more)` : ''} reads it with a fallback of its own (--drop-payload-ids removes it)`;
  }
  return undefined;
}
