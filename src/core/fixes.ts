/**
 * @fileoverview Fix planning: turns a finding's fix hint into text edits. The rules offer these edits as editor
 * suggestions; codemods apply the same edits, so a suggestion and a codemod can never disagree. Edits only add
 * propagation (a helper call, a header property, a getter): they never remove user code.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { CarrierShape } from '../brokers/types.js';
import { unwrap, type Node } from './ast.js';
import { HELPERS_MODULE } from './otel.js';
import type { SourceInput } from './resolve.js';

export interface Edit {
  range: [number, number];
  text: string;
}

export type FixHint =
  /** Add `name: helper()` to an object literal (a message or an options object). */
  | { type: 'add-property'; object: TSESTree.ObjectExpression; name: string; helper: string }
  /** Append `{ name: helper() }` as a new last argument (options object absent). */
  | { type: 'append-options'; call: TSESTree.CallExpression; name: string; helper: string }
  /** Wrap an existing carrier: `helper(carrier)`. */
  | { type: 'wrap'; node: Node; helper: string }
  /** `propagation.extract(ctx, carrier)` → `extractTraceContext(carrier, ctx)`. */
  | { type: 'extract-with-helper'; call: TSESTree.CallExpression; helper: string };

export const HELPER_BY_SHAPE: Readonly<Record<CarrierShape, string>> = {
  object: 'injectTraceHeaders',
  'message-attributes': 'injectMessageAttributes',
  'nats-msghdrs': 'injectNatsHeaders',
  'rdkafka-array': 'injectRdkafkaHeaders',
};

/** The edits for a hint, including the helper import when the file lacks it. */
export function planEdits(input: SourceInput, hint: FixHint): Edit[] {
  const { text } = input;
  const { local, edits } = ensureHelperImport(input, hint.helper);
  const slice = (node: Node): string => text.slice(node.range[0], node.range[1]);
  switch (hint.type) {
    case 'add-property': {
      const { object } = hint;
      const property = `${hint.name}: ${local}()`;
      const last = object.properties[object.properties.length - 1];
      if (!last) {
        edits.push({ range: object.range, text: `{ ${property} }` });
      } else {
        // Right after the last property: an existing trailing comma then follows the new one.
        const multiline = text.slice(last.range[1], object.range[1]).includes('\n');
        const indent = /\n([ \t]*)[^\n]*$/.exec(text.slice(0, last.range[0]))?.[1] ?? '';
        edits.push({ range: [last.range[1], last.range[1]], text: multiline ? `,\n${indent}${property}` : `, ${property}` });
      }
      break;
    }
    case 'append-options': {
      const lastArg = hint.call.arguments[hint.call.arguments.length - 1];
      if (!lastArg) return [];
      edits.push({ range: [lastArg.range[1], lastArg.range[1]], text: `, { ${hint.name}: ${local}() }` });
      break;
    }
    case 'wrap':
      edits.push({ range: hint.node.range, text: `${local}(${slice(hint.node)})` });
      break;
    case 'extract-with-helper': {
      const [ctx, carrier] = hint.call.arguments;
      if (!ctx || !carrier) return [];
      edits.push({ range: hint.call.range, text: `${local}(${slice(carrier)}, ${slice(ctx)})` });
      break;
    }
  }
  return edits;
}

/**
 * The local name of a helper, and the edit importing it when needed, in the file's own style: ESM `import` or
 * CommonJS `require`, its quote character and its use of semicolons.
 */
export function ensureHelperImport(input: SourceInput, helper: string): { local: string; edits: Edit[] } {
  const body = input.ast.body;
  for (const statement of body) {
    if (statement.type === 'ImportDeclaration' && statement.source.value === HELPERS_MODULE) {
      for (const spec of statement.specifiers) {
        if (spec.type === 'ImportSpecifier' && spec.imported.type === 'Identifier' && spec.imported.name === helper) {
          return { local: spec.local.name, edits: [] };
        }
      }
    }
  }
  const imports = body.filter((s): s is TSESTree.ImportDeclaration => s.type === 'ImportDeclaration');
  const sample = imports[0] ?? body.find((s) => s.type === 'VariableDeclaration' && /require\(/.test(input.text.slice(s.range[0], s.range[1])));
  const sampleText = sample ? input.text.slice(sample.range[0], sample.range[1]) : '';
  const quote = /"/.test(sampleText) && !/'/.test(sampleText) ? '"' : "'";
  const semi = sample ? sampleText.trimEnd().endsWith(';') : true;
  const first = body[0];
  const directive = first?.type === 'ExpressionStatement' && first.directive ? first : undefined;
  const commonJs = input.ast.sourceType === 'script' || directive?.directive === 'use strict' || /\brequire\(|\bmodule\.exports\b|\bexports\.\w/.test(input.text);
  const useRequire = imports.length === 0 && commonJs;
  const statement = useRequire
    ? `const { ${helper} } = require(${quote}${HELPERS_MODULE}${quote})${semi ? ';' : ''}`
    : `import { ${helper} } from ${quote}${HELPERS_MODULE}${quote}${semi ? ';' : ''}`;
  const anchor = useRequire ? lastRequire(input) : imports[imports.length - 1];
  if (anchor) return { local: helper, edits: [{ range: [anchor.range[1], anchor.range[1]], text: `\n${statement}` }] };
  // No import yet: after a leading directive ('use strict'), else at the top.
  if (directive) return { local: helper, edits: [{ range: [directive.range[1], directive.range[1]], text: `\n${statement}` }] };
  const start = first ? first.range[0] : 0;
  return { local: helper, edits: [{ range: [start, start], text: `${statement}\n` }] };
}

function lastRequire(input: SourceInput): Node | undefined {
  let found: Node | undefined;
  for (const statement of input.ast.body) {
    if (statement.type !== 'VariableDeclaration') continue;
    const init = statement.declarations[0]?.init;
    let root = init ? unwrap(init) : undefined;
    while (root?.type === 'MemberExpression') root = unwrap(root.object);
    if (root?.type === 'CallExpression' && root.callee.type === 'Identifier' && root.callee.name === 'require') found = statement;
  }
  return found;
}

/** Applies non-overlapping edits to a text (the codemod path). Throws on overlap rather than corrupt a file. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  let out = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.range[0] < cursor) throw new Error(`overlapping edits at offset ${edit.range[0]}`);
    out += text.slice(cursor, edit.range[0]) + edit.text;
    cursor = edit.range[1];
  }
  return out + text.slice(cursor);
}
