/**
 * @fileoverview Type-checked recognition: the TypeScript checker names the declared type of a receiver, and the
 * broker descriptions say which of the libraries' types are clients (`Producer` from kafkajs).
 */
import { createRequire } from 'node:module';
import type { ParserServicesWithTypeInformation } from '@typescript-eslint/utils';
import type * as ts from 'typescript';
import type { Catalog, Kind } from '../brokers/index.js';
import type { TSESTree } from '@typescript-eslint/utils';
import type { Node } from './ast.js';
import { NEEDS_TYPESCRIPT_ESLINT, typeScriptEstree } from './parsers.js';
import { analyzeScopes, parsesJsx } from './project.js';
import type { ScopeManagerLike, SourceInput, TypeServices } from './resolve.js';

const require = createRequire(import.meta.url);

/** `node_modules/@types/scope__name/x.d.ts` → `@scope/name`; `node_modules/kafkajs/types/index.d.ts` → `kafkajs`. */
export function packageOfFile(fileName: string): string | undefined {
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fileName.replace(/\\/g, '/'));
  if (!match) return undefined;
  const name = match[1]!;
  if (!name.startsWith('@types/')) return name;
  const bare = name.slice('@types/'.length);
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
}

export function typeServices(services: ParserServicesWithTypeInformation, catalog: Catalog): TypeServices {
  const typescript = require('typescript') as typeof ts;
  const checker = services.program.getTypeChecker();
  const NULLISH = typescript.TypeFlags.Undefined | typescript.TypeFlags.Null | typescript.TypeFlags.Void;

  function packageOf(declaration: ts.Declaration): string | undefined {
    for (let node: ts.Node | undefined = declaration; node; node = node.parent) {
      if (typescript.isModuleDeclaration(node) && typescript.isStringLiteral(node.name)) return node.name.text;
    }
    return packageOfFile(declaration.getSourceFile().fileName);
  }

  function kindOfSymbol(symbol: ts.Symbol | undefined): Kind | undefined {
    const declaration = symbol?.declarations?.[0];
    if (!symbol || !declaration) return undefined;
    const pkg = packageOf(declaration);
    const broker = pkg ? catalog.byPackage.get(pkg) : undefined;
    const kind = broker?.types[symbol.getName()];
    return broker && kind ? `${broker.id}:${kind}` : undefined;
  }

  function kindOfType(type: ts.Type, depth: number): Kind | undefined {
    if (depth > 3) return undefined;
    const direct = kindOfSymbol(type.aliasSymbol) ?? kindOfSymbol(type.getSymbol());
    if (direct) return direct;
    if (type.isUnion()) {
      // `Producer | undefined` is a producer; `PubSub | InMemoryBus` has no one kind, as a variable given a client in
      // one branch and something else in the other has none in the syntactic config.
      let found: Kind | undefined;
      for (const member of type.types) {
        if (member.flags & NULLISH) continue;
        const kind = kindOfType(member, depth + 1);
        if (!kind) return undefined;
        found ??= kind;
      }
      return found;
    }
    const awaited = checker.getAwaitedType(type);
    return awaited && awaited !== type ? kindOfType(awaited, depth + 1) : undefined;
  }

  return {
    kindOfNode(node: Node): Kind | undefined {
      const tsNode = services.esTreeNodeToTSNodeMap.get(node as never);
      return tsNode ? kindOfType(checker.getTypeAtLocation(tsNode), 0) : undefined;
    },
  };
}

/**
 * A file parsed from a TypeScript program someone else built (the audit's ts-morph project): typescript-estree
 * converts the program's own syntax tree (nothing is parsed again) and its checker answers `kindOfNode`. Throws the
 * parser's error when the file is not in the program or does not convert.
 */
export function inputFromProgram(file: string, text: string, program: ts.Program, catalog: Catalog): SourceInput {
  const estree = typeScriptEstree();
  if (!estree?.parseAndGenerateServices) throw new Error(`type information ${NEEDS_TYPESCRIPT_ESLINT}`);
  const { ast, services } = estree.parseAndGenerateServices(text, {
    programs: [program], filePath: file, range: true, loc: true, jsx: parsesJsx(file), tokens: false, comment: false, suppressDeprecatedPropertyWarnings: true,
  }) as { ast: TSESTree.Program; services: ParserServicesWithTypeInformation };
  const { scopeManager, visitorKeys } = analyzeScopes(ast, true);
  return { ast, scopeManager: scopeManager as ScopeManagerLike, visitorKeys, text, filename: file, types: typeServices(services, catalog) };
}
