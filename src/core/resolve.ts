/**
 * @fileoverview "Which library does this value come from?" Resolves expressions to broker kinds
 * (`kafkajs:producer`) by following imports, `require`, destructuring, constructor and factory chains, class
 * fields, and parameters annotated with the libraries' types; optionally confirmed by the TypeScript checker.
 * Also follows `const` bindings to the value they hold, which is how messages and carriers built earlier in a
 * function are found.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { brokerOf, type Catalog, type Kind } from '../brokers/index.js';
import { calleeName, isFunction, isNullish, memberName, requireSpecifier, returnedExpressions, staticName, typeReferenceName, unwrap, walk, type FunctionNode, type Node, type VisitorKeys } from './ast.js';
import { ownString, Project } from './project.js';
import { assignedGlobals, constructorsOf, escapeRegExp, fileFacts, globalsIndex, importersOf, importersThroughBarrels, reaches } from './reach.js';

/** The parts of eslint-scope / @typescript-eslint/scope-manager used here. */
export interface ScopeReference {
  identifier: TSESTree.Identifier | TSESTree.JSXIdentifier;
  resolved: ScopeVariable | null;
  isWrite(): boolean;
  isRead(): boolean;
  init?: boolean | null;
}
export interface ScopeVariable {
  name: string;
  defs: Array<{ type: string; node: Node; name: TSESTree.Identifier; parent?: Node | null }>;
  references: ScopeReference[];
}
export interface ScopeManagerLike {
  scopes: Array<{ references: ScopeReference[]; variables: ScopeVariable[] }>;
}

/** What the rule or codemod hands to the core: one parsed file. */
export interface SourceInput {
  ast: TSESTree.Program;
  scopeManager: ScopeManagerLike | null;
  visitorKeys: VisitorKeys;
  text: string;
  /** Present only when type information is requested and available. */
  types?: TypeServices;
  /** The file's absolute path on disk, when it has one: the project view starts from it. */
  filename?: string;
  /** False turns the project view off (single-file analysis only). */
  crossFile?: boolean;
  /**
   * The file's call, `new`, `for await` and method-definition nodes in source order, when the caller already
   * traversed the tree (ESLint does, for every rule): the core then does not walk it again.
   */
  candidates?: readonly Node[];
  /**
   * The sites found in this input, kept on the input itself (by `findSites`) so that every rule run on the file
   * shares one pass, and dropped with it: no process-wide table keyed by per-file objects.
   */
  sites?: unknown;
}

export interface TypeServices {
  kindOfNode(node: Node): Kind | undefined;
}

/** Where an imported local name comes from. */
export interface ImportInfo {
  source: string;
  /** Exported name; `default` for default imports, `*` for namespace imports and whole-module `require`. */
  imported: string;
}

/**
 * A value of the project's own code that stands where a library kind would: a function (its calls have the kind
 * it returns), a class, an instance of a class (its members have the kinds its fields hold), a module (its
 * members are its exports). Their kinds are `@<n>` strings, looked up here; an entity lives as long as the
 * resolver of the module that defines it.
 */
export interface Entity {
  type: 'function' | 'class' | 'instance' | 'module';
  resolver: Resolver;
  node: Node;
}

/** Importing modules searched for the constructions of a class whose constructor parameter holds a client. */
const MAX_CONSTRUCTION_FILES = 30;

const entityRefs = new Map<Kind, WeakRef<Entity>>();
let entityCounter = 0;

export function entityOf(kind: Kind | null | undefined): Entity | undefined {
  if (!kind || kind.charCodeAt(0) !== 64 /* @ */) return undefined;
  return entityRefs.get(kind)?.deref();
}

/** A function of the project's own code, with the resolver of the module it is written in. */
export interface FunctionRef {
  resolver: Resolver;
  fn: FunctionNode;
  /** The name callers use: the function's, the method's or the property's. */
  name: string;
}

const MAX_DEPTH = 8;

export class Resolver {
  /** Identifier → reference; built on first use, so files without a candidate site never pay for it. */
  private referenceMap: Map<Node, ScopeReference> | undefined;
  private readonly kinds = new Map<Node, Kind | null>();
  private readonly classMembers = new Map<Node, Map<string, Node[]>>();
  private readonly thisCalls = new Map<Node, Map<string, TSESTree.CallExpression[]>>();
  /** Local names bound by `import` or top-level `require`, for type annotations and the OTel API. */
  readonly imports = new Map<string, ImportInfo>();
  /** The project this file belongs to (absent for virtual files and with the project view turned off). */
  readonly project: Project | undefined;
  private readonly entityKinds = new Map<Node, Map<Entity['type'], Kind>>();
  private readonly entities: Entity[] = [];
  private exportsInProgress = new Set<string>();
  /**
   * Answers kept about this file's nodes (return kinds; wrapper summaries, hand-offs and timer callees for other
   * modules of the core). Plain maps owned by the resolver, so they go with it: process-wide weak tables keyed by
   * syntax nodes kept trees alive longer (see bench/README.md).
   */
  private readonly memos = new Map<string, Map<Node, unknown>>();

  constructor(
    readonly input: SourceInput,
    readonly catalog: Catalog,
    project?: Project,
  ) {
    this.project = project ?? (input.crossFile === false ? undefined : Project.forFile(input.filename));
    for (const statement of input.ast.body) this.collectImports(statement);
  }

  /** The resolver of another module of the project (cached with the module), or undefined when it is unknown. */
  static forModule(project: Project, file: string, catalog: Catalog): Resolver | undefined {
    return project.slot(file, `resolver`, () => {
      const parsed = project.parse(file);
      if (!parsed) return undefined;
      const input: SourceInput = {
        ast: parsed.ast, scopeManager: parsed.scopeManager as ScopeManagerLike, visitorKeys: parsed.visitorKeys, text: parsed.text, filename: file,
      };
      return new Resolver(input, catalog, project);
    });
  }

  /** `compute`'s answer about `key`, once per resolver; `pending` stands while it is being computed (recursion). */
  memo<T>(table: string, key: Node, compute: () => T, pending?: T): T {
    let memo = this.memos.get(table);
    if (!memo) this.memos.set(table, (memo = new Map()));
    if (memo.has(key)) return memo.get(key) as T;
    if (pending !== undefined) memo.set(key, pending);
    const value = compute();
    memo.set(key, value);
    return value;
  }

  get file(): string | undefined {
    return this.input.filename;
  }

  /** The resolver of the module an import specifier of this file denotes, when it is a file of the project. */
  moduleFor(specifier: string): Resolver | undefined {
    if (!this.project || !this.file) return undefined;
    const target = this.project.resolve(this.file, specifier);
    // A module that names no broker, no propagation and imports none that does holds nothing to follow.
    return target && reaches(this.project, target, this.catalog, 'propagation') ? Resolver.forModule(this.project, target, this.catalog) : undefined;
  }

  /**
   * The function a call calls, also when it is imported from a module that names no broker and no propagation API
   * (which `calleeFunction` does not parse): for following a consumer's message into the code it is handed to.
   */
  handedToFunction(call: TSESTree.CallExpression): FunctionRef | undefined {
    const found = this.calleeFunction(call);
    if (found) return found;
    const callee = unwrap(call.callee);
    const entity = this.importedEntity(callee);
    if (entity?.type !== 'function' || !isFunction(entity.node)) return undefined;
    return { resolver: entity.resolver, fn: entity.node, name: (callee as TSESTree.Identifier).name };
  }

  /**
   * The function a handler reference denotes: one of this file (`functionOf`), or one imported from any module of the
   * project (`handleMessage: sqsHandler`, with `sqsHandler` from './sqshandler'), with that module's resolver.
   */
  referencedFunction(node: Node): { resolver: Resolver; fn: Node } | undefined {
    const local = this.functionOf(node);
    if (local) return { resolver: this, fn: local };
    const entity = this.importedEntity(unwrap(node));
    return entity?.type === 'function' && isFunction(entity.node) ? { resolver: entity.resolver, fn: entity.node } : undefined;
  }

  /**
   * The class an identifier names, wherever in the project it is declared, even in a module that names no broker
   * (a DTO or event class): for questions about its shape, not about clients.
   */
  classOf(node: Node): Entity | undefined {
    const direct = entityOf(this.kindOf(node));
    if (direct?.type === 'class') return direct;
    const entity = this.importedEntity(unwrap(node));
    return entity?.type === 'class' ? entity : undefined;
  }

  /** What an imported name denotes in the project module it comes from, parsed whatever that module names. */
  private importedEntity(id: Node): Entity | undefined {
    const info = id.type === 'Identifier' ? this.imports.get(id.name) : undefined;
    if (!info || !this.project || !this.file || info.imported === '*') return undefined;
    return this.anyModule(info.source)?.exportedEntity(info.imported, 0);
  }

  /** The resolver of any module of the project an import specifier denotes, whatever it names. */
  private anyModule(specifier: string): Resolver | undefined {
    const target = this.project && this.file ? this.project.resolve(this.file, specifier) : undefined;
    return target ? Resolver.forModule(this.project!, target, this.catalog) : undefined;
  }

  /**
   * The project function or class a module exports under `name`, also through re-exports of modules that name no
   * client (`export * from './tracer'` in a utility package's index): `exportKind` does not parse those.
   */
  private exportedEntity(name: string, depth: number): Entity | undefined {
    const direct = entityOf(this.exportKind(name));
    if (direct || depth > 3) return direct;
    for (const statement of this.input.ast.body) {
      if (statement.type === 'ExportAllDeclaration' && !statement.exported && statement.source && name !== 'default') {
        if (!this.mayExport(statement.source.value, name)) continue;
        const found = this.anyModule(statement.source.value)?.exportedEntity(name, depth + 1);
        if (found) return found;
      } else if (statement.type === 'ExportNamedDeclaration' && statement.source) {
        for (const spec of statement.specifiers) {
          if (spec.type !== 'ExportSpecifier' || staticName(spec.exported) !== name) continue;
          return this.anyModule(statement.source.value)?.exportedEntity(staticName(spec.local) ?? name, depth + 1);
        }
      } else if (statement.type === 'ExportNamedDeclaration') {
        // `import { CreateEvent } from './create.event'; export { CreateEvent };`: an import passed on.
        for (const spec of statement.specifiers) {
          if (spec.type !== 'ExportSpecifier' || staticName(spec.exported) !== name) continue;
          const info = this.imports.get(staticName(spec.local) ?? name);
          if (info && info.imported !== '*') return this.anyModule(info.source)?.exportedEntity(info.imported, depth + 1);
        }
      }
    }
    return undefined;
  }

  /**
   * The value an imported constant is initialised with in its module (`export const queueOptions = { ... }`), also
   * through re-exports (`export * from './providers'`, `export { x } from './x'`), with that module's resolver.
   */
  importedValue(id: Node, depth = 0): { resolver: Resolver; node: Node } | undefined {
    const info = id.type === 'Identifier' ? this.imports.get(id.name) : undefined;
    if (!info || info.imported === '*' || depth > 3) return undefined;
    return this.anyModule(info.source)?.exportedValue(info.imported, depth + 1);
  }

  private exportedValue(name: string, depth: number): { resolver: Resolver; node: Node } | undefined {
    if (depth > 4) return undefined;
    for (const statement of this.input.ast.body) {
      if (statement.type === 'ExportNamedDeclaration') {
        const declaration = statement.declaration;
        if (declaration?.type === 'VariableDeclaration') {
          for (const declarator of declaration.declarations) {
            if (declarator.id.type === 'Identifier' && declarator.id.name === name && declarator.init) return { resolver: this, node: this.follow(declarator.init).node };
          }
        }
        for (const spec of statement.specifiers) {
          if (spec.type !== 'ExportSpecifier' || staticName(spec.exported) !== name) continue;
          const local = staticName(spec.local) ?? name;
          if (statement.source) return this.anyModule(statement.source.value)?.exportedValue(local, depth + 1);
          const variable = this.input.ast.body.flatMap((s) => (s.type === 'VariableDeclaration' ? s.declarations : [])).find((d) => d.id.type === 'Identifier' && d.id.name === local);
          if (variable?.init) return { resolver: this, node: this.follow(variable.init).node };
          const info = this.imports.get(local);
          if (info && info.imported !== '*') return this.anyModule(info.source)?.exportedValue(info.imported, depth + 1);
        }
      } else if (statement.type === 'ExportAllDeclaration' && !statement.exported && statement.source && name !== 'default') {
        if (!this.mayExport(statement.source.value, name)) continue;
        const found = this.anyModule(statement.source.value)?.exportedValue(name, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The kind naming a project entity (the same entity always gets the same kind). */
  entityKind(type: Entity['type'], node: Node): Kind {
    let byType = this.entityKinds.get(node);
    if (!byType) {
      byType = new Map();
      this.entityKinds.set(node, byType);
    }
    let kind = byType.get(type);
    if (!kind) {
      kind = `@${++entityCounter}`;
      const entity: Entity = { type, resolver: this, node };
      this.entities.push(entity);
      entityRefs.set(kind, new WeakRef(entity));
      if (entityRefs.size > 50_000) for (const [k, ref] of entityRefs) if (!ref.deref()) entityRefs.delete(k);
      byType.set(type, kind);
    }
    return kind;
  }

  /** The function a call invokes, wherever in the project it is written (`f()`, `this.m()`, `service.m()`). */
  calleeFunction(call: TSESTree.CallExpression): FunctionRef | undefined {
    // Asked for the same call by the publish, consume and body matchers in turn: resolved once.
    if (this.callees.has(call)) return this.callees.get(call);
    const ref = this.computeCalleeFunction(call);
    this.callees.set(call, ref);
    return ref;
  }

  private readonly callees = new Map<Node, FunctionRef | undefined>();

  /** The constructor `new Handler(opts)` runs, when the class is the project's (in this file or another). */
  constructorOf(expression: TSESTree.NewExpression): FunctionRef | undefined {
    if (this.callees.has(expression)) return this.callees.get(expression);
    const callee = unwrap(expression.callee);
    const entity = callee.type === 'Identifier' && /^[A-Z]/.test(callee.name) ? entityOf(this.kindOf(callee)) : undefined;
    const body = entity?.type === 'class' ? (entity.node as TSESTree.ClassDeclaration).body.body : [];
    const ctor = body.find((m): m is TSESTree.MethodDefinition => m.type === 'MethodDefinition' && m.kind === 'constructor');
    const ref = ctor && isFunction(ctor.value) ? { resolver: entity!.resolver, fn: ctor.value, name: (callee as TSESTree.Identifier).name } : undefined;
    this.callees.set(expression, ref);
    return ref;
  }

  private computeCalleeFunction(call: TSESTree.CallExpression): FunctionRef | undefined {
    const callee = unwrap(call.callee);
    const local = this.functionOf(callee);
    if (local && isFunction(local)) return { resolver: this, fn: local, name: callee.type === 'Identifier' ? callee.name : (functionName(local) ?? 'function') };
    const entity = entityOf(this.kindOf(callee));
    if (entity?.type !== 'function' || !isFunction(entity.node)) return undefined;
    const name = (callee.type === 'MemberExpression' ? memberName(callee) : callee.type === 'Identifier' ? callee.name : undefined) ?? functionName(entity.node) ?? 'function';
    return { resolver: entity.resolver, fn: entity.node, name };
  }

  get keys(): VisitorKeys {
    return this.input.visitorKeys;
  }

  /** The variable an identifier refers to, or null for globals and unresolved names. */
  variableOf(id: Node): ScopeVariable | null {
    if (!this.referenceMap) {
      this.referenceMap = new Map();
      for (const scope of this.input.scopeManager?.scopes ?? []) {
        for (const ref of scope.references) this.referenceMap.set(ref.identifier as Node, ref);
      }
    }
    return this.referenceMap.get(id)?.resolved ?? null;
  }

  /** The variable a declared identifier (a binding, not a reference) introduces. */
  declaredVariable(id: TSESTree.Identifier): ScopeVariable | null {
    for (const scope of this.input.scopeManager?.scopes ?? []) {
      for (const variable of scope.variables) {
        if (variable.name === id.name && variable.defs.some((d) => d.name === id)) return variable;
      }
    }
    return null;
  }

  /**
   * The single value a variable holds: the initialiser of a `const` (or of a `let`/`var` never written again).
   * Undefined for parameters, imports, and variables assigned in several places.
   */
  initOf(variable: ScopeVariable): Node | undefined {
    if (variable.defs.length !== 1) return undefined;
    const def = variable.defs[0]!;
    if (def.type === 'FunctionName' && isFunction(def.node)) return def.node;
    if (def.type !== 'Variable') return undefined;
    const declarator = def.node as TSESTree.VariableDeclarator;
    if (declarator.id.type !== 'Identifier') return undefined;
    // A reset to nothing (`conn = null` when it closes) holds no other value: what the variable holds, when it holds
    // one, is still the one it was given.
    const writes = variable.references.filter((r) => r.isWrite() && !r.init && !resetToNothing(r.identifier as Node));
    if (declarator.init && !isNullish(declarator.init)) return writes.length === 0 ? declarator.init : undefined;
    // `let h; if (extra) h = headers();`, `let consumer = null; ... consumer = createConsumer()`: declared empty
    // and assigned once, the variable holds that value or nothing, and what is true of the value (never injected,
    // a client) is true of every use that sees one.
    if (declarator.init && writes.length === 0) return declarator.init;
    if (writes.length !== 1) return undefined;
    const assignment = writes[0]!.identifier.parent;
    return assignment?.type === 'AssignmentExpression' && assignment.operator === '=' && assignment.left === writes[0]!.identifier
      ? assignment.right
      : undefined;
  }

  /**
   * Follows identifiers to the value they were initialised with. Returns the final node and the identifiers'
   * variables on the way (whose other references may show mutation or injection).
   */
  follow(node: Node): { node: Node; variables: ScopeVariable[] } {
    const variables: ScopeVariable[] = [];
    let current = unwrap(node);
    for (let depth = 0; depth < MAX_DEPTH && current.type === 'Identifier'; depth++) {
      const variable = this.variableOf(current);
      if (!variable || variables.includes(variable)) break;
      variables.push(variable);
      const init = this.initOf(variable);
      if (!init) break;
      current = unwrap(init);
    }
    return { node: current, variables };
  }

  /**
   * The function a callee or handler reference denotes, when it is defined in this file: a function or `const`
   * arrow, a method of the enclosing class (`this.handle`), also bound (`this.handle.bind(this)`).
   */
  functionOf(node: Node): Node | undefined {
    let { node: value } = this.follow(node);
    if (value.type === 'CallExpression' && value.callee.type === 'MemberExpression' && memberName(value.callee) === 'bind') {
      value = this.follow(value.callee.object).node;
    }
    if (isFunction(value)) return value;
    if (value.type === 'MemberExpression' && value.object.type === 'ThisExpression') {
      const entity = entityOf(this.kindOf(value));
      if (entity?.type === 'function' && entity.resolver === this && isFunction(entity.node)) return entity.node;
    }
    return undefined;
  }

  /** The broker kind of an expression, or null when it is not (known to be) a broker client. */
  kindOf(node: Node): Kind | null {
    const cached = this.kinds.get(node);
    if (cached !== undefined) return cached;
    this.kinds.set(node, null); // breaks cycles
    const kind = this.computeKind(node, 0) ?? this.input.types?.kindOfNode(node) ?? null;
    this.kinds.set(node, kind);
    return kind;
  }

  /** The kind of an import-bound or `require`-bound local name (`Kafka` → `kafkajs:KafkaClass`). */
  kindOfImport(info: ImportInfo): Kind | null {
    const broker = this.catalog.byPackage.get(info.source);
    if (!broker) return this.kindOfProjectImport(info);
    let kind: Kind = `${broker.id}:module`;
    if (info.imported === '*' || info.imported === 'default') return kind;
    for (const name of info.imported.split('.')) {
      if (kind.includes('.')) return null;
      kind = this.member(kind, name);
    }
    return kind;
  }

  /** An import from another module of the project: the kind of what that module exports under the name. */
  private kindOfProjectImport(info: ImportInfo): Kind | null {
    const other = this.moduleFor(info.source);
    if (!other) return null;
    const [first, ...rest] = info.imported.split('.');
    let kind = first === '*' ? other.moduleKind() : other.exportKind(first!);
    for (const name of rest) {
      if (!kind) return null;
      kind = this.memberKind(kind, name);
    }
    return kind;
  }

  /** The kind of this module as a whole (`require('./m')`, `import * as m`): its CommonJS export, else itself. */
  moduleKind(): Kind | null {
    const assigned = this.commonJsExport();
    // An object of named members (written there, or a constant holding one) is read member by member, as exports.
    if (assigned && this.follow(assigned).node.type !== 'ObjectExpression') return this.kindOf(assigned);
    return this.entityKind('module', this.input.ast);
  }

  /** `module.exports = x` / `export = x`. */
  private commonJsExport(): Node | undefined {
    let found: Node | undefined;
    for (const statement of this.input.ast.body) {
      if (statement.type === 'TSExportAssignment') found = statement.expression;
      const assignment = statement.type === 'ExpressionStatement' ? statement.expression : undefined;
      if (assignment?.type === 'AssignmentExpression' && assignment.operator === '=' && isModuleExports(assignment.left)) found = assignment.right;
    }
    return found;
  }

  /** The kind of what this module exports under `name` (ES exports, re-exports, CommonJS `exports.x`). */
  exportKind(name: string): Kind | null {
    if (this.exportsInProgress.has(name)) return null;
    this.exportsInProgress.add(name);
    try {
      return this.computeExportKind(name);
    } finally {
      this.exportsInProgress.delete(name);
    }
  }

  private computeExportKind(name: string): Kind | null {
    const stars: string[] = [];
    for (const statement of this.input.ast.body) {
      if (statement.type === 'ExportNamedDeclaration') {
        const declaration = statement.declaration;
        if (declaration?.type === 'VariableDeclaration') {
          for (const declarator of declaration.declarations) {
            if (declarator.id.type === 'Identifier' && declarator.id.name === name) return this.kindOfDeclared(declarator.id);
          }
        } else if ((declaration?.type === 'FunctionDeclaration' || declaration?.type === 'ClassDeclaration') && declaration.id?.name === name) {
          return this.entityKind(declaration.type === 'ClassDeclaration' ? 'class' : 'function', declaration);
        }
        for (const spec of statement.specifiers) {
          if (spec.type !== 'ExportSpecifier' || staticName(spec.exported) !== name) continue;
          const local = staticName(spec.local) ?? name;
          if (statement.source) return this.moduleFor(statement.source.value)?.exportKind(local) ?? null;
          return this.kindOfLocalName(local);
        }
      } else if (statement.type === 'ExportAllDeclaration' && !statement.exported && statement.source) {
        stars.push(statement.source.value);
      } else if (statement.type === 'ExportDefaultDeclaration' && name === 'default') {
        const declaration = statement.declaration;
        if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') {
          return this.entityKind(declaration.type === 'ClassDeclaration' ? 'class' : 'function', declaration);
        }
        // `export default { enabled, publish }`: an object of the module's own functions, read like a namespace (also
        // a constant holding it: `const configs = { sendMessage }; export default configs`).
        if (this.follow(declaration).node.type === 'ObjectExpression') return this.moduleKind();
        return this.kindOf(declaration);
      } else if (statement.type === 'ExportDefaultDeclaration') {
        // `bus.publish` on `import bus from './bus'`, where the default export is `{ enabled, publish }`.
        const value = this.follow(statement.declaration as Node).node;
        const member = value.type === 'ObjectExpression' ? this.propertyKind(value, name) : undefined;
        if (member !== undefined) return member;
      } else if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression') {
        // exports.producer = ... / module.exports.producer = ...
        const left = statement.expression.left;
        if (left.type === 'MemberExpression' && memberName(left) === name && (isModuleExports(left.object) || (left.object.type === 'Identifier' && left.object.name === 'exports'))) {
          return this.kindOf(statement.expression.right);
        }
      }
    }
    const assigned = this.commonJsExport();
    if (assigned) {
      if (name === 'default') return this.kindOf(assigned);
      // `module.exports = { ... }`, or a constant holding that object (`const Bus = { ... }; module.exports = Bus`).
      const value = this.follow(assigned).node;
      if (value.type === 'ObjectExpression') {
        const member = this.propertyKind(value, name);
        if (member !== undefined) return member;
      } else {
        const kind = this.kindOf(assigned);
        return kind ? this.memberKind(kind, name) : null;
      }
    }
    // `export *` never re-exports `default`; a module whose text never names `name` (and re-exports nothing in
    // turn) cannot export it, and is not parsed for the question: barrels re-export hundreds of modules.
    if (name === 'default') return null;
    for (const source of stars) {
      if (!this.mayExport(source, name)) continue;
      const kind = this.moduleFor(source)?.exportKind(name);
      if (kind) return kind;
    }
    return null;
  }

  /**
   * Whether the module a specifier denotes can export `name`, from its text alone: the names its `export`
   * declarations and lists name, read once per module; a module that re-exports in turn, or exports in a way these
   * patterns do not read (CommonJS, `export =`, destructuring), is asked per name whether its text names it at all.
   */
  private mayExport(specifier: string, name: string, from: string | undefined = this.file, depth = 0): boolean {
    if (!this.project || !from) return true;
    const target = this.project.resolve(from, specifier);
    if (!target) return false;
    const project = this.project;
    const exported = project.slot(target, 'export-names', () => {
      const text = project.text(target);
      return text === undefined ? undefined : exportNames(text);
    });
    if (!exported) return true;
    if (exported.names) return exported.names.has(name);
    let answer = exported.answers.get(name);
    if (answer === undefined) {
      const text = project.text(target);
      answer = text === undefined || new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
      // `export * from './on-command.decorator'` in a folder's index: the name may come from further down.
      if (!answer && depth < 3) {
        for (const match of text!.matchAll(/\bexport\s*\*\s*from\s*['"]([^'"\n]+)['"]/g)) {
          if (this.mayExport(match[1]!, name, target, depth + 1)) {
            answer = true;
            break;
          }
        }
      }
      exported.answers.set(ownString(name), answer);
    }
    return answer;
  }

  /** The kind of a name declared at the top of this module. */
  private kindOfLocalName(name: string): Kind | null {
    for (const statement of this.input.ast.body) {
      const declaration = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement;
      if (!declaration) continue;
      if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id?.name === name) {
        return this.entityKind(declaration.type === 'ClassDeclaration' ? 'class' : 'function', declaration);
      }
      if (declaration.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations) {
          if (declarator.id.type === 'Identifier' && declarator.id.name === name) return this.kindOfDeclared(declarator.id);
        }
      }
    }
    const info = this.imports.get(name);
    return info ? this.kindOfImport(info) : null;
  }

  /** The kind of a declared (binding) identifier. */
  private kindOfDeclared(id: TSESTree.Identifier): Kind | null {
    const variable = this.declaredVariable(id);
    return variable ? this.kindOfVariable(variable, 0) : null;
  }

  /** A member of a value of some kind: library edges, a module's exports, an instance's fields and methods. */
  /** The kind of a property of an exported object literal (`export default { publish }`); undefined when it has none. */
  private propertyKind(object: TSESTree.ObjectExpression, name: string): Kind | null | undefined {
    for (const prop of object.properties) {
      if (prop.type === 'Property' && staticName(prop.key, prop.computed) === name) return this.kindOf(prop.value);
    }
    return undefined;
  }

  /**
   * The kind of a property of the object literal a project function returns, for a call of it (`connectRabbitMQ()`
   * returning `{ connection, channel }`): a factory that hands back several clients at once.
   */
  private returnedPropertyKind(node: Node, name: string): Kind | null {
    const call = unwrap(node);
    if (call.type !== 'CallExpression') return null;
    const ref = this.calleeFunction(call);
    if (!ref || !isFunction(ref.fn)) return null;
    return ref.resolver.memo(`returned-property:${name}`, ref.fn, () => {
      for (const expression of returnedExpressions(ref.fn, ref.resolver.keys)) {
        const value = ref.resolver.follow(expression).node;
        const kind = value.type === 'ObjectExpression' ? ref.resolver.propertyKind(value, name) : undefined;
        if (kind) return kind;
      }
      return null;
    }, null);
  }

  memberKind(kind: Kind, name: string): Kind | null {
    const entity = entityOf(kind);
    if (!entity) return kind.charCodeAt(0) === 64 ? null : this.member(kind, name);
    if (entity.type === 'module') return entity.resolver.exportKind(name);
    if (entity.type === 'instance') return entity.resolver.classMemberKind(entity.node as TSESTree.ClassDeclaration, name, 0);
    // `RabbitMQ.getSafeChannel()`, `Bus.channel`: a class's static methods, getters and fields.
    if (entity.type === 'class') return entity.resolver.classMemberKind(entity.node as TSESTree.ClassDeclaration, name, 0, true);
    return null;
  }

  /**
   * The kind of an element of a collection held in a field or a variable (`this.consumers[topic]`,
   * `producers.get(name)`): what the class, or the module, stores in it (`this.consumers[topic] = kafka.consumer()`,
   * `producers.set(name, p)`), when every store that has a kind agrees.
   */
  private elementKind(collection: Node): Kind | null {
    const target = unwrap(collection);
    const field = target.type === 'MemberExpression' && target.object.type === 'ThisExpression' ? memberName(target) : undefined;
    const variable = target.type === 'Identifier' ? this.variableOf(target) : null;
    if (!field && !variable) return null;
    const root = field ? enclosingClass(target) : this.input.ast;
    if (!root) return null;
    const same = (node: Node): boolean => {
      const other = unwrap(node);
      if (field) return other.type === 'MemberExpression' && other.object.type === 'ThisExpression' && memberName(other) === field;
      return other.type === 'Identifier' && this.variableOf(other) === variable;
    };
    return this.memo(`elements:${field ?? variable!.name}`, root, () => {
      let found: Kind | null = null;
      let agreed = true;
      walk(root, this.keys, (node) => {
        let stored: Node | undefined;
        if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.computed && same(node.left.object)) stored = node.right;
        else if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && memberName(node.callee) === 'set' && node.arguments[1] && same(node.callee.object)) stored = node.arguments[1];
        const kind = stored && stored.type !== 'SpreadElement' ? this.kindOf(stored) : null;
        if (kind && found && kind !== found) agreed = false;
        if (kind) found = kind;
        return undefined;
      });
      if (!agreed) return null;
      // `private consumers = new Map<string, Consumer>()`, `producers: Record<string, Producer>`: the declared element.
      return found ?? this.declaredElementKind(root, field, variable);
    }, null);
  }

  /** The element type a collection field or variable is declared with (`Map<K, V>`, `Record<K, V>`, `V[]`). */
  private declaredElementKind(root: Node, field: string | undefined, variable: ScopeVariable | null): Kind | null {
    let declared: { annotation?: Node; init?: Node | null } | undefined;
    if (field && (root.type === 'ClassDeclaration' || root.type === 'ClassExpression')) {
      const member = root.body.body.find((m) => m.type === 'PropertyDefinition' && !m.computed && staticName(m.key, false) === field) as TSESTree.PropertyDefinition | undefined;
      if (member) declared = { annotation: member.typeAnnotation ?? undefined, init: member.value };
    } else if (variable) {
      const def = variable.defs[0];
      if (def?.node.type === 'VariableDeclarator' && def.node.id.type === 'Identifier') declared = { annotation: def.node.id.typeAnnotation ?? undefined, init: def.node.init };
    }
    if (!declared) return null;
    const init = declared.init ? unwrap(declared.init) : undefined;
    const made = init?.type === 'NewExpression' && init.callee.type === 'Identifier' && init.callee.name === 'Map' ? init.typeArguments?.params[1] : undefined;
    const annotation = declared.annotation?.type === 'TSTypeAnnotation' ? declared.annotation.typeAnnotation : declared.annotation;
    let element: Node | undefined = made;
    if (!element && annotation?.type === 'TSArrayType') element = annotation.elementType;
    else if (!element && annotation?.type === 'TSTypeReference' && annotation.typeName.type === 'Identifier') {
      const params = annotation.typeArguments?.params ?? [];
      const name = annotation.typeName.name;
      element = name === 'Map' || name === 'Record' || name === 'ReadonlyMap' ? params[1] : name === 'Array' || name === 'ReadonlyArray' ? params[0] : undefined;
    }
    return element ? this.kindOfType(element) : null;
  }

  /** The kind an option of a call selects (`ClientProxyFactory.create({ transport: Transport.NATS })`), if any. */
  private optionKind(call: TSESTree.CallExpression, byOption: { arg: number; option: string; kinds: Map<string, Kind> }): Kind | undefined {
    const arg = call.arguments[byOption.arg];
    const options = arg && arg.type !== 'SpreadElement' ? this.follow(arg).node : undefined;
    if (options?.type !== 'ObjectExpression') return undefined;
    const prop = options.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === byOption.option);
    if (!prop) return undefined;
    const value = this.follow(prop.value).node;
    const name = value.type === 'MemberExpression' ? memberName(value) : value.type === 'Literal' && typeof value.value === 'string' ? value.value : undefined;
    return name ? byOption.kinds.get(name) : undefined;
  }

  /** What calling a value of some kind gives: library edges, or what a project function returns. */
  private callKind(calleeKind: Kind): Kind | null {
    const entity = entityOf(calleeKind);
    if (!entity) return calleeKind.charCodeAt(0) === 64 ? null : (this.catalog.edges.get(`${calleeKind}()`) ?? null);
    if (entity.type !== 'function' || !isFunction(entity.node)) return null;
    return entity.resolver.returnKind(entity.node);
  }

  /** The kind a factory returns that a call of a project function makes (`clientProxyFactory(queue)`). */
  private madeFactoryKind(node: Node): Kind | null {
    const call = this.follow(node).node;
    const maker = call.type === 'CallExpression' ? this.referencedFunction(call.callee) : undefined;
    if (!maker || !isFunction(maker.fn)) return null;
    for (const expression of returnedExpressions(maker.fn, maker.resolver.keys)) {
      const factory = maker.resolver.functionOf(expression);
      const kind = factory && isFunction(factory) ? maker.resolver.returnKind(factory) : null;
      if (kind) return kind;
    }
    return null;
  }

  /** The kind a function of this module returns (a factory or getter of a client); unknown while it is being computed. */
  returnKind(fn: FunctionNode): Kind | null {
    return this.memo('return-kinds', fn, () => {
      for (const expression of returnedExpressions(fn, this.keys)) {
        const kind = this.kindOf(expression);
        if (kind) return kind;
      }
      // `getClient(): ServiceBusClient | null { return this.client; }` with the field set elsewhere: the declared type.
      return fn.returnType ? this.kindOfType(fn.returnType) : null;
    }, null);
  }

  /**
   * A member of an instance of a class of this module: field, constructor parameter property, getter, method, base
   * class. With `statics`, a member of the class itself: static methods and getters, and the fields (static fields
   * and `this.x = ...` in static methods are not told apart from instance ones: a name is rarely both).
   */
  classMemberKind(classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression, name: string, depth: number, statics = false): Kind | null {
    if (depth > 4) return null;
    for (const element of classNode.body.body) {
      if (element.type === 'MethodDefinition' && element.static === statics && staticName(element.key, element.computed) === name) {
        if (!isFunction(element.value)) continue;
        if (element.kind === 'get') return this.returnKind(element.value);
        if (element.kind === 'method') return this.entityKind('function', element.value);
      }
    }
    const candidates = this.membersOf(classNode.body).get(name) ?? [];
    const kindOfCandidate = (candidate: Node): Kind | null =>
      candidate.type === 'TSTypeAnnotation' ? (this.kindOfType(candidate) ?? this.constructedParameterKind(candidate))
      // `@Client({ transport: Transport.NATS })` (a library decorator that builds the client), or `@Inject(TOKEN)`.
      : candidate.type === 'CallExpression' && candidate.parent?.type === 'Decorator' ? (this.kindOf(candidate) ?? this.injectedKind(candidate))
      : this.kindOf(candidate);
    for (const candidate of candidates) {
      let kind = kindOfCandidate(candidate);
      // `@Inject(ServiceName.RABBIT_MQ) client: IClientProxy`, an abstract class or interface of the project standing
      // for the client: the container hands in the NestJS client registered under the token (its transport is read
      // from that registration; a plain ClientProxy is judged only through a record builder).
      if (candidate.type === 'TSTypeAnnotation' && (kind === null || abstractClientProxy(entityOf(kind))) && declaredClientProxy(candidate) && candidates.some((c) => c.type === 'CallExpression' && c.parent?.type === 'Decorator' && INJECT_DECORATORS.has(calleeName(c) ?? ''))) kind = NEST_CLIENT_PROXY;
      if (kind && this.catalog.refinable.has(kind)) {
        // `client: ClientProxy` provided by `@Inject('AUDIT')`, built by `@Client({ transport })` or initialised with
        // `ClientProxyFactory.create({ transport: Transport.NATS })`: the finer kind of the same broker wins.
        for (const other of candidates) {
          if (other === candidate || other.type === 'TSTypeAnnotation') continue;
          const finer = kindOfCandidate(other);
          if (finer && finer !== kind && brokerOf(finer) === brokerOf(kind)) return finer;
        }
      }
      if (kind) return kind;
    }
    const base = classNode.superClass ? entityOf(this.kindOf(classNode.superClass)) : undefined;
    if (base?.type === 'class') {
      return base.resolver.classMemberKind(base.node as TSESTree.ClassDeclaration, name, depth + 1, statics);
    }
    return null;
  }

  /**
   * `constructor(private readonly events: IEventPublisher)`, typed by an interface: what the project's `new C(...)`
   * calls pass (`new EventService(new KafkaEventPublisher())` in every composer), when they agree.
   */
  private constructedParameterKind(annotation: TSESTree.TSTypeAnnotation): Kind | null {
    const param = annotation.parent;
    const property = param?.parent;
    if (param?.type !== 'Identifier' || property?.type !== 'TSParameterProperty' || property.decorators?.length) return null;
    // Only a type of the project (an interface or abstract class it declares): a library's type (`db: Pool`) names
    // what is passed, and looking for the constructions would cost a search of the project.
    const type = annotation.typeAnnotation;
    if (type.type !== 'TSTypeReference') return null;
    // The name imported or declared here: `IEventPublisher`, or `Ports` of `Ports.IEventPublisher`.
    if (!typeReferenceName(type.typeName)) return null;
    const root = type.typeName.type === 'TSQualifiedName' ? type.typeName.left : type.typeName;
    const imported = root.type === 'Identifier' ? this.imports.get(root.name) : undefined;
    if (imported && !(this.project && this.file && this.project.resolve(this.file, imported.source))) return null;
    const ctor = property.parent;
    return ctor && isFunction(ctor) ? this.kindOfParameterFromCalls(ctor, param) : null;
  }

  /**
   * What a dependency-injection container hands to `@inject(TOKEN)`: the class itself when the token is a class,
   * else the registration of that token in the project (tsyringe `container.register(TOKEN, { useClass | useValue |
   * useFactory })`, `registerSingleton(TOKEN, C)`, `registerInstance(TOKEN, v)`; NestJS `{ provide: TOKEN, ... }`).
   * Registrations are looked for in at most MAX_REGISTRATION_FILES files naming the token; several that disagree
   * leave the kind unknown.
   */
  private injectedKind(call: TSESTree.CallExpression): Kind | null {
    const token = call.arguments[0];
    if (!token || token.type === 'SpreadElement') return null;
    const tokenNode = unwrap(token);
    const entity = entityOf(this.kindOf(tokenNode));
    if (entity?.type === 'class') return entity.resolver.entityKind('instance', entity.node);
    const key = tokenKey(tokenNode);
    const project = this.project;
    if (!key || !project || resolvingTokens.has(key)) return null;
    resolvingTokens.add(key);
    try {
      return this.registeredKind(project, key);
    } finally {
      resolvingTokens.delete(key);
    }
  }

  private registeredKind(project: Project, key: string): Kind | null {
    return project.projectSlot(`di:${key}`, () => {
      let found: Kind | null = null;
      const files = project.files().filter((file) => {
        if (!fileFacts(project, file, this.catalog)?.registers) return false;
        return !!project.text(file)?.includes(key.slice(1));
      });
      for (const file of files.slice(0, MAX_REGISTRATION_FILES)) {
        const other = file === this.file ? this : Resolver.forModule(project, file, this.catalog);
        if (!other) continue;
        for (const kind of other.registrationsOf(key)) {
          if (found && kind !== found) return null;
          found = kind;
        }
      }
      return found;
    });
  }

  /** The kinds this module registers under a token key (see `injectedKind`). */
  private registrationsOf(key: string): Kind[] {
    const kinds: Kind[] = [];
    const provided = (object: TSESTree.ObjectExpression): void => {
      for (const prop of object.properties) {
        if (prop.type !== 'Property') continue;
        const name = staticName(prop.key, prop.computed);
        let kind: Kind | null = null;
        if (name === 'useClass') kind = this.instanceKindOfClass(prop.value);
        else if (name === 'useValue' || name === 'useExisting') kind = this.kindOf(prop.value);
        else if (name === 'useFactory') {
          // `useFactory: () => ...`, or a factory function named there (`useFactory: createClient`), or one a call
          // makes (`useFactory: clientProxyFactory(Queue.NOTIFICATIONS)`, returning `async (config) => client`).
          const factory = this.functionOf(prop.value);
          kind = factory && isFunction(factory) ? this.returnKind(factory) : this.madeFactoryKind(prop.value);
        }
        if (kind) kinds.push(kind);
      }
    };
    walk(this.input.ast, this.keys, (node) => {
      if (node.type === 'CallExpression') {
        const method = calleeName(node);
        const [first, second] = node.arguments;
        if (!first || !second || first.type === 'SpreadElement' || second.type === 'SpreadElement' || tokenKey(unwrap(first)) !== key) return undefined;
        if (method === 'register' && unwrap(second).type === 'ObjectExpression') provided(unwrap(second) as TSESTree.ObjectExpression);
        else if (method === 'registerSingleton' || (method === 'register' && unwrap(second).type !== 'ObjectExpression')) {
          const kind = this.instanceKindOfClass(second);
          if (kind) kinds.push(kind);
        } else if (method === 'registerInstance') {
          // `registerInstance(TOKEN, container.resolve(KafkaPublisher))`: the container's instance of that class.
          const value = unwrap(second);
          const resolved = value.type === 'CallExpression' && value.arguments.length === 1 && value.arguments[0]!.type !== 'SpreadElement' && (calleeName(value) === 'resolve' || calleeName(value) === 'get') ? value.arguments[0]! : undefined;
          const kind = this.kindOf(second) ?? (resolved ? this.instanceKindOfClass(resolved) : null);
          if (kind) kinds.push(kind);
        }
      } else if (node.type === 'ObjectExpression') {
        const provide = node.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === 'provide');
        if (provide && tokenKey(unwrap(provide.value)) === key) provided(node);
      }
      return undefined;
    });
    return kinds;
  }

  /** The kind of an instance of a class expression: a library class's instance kind, or the project class's. */
  private instanceKindOfClass(classRef: Node): Kind | null {
    const kind = this.kindOf(classRef);
    if (!kind) return null;
    const entity = entityOf(kind);
    if (entity?.type === 'class') return entity.resolver.entityKind('instance', entity.node);
    return this.catalog.edges.get(`new ${kind}`) ?? null;
  }

  /**
   * For an instance of a project class that extends a library class (`class Producer extends Kafka.Producer`), the
   * library's kind, when `method` is inherited from it rather than written in the project's class chain (a method
   * written there is a wrapper, judged as one).
   */
  inheritedKind(kind: Kind, method: string): Kind | null {
    let entity = entityOf(kind);
    for (let depth = 0; entity && depth < 5; depth++) {
      if (entity.type !== 'instance') return null;
      const classNode = entity.node as TSESTree.ClassDeclaration;
      if (classNode.body.body.some((e) => e.type === 'MethodDefinition' && !e.static && staticName(e.key, e.computed) === method)) return null;
      if (!classNode.superClass) return null;
      const base = entity.resolver.instanceKindOfClass(classNode.superClass);
      if (!base) return null;
      if (!entityOf(base)) return base;
      entity = entityOf(base);
    }
    return null;
  }

  /** The class declared in this module under a name (for type annotations naming the project's own classes). */
  private localClass(name: string): TSESTree.ClassDeclaration | undefined {
    for (const statement of this.input.ast.body) {
      const declaration = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement;
      if (declaration?.type === 'ClassDeclaration' && declaration.id?.name === name) return declaration;
    }
    return undefined;
  }

  /** The kind a type annotation denotes (`Producer` from 'kafkajs', `amqp.Channel`, `Producer | undefined`). */
  kindOfType(annotation: Node | undefined): Kind | null {
    if (!annotation) return null;
    const type = annotation.type === 'TSTypeAnnotation' ? annotation.typeAnnotation : annotation;
    if (type.type === 'TSUnionType') {
      for (const member of type.types) {
        const kind = this.kindOfType(member);
        if (kind) return kind;
      }
      return null;
    }
    if (type.type !== 'TSTypeReference') return null;
    let name: string;
    let info: ImportInfo | undefined;
    if (type.typeName.type === 'Identifier') {
      name = type.typeName.name;
      info = this.imports.get(name);
      if (info && info.imported !== '*') name = info.imported;
    } else if (type.typeName.type === 'TSQualifiedName' && type.typeName.left.type === 'Identifier') {
      name = type.typeName.right.name;
      info = this.imports.get(type.typeName.left.name);
      // `AWS.SQS` with `import AWS from 'aws-sdk'`: a library's default export may be its namespace.
      if (info?.imported !== '*' && !(info?.imported === 'default' && this.catalog.byPackage.has(info.source))) return null;
    } else {
      return null;
    }
    if (!info) {
      const local = type.typeName.type === 'Identifier' ? this.localClass(type.typeName.name) : undefined;
      return local ? this.entityKind('instance', local) : null;
    }
    const broker = this.catalog.byPackage.get(info.source);
    if (!broker) {
      // A class of the project's own (`private readonly kafka: KafkaService`): its instances.
      const entity = entityOf(this.kindOfProjectImport(type.typeName.type === 'Identifier' ? info : { source: info.source, imported: name }));
      return entity?.type === 'class' ? entity.resolver.entityKind('instance', entity.node) : null;
    }
    const kind = broker.types[name];
    // A kind naming its broker (`sqs-v2:sqs` for `AWS.SQS`) is another broker's.
    return kind ? (kind.includes(':') ? kind : `${broker.id}:${kind}`) : null;
  }

  private member(kind: Kind, name: string): Kind {
    return this.catalog.edges.get(`${kind}.${name}`) ?? `${kind}.${name}`;
  }

  private computeKind(raw: Node, depth: number): Kind | null {
    if (depth > MAX_DEPTH) return null;
    const node = unwrap(raw);
    switch (node.type) {
      case 'Identifier':
        return this.kindOfIdentifier(node, depth);
      case 'ConditionalExpression':
      case 'LogicalExpression': {
        // `urgent ? this.shortQueue : this.longQueue`, `this.producer ?? createProducer()`: a kind only when both
        // sides have the same one.
        const [a, b] = node.type === 'ConditionalExpression' ? [node.consequent, node.alternate] : [node.left, node.right];
        if (node.type === 'LogicalExpression' && node.operator === '&&') return null;
        // `this.client || null`, `ready ? client : undefined`: an empty side takes the other's kind.
        if (isEmptyValue(b)) return this.kindOf(a);
        if (isEmptyValue(a)) return this.kindOf(b);
        const kind = this.kindOf(a);
        return kind !== null && this.kindOf(b) === kind ? kind : null;
      }
      case 'MemberExpression': {
        const name = memberName(node);
        if (!name) return node.computed ? this.elementKind(node.object) : null;
        if (node.object.type === 'ThisExpression' || this.isThisAlias(node.object)) return this.kindOfThisMember(node, name, depth);
        // `global.kafkaProducer`, when no module declares `global` itself.
        if (node.object.type === 'Identifier' && (node.object.name === 'global' || node.object.name === 'globalThis') && !this.variableOf(node.object)?.defs.length) return this.kindOfGlobal(name);
        const objectKind = this.kindOf(node.object);
        // `(await connect()).channel`, `const rabbit = await connect(); rabbit.channel`.
        if (!objectKind) return this.returnedPropertyKind(this.follow(node.object).node, name);
        if (objectKind.includes('.')) return null;
        return this.memberKind(objectKind, name);
      }
      case 'CallExpression': {
        const specifier = requireSpecifier(node);
        if (specifier) return this.kindOfImport({ source: specifier, imported: '*' });
        const callee = unwrap(node.callee);
        // `connection.then((conn) => conn.createChannel())`: what the callback returns (its parameter has the kind of
        // what the promise resolves to).
        const then = callee.type === 'MemberExpression' && memberName(callee) === 'then' ? node.arguments[0] : undefined;
        if (then && isFunction(then)) return this.returnKind(then);
        let calleeKind: Kind | null;
        if (callee.type === 'MemberExpression') {
          const name = memberName(callee);
          const objectKind = name ? this.kindOf(callee.object) : null;
          if (objectKind && name && entityOf(objectKind)) {
            calleeKind = this.memberKind(objectKind, name);
            // `this.on('event.error', log).on('data', ...)` in a class extending the library's consumer.
            const inherited = calleeKind ? null : this.inheritedKind(objectKind, name);
            if (inherited && !inherited.includes('.')) calleeKind = `${inherited}.${name}`;
          } else calleeKind = objectKind && name && !objectKind.includes('.') && objectKind.charCodeAt(0) !== 64 ? `${objectKind}.${name}` : null;
        } else {
          calleeKind = this.kindOf(callee);
        }
        if (!calleeKind) return callee.type === 'MemberExpression' && memberName(callee) === 'get' && node.arguments.length === 1 ? this.elementKind(callee.object) : null;
        const byOption = this.catalog.edgesByOption.get(`${calleeKind}()`);
        const refined = byOption && this.optionKind(node, byOption);
        return refined || this.callKind(calleeKind);
      }
      case 'NewExpression': {
        if (node.callee.type === 'Identifier' && node.callee.name === 'Promise' && !this.variableOf(node.callee)?.defs.length) return this.kindOfPromise(node);
        const calleeKind = this.kindOf(node.callee);
        if (!calleeKind) return null;
        const entity = entityOf(calleeKind);
        if (entity?.type === 'class') return entity.resolver.entityKind('instance', entity.node);
        return this.catalog.edges.get(`new ${calleeKind}`) ?? null;
      }
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
        return this.entityKind('function', node);
      case 'ClassExpression':
        return this.entityKind('class', node);
      case 'ThisExpression': {
        const owner = enclosingClass(node);
        return owner ? this.entityKind('instance', owner) : null;
      }
      case 'Super': {
        // `super.produce(...)` in `class GuaranteedProducer extends Kafka.Producer`: an instance of the base.
        const owner = enclosingClass(node);
        return owner?.superClass ? this.instanceKindOfClass(owner.superClass) : null;
      }
      default:
        return null;
    }
  }

  private kindOfIdentifier(node: TSESTree.Identifier, depth: number): Kind | null {
    const variable = this.variableOf(node);
    if (variable && variable.defs.length > 0) return this.kindOfVariable(variable, depth);
    // A name no module declares: a global some module sets (`global.kafkaProducer = producer`).
    return this.kindOfGlobal(node.name);
  }

  /** The kind of `global.<name>` as the one module assigning it sets it (this module first). */
  kindOfGlobal(name: string): Kind | null {
    const assigned = (resolver: Resolver): Node[] => {
      const values: Node[] = [];
      walk(resolver.input.ast, resolver.keys, (node) => {
        if (node.type !== 'AssignmentExpression' || node.operator !== '=' || node.left.type !== 'MemberExpression') return undefined;
        const object = unwrap(node.left.object);
        if (object.type === 'Identifier' && (object.name === 'global' || object.name === 'globalThis') && staticName(node.left.property, node.left.computed) === name) values.push(node.right);
        return undefined;
      });
      return values;
    };
    // This module's text as the editor has it, read once for every name it leaves undeclared.
    const ownGlobals = this.memo('own-globals', this.input.ast, () => new Set(assignedGlobals(this.input.text)));
    const own = ownGlobals.has(name) ? assigned(this) : [];
    if (own.length > 0) return own.length === 1 ? this.kindOf(own[0]!) : null;
    const project = this.project;
    if (!project || !this.file) return null;
    const files = (globalsIndex(project, this.catalog).get(name) ?? []).filter((file) => file !== this.file);
    if (files.length !== 1) return null;
    const other = Resolver.forModule(project, files[0]!, this.catalog);
    const values = other ? assigned(other) : [];
    return values.length === 1 ? other!.kindOf(values[0]!) : null;
  }

  private kindOfVariable(variable: ScopeVariable, depth: number): Kind | null {
    const def = variable.defs[0];
    if (!def) return null;
    switch (def.type) {
      case 'ImportBinding': {
        const info = this.imports.get(def.name.name);
        return info ? this.kindOfImport(info) : null;
      }
      case 'Variable': {
        const declarator = def.node as TSESTree.VariableDeclarator;
        if (declarator.id.type === 'Identifier') {
          if (declarator.id.typeAnnotation) {
            const annotated = this.kindOfType(declarator.id.typeAnnotation);
            if (annotated) return annotated;
          }
          const init = this.initOf(variable);
          return init ? this.computeKind(init, depth + 1) : this.kindOfWrites(variable, declarator, depth);
        }
        if (!declarator.init) return null;
        const path = patternPath(declarator.id, def.name);
        if (!path) return null;
        let kind = this.computeKind(declarator.init, depth + 1);
        let rest = path;
        // `const { channel } = await connectRabbitMQ()`, returning `{ connection, channel }`.
        if (!kind && path.length > 0) {
          kind = this.returnedPropertyKind(declarator.init, path[0]!);
          rest = path.slice(1);
        }
        for (const key of rest) {
          if (!kind || kind.includes('.')) return null;
          kind = this.memberKind(kind, key);
        }
        return kind;
      }
      case 'Parameter':
        return this.kindOfType(def.name.typeAnnotation) ?? this.kindOfCallbackResult(def.node, def.name) ?? this.kindOfThenValue(def.node, def.name) ?? this.kindOfOptionCallback(def.node, def.name) ?? this.kindOfParameterFromCalls(def.node, def.name);
      case 'FunctionName':
        return isFunction(def.node) ? this.entityKind('function', def.node) : null;
      case 'ClassName':
        return def.node.type === 'ClassDeclaration' || def.node.type === 'ClassExpression' ? this.entityKind('class', def.node) : null;
      default:
        return null;
    }
  }

  /**
   * `let pubsub; if (local) pubsub = new PubSub({ projectId }); else pubsub = new PubSub();`: a variable given a value
   * in several places has a kind when every value that has one agrees (an empty start or reset adds none).
   */
  private kindOfWrites(variable: ScopeVariable, declarator: TSESTree.VariableDeclarator, depth: number): Kind | null {
    const values: Node[] = declarator.init && !isNullish(declarator.init) ? [declarator.init] : [];
    for (const ref of variable.references) {
      if (!ref.isWrite() || ref.init) continue;
      const assignment = ref.identifier.parent;
      if (assignment?.type !== 'AssignmentExpression' || assignment.operator !== '=' || assignment.left !== ref.identifier) return null;
      if (!isEmptyValue(assignment.right)) values.push(assignment.right);
    }
    if (values.length < 2 || values.length > 4) return null;
    let found: Kind | null = null;
    for (const value of values) {
      const kind = this.computeKind(value, depth + 1);
      if (!kind || (found && kind !== found)) return null;
      found = kind;
    }
    return found;
  }

  /**
   * `manager.createChannel({ setup: (channel) => ... })`, `wrapper.addSetup((channel) => ...)`: a callback (an option,
   * or the argument itself) the library calls with a client of its own.
   */
  private kindOfOptionCallback(fn: Node, param: TSESTree.Identifier): Kind | null {
    if (!isFunction(fn) || fn.params[0] !== param) return null;
    // Written in the option, or named and given to it (`const setup = (channel) => ...; createChannel({ setup })`).
    const places: Node[] = [fn];
    const id = fn.type === 'FunctionDeclaration' ? fn.id : fn.parent?.type === 'VariableDeclarator' && fn.parent.init === fn && fn.parent.id.type === 'Identifier' ? fn.parent.id : null;
    const variable = id ? this.declaredVariable(id) : null;
    for (const ref of variable?.references ?? []) if (ref.isRead()) places.push(ref.identifier as Node);
    for (const place of places) {
      // `wrapper.addSetup((channel) => ...)`: the callback is the argument itself.
      const direct = place.parent;
      if (direct?.type === 'CallExpression' && direct.arguments.includes(place as TSESTree.Expression)) {
        const calleeKind = this.libraryCalleeKind(direct);
        const kind = calleeKind ? this.catalog.edges.get(`${calleeKind}(fn)`) : undefined;
        if (kind) return kind;
        continue;
      }
      const property = place.parent;
      const key = property?.type === 'Property' && property.value === place ? staticName(property.key, property.computed) : undefined;
      const call = property?.parent?.parent;
      if (!key || call?.type !== 'CallExpression' || !call.arguments.includes(property!.parent as TSESTree.Expression)) continue;
      const calleeKind = this.libraryCalleeKind(call);
      const kind = calleeKind ? this.catalog.edges.get(`${calleeKind}({${key}})`) : undefined;
      if (kind) return kind;
    }
    return null;
  }

  /** `nats.connect(options).then((nc) => { this.client = nc; })`: the callback receives what the promise resolves to. */
  private kindOfThenValue(fn: Node, param: TSESTree.Identifier): Kind | null {
    if (!isFunction(fn) || fn.params[0] !== param) return null;
    const call = fn.parent;
    if (call?.type !== 'CallExpression' || call.arguments[0] !== fn) return null;
    const callee = unwrap(call.callee);
    return callee.type === 'MemberExpression' && memberName(callee) === 'then' ? this.kindOf(callee.object) : null;
  }

  /**
   * `new Promise((resolve, reject) => conn.createChannel((err, ch) => (err ? reject(err) : resolve(ch))))`: what the
   * executor resolves with, when every `resolve(...)` agrees.
   */
  private kindOfPromise(node: TSESTree.NewExpression): Kind | null {
    const executor = node.arguments[0];
    const resolve = executor && isFunction(executor) ? executor.params[0] : undefined;
    if (resolve?.type !== 'Identifier') return null;
    let kind: Kind | null = null;
    let agreed = true;
    walk(executor!, this.keys, (inner) => {
      if (!agreed) return false;
      if (inner.type !== 'CallExpression' || inner.callee.type !== 'Identifier' || inner.callee.name !== resolve.name || !inner.arguments[0]) return undefined;
      const value = inner.arguments[0].type === 'SpreadElement' ? null : this.kindOf(inner.arguments[0]);
      if (!value || (kind && kind !== value)) agreed = false;
      else kind = value;
      return undefined;
    });
    return agreed ? kind : null;
  }

  /** `conn.createChannel((err, ch) => ...)`: the second parameter of a Node-style callback receives the result. */
  private kindOfCallbackResult(fn: Node, param: TSESTree.Identifier): Kind | null {
    if (!isFunction(fn) || fn.params[1] !== param) return null;
    const call = fn.parent;
    if (call?.type !== 'CallExpression' || call.arguments[call.arguments.length - 1] !== fn) return null;
    const calleeKind = this.libraryCalleeKind(call);
    return calleeKind ? (this.catalog.edges.get(`${calleeKind}(cb)`) ?? null) : null;
  }

  /** The library function a call calls, as a kind (`amqplib:connection.createChannel`), for its callback edges. */
  private libraryCalleeKind(call: TSESTree.CallExpression): Kind | null {
    const callee = unwrap(call.callee);
    if (callee.type !== 'MemberExpression') return this.kindOf(callee);
    const name = memberName(callee);
    const objectKind = name ? this.kindOf(callee.object) : null;
    return objectKind && !entityOf(objectKind) && !objectKind.includes('.') ? `${objectKind}.${name}` : null;
  }

  /**
   * An unannotated parameter of a function of this file (`async function sendOrder(producer, order)`): the kind
   * that the file's own calls pass to it (`sendOrder(kafka.producer(), o)`, `this.send(this.channel, m)`), when
   * those that tell agree. Calls from other files are not looked for.
   */
  private kindOfParameterFromCalls(fn: Node, param: TSESTree.Identifier): Kind | null {
    if (!isFunction(fn)) return null;
    // The parameter itself, or a property of an object parameter (`constructor({ channel })`).
    let key: string | undefined;
    let index = fn.params.findIndex((p) => p === param || (p.type === 'AssignmentPattern' && p.left === param) || (p.type === 'TSParameterProperty' && p.parameter === param));
    if (index < 0) {
      index = fn.params.findIndex((p) => {
        const pattern = p.type === 'AssignmentPattern' ? p.left : p;
        if (pattern.type !== 'ObjectPattern') return false;
        const prop = pattern.properties.find((q): q is TSESTree.Property => q.type === 'Property' && (q.value === param || (q.value.type === 'AssignmentPattern' && q.value.left === param)));
        key = prop ? staticName(prop.key, prop.computed) : undefined;
        return key !== undefined;
      });
      if (index < 0) return null;
    }
    let found: Kind | null = null;
    const calls: Array<{ resolver: Resolver; args: TSESTree.CallExpressionArgument[] }> = this.sameFileCalls(fn).map((call) => ({ resolver: this as Resolver, args: call.arguments }));
    calls.push(...this.constructionsOf(fn));
    for (const { resolver, args } of calls) {
      const arg = args[index];
      if (!arg || arg.type === 'SpreadElement' || args.slice(0, index).some((a) => a.type === 'SpreadElement')) continue;
      let value: Node | undefined = arg;
      if (key !== undefined) {
        const object = resolver.follow(arg).node;
        const prop = object.type === 'ObjectExpression' ? object.properties.find((q): q is TSESTree.Property => q.type === 'Property' && staticName(q.key, q.computed) === key) : undefined;
        value = prop?.value as Node | undefined;
      }
      const kind = value ? resolver.kindOf(value) : null;
      if (!kind) continue;
      if (found && found !== kind) return null;
      found = kind;
    }
    return found;
  }

  /**
   * The arguments of `new C(...)` for a class's constructor: in this file, and in the project's modules that import
   * the class (`new Publisher(channel)` in the bootstrap that made the channel), at most MAX_CONSTRUCTION_FILES.
   */
  constructionsOf(fn: FunctionNode): Array<{ resolver: Resolver; args: TSESTree.CallExpressionArgument[] }> {
    return this.memo('constructions', fn, () => this.constructions(fn));
  }

  private constructions(fn: FunctionNode): Array<{ resolver: Resolver; args: TSESTree.CallExpressionArgument[] }> {
    const method = fn.parent;
    if (method?.type !== 'MethodDefinition' || method.kind !== 'constructor') return [];
    const classNode = method.parent.parent;
    if (classNode.type !== 'ClassDeclaration' && classNode.type !== 'ClassExpression') return [];
    const out: Array<{ resolver: Resolver; args: TSESTree.CallExpressionArgument[] }> = [];
    const collect = (resolver: Resolver, root: Node, isClass: (callee: Node) => boolean): void => {
      walk(root, resolver.keys, (node) => {
        if (node.type === 'NewExpression' && isClass(unwrap(node.callee))) out.push({ resolver, args: node.arguments });
        return undefined;
      });
    };
    const id = classNode.id;
    if (id) collect(this, this.input.ast, (callee) => callee.type === 'Identifier' && callee.name === id.name && this.variableOf(callee)?.defs[0]?.node === classNode);
    const project = this.project;
    const file = this.file;
    if (!project || !file || !id) return out;
    // Only modules whose text constructs the class by its name (`new Publisher(`), or through a namespace.
    const constructs = new RegExp(`\\bnew\\s+(?:[\\w$]+\\.)?${escapeRegExp(id.name)}\\s*\\(`);
    // Through barrels a class has many importers (every module importing `@app/common`): those that construct it count.
    // The index knows classes named with a capital (most are); another name is looked for in the importers' texts.
    const named = /^[A-Z]/.test(id.name) ? constructorsOf(project, id.name, this.catalog) : undefined;
    const constructing =
      named?.length === 0 ? [] : importersThroughBarrels(project, file, this.catalog).filter((other) => (named?.includes(other) ?? true) && constructs.test(project.text(other) ?? ''));
    for (const other of constructing.slice(0, MAX_CONSTRUCTION_FILES)) {
      const resolver = Resolver.forModule(project, other, this.catalog);
      if (!resolver) continue;
      // The class as the importer sees it: parsed on its own, so the same by file and place, not by node.
      const isClass = (callee: Node): boolean => {
        if (callee.type !== 'Identifier') return false;
        const entity = resolver.classOf(callee);
        return entity?.resolver.file === file && entity.node.range[0] === classNode.range[0];
      };
      collect(resolver, resolver.input.ast, isClass);
    }
    return out;
  }

  /** The calls in this file of a named function, or of a method through `this` in its own class. */
  private sameFileCalls(fn: FunctionNode): TSESTree.CallExpression[] {
    const calls: TSESTree.CallExpression[] = [];
    const parent = fn.parent;
    let id: TSESTree.Identifier | undefined;
    if (fn.type === 'FunctionDeclaration' && fn.id) id = fn.id;
    else if (parent?.type === 'VariableDeclarator' && parent.init === fn && parent.id.type === 'Identifier') id = parent.id;
    if (id) {
      for (const ref of this.declaredVariable(id)?.references ?? []) {
        const call = ref.identifier.parent;
        if (call?.type === 'CallExpression' && call.callee === ref.identifier) calls.push(call);
      }
      return calls;
    }
    if (parent?.type === 'MethodDefinition' && parent.kind === 'method' && !parent.static && parent.parent.type === 'ClassBody') {
      const name = staticName(parent.key, parent.computed);
      if (!name) return calls;
      this.membersOf(parent.parent);
      return this.thisCalls.get(parent.parent)?.get(name) ?? calls;
    }
    return calls;
  }

  /**
   * `that` in `const that = this` (also `self`, `_this`): a name for the instance a callback of the old callback APIs
   * closes over (`amqp.connect(url, function (err, conn) { that.conn = conn; })`). Only a name given `this` once.
   */
  isThisAlias(node: Node): boolean {
    if (node.type !== 'Identifier') return false;
    const variable = this.variableOf(node);
    const def = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (def?.type !== 'Variable' || def.node.type !== 'VariableDeclarator' || def.node.id.type !== 'Identifier') return false;
    const init = def.node.init ? unwrap(def.node.init) : undefined;
    return init?.type === 'ThisExpression' && !variable!.references.some((ref) => ref.isWrite() && !ref.init);
  }

  /** `this.producer`: a class field's annotation or initialiser, a constructor parameter property, `this.x = ...`, a base class. */
  private kindOfThisMember(node: TSESTree.MemberExpression, name: string, _depth: number): Kind | null {
    const owner = enclosingClass(node);
    if (owner) return this.classMemberKind(owner, name, 0);
    // A constructor function and its prototype's methods (`function Notifier() { this.sns = new AWS.SNS() }`,
    // `Notifier.prototype.send = function () { this.sns.publish(...) }`): the one value its constructor assigns.
    const ctor = constructorFunctionOf(node, this.input.ast);
    if (!ctor) return null;
    let value: Node | undefined;
    let count = 0;
    walk(ctor.body, this.keys, (inner) => {
      if (inner !== ctor && isFunction(inner) && inner.type !== 'ArrowFunctionExpression') return false;
      if (inner.type === 'AssignmentExpression' && inner.operator === '=' && inner.left.type === 'MemberExpression' && unwrap(inner.left.object).type === 'ThisExpression' && staticName(inner.left.property, inner.left.computed) === name) {
        value = inner.right;
        count++;
      }
      return undefined;
    });
    return count === 1 && value ? this.kindOf(value) : null;
  }

  /** The names of the fields an instance of a class of this module has (own, constructor properties, base classes). */
  fieldNames(classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression, depth = 0): Set<string> {
    const names = new Set(this.membersOf(classNode.body).keys());
    const base = depth < 4 && classNode.superClass ? entityOf(this.kindOf(classNode.superClass)) : undefined;
    if (base?.type === 'class') for (const name of base.resolver.fieldNames(base.node as TSESTree.ClassDeclaration, depth + 1)) names.add(name);
    return names;
  }

  /**
   * The one value a `this.field` of the enclosing class is given (its initialiser or its single assignment), when
   * there is exactly one; undefined for injected, typed-only or reassigned fields.
   */
  fieldValue(member: TSESTree.MemberExpression): Node | undefined {
    const name = unwrap(member.object).type === 'ThisExpression' ? staticName(member.property, member.computed) : undefined;
    const owner = name === undefined ? undefined : enclosingClass(member);
    const values = owner ? (this.membersOf(owner.body).get(name!) ?? []).filter((n) => n.type !== 'TSTypeAnnotation' && n.parent?.type !== 'Decorator') : [];
    return values.length === 1 ? values[0] : undefined;
  }

  private membersOf(body: TSESTree.ClassBody): Map<string, Node[]> {
    let members = this.classMembers.get(body);
    if (members) return members;
    members = new Map();
    const add = (name: string | undefined, value: unknown): void => {
      if (!name || !value) return;
      const list = members!.get(name) ?? [];
      list.push(value as Node);
      members!.set(name, list);
    };
    for (const element of body.body) {
      if (element.type === 'PropertyDefinition') {
        const name = staticName(element.key, element.computed);
        add(name, element.typeAnnotation);
        add(name, element.value);
        // `@Inject(TOKEN)`, or a broker library's own decorator that builds the client (`@Client({ transport })`).
        for (const decorator of element.decorators ?? []) {
          const expression = decorator.expression;
          if (expression.type !== 'CallExpression') continue;
          const callee = calleeName(expression) ?? '';
          const source = expression.callee.type === 'Identifier' ? this.imports.get(callee)?.source : undefined;
          if (INJECT_DECORATORS.has(callee) || (source && this.catalog.byPackage.has(source))) add(name, expression);
        }
      } else if (element.type === 'MethodDefinition' && element.kind === 'constructor') {
        for (const param of element.value.params) {
          if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier') {
            add(param.parameter.name, param.parameter.typeAnnotation);
            // `@inject(TOKEN)` (tsyringe) / `@Inject(TOKEN)` (NestJS): what the container registers under the token.
            for (const decorator of param.decorators ?? []) {
              if (decorator.expression.type === 'CallExpression' && INJECT_DECORATORS.has(calleeName(decorator.expression) ?? '')) add(param.parameter.name, decorator.expression);
            }
          }
        }
      }
    }
    // The same walk lists the class's own `this.<method>(...)` calls, by method name.
    const calls = new Map<string, TSESTree.CallExpression[]>();
    walk(body, this.keys, (n) => {
      if (n.type === 'ClassBody' && n !== body) return false;
      if (n.type === 'AssignmentExpression' && n.operator === '=' && n.left.type === 'MemberExpression' && (n.left.object.type === 'ThisExpression' || this.isThisAlias(n.left.object))) {
        add(memberName(n.left), n.right);
      } else if (n.type === 'CallExpression' && n.callee.type === 'MemberExpression' && n.callee.object.type === 'ThisExpression') {
        const called = memberName(n.callee);
        if (called) calls.set(called, [...(calls.get(called) ?? []), n]);
      }
      return undefined;
    });
    this.classMembers.set(body, members);
    this.thisCalls.set(body, calls);
    return members;
  }

  private collectImports(statement: TSESTree.ProgramStatement): void {
    if (statement.type === 'ImportDeclaration') {
      const source = statement.source.value;
      for (const spec of statement.specifiers) {
        const imported =
          spec.type === 'ImportSpecifier' ? (staticName(spec.imported) ?? '*') : spec.type === 'ImportDefaultSpecifier' ? 'default' : '*';
        this.imports.set(spec.local.name, { source, imported });
      }
    } else if (statement.type === 'TSImportEqualsDeclaration' || (statement.type === 'ExportNamedDeclaration' && statement.declaration?.type === 'TSImportEqualsDeclaration')) {
      // import kafkajs = require('kafkajs'): the module object, as `const kafkajs = require('kafkajs')` gives it
      const declaration = statement.type === 'TSImportEqualsDeclaration' ? statement : (statement.declaration as TSESTree.TSImportEqualsDeclaration);
      const reference = declaration.moduleReference;
      if (reference.type === 'TSExternalModuleReference' && reference.expression.type === 'Literal' && typeof reference.expression.value === 'string') {
        this.imports.set(declaration.id.name, { source: reference.expression.value, imported: '*' });
      }
    } else if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations) {
        if (!declarator.init) continue;
        // const x = require('p'), const { a, b: c } = require('p'), const { K } = require('p').NS
        let init = unwrap(declarator.init);
        const via: string[] = [];
        while (init.type === 'MemberExpression' && memberName(init)) {
          via.unshift(memberName(init)!);
          init = unwrap(init.object);
        }
        const source = requireSpecifier(init);
        if (!source) continue;
        if (declarator.id.type === 'Identifier') {
          this.imports.set(declarator.id.name, { source, imported: via.length === 0 ? '*' : via.join('.') });
        } else if (declarator.id.type === 'ObjectPattern') {
          for (const prop of declarator.id.properties) {
            if (prop.type === 'Property' && prop.value.type === 'Identifier') {
              const key = staticName(prop.key, prop.computed);
              if (key) this.imports.set(prop.value.name, { source, imported: [...via, key].join('.') });
            }
          }
        }
      }
    }
  }
}

/**
 * The names a module's ESM `export` statements declare, when they are all of the forms read here; otherwise (it
 * re-exports with `export *`, uses CommonJS or `export =`, destructures) `names` is undefined and answers are kept
 * per name.
 */
function exportNames(text: string): { names?: Set<string>; answers: Map<string, boolean> } {
  const answers = new Map<string, boolean>();
  if (/\bexport\s*(?:\*|=)|\bmodule\.exports\b|\bexports\.|\bexport\s+(?:declare\s+)?(?:const|let|var)\s*[{[]/.test(text)) return { answers };
  const names = new Set<string>();
  for (const match of text.matchAll(/\bexport\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:const\s+enum|const|let|var|function\s*\*?|class|interface|type|enum|namespace|module|import)\s+([\w$]+)/g)) {
    names.add(match[1]!);
  }
  if (/\bexport\s+default\b/.test(text)) names.add('default');
  for (const match of text.matchAll(/\bexport\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of match[1]!.split(',')) {
      const alias = part.trim().split(/\s+as\s+/).pop()?.replace(/^type\s+/, '').trim();
      if (alias) names.add(alias);
    }
  }
  return { names, answers };
}

/** The property keys leading from a destructuring pattern's root to `target` (`{ a: { b } }` → `['a', 'b']`). */
function patternPath(pattern: Node, target: TSESTree.Identifier): string[] | undefined {
  if (pattern === target) return [];
  if (pattern.type === 'AssignmentPattern') return patternPath(pattern.left, target);
  // `const [topic] = await pubsub.topic(name).get()`: an element of a tuple, by its index.
  if (pattern.type === 'ArrayPattern') {
    for (const [index, element] of pattern.elements.entries()) {
      const rest = element && element.type !== 'RestElement' ? patternPath(element, target) : undefined;
      if (rest) return [String(index), ...rest];
    }
    return undefined;
  }
  if (pattern.type !== 'ObjectPattern') return undefined;
  for (const prop of pattern.properties) {
    if (prop.type !== 'Property') continue;
    const key = staticName(prop.key, prop.computed);
    if (!key) continue;
    const rest = patternPath(prop.value, target);
    if (rest) return [key, ...rest];
  }
  return undefined;
}

function isModuleExports(node: Node): boolean {
  return node.type === 'MemberExpression' && node.object.type === 'Identifier' && node.object.name === 'module' && memberName(node) === 'exports';
}

const INJECT_DECORATORS = new Set(['inject', 'Inject']);
const NEST_CLIENT_PROXY = 'nestjs:clientProxy';

/** A type annotation naming a client proxy of the project's own (`IClientProxy`, `Messaging.ClientProxyPort`). */
function declaredClientProxy(annotation: TSESTree.TSTypeAnnotation): boolean {
  const type = annotation.typeAnnotation;
  if (type.type !== 'TSTypeReference') return false;
  const name = typeReferenceName(type.typeName);
  return /ClientProxy/.test(name) && name !== 'ClientProxy';
}

/** An abstract class of the project that declares a NestJS client's `emit` or `send` without implementing them. */
function abstractClientProxy(entity: Entity | undefined): boolean {
  const node = entity?.node;
  if ((entity?.type !== 'instance' && entity?.type !== 'class') || node?.type !== 'ClassDeclaration' || !node.abstract) return false;
  return node.body.body.some((m) => m.type === 'TSAbstractMethodDefinition' && ['emit', 'send'].includes(staticName(m.key, m.computed) ?? ''));
}
/** Tokens whose registration is being looked for (a registration that reaches its own token is unknown). */
const resolvingTokens = new Set<string>();
/** Beyond this many files naming a token, its registration is not looked for (each would be parsed). */
const MAX_REGISTRATION_FILES = 12;

/**
 * A DI token as text that matches across modules: `s` + the string (`'Publisher'`), or `n` + the name
 * (`const PUBLISHER = Symbol(...)`, an exported constant, `Tokens.Publisher`). From the second character on, it is
 * what a module that mentions the token contains.
 */
function tokenKey(node: Node): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string' && node.value.length > 0) return `s${node.value}`;
  if (node.type === 'Identifier') return `n${node.name}`;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') return `n${node.property.name}`;
  return undefined;
}

/** The class whose body holds a node (not crossing into a nested class). */
/**
 * The constructor function a `this` belongs to, outside classes: the function declaration it is in (`function
 * Notifier() { this.x = ... }`), or the one whose prototype holds its method (`Notifier.prototype.send = function`).
 */
function constructorFunctionOf(node: Node, program: TSESTree.Program): TSESTree.FunctionDeclaration | undefined {
  let fn: Node | undefined = node.parent;
  while (fn && !(isFunction(fn) && fn.type !== 'ArrowFunctionExpression')) fn = fn.parent;
  if (!fn) return undefined;
  if (fn.type === 'FunctionDeclaration' && fn.id && /^[A-Z]/.test(fn.id.name)) return fn;
  // `X.prototype.m = function () {}`, or `X.prototype = { m() {} }` / `m: function () {}`.
  let holder: Node | undefined = fn.parent;
  if (holder?.type === 'Property') holder = holder.parent?.parent;
  if (holder?.type !== 'AssignmentExpression') return undefined;
  let target: Node = unwrap(holder.left);
  if (target.type === 'MemberExpression' && memberName(target) !== 'prototype') target = unwrap(target.object);
  if (target.type !== 'MemberExpression' || memberName(target) !== 'prototype') return undefined;
  const owner = unwrap(target.object);
  if (owner.type !== 'Identifier') return undefined;
  for (const statement of program.body) {
    const declared = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement;
    if (declared?.type === 'FunctionDeclaration' && declared.id?.name === owner.name) return declared;
  }
  return undefined;
}

export function enclosingClass(node: Node): TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined {
  for (let p: Node | undefined = node.parent; p; p = p.parent) {
    if (p.type === 'ClassDeclaration' || p.type === 'ClassExpression') return p;
  }
  return undefined;
}

/** The name callers use for a function: its own, its variable's, its method's or property's; undefined if none. */
export function functionName(fn: FunctionNode): string | undefined {
  if (fn.type !== 'ArrowFunctionExpression' && fn.id) return fn.id.name;
  const parent = fn.parent;
  if (parent?.type === 'MethodDefinition' || parent?.type === 'Property' || parent?.type === 'PropertyDefinition') return staticName(parent.key, parent.computed);
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  // `const sendBrokerMsg = (channel) => async (event) => { ... }`: a curried function goes by the outer name.
  if (parent?.type === 'ArrowFunctionExpression' && parent.body === fn) return functionName(parent);
  return undefined;
}

/** `null`, `undefined` or `void 0`: a value that is no client. */
function isEmptyValue(raw: Node): boolean {
  const node = unwrap(raw);
  return isNullish(node) || (node.type === 'UnaryExpression' && node.operator === 'void');
}

/** `x = null` / `x = undefined` as a statement of its own. */
function resetToNothing(id: Node): boolean {
  const assignment = id.parent;
  return assignment?.type === 'AssignmentExpression' && assignment.operator === '=' && assignment.left === id && isNullish(assignment.right) && assignment.parent?.type === 'ExpressionStatement';
}
