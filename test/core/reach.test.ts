/**
 * The linted file's import specifiers read from its parsed statements (the pre-filter's fast path), and the rule
 * options merged once per configured object.
 */
import { parse } from '@typescript-eslint/typescript-estree';
import { describe, expect, it } from 'vitest';
import { importSpecifiers, importSpecifiersOf } from '../../src/core/reach.js';
import { mergedOptions } from '../../src/util/create-rule.js';

const specifiersOf = (text: string) => importSpecifiersOf(text, parse(text, { range: true }).body).sort();

describe('importSpecifiersOf', () => {
  it('reads imports, re-exports and type imports from the statements', () => {
    const text = "import { a } from './a';\nimport type { B } from '../b';\nexport * from './c';\nexport { d } from 'd-pkg';\nexport const x = 1;\n";
    expect(specifiersOf(text)).toEqual(['../b', './a', './c', 'd-pkg']);
    expect(specifiersOf(text)).toEqual(importSpecifiers(text).sort());
  });
  it('falls back to the text when the file may require() or import() something', () => {
    const text = "const k = require('./kafka');\nasync function f() { return import('./lazy'); }\nimport x from './x';\n";
    expect(specifiersOf(text)).toEqual(['./kafka', './lazy', './x']);
    expect(specifiersOf("import k = require('./k');\n")).toEqual(['./k']);
  });
});

describe('mergedOptions', () => {
  it('merges one configured object over each rule\'s own defaults, once per rule', () => {
    const shared = { crossFile: false };
    const a = mergedOptions([{ crossFile: true, x: 1 }], [shared]);
    const b = mergedOptions([{ crossFile: true, y: 2 }], [shared]);
    expect(a).toEqual([{ crossFile: false, x: 1 }]);
    expect(b).toEqual([{ crossFile: false, y: 2 }]);
  });
  it('returns the same merged object for the same rule and configured object', () => {
    const defaults = [{ nested: { a: 1, b: 2 } }];
    const configured = { nested: { b: 3 } };
    const first = mergedOptions(defaults, [configured]);
    expect(first).toEqual([{ nested: { a: 1, b: 3 } }]);
    expect(mergedOptions(defaults, [configured])[0]).toBe(first[0]);
    expect(mergedOptions(defaults, [])).toEqual(defaults);
  });
});
