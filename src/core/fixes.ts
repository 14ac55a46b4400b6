/**
 * @fileoverview Fix planning. A finding's fix hint declares what it needs imported and renders text edits once
 * the local names of those imports are known. The rules offer the edits as editor suggestions; the codemods
 * apply the very same edits, so a suggestion and a codemod can never disagree. Edits only add propagation (a
 * helper call, a header property, a getter) or remove trace IDs from payloads; they never reformat other code.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { CarrierShape } from '../brokers/types.js';
import { requireSpecifier, unwrap, walk, type Node } from './ast.js';
import { HELPERS_MODULE, type HelperTarget } from './otel.js';
import type { SourceInput } from './resolve.js';

export interface Edit {
  range: [number, number];
  text: string;
}

/** Something an edit refers to by name: one of our helpers (retargetable), or an export of another module. */
export interface Requirement {
  /** `helpers` means the helpers module (ours, or the organisation's via options). */
  module: string;
  name: string;
}

export interface FixHint {
  /** What the fix uses, shown in the suggestion (`injectTraceHeaders`). */
  label: string;
  requires: readonly Requirement[];
  edits(local: (requirement: Requirement) => string): Edit[];
}

export const HELPER_BY_SHAPE: Readonly<Record<CarrierShape, string>> = {
  object: 'injectTraceHeaders',
  'message-attributes': 'injectMessageAttributes',
  'nats-msghdrs': 'injectNatsHeaders',
  'rdkafka-array': 'injectRdkafkaHeaders',
};

export const helper = (name: string): Requirement => ({ module: 'helpers', name });

/** The text of a node. */
export function sourceOf(input: SourceInput, node: Node): string {
  return input.text.slice(node.range[0], node.range[1]);
}

/** The file's line ending, kept in everything we insert. */
export function lineEnding(input: SourceInput): string {
  return input.text.includes('\r\n') ? '\r\n' : '\n';
}

/** Offset where the line holding `offset` starts. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The whitespace that opens the line holding `offset`. */
export function lineIndent(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset), offset))![0];
}

/** Edits adding `name: value` after the last property of an object literal (or filling an empty one). */
export function addPropertyEdits(input: SourceInput, object: TSESTree.ObjectExpression, property: string): Edit[] {
  const last = object.properties[object.properties.length - 1];
  if (!last) return [{ range: object.range, text: `{ ${property} }` }];
  // Right after the last property: an existing trailing comma then follows the new one.
  const multiline = input.text.slice(last.range[1], object.range[1]).includes('\n');
  const indent = /\n([ \t]*)[^\n]*$/.exec(input.text.slice(0, last.range[0]))?.[1] ?? '';
  return [{ range: [last.range[1], last.range[1]], text: multiline ? `,${lineEnding(input)}${indent}${property}` : `, ${property}` }];
}

/** Edits removing one property of an object literal together with its separating comma. */
export function removePropertyEdits(input: SourceInput, object: TSESTree.ObjectExpression, property: Node): Edit[] {
  const index = object.properties.indexOf(property as TSESTree.ObjectLiteralElement);
  if (index < 0) return [];
  const next = object.properties[index + 1];
  const previous = object.properties[index - 1];
  if (next) return [{ range: [property.range[0], next.range[0]], text: '' }];
  if (previous) return [{ range: [previous.range[1], property.range[1]], text: '' }];
  return [{ range: [object.range[0] + 1, object.range[1] - 1], text: input.text.slice(object.range[0] + 1, object.range[1] - 1).includes('\n') ? '\n' : '' }];
}

/**
 * Import edits for a set of requirements, in the file's own style: an existing import (or destructuring
 * `require`) of the module is extended; otherwise one statement per module goes after the last import, using
 * the file's quote character, semicolons, and `import` or `require`. A name already declared in the file gets an
 * alias, so an inserted `headers()` can never hit a local `headers` variable.
 */
export function importEdits(input: SourceInput, requirements: readonly Requirement[], target?: HelperTarget): { local(requirement: Requirement): string; edits: Edit[] } {
  const resolved = (r: Requirement): { module: string; name: string } =>
    r.module === 'helpers' ? { module: target?.module ?? HELPERS_MODULE, name: target?.names[r.name] ?? r.name } : r;
  const locals = new Map<string, string>();
  const key = (r: Requirement): string => `${resolved(r).module}\0${resolved(r).name}`;
  const edits: Edit[] = [];
  const declared = declaredNames(input);
  const style = importStyle(input);
  const byModule = new Map<string, Set<string>>();
  for (const requirement of requirements) {
    const { module, name } = resolved(requirement);
    const names = byModule.get(module) ?? new Set<string>();
    names.add(name);
    byModule.set(module, names);
  }
  const anchor = style.anchor;
  for (const [module, names] of byModule) {
    const existing = existingImport(input, module);
    const missing: string[] = [];
    for (const name of names) {
      const local = existing?.locals.get(name);
      if (local) locals.set(`${module}\0${name}`, local);
      else missing.push(name);
    }
    if (missing.length === 0) continue;
    const specifiers = missing.map((name) => {
      const local = declared.has(name) ? uniqueAlias(name, declared) : name;
      declared.add(local);
      locals.set(`${module}\0${name}`, local);
      return local === name ? name : style.require ? `${name}: ${local}` : `${name} as ${local}`;
    });
    if (existing?.append !== undefined) {
      edits.push({ range: [existing.append, existing.append], text: `, ${specifiers.join(', ')}` });
      continue;
    }
    const statement = style.require
      ? `const { ${specifiers.join(', ')} } = require(${style.quote}${module}${style.quote})${style.semi}`
      : `import { ${specifiers.join(', ')} } from ${style.quote}${module}${style.quote}${style.semi}`;
    const eol = lineEnding(input);
    if (anchor) edits.push({ range: [anchor.range[1], anchor.range[1]], text: `${eol}${statement}` });
    else edits.push({ range: [style.top, style.top], text: `${statement}${eol}` });
  }
  return {
    local: (requirement) => locals.get(key(requirement)) ?? resolved(requirement).name,
    edits: mergeAtSamePoint(edits),
  };
}

/** Several new statements at the same point become one edit (applyEdits refuses two insertions at one offset). */
function mergeAtSamePoint(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  for (const edit of edits) {
    const same = out.find((e) => e.range[0] === edit.range[0] && e.range[1] === edit.range[1] && e.range[0] === e.range[1]);
    if (same) same.text += edit.text;
    else out.push({ ...edit });
  }
  return out;
}

function uniqueAlias(name: string, declared: Set<string>): string {
  const base = `tp${name[0]!.toUpperCase()}${name.slice(1)}`;
  let alias = base;
  for (let i = 2; declared.has(alias); i++) alias = `${base}${i}`;
  return alias;
}

/** Every name declared anywhere in the file (any scope): an inserted reference must not be captured by one. */
function declaredNames(input: SourceInput): Set<string> {
  const names = new Set<string>();
  for (const scope of input.scopeManager?.scopes ?? []) for (const variable of scope.variables) names.add(variable.name);
  if (!input.scopeManager) {
    walk(input.ast, input.visitorKeys, (node) => {
      if (node.type === 'Identifier') names.add(node.name);
    });
  }
  return names;
}

interface ImportStyle {
  require: boolean;
  quote: string;
  semi: string;
  /** Statement after which new imports go. */
  anchor: Node | undefined;
  /** Offset for a first import when there is no anchor. */
  top: number;
}

/** The file's string quote, from its first import or require (single quotes when there is none). */
export function quoteOf(input: SourceInput): string {
  return importStyle(input).quote;
}

function importStyle(input: SourceInput): ImportStyle {
  const body = input.ast.body;
  const imports = body.filter((s): s is TSESTree.ImportDeclaration => s.type === 'ImportDeclaration');
  const requires = body.filter((s) => s.type === 'VariableDeclaration' && requireOf(s) !== undefined);
  const sample = imports[0] ?? requires[0];
  const sampleText = sample ? sourceOf(input, sample) : '';
  const quote = /"/.test(sampleText) && !/'/.test(sampleText) ? '"' : "'";
  const semi = sample ? (sampleText.trimEnd().endsWith(';') ? ';' : '') : ';';
  const first = body[0];
  const directive = first?.type === 'ExpressionStatement' && first.directive ? first : undefined;
  const commonJs =
    input.ast.sourceType === 'script' || directive?.directive === 'use strict' || /\brequire\(|\bmodule\.exports\b|\bexports\.\w/.test(input.text);
  const useRequire = imports.length === 0 && commonJs;
  const anchor = useRequire ? (requires[requires.length - 1] ?? directive) : (imports[imports.length - 1] ?? directive);
  return { require: useRequire, quote, semi, anchor, top: first ? first.range[0] : 0 };
}

/** `const x = require('m')`, `const { a } = require('m').b`: the module name. */
function requireOf(statement: Node): string | undefined {
  if (statement.type !== 'VariableDeclaration') return undefined;
  let init = statement.declarations[0]?.init ? unwrap(statement.declarations[0].init) : undefined;
  while (init?.type === 'MemberExpression') init = unwrap(init.object);
  return init ? requireSpecifier(init) : undefined;
}

/** An existing named import (or destructuring require) of a module: its locals, and where to add specifiers. */
function existingImport(input: SourceInput, module: string): { locals: Map<string, string>; append?: number } | undefined {
  let found: { locals: Map<string, string>; append?: number } | undefined;
  for (const statement of input.ast.body) {
    if (statement.type === 'ImportDeclaration' && statement.source.value === module && statement.importKind !== 'type') {
      const locals = found?.locals ?? new Map<string, string>();
      let append: number | undefined;
      for (const spec of statement.specifiers) {
        if (spec.type === 'ImportSpecifier' && spec.importKind !== 'type') {
          const imported = spec.imported.type === 'Identifier' ? spec.imported.name : String(spec.imported.value);
          locals.set(imported, spec.local.name);
          append = spec.range[1];
        }
      }
      found = { locals, append: found?.append ?? append };
    } else if (statement.type === 'VariableDeclaration' && requireOf(statement) === module && statement.declarations[0]?.id.type === 'ObjectPattern' && statement.declarations[0].init?.type === 'CallExpression') {
      const pattern = statement.declarations[0].id;
      const locals = found?.locals ?? new Map<string, string>();
      let append: number | undefined;
      for (const prop of pattern.properties) {
        if (prop.type === 'Property' && prop.key.type === 'Identifier' && prop.value.type === 'Identifier') {
          locals.set(prop.key.name, prop.value.name);
          append = prop.range[1];
        }
      }
      found = { locals, append: found?.append ?? append };
    }
  }
  return found;
}

/** A hint's edits plus the imports it needs: one editor suggestion. */
export function suggestionEdits(input: SourceInput, hint: FixHint, target?: HelperTarget): Edit[] {
  const imports = importEdits(input, hint.requires, target);
  return [...hint.edits(imports.local), ...imports.edits];
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

/** An edit removing a statement: with its whole line when it stands on a line of its own, else just the statement. */
export function removeStatementEdit(text: string, statement: Node): Edit {
  const start = lineStart(text, statement.range[0]);
  const ownLine = /^[ \t]*$/.test(text.slice(start, statement.range[0]));
  const end = text.indexOf('\n', statement.range[1]);
  const restBlank = /^[ \t]*\r?$/.test(text.slice(statement.range[1], end < 0 ? text.length : end));
  return ownLine && restBlank ? { range: [start, end < 0 ? text.length : end + 1], text: '' } : { range: statement.range, text: '' };
}

/**
 * Edits removing the imports that a rewrite left unused: bindings referenced in `before` and no longer referenced in
 * `after` (an import that was unused already is not touched). A named specifier goes with its comma; a declaration
 * (or destructuring `require`) left empty goes with its line. Default and namespace imports are removed only when
 * they are the declaration's only binding.
 */
export function unusedImportEdits(before: SourceInput, after: SourceInput): Edit[] {
  const referenced = (input: SourceInput): Map<string, number> => {
    // The names bound by imports and top-level destructuring requires, from the tree (no parent pointers needed).
    const bound = new Set<string>();
    for (const statement of input.ast.body) {
      if (statement.type === 'ImportDeclaration') for (const specifier of statement.specifiers) bound.add(specifier.local.name);
      else if (statement.type === 'VariableDeclaration' && requireOf(statement) !== undefined) {
        const id = statement.declarations[0]?.id;
        if (id?.type === 'Identifier') bound.add(id.name);
        if (id?.type === 'ObjectPattern') for (const p of id.properties) if (p.type === 'Property' && p.value.type === 'Identifier') bound.add(p.value.name);
      }
    }
    const counts = new Map<string, number>();
    const module = input.scopeManager?.scopes.find((s) => (s as { type?: string }).type === 'module') ?? input.scopeManager?.scopes[0];
    for (const variable of module?.variables ?? []) {
      if (bound.has(variable.name)) counts.set(variable.name, variable.references.filter((r) => !(r as { init?: boolean }).init).length);
    }
    return counts;
  };
  const was = referenced(before);
  const now = referenced(after);
  const dropped = new Set([...now].filter(([name, count]) => count === 0 && (was.get(name) ?? 0) > 0).map(([name]) => name));
  if (dropped.size === 0) return [];
  const edits: Edit[] = [];
  const removeStatement = (statement: Node): Edit => removeStatementEdit(after.text, statement);
  for (const statement of after.ast.body) {
    if (statement.type === 'ImportDeclaration') {
      const gone = statement.specifiers.filter((s) => dropped.has(s.local.name));
      if (gone.length === 0) continue;
      if (gone.length === statement.specifiers.length) {
        edits.push(removeStatement(statement));
        continue;
      }
      const named = statement.specifiers.filter((s) => s.type === 'ImportSpecifier');
      const list = { properties: named, range: statement.range } as unknown as TSESTree.ObjectExpression;
      for (const specifier of gone) if (specifier.type === 'ImportSpecifier') edits.push(...removePropertyEdits(after, list, specifier));
    } else if (statement.type === 'VariableDeclaration' && requireOf(statement) !== undefined) {
      const pattern = statement.declarations[0]?.id;
      if (pattern?.type === 'Identifier' && dropped.has(pattern.name)) edits.push(removeStatement(statement));
      if (pattern?.type !== 'ObjectPattern') continue;
      const gone = pattern.properties.filter((p) => p.type === 'Property' && p.value.type === 'Identifier' && dropped.has(p.value.name));
      if (gone.length === 0) continue;
      if (gone.length === pattern.properties.length) edits.push(removeStatement(statement));
      else for (const property of gone) edits.push(...removePropertyEdits(after, pattern as unknown as TSESTree.ObjectExpression, property));
    }
  }
  // Two removals of neighbouring specifiers may touch the same comma: keep the edits that do not overlap.
  const kept: Edit[] = [];
  for (const edit of edits.sort((a, b) => a.range[0] - b.range[0])) if (!kept.some((k) => edit.range[0] < k.range[1] && k.range[0] < edit.range[1])) kept.push(edit);
  return kept;
}

/** OpenTelemetry getters that only read: a variable initialised with them can go with its last use. */
const READ_ONLY_CALLS = new Set(['getActiveSpan', 'spanContext', 'getSpan', 'getSpanContext', 'active', 'getActiveBaggage']);

function readsOnly(node: Node): boolean {
  switch (node.type) {
    case 'Identifier':
    case 'Literal':
    case 'ThisExpression':
      return true;
    case 'ChainExpression':
    case 'TSNonNullExpression':
    case 'TSAsExpression':
      return readsOnly(node.expression);
    case 'MemberExpression':
      return !node.computed && readsOnly(node.object);
    case 'CallExpression': {
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      const name = callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' ? callee.property.name : undefined;
      return node.arguments.length === 0 && !!name && READ_ONLY_CALLS.has(name) && readsOnly((callee as TSESTree.MemberExpression).object);
    }
    default:
      return false;
  }
}

/**
 * Edits removing the `const`/`let` declarations a rewrite left unused (`const span = trace.getActiveSpan();` once
 * the body key that used it is gone): declarations that had uses in `before`, have none in `after`, declare one
 * plain name, and whose initialiser only reads (OpenTelemetry getters), so removing them changes nothing else.
 */
export function unusedVariableEdits(before: SourceInput, after: SourceInput): Edit[] {
  type Declared = { name: string; text: string; used: number; declaration: TSESTree.VariableDeclaration };
  const declared = (input: SourceInput): Declared[] => {
    const out: Declared[] = [];
    for (const scope of input.scopeManager?.scopes ?? []) {
      for (const variable of scope.variables) {
        const def = variable.defs[0] as { type?: string; node?: Node } | undefined;
        const declarator = def?.node;
        if (variable.defs.length !== 1 || def?.type !== 'Variable' || declarator?.type !== 'VariableDeclarator' || declarator.id.type !== 'Identifier' || !declarator.init) continue;
        const declaration = (declarator as { parent?: Node }).parent;
        if (declaration?.type !== 'VariableDeclaration' || declaration.declarations.length !== 1) continue;
        out.push({ name: variable.name, text: sourceOf(input, declaration), used: variable.references.filter((r) => !(r as { init?: boolean }).init).length, declaration });
      }
    }
    return out;
  };
  const had = new Map(declared(before).map((d) => [`${d.name}\0${d.text}`, d.used] as const));
  const edits: Edit[] = [];
  for (const d of declared(after)) {
    if (d.used > 0 || !(had.get(`${d.name}\0${d.text}`) ?? 0)) continue;
    const init = d.declaration.declarations[0]!.init!;
    if (!readsOnly(init)) continue;
    edits.push(removeStatementEdit(after.text, d.declaration));
  }
  return edits;
}
