import { parseForESLint } from '@typescript-eslint/parser';
import { describe, expect, it } from 'vitest';
import type { TSESTree } from '@typescript-eslint/utils';
import { walk } from '../../src/core/ast.js';
import { addPropertyEdits, applyEdits, helper, suggestionEdits, type FixHint } from '../../src/core/fixes.js';
import type { SourceInput } from '../../src/core/resolve.js';

function input(text: string): SourceInput {
  const { ast, visitorKeys, scopeManager } = parseForESLint(text, { range: true, loc: true, sourceType: 'module' });
  return { ast: ast as TSESTree.Program, scopeManager: scopeManager as never, visitorKeys: visitorKeys as never, text };
}

/** The last object literal in the text (the message or options object of the example). */
function lastObject(source: SourceInput): TSESTree.ObjectExpression {
  let found: TSESTree.ObjectExpression | undefined;
  walk(source.ast, source.visitorKeys, (n) => {
    if (n.type === 'ObjectExpression') found = n;
  });
  return found!;
}

function addHeaders(text: string, name = 'injectTraceHeaders'): string {
  const source = input(text);
  const object = lastObject(source);
  const requirement = helper(name);
  const hint: FixHint = { label: name, requires: [requirement], edits: (local) => addPropertyEdits(source, object, `headers: ${local(requirement)}()`) };
  return applyEdits(text, suggestionEdits(source, hint));
}

describe('planEdits: add-property', () => {
  it('adds the import after the last import, in the file quote and semicolon style', () => {
    expect(addHeaders('import { a } from "x"\nsend({ value: 1 })\n')).toBe(
      'import { a } from "x"\nimport { injectTraceHeaders } from "trace-propagation-helpers"\nsend({ value: 1, headers: injectTraceHeaders() })\n',
    );
  });
  it('uses require in CommonJS files', () => {
    expect(addHeaders("const { a } = require('x');\nsend({ value: 1 });\n")).toBe(
      "const { a } = require('x');\nconst { injectTraceHeaders } = require('trace-propagation-helpers');\nsend({ value: 1, headers: injectTraceHeaders() });\n",
    );
  });
  it('keeps a multi-line literal multi-line and its trailing comma', () => {
    expect(addHeaders("import { a } from 'x';\nsend({\n  value: 1,\n});\n")).toBe(
      "import { a } from 'x';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nsend({\n  value: 1,\n  headers: injectTraceHeaders(),\n});\n",
    );
  });
  it('fills an empty literal', () => {
    expect(addHeaders("import { a } from 'x';\nsend({});\n")).toContain('send({ headers: injectTraceHeaders() });');
  });
  it('reuses an existing (aliased) helper import', () => {
    expect(addHeaders("import { injectTraceHeaders as inject } from 'trace-propagation-helpers';\nsend({ value: 1 });\n")).toBe(
      "import { injectTraceHeaders as inject } from 'trace-propagation-helpers';\nsend({ value: 1, headers: inject() });\n",
    );
  });
  it('places the import after a directive when there is no import', () => {
    expect(addHeaders("'use strict';\nsend({ value: 1 });\n")).toMatch(/^'use strict';\nconst \{ injectTraceHeaders \} = require/);
  });
});

describe('importEdits', () => {
  it('aliases a helper whose name is already taken in the file', () => {
    const out = addHeaders("import { a } from 'x';\nconst injectTraceHeaders = 1;\nsend({ value: injectTraceHeaders });\n");
    expect(out).toContain("import { injectTraceHeaders as tpInjectTraceHeaders } from 'trace-propagation-helpers';");
    expect(out).toContain('headers: tpInjectTraceHeaders()');
  });
  it('extends an existing import of the helpers module', () => {
    expect(addHeaders("import { extractTraceContext } from 'trace-propagation-helpers';\nsend({ value: 1 });\n")).toBe(
      "import { extractTraceContext, injectTraceHeaders } from 'trace-propagation-helpers';\nsend({ value: 1, headers: injectTraceHeaders() });\n",
    );
  });
});

describe('applyEdits', () => {
  it('refuses overlapping edits instead of writing a corrupt file', () => {
    expect(() => applyEdits('abcdef', [{ range: [0, 3], text: 'x' }, { range: [2, 4], text: 'y' }])).toThrow(/overlapping/);
  });
  it('applies edits in offset order whatever their order in the list', () => {
    expect(applyEdits('abcdef', [{ range: [4, 4], text: '2' }, { range: [1, 1], text: '1' }])).toBe('a1bcd2ef');
  });
});
