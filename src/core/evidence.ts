/**
 * @fileoverview Positive evidence that a site propagates: an injection call where a publish builds its message, an
 * extraction in a handler. The rules report what is missing and stay silent on what they cannot see (precision
 * first); the audit needs to tell "seen to propagate" from "not seen to break", so it asks here.
 */
import { enclosingFunction, walk, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import { extractionCall, injectionCall, type PropagationNames } from './otel.js';
import type { PublishSite } from './publish.js';
import type { Resolver } from './resolve.js';

/** An injection in the function that makes the call (or the module's top level), or in the wrapper it goes through. */
export function injectionSeen(resolver: Resolver, site: PublishSite, names: PropagationNames): boolean {
  const scope: Node = enclosingFunction(site.call) ?? resolver.input.ast;
  if (has(resolver, scope, (r, call) => injectionCall(r, call, names) !== undefined, 0)) return true;
  return site.via ? injectionSeen(site.via.resolver, site.via.inner, names) : false;
}

/** An extraction in the handler, a framework extractor, or one in the consume wrapper the handler is handed to. */
export function extractionSeen(resolver: Resolver, site: ConsumeSite, names: PropagationNames): boolean {
  if (site.extractedBy) return true;
  if (has(resolver, site.body, (r, call) => extractionCall(r, call, names) !== undefined, 0)) return true;
  return site.via ? extractionSeen(site.via.resolver, site.via.inner, names) : false;
}

type Call = Parameters<typeof injectionCall>[1];

/**
 * A call under `root` that passes `test`, or one inside a project function called there (two levels: a local
 * `traceHeaders()` that injects, a `settle(message, fn)` that extracts), as the rules follow them.
 */
function has(resolver: Resolver, root: Node, test: (resolver: Resolver, call: Call) => boolean, depth: number): boolean {
  let found = false;
  const callees: Array<{ resolver: Resolver; fn: Node }> = [];
  walk(root, resolver.keys, (node) => {
    if (found) return false;
    if (node.type !== 'CallExpression') return undefined;
    if (test(resolver, node)) found = true;
    else if (depth < 2) {
      const ref = resolver.calleeFunction(node);
      if (ref && ref.fn !== root) callees.push({ resolver: ref.resolver, fn: ref.fn });
    }
    return undefined;
  });
  return found || callees.some(({ resolver: r, fn }) => has(r, fn, test, depth + 1));
}
