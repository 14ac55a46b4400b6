/**
 * @fileoverview "Which library does this value come from?" Resolves expressions to broker kinds
 * (`kafkajs:producer`) by following imports, `require`, destructuring, constructor and factory chains, class
 * fields, and parameters annotated with the libraries' types; optionally confirmed by the TypeScript checker.
 * Also follows `const` bindings to the value they hold, which is how messages and carriers built earlier in a
 * function are found.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { Catalog, Kind } from '../brokers/index.js';
import { isFunction, memberName, requireSpecifier, staticName, unwrap, walk, type Node, type VisitorKeys } from './ast.js';

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
}

export interface TypeServices {
  kindOfNode(node: Node): Kind | undefined;
}

/** Where an imported local name comes from. */
export interface ImportInfo {
  source: string;
  /** Exported name; `*` for default, namespace and whole-module `require`. */
  imported: string;
}

const MAX_DEPTH = 8;

export class Resolver {
  /** Identifier → reference; built on first use, so files without a candidate site never pay for it. */
  private referenceMap: Map<Node, ScopeReference> | undefined;
  private readonly kinds = new WeakMap<Node, Kind | null>();
  private readonly classMembers = new WeakMap<Node, Map<string, Node[]>>();
  /** Local names bound by `import` or top-level `require`, for type annotations and the OTel API. */
  readonly imports = new Map<string, ImportInfo>();

  constructor(
    readonly input: SourceInput,
    readonly catalog: Catalog,
  ) {
    for (const statement of input.ast.body) this.collectImports(statement);
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
    if (!declarator.init || declarator.id.type !== 'Identifier') return undefined;
    const writes = variable.references.filter((r) => r.isWrite() && !r.init);
    return writes.length === 0 ? declarator.init : undefined;
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

  /** The function a callee or handler reference denotes, when it is defined in this file. */
  functionOf(node: Node): Node | undefined {
    const { node: value } = this.follow(node);
    return isFunction(value) ? value : undefined;
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
    if (!broker) return null;
    let kind: Kind = `${broker.id}:module`;
    if (info.imported === '*') return kind;
    for (const name of info.imported.split('.')) {
      if (kind.includes('.')) return null;
      kind = this.member(kind, name);
    }
    return kind;
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
      if (info?.imported !== '*') return null;
    } else {
      return null;
    }
    if (!info) return null;
    const broker = this.catalog.byPackage.get(info.source);
    const kind = broker?.types[name];
    return broker && kind ? `${broker.id}:${kind}` : null;
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
      case 'MemberExpression': {
        const name = memberName(node);
        if (!name) return null;
        if (node.object.type === 'ThisExpression') return this.kindOfThisMember(node, name, depth);
        const objectKind = this.kindOf(node.object);
        if (!objectKind || objectKind.includes('.')) return null;
        return this.member(objectKind, name);
      }
      case 'CallExpression': {
        const specifier = requireSpecifier(node);
        if (specifier) return this.kindOfImport({ source: specifier, imported: '*' });
        const callee = unwrap(node.callee);
        let calleeKind: Kind | null;
        if (callee.type === 'MemberExpression') {
          const name = memberName(callee);
          const objectKind = name ? this.kindOf(callee.object) : null;
          calleeKind = objectKind && name && !objectKind.includes('.') ? `${objectKind}.${name}` : null;
        } else {
          calleeKind = this.kindOf(callee);
        }
        return calleeKind ? (this.catalog.edges.get(`${calleeKind}()`) ?? null) : null;
      }
      case 'NewExpression': {
        const calleeKind = this.kindOf(node.callee);
        return calleeKind ? (this.catalog.edges.get(`new ${calleeKind}`) ?? null) : null;
      }
      default:
        return null;
    }
  }

  private kindOfIdentifier(node: TSESTree.Identifier, depth: number): Kind | null {
    const variable = this.variableOf(node);
    if (!variable) return null;
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
          const init = this.initOf(variable) ?? this.singleWrite(variable);
          return init ? this.computeKind(init, depth + 1) : null;
        }
        if (!declarator.init) return null;
        const path = patternPath(declarator.id, def.name);
        if (!path) return null;
        let kind = this.computeKind(declarator.init, depth + 1);
        for (const key of path) {
          if (!kind || kind.includes('.')) return null;
          kind = this.member(kind, key);
        }
        return kind;
      }
      case 'Parameter': {
        return this.kindOfType(def.name.typeAnnotation);
      }
      default:
        return null;
    }
  }

  /** `let producer; ... producer = kafka.producer();` with exactly one assignment. */
  private singleWrite(variable: ScopeVariable): Node | undefined {
    const writes = variable.references.filter((r) => r.isWrite());
    if (writes.length !== 1) return undefined;
    const parent = writes[0]!.identifier.parent;
    return parent?.type === 'AssignmentExpression' && parent.operator === '=' ? parent.right : undefined;
  }

  /** `this.producer`: a class field's annotation or initialiser, a constructor parameter property, or `this.x = ...`. */
  private kindOfThisMember(node: TSESTree.MemberExpression, name: string, depth: number): Kind | null {
    let classBody: Node | undefined;
    for (let p: Node | undefined = node.parent; p; p = p.parent) {
      if (p.type === 'ClassBody') {
        classBody = p;
        break;
      }
    }
    if (!classBody) return null;
    const candidates = this.membersOf(classBody as TSESTree.ClassBody).get(name) ?? [];
    for (const candidate of candidates) {
      const kind =
        candidate.type === 'TSTypeAnnotation' ? this.kindOfType(candidate) : this.computeKind(candidate, depth + 1);
      if (kind) return kind;
    }
    return null;
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
      } else if (element.type === 'MethodDefinition' && element.kind === 'constructor') {
        for (const param of element.value.params) {
          if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier') {
            add(param.parameter.name, param.parameter.typeAnnotation);
          }
        }
      }
    }
    walk(body, this.keys, (n) => {
      if (n.type === 'ClassBody' && n !== body) return false;
      if (n.type === 'AssignmentExpression' && n.operator === '=' && n.left.type === 'MemberExpression' && n.left.object.type === 'ThisExpression') {
        add(memberName(n.left), n.right);
      }
      return undefined;
    });
    this.classMembers.set(body, members);
    return members;
  }

  private collectImports(statement: TSESTree.ProgramStatement): void {
    if (statement.type === 'ImportDeclaration') {
      const source = statement.source.value;
      for (const spec of statement.specifiers) {
        const imported =
          spec.type === 'ImportSpecifier' ? (staticName(spec.imported) ?? '*') : spec.type === 'ImportDefaultSpecifier' ? '*' : '*';
        this.imports.set(spec.local.name, { source, imported });
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

/** The property keys leading from a destructuring pattern's root to `target` (`{ a: { b } }` → `['a', 'b']`). */
function patternPath(pattern: Node, target: TSESTree.Identifier): string[] | undefined {
  if (pattern === target) return [];
  if (pattern.type === 'AssignmentPattern') return patternPath(pattern.left, target);
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
