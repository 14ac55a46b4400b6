/**
 * @fileoverview What a NestJS app says about its handlers outside the handler's file: the transport its
 * microservice servers use (`NestFactory.createMicroservice(AppModule, { transport: Transport.TCP })`,
 * `app.connectMicroservice(...)`, a custom `strategy`), the transports of the clients it registers
 * (`ClientsModule.register([{ name, transport }])`), and the interceptors and decorators that extract trace
 * context for every handler they cover (`@UseInterceptors(TracingInterceptor)`, `app.useGlobalInterceptors`,
 * `APP_INTERCEPTOR`, a custom `@Traced()`).
 *
 * TCP and Redis carry no headers: the payload is their only carrier, so their handlers are never asked for
 * header extraction. Nor do RabbitMQ and NATS before Nest 8 (its record builders brought headers), or NATS over
 * `nats` 1.x. Where the transport cannot be told, nothing is reported.
 */
import path from 'node:path';
import type { TSESTree } from '@typescript-eslint/utils';
import { calleeName, isFunction, memberName, returnedExpressions, staticName, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { extractionCall } from './otel.js';
import { exists } from './project.js';
import { fileFacts, importersThroughBarrels } from './reach.js';
import { enclosingClass, entityOf, Resolver, type Entity, type ScopeVariable } from './resolve.js';
import { majorVersionOf } from './versions.js';

/** Transports whose messages carry headers, and the handler context type of each. */
/** Transports whose messages carry no headers at all: the payload is the only carrier. */
export const HEADERLESS_TRANSPORTS: ReadonlySet<string> = new Set(['TCP', 'REDIS']);

/**
 * Whether a transport carries no headers for the versions this file uses: TCP and Redis always; RabbitMQ and NATS
 * under `@nestjs/microservices` 7 or older, whose clients send `{ pattern, data }` with no headers (checked in
 * 7.6.18's `ClientRMQ.dispatchEvent`); NATS over `nats` 1.x, which has no headers at all.
 */
export function isHeaderlessTransport(resolver: Resolver, transport: string): boolean {
  if (HEADERLESS_TRANSPORTS.has(transport)) return true;
  if ((transport !== 'RMQ' && transport !== 'NATS') || !resolver.file) return false;
  const nest = majorVersionOf(resolver.file, '@nestjs/microservices');
  if (nest !== undefined && nest < 8) return true;
  return transport === 'NATS' && majorVersionOf(resolver.file, 'nats') === 1;
}
export const HEADER_TRANSPORTS: Readonly<Record<string, string>> = { KAFKA: 'kafkaContext', RMQ: 'rmqContext', NATS: 'natsContext' };
const HEADER_ORDER = ['KAFKA', 'RMQ', 'NATS'];
/** Handler context types → transport. */
const CONTEXT_TRANSPORT: Readonly<Record<string, string>> = {
  kafkaContext: 'KAFKA', rmqContext: 'RMQ', natsContext: 'NATS', tcpContext: 'TCP', redisContext: 'REDIS', mqttContext: 'MQTT',
};

interface NestApp {
  /** Transports of the microservice servers started by the app (`custom` for a strategy, `unknown` when unclear). */
  servers: Set<string>;
  /**
   * Each server with the root module it serves, when known (`createMicroservice(KafkaAppModule, ...)`): a hybrid
   * bootstrap that starts a TCP server on one module and a Kafka server on another serves each controller on the
   * servers whose module reaches it. A server of unknown module (`connectMicroservice`) serves every controller.
   */
  rooted?: Array<{ transport: string; module?: Entity }>;
  /** `ClientsModule.register` name → transport. */
  clients: Map<string, string>;
  /** A global interceptor that extracts trace context, by name. */
  globalExtractor?: string;
  /**
   * The app's entry point starts an HTTP app only (`NestFactory.create(...)` then `listen`), hands the app to no
   * other function, and nothing in view starts a microservice server: its pattern handlers receive no messages.
   */
  serverless?: boolean;
}


/**
 * The folder that holds one Nest app: the nearest with a `package.json`, a Nest CLI `tsconfig.app.json`, or the
 * Nest entry point `src/main.ts` (Nest CLI monorepos: `apps/<name>/src/main.ts`).
 */
function appDir(file: string, root: string): string {
  for (let dir = path.dirname(file); dir.startsWith(root); dir = path.dirname(dir)) {
    if (['package.json', 'tsconfig.app.json', 'src/main.ts', 'src/main.js'].some((marker) => exists(path.join(dir, marker)))) return dir;
    if (dir === root) break;
  }
  return root;
}

/** The transports of the microservice servers the NestJS app in `dir` starts (`custom`, `unknown` as in `NestApp`). */
export function appServers(from: Resolver, dir: string): ReadonlySet<string> {
  return from.project?.projectSlot(`nest:${dir}`, () => scanApp(from, dir)).servers ?? new Set();
}

function nestApp(resolver: Resolver): NestApp | undefined {
  const { project, file } = resolver;
  if (!project || !file) return undefined;
  const dir = appDir(file, project.root);
  return project.projectSlot(`nest:${dir}`, () => scanApp(resolver, dir));
}

function scanApp(from: Resolver, dir: string): NestApp {
  const project = from.project!;
  const app: NestApp = { servers: new Set(), clients: new Map() };
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const resolverOf = (file: string): Resolver | undefined => (file === from.file ? from : Resolver.forModule(project, file, from.catalog));
  for (const file of project.files()) {
    if (!file.startsWith(prefix)) continue;
    if (fileFacts(project, file, from.catalog)?.nestBootstrap || MODULE_REGISTRATION.test(project.text(file) ?? '')) {
      // A module that registers clients through a dynamic module of the project (`RmqModule.register({ name })`).
      const resolver = resolverOf(file);
      if (resolver) scanBootstrap(resolver, resolver.input.ast, app);
    } else if (/[\\/]main\.[cm]?[jt]s$/.test(file)) {
      // `void bootstrapService(SmsModule)`: the entry point calls a bootstrap helper shared from another folder, or a
      // static method of a class from one (`KafkaGateway.init(app, config)`).
      const resolver = resolverOf(file);
      if (!resolver) continue;
      walk(resolver.input.ast, resolver.keys, (node) => {
        if (node.type !== 'CallExpression') return undefined;
        const callee = unwrap(node.callee);
        const named = callee.type === 'MemberExpression' && !callee.computed ? unwrap(callee.object) : callee;
        if (named.type !== 'Identifier' || !resolver.imports.has(named.name)) return undefined;
        const ref = resolver.handedToFunction(node);
        const helper = ref?.resolver.file;
        if (ref && helper && !helper.startsWith(prefix) && fileFacts(project, helper, from.catalog)?.nestBootstrap) scanBootstrap(ref.resolver, ref.fn, app);
        return undefined;
      });
    }
  }
  app.serverless = app.servers.size === 0 && httpOnlyEntry(project, prefix);
  // A module of a shared library the app imports (`GlobalTracingModule` of `libs/shared`, through a path alias and a
  // barrel) may provide a global interceptor: Nest registers an APP_INTERCEPTOR from any module it loads.
  if (app.globalExtractor) return app;
  for (const file of project.files()) {
    const text = file.startsWith(prefix) || !fileFacts(project, file, from.catalog)?.nestBootstrap ? undefined : project.text(file);
    if (!text?.includes('APP_INTERCEPTOR')) continue;
    // The app must name the module (a barrel of the library is imported for many other things).
    const modules = Array.from(text.matchAll(/\bexport\s+class\s+([A-Za-z_$][\w$]*)/g), (m) => m[1]!);
    const names = modules.length > 0 ? new RegExp(`\\b(?:${modules.join('|')})\\b`) : undefined;
    if (!names || !importersThroughBarrels(project, file, from.catalog).some((importer) => importer.startsWith(prefix) && names.test(project.text(importer) ?? ''))) continue;
    const resolver = resolverOf(file);
    if (resolver) scanBootstrap(resolver, resolver.input.ast, app, true);
    if (app.globalExtractor) break;
  }
  return app;
}

const MODULE_REGISTRATION = /\b[A-Z]\w*Module\.(?:register|forRoot|forFeature)(?:Async)?\(/;
/** `ClientsModule.register(...)`, and a dynamic module's `register`, `forRoot` or `forFeature` (also `...Async`). */
const REGISTERS = /^(?:register|forRoot|forFeature)(?:Async)?$/;

/**
 * Whether the app's entry point (`src/main.ts`) makes an HTTP app and nothing else: `NestFactory.create(...)`, no
 * microservice, and the app handed to no function (`KafkaGateway.init(app)`, `bootstrapServers(app)` may start one).
 */
function httpOnlyEntry(project: NonNullable<Resolver['project']>, prefix: string): boolean {
  const entries = ['src/main.ts', 'src/main.js'].map((name) => prefix + name).filter((file) => project.files().includes(file));
  if (entries.length !== 1) return false;
  const text = project.text(entries[0]!) ?? '';
  if (!/\bNestFactory\.create\s*[<(]/.test(text) || /createMicroservice|connectMicroservice|startAllMicroservices/.test(text)) return false;
  return !/[\w$\]]\s*\(\s*app\s*[,)]/.test(text);
}

/**
 * The servers, clients and global interceptors a bootstrap (a file, or a shared bootstrap function) sets up; of a
 * module from outside the app, only the interceptors it provides.
 */
function scanBootstrap(resolver: Resolver, root: Node, app: NestApp, interceptorsOnly = false): void {
  walk(root, resolver.keys, (node) => {
    if (node.type === 'CallExpression' && !interceptorsOnly) {
      const name = calleeName(node);
      if (name === 'createMicroservice') {
        const transport = serverTransport(resolver, node.arguments[1]);
        app.servers.add(transport);
        const root = node.arguments[0];
        (app.rooted ??= []).push({ transport, module: root && root.type !== 'SpreadElement' ? resolver.classOf(root) : undefined });
      } else if (name === 'connectMicroservice') {
        const transport = serverTransport(resolver, node.arguments[0]);
        app.servers.add(transport);
        (app.rooted ??= []).push({ transport });
      }
      else if (name && REGISTERS.test(name)) registerClients(resolver, node, app);
      else if (name === 'useGlobalInterceptors') {
        for (const arg of node.arguments) {
          const target = unwrap(arg).type === 'NewExpression' ? (unwrap(arg) as TSESTree.NewExpression).callee : arg;
          const extractor = interceptorExtracts(resolver, target);
          if (extractor) app.globalExtractor = extractor;
        }
      }
    } else if (node.type === 'ObjectExpression') {
      const provide = property(node, 'provide');
      const useClass = property(node, 'useClass');
      if (provide && useClass && unwrap(provide).type === 'Identifier' && (unwrap(provide) as TSESTree.Identifier).name === 'APP_INTERCEPTOR') {
        const extractor = interceptorExtracts(resolver, useClass);
        if (extractor) app.globalExtractor = extractor;
      }
    }
    return undefined;
  });
}

function property(object: TSESTree.ObjectExpression, name: string): Node | undefined {
  for (const prop of object.properties) if (prop.type === 'Property' && staticName(prop.key, prop.computed) === name) return prop.value;
  return undefined;
}

/** `Transport.KAFKA` → `KAFKA`; a `strategy` → `custom`; no transport → Nest's default, TCP. */
function serverTransport(resolver: Resolver, options: Node | undefined, depth = 0): string {
  if (!options) return 'TCP';
  const declared = declaredTransport(resolver, options);
  if (declared) return declared;
  const value = resolver.follow(options).node;
  // `createMicroservice(AuthModule, authQueueOptions)` with the options a shared library exports.
  const imported = value.type === 'Identifier' && depth < 3 ? resolver.importedValue(value) : undefined;
  if (imported) return serverTransport(imported.resolver, imported.node, depth + 1);
  if (value.type === 'CallExpression' && depth < 3) {
    // `createMicroservice(AppModule, createKafkaConfig())`: the options a project function returns; or a method
    // of a provider the bootstrap takes from the app (`app.get(RmqService).getOptions('billing')`).
    const ref = resolver.calleeFunction(value) ?? containerMethod(resolver, value);
    return ref ? returnedTransport(ref.resolver, ref.fn, depth + 1) : 'unknown';
  }
  if (value.type === 'MemberExpression' && depth < 3) {
    // `createMicroservice(AppModule, configService.communicationOptions)`: a getter of a project class whose
    // instance the bootstrap holds.
    const getter = classGetter(resolver, value);
    return getter ? returnedTransport(getter.resolver, getter.fn, depth + 1) : 'unknown';
  }
  if (value.type !== 'ObjectExpression') return 'unknown';
  // `{ ...clientOptions, transport: Transport.RMQ }`: a transport written after every spread is the one in force.
  const last = (match: (p: TSESTree.ObjectLiteralElement) => boolean): number => {
    for (let i = value.properties.length - 1; i >= 0; i--) if (match(value.properties[i]!)) return i;
    return -1;
  };
  const spread = last((p) => p.type === 'SpreadElement');
  if (spread >= 0 && last((p) => p.type === 'Property' && staticName(p.key, p.computed) === 'transport') < spread) return 'unknown';
  if (property(value, 'strategy')) return 'custom';
  const transport = property(value, 'transport');
  return transport ? transportName(resolver, transport) : 'TCP';
}

/**
 * `rmqService.getOptions(queue)` with `const rmqService = app.get<RmqService>(RmqService)`: a method of the project
 * class whose instance the bootstrap asks the Nest container for (`get`, `resolve`).
 */
function containerMethod(resolver: Resolver, call: TSESTree.CallExpression): { resolver: Resolver; fn: FunctionNode } | undefined {
  const callee = unwrap(call.callee);
  const method = callee.type === 'MemberExpression' ? memberName(callee) : undefined;
  if (!method || callee.type !== 'MemberExpression') return undefined;
  const holder = resolver.follow(callee.object).node;
  if (holder.type !== 'CallExpression' && holder.type !== 'AwaitExpression') return undefined;
  const get = unwrap(holder.type === 'AwaitExpression' ? holder.argument : holder);
  const name = get.type === 'CallExpression' ? calleeName(get) : undefined;
  if (get.type !== 'CallExpression' || (name !== 'get' && name !== 'resolve') || !get.arguments[0]) return undefined;
  const entity = resolver.classOf(get.arguments[0]);
  if (!entity) return undefined;
  for (const member of (entity.node as TSESTree.ClassDeclaration).body.body) {
    if (member.type === 'MethodDefinition' && member.kind === 'method' && !member.static && staticName(member.key, member.computed) === method && isFunction(member.value)) {
      return { resolver: entity.resolver, fn: member.value };
    }
  }
  return undefined;
}

/** Nest's option types of one transport each (`MicroserviceOptions`, a union, tells nothing). */
const OPTION_TYPES: Readonly<Record<string, string>> = {
  TcpOptions: 'TCP', RedisOptions: 'REDIS', NatsOptions: 'NATS', MqttOptions: 'MQTT', GrpcOptions: 'GRPC', RmqOptions: 'RMQ', KafkaOptions: 'KAFKA',
};

/**
 * The transport the options' declared type names: `configService.get('orders') as RmqOptions`, a variable
 * annotated `: KafkaOptions`. The type must come from `@nestjs/microservices`.
 */
function declaredTransport(resolver: Resolver, options: Node): string | undefined {
  let node: Node | undefined = options;
  for (let i = 0; node && i < 4; i++) {
    let type: TSESTree.TypeNode | undefined;
    if (node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression' || node.type === 'TSTypeAssertion') type = node.typeAnnotation;
    else if (node.type === 'Identifier') {
      const def: ScopeVariable['defs'][number] | undefined = resolver.variableOf(node)?.defs[0];
      const id = def?.type === 'Variable' || def?.type === 'Parameter' ? def.name : undefined;
      type = id?.typeAnnotation?.typeAnnotation;
      if (!type && def?.type === 'Variable' && def.node.type === 'VariableDeclarator' && def.node.init) {
        node = def.node.init;
        continue;
      }
    }
    const transport = type && transportOfType(resolver, type);
    if (transport) return transport;
    if (type || !('expression' in node) || !node.expression) return undefined;
    node = node.expression as Node;
  }
  return undefined;
}

/** The transport a type names: one of Nest's option types, imported from `@nestjs/microservices`. */
function transportOfType(resolver: Resolver, type: TSESTree.TypeNode): string | undefined {
  const name = type.type === 'TSTypeReference' && type.typeName.type === 'Identifier' ? type.typeName.name : undefined;
  return name && OPTION_TYPES[name] && resolver.imports.get(name)?.source === '@nestjs/microservices' ? OPTION_TYPES[name] : undefined;
}

/** The getter `instance.name` runs, when the instance is of a project class (`new ConfigService()`, a typed value). */
function classGetter(resolver: Resolver, member: TSESTree.MemberExpression): { resolver: Resolver; fn: FunctionNode } | undefined {
  const name = memberName(member);
  const entity = name ? entityOf(resolver.kindOf(member.object)) : undefined;
  if (entity?.type !== 'instance') return undefined;
  const body = (entity.node as TSESTree.ClassDeclaration).body.body;
  const getter = body.find((m): m is TSESTree.MethodDefinition => m.type === 'MethodDefinition' && m.kind === 'get' && staticName(m.key, m.computed) === name);
  return getter && isFunction(getter.value) ? { resolver: entity.resolver, fn: getter.value } : undefined;
}

function transportName(resolver: Resolver, node: Node): string {
  const value = resolver.follow(node).node;
  if (value.type === 'MemberExpression') return memberName(value) ?? 'unknown';
  return 'unknown';
}

/** `ClientsModule.register([{ name: 'ORDERS', transport: Transport.KAFKA }])`. */
function registerClients(resolver: Resolver, call: TSESTree.CallExpression, app: NestApp): void {
  const callee = unwrap(call.callee);
  if (callee.type !== 'MemberExpression' || unwrap(callee.object).type !== 'Identifier') return;
  if ((unwrap(callee.object) as TSESTree.Identifier).name !== 'ClientsModule') {
    registerThroughModule(resolver, call, app);
    return;
  }
  if (!/^register(?:Async)?$/.test(memberName(callee) ?? '')) return;
  let list = call.arguments[0] && resolver.follow(call.arguments[0]).node;
  if (list?.type === 'ObjectExpression') list = property(list, 'clients') ?? list;
  const entries = list?.type === 'ArrayExpression' ? list.elements : list ? [list] : [];
  for (const entry of entries) {
    const object = entry && entry.type !== 'SpreadElement' ? resolver.follow(entry).node : undefined;
    if (object?.type === 'CallExpression') {
      registerMadeEntry(resolver, object, app);
      continue;
    }
    if (object?.type !== 'ObjectExpression') continue;
    const name = property(object, 'name');
    const token = name ? tokenOf(resolver, name) : undefined;
    if (!token) continue;
    app.clients.set(token, entryTransport(resolver, object));
  }
}

/** The transport a `ClientsModule` entry names: `transport`, what its `useFactory` returns, else Nest's TCP. */
function entryTransport(resolver: Resolver, entry: TSESTree.ObjectExpression): string {
  const transport = property(entry, 'transport');
  const factory = property(entry, 'useFactory');
  return transport ? transportName(resolver, transport) : factory ? factoryTransport(resolver, factory) : 'TCP';
}

/**
 * `registerAsync([createClientOptions(SERVICE_NAMES.AUTH, QUEUES.AUTH)])`: an entry a project function makes,
 * returning `{ name, useFactory: () => ({ transport: Transport.RMQ, ... }) }` with `name` its parameter. The caller's
 * argument is the token, with the transport of the entry the function returns.
 */
function registerMadeEntry(resolver: Resolver, call: TSESTree.CallExpression, app: NestApp): void {
  const ref = resolver.calleeFunction(call);
  if (!ref || call.arguments.some((arg) => arg.type === 'SpreadElement')) return;
  for (const returned of returnedExpressions(ref.fn, ref.resolver.keys)) {
    const object = ref.resolver.follow(returned).node;
    if (object.type !== 'ObjectExpression') continue;
    const name = property(object, 'name');
    const value = name ? unwrap(name) : undefined;
    const index = value?.type === 'Identifier' ? ref.fn.params.findIndex((param) => param.type === 'Identifier' && param.name === value.name) : -1;
    const given = index >= 0 ? call.arguments[index] : undefined;
    const token = given ? tokenOf(resolver, given) : undefined;
    if (token) app.clients.set(token, entryTransport(ref.resolver, object));
  }
}

/**
 * `RmqModule.register({ name: Services.Billing, queue })`: a dynamic module of the project whose static method
 * registers a client under the name its caller gives (`ClientsModule.registerAsync([{ name, useFactory }])` with
 * `name` from its options). The caller's name is the token, with the transport the method's registration names.
 */
function registerThroughModule(resolver: Resolver, call: TSESTree.CallExpression, app: NestApp): void {
  const options = call.arguments[0] && call.arguments[0].type !== 'SpreadElement' ? resolver.follow(call.arguments[0]).node : undefined;
  const ref = resolver.calleeFunction(call);
  if (!ref) return;
  const inner: NestApp = { servers: new Set(), clients: new Map() };
  walk(ref.fn.body ?? ref.fn, ref.resolver.keys, (node) => {
    if (node.type === 'CallExpression' && (calleeName(node) === 'register' || calleeName(node) === 'registerAsync')) {
      const innerCallee = unwrap(node.callee);
      const owner = innerCallee.type === 'MemberExpression' ? unwrap(innerCallee.object) : undefined;
      if (owner?.type === 'Identifier' && owner.name === 'ClientsModule') registerClients(ref.resolver, node, inner);
    }
    return undefined;
  });
  for (const [token, transport] of inner.clients) {
    // The registration's name is the method's options' `name` (destructured: the token reads as its key).
    const key = token.startsWith('#') ? token.slice(1) : token;
    // A name of its own (`createClientOptions(SERVICE_NAMES.AUTH, queue)` in `RabbitMQModule.forRoot()`): as written.
    if (!fromParameter(ref.fn, key) && !ref.fn.params.some((param) => param.type === 'Identifier' && param.name === key)) {
      app.clients.set(token, transport);
      continue;
    }
    if (options?.type === 'ObjectExpression') {
      const given = property(options, key);
      const caller = given ? tokenOf(resolver, given) : undefined;
      if (caller && fromParameter(ref.fn, key)) app.clients.set(caller, transport);
      continue;
    }
    // `CustomClientsModule.register(Constants.NAME, 'orders')` with `register(microserviceName, queue)`: a parameter.
    const index = ref.fn.params.findIndex((param) => param.type === 'Identifier' && param.name === key);
    const given = index >= 0 ? call.arguments[index] : undefined;
    const caller = given && given.type !== 'SpreadElement' && !call.arguments.slice(0, index).some((arg) => arg.type === 'SpreadElement') ? tokenOf(resolver, given) : undefined;
    if (caller) app.clients.set(caller, transport);
  }
}

/** Whether `name` in a function is its first parameter's property: `({ name }) => ...` or `options.name`. */
function fromParameter(fn: FunctionNode, name: string): boolean {
  const param = fn.params[0];
  if (param?.type === 'ObjectPattern') return param.properties.some((p) => p.type === 'Property' && staticName(p.key, p.computed) === name);
  return param?.type === 'Identifier';
}

/**
 * `registerAsync([{ name, useFactory: (config) => ({ transport: Transport.KAFKA, options }) }])`: the transport the
 * factory's options name, when every return agrees; `unknown` otherwise.
 */
function factoryTransport(resolver: Resolver, factory: Node): string {
  const fn = resolver.follow(factory).node;
  return isFunction(fn) ? returnedTransport(resolver, fn, 0) : 'unknown';
}

/** The transport of the options a function returns, when every return agrees; `unknown` otherwise. */
function returnedTransport(resolver: Resolver, fn: FunctionNode, depth: number): string {
  // `loadOrdersOptions(): RmqOptions`.
  const declared = fn.returnType && transportOfType(resolver, fn.returnType.typeAnnotation);
  if (declared) return declared;
  const transports = new Set(returnedExpressions(fn, resolver.keys).map((r) => serverTransport(resolver, r, depth)));
  return transports.size === 1 ? [...transports][0]! : 'unknown';
}

/** An injection token: a string literal, or a constant holding one (its name as a fallback). */
function tokenOf(resolver: Resolver, node: Node): string | undefined {
  const value = resolver.follow(node).node;
  const literal = staticName(value);
  if (literal !== undefined) return literal;
  const raw = unwrap(node);
  if (raw.type === 'Identifier') return `#${raw.name}`;
  if (raw.type === 'MemberExpression') return `#${memberName(raw)}`;
  return undefined;
}

/**
 * The transport of the `@Inject(TOKEN)` client a receiver (`this.client`) holds, from the app's
 * `ClientsModule.register`; undefined when not known.
 */
export function injectedClientTransport(resolver: Resolver, receiver: Node, depth = 0): string | undefined {
  const target = unwrap(receiver);
  if (target.type !== 'MemberExpression' || target.object.type !== 'ThisExpression') return undefined;
  const name = memberName(target);
  const owner = enclosingClass(target);
  return name && owner ? parameterTransport(resolver, owner, name, depth) : undefined;
}

/**
 * The transport of the client a constructor parameter of `owner` receives: `@Inject(TOKEN)` on it, or else what every
 * `new Owner(...)` of the project hands in at its place (a handler's injected client passed on to
 * `new NotificationsConnection(client, version)`, which passes it on to `new NotificationsServiceImpl(client)`), a
 * few constructors deep. Undefined when they disagree or one cannot be told.
 */
function parameterTransport(resolver: Resolver, owner: TSESTree.ClassDeclaration | TSESTree.ClassExpression, name: string, depth: number): string | undefined {
  const { project, file } = resolver;
  if (!project || !file) return computeParameterTransport(resolver, owner, name, depth);
  // Kept with the file, not its syntax tree: a wrapper's every call asks, and its module may have been parsed again.
  return project.slot(file, `param-transport:${owner.range[0]}:${name}:${depth}`, () => computeParameterTransport(resolver, owner, name, depth) ?? null) ?? undefined;
}

function computeParameterTransport(resolver: Resolver, owner: TSESTree.ClassDeclaration | TSESTree.ClassExpression, name: string, depth: number): string | undefined {
  const constructor = owner.body.body.find((element): element is TSESTree.MethodDefinition => element.type === 'MethodDefinition' && element.kind === 'constructor');
  if (!constructor) return undefined;
  const params = constructor.value.params;
  const index = params.findIndex((param) => {
    const id = param.type === 'TSParameterProperty' ? param.parameter : param;
    return id.type === 'Identifier' && id.name === name;
  });
  if (index < 0) return undefined;
  const param = params[index]!;
  for (const decorator of param.decorators ?? []) {
    const expression = unwrap(decorator.expression);
    if (expression.type !== 'CallExpression' || calleeName(expression) !== 'Inject' || !expression.arguments[0]) continue;
    const token = tokenOf(resolver, expression.arguments[0]);
    return token ? nestApp(resolver)?.clients.get(token) : undefined;
  }
  if (depth >= 3 || !isFunction(constructor.value)) return undefined;
  let found: string | undefined;
  for (const { resolver: site, args } of resolver.constructionsOf(constructor.value)) {
    const arg = args[index];
    if (!arg || arg.type === 'SpreadElement' || args.slice(0, index).some((a) => a.type === 'SpreadElement')) return undefined;
    const transport = handedTransport(site, arg, depth + 1);
    if (!transport || (found && found !== transport)) return undefined;
    found = transport;
  }
  return found;
}

/** The transport of a client handed to a constructor: a field of the class there, or a constructor parameter of it. */
function handedTransport(resolver: Resolver, arg: Node, depth: number): string | undefined {
  const value = unwrap(arg);
  if (value.type === 'MemberExpression') return injectedClientTransport(resolver, value, depth);
  if (value.type !== 'Identifier') return undefined;
  const def = resolver.variableOf(value)?.defs[0];
  const fn = def?.type === 'Parameter' ? def.node : undefined;
  if (!fn || fn.parent?.type !== 'MethodDefinition' || fn.parent.kind !== 'constructor') return undefined;
  const owner = enclosingClass(fn);
  return owner ? parameterTransport(resolver, owner, value.name, depth) : undefined;
}

/**
 * The transport a handler method receives messages over: from its `@Ctx()` type, else from the app's bootstrap when
 * every microservice server it starts uses one transport (and its siblings' `@Ctx()` types do not contradict it),
 * else, with no bootstrap in view, from its siblings' in the same controller. Undefined when it cannot be told
 * (several transports, a custom strategy, siblings that disagree).
 */
export function handlerTransport(resolver: Resolver, method: TSESTree.MethodDefinition, contextKind: string | undefined, contextKindOf: (m: TSESTree.MethodDefinition) => string | undefined): string | undefined {
  // `@MessagePattern(pattern, Transport.REDIS)`: the transport the decorator names serves this handler, whatever its
  // `@Ctx()` type says; one we cannot read (a variable of a controller factory) leaves it unknown.
  const named = decoratorTransport(resolver, method);
  if (named) return named === 'unknown' ? undefined : named;
  const app = nestApp(resolver);
  // An HTTP-only app: its `@EventPattern` handlers are never served, whatever their `@Ctx()` type says.
  if (app?.serverless) return undefined;
  if (contextKind) return CONTEXT_TRANSPORT[contextKind] ?? 'unknown';
  const owner = enclosingClass(method);
  const siblings = new Set<string>();
  for (const element of owner?.body.body ?? []) {
    if (element.type !== 'MethodDefinition' || element === method) continue;
    const kind = contextKindOf(element);
    if (kind) siblings.add(CONTEXT_TRANSPORT[kind] ?? 'unknown');
  }
  let servers = app?.servers;
  // A hybrid app (a TCP server and a RabbitMQ one, say) may serve this controller on either: a sibling's context
  // type says nothing about a handler that declares none. Unless each server has its own root module, and only
  // those of one transport reach the controller.
  if (servers && servers.size > 1 && owner) servers = servingTransports(resolver, app!, owner) ?? servers;
  if (servers && servers.size > 1) {
    // A gRPC server dispatches only `@GrpcMethod` handlers, never `@EventPattern` / `@MessagePattern` ones.
    const dispatching = [...servers].filter((transport) => transport !== 'GRPC');
    if (dispatching.length === 1) servers = new Set(dispatching);
    else if (dispatching.every((transport) => HEADER_TRANSPORTS[transport] && !isHeaderlessTransport(resolver, transport))) {
      // Every server carries headers (Kafka and RabbitMQ, say): whichever delivers the message, a handler that never
      // extracts loses its trace. A sibling's `@Ctx()` type names the transport to speak of; else the first served.
      if (siblings.size === 1 && dispatching.includes([...siblings][0]!)) return [...siblings][0];
      return siblings.size === 0 ? HEADER_ORDER.find((transport) => dispatching.includes(transport)) : undefined;
    } else return undefined;
  }
  if (servers?.size === 1) {
    const only = [...servers][0]!;
    return siblings.size === 0 || (siblings.size === 1 && siblings.has(only)) ? only : undefined;
  }
  return siblings.size === 1 ? [...siblings][0] : undefined;
}

/** The transports of the servers whose root module reaches a controller; undefined when some server's is unknown. */
function servingTransports(resolver: Resolver, app: NestApp, controller: Node): Set<string> | undefined {
  const rooted = app.rooted ?? [];
  if (rooted.length === 0 || rooted.some((server) => !server.module)) return undefined;
  const out = new Set<string>();
  for (const server of rooted) if (moduleReaches(server.module!, resolver.file, controller, new Set(), 0)) out.add(server.transport);
  return out.size > 0 ? out : undefined;
}

const MAX_MODULE_DEPTH = 8;

/**
 * Whether a Nest module lists the controller, itself or through the modules it imports (`imports: [OrdersModule,
 * ConfigModule.forRoot()]`), followed into the project's modules.
 */
function moduleReaches(module: Entity, file: string | undefined, controller: Node, seen: Set<string>, depth: number): boolean {
  const key = `${module.resolver.file}:${module.node.range[0]}`;
  if (depth > MAX_MODULE_DEPTH || seen.has(key)) return false;
  seen.add(key);
  const classNode = module.node as TSESTree.ClassDeclaration;
  for (const decorator of classNode.decorators ?? []) {
    const call = unwrap(decorator.expression);
    if (call.type !== 'CallExpression' || calleeName(call) !== 'Module' || !call.arguments[0]) continue;
    const options = module.resolver.follow(call.arguments[0]).node;
    if (options.type !== 'ObjectExpression') continue;
    const list = (name: string): Node[] => {
      const value = property(options, name);
      const array = value ? module.resolver.follow(value).node : undefined;
      return array?.type === 'ArrayExpression' ? array.elements.flatMap((e) => (e && e.type !== 'SpreadElement' ? [unwrap(e)] : [])) : [];
    };
    for (const element of list('controllers')) {
      const entity = module.resolver.classOf(element);
      if (entity && entity.resolver.file === file && entity.node.range[0] === controller.range[0]) return true;
    }
    for (const element of list('imports')) {
      // `OrdersModule`, `OrdersModule.forRoot(...)`, `forwardRef(() => OrdersModule)`.
      let target: Node = element;
      if (target.type === 'CallExpression') {
        const callee = unwrap(target.callee);
        const arrow = target.arguments[0];
        if (callee.type === 'MemberExpression') target = unwrap(callee.object);
        else if (arrow && arrow.type === 'ArrowFunctionExpression' && arrow.body.type !== 'BlockStatement') target = unwrap(arrow.body);
      }
      const entity = target.type === 'Identifier' ? module.resolver.classOf(target) : undefined;
      if (entity && moduleReaches(entity, file, controller, seen, depth + 1)) return true;
    }
  }
  return false;
}

/** The transport argument of a handler's `@EventPattern` / `@MessagePattern` (its second, unless that is extras). */
function decoratorTransport(resolver: Resolver, method: TSESTree.MethodDefinition): string | undefined {
  for (const decorator of method.decorators ?? []) {
    const call = unwrap(decorator.expression);
    if (call.type !== 'CallExpression' || !PATTERN_DECORATORS.has(calleeName(call) ?? '')) continue;
    const source = call.callee.type === 'Identifier' ? resolver.imports.get(call.callee.name)?.source : undefined;
    if (source !== '@nestjs/microservices') continue;
    const arg = call.arguments[1];
    if (!arg || arg.type === 'SpreadElement' || unwrap(arg).type === 'ObjectExpression') continue;
    return transportName(resolver, arg);
  }
  return undefined;
}

const PATTERN_DECORATORS = new Set(['EventPattern', 'MessagePattern']);

/**
 * The interceptor or decorator that extracts trace context for a handler, by name: `@UseInterceptors(X)` on the
 * method or its controller, a custom method decorator whose code extracts, or a global interceptor.
 */
export function frameworkExtractor(resolver: Resolver, method: TSESTree.MethodDefinition): string | undefined {
  const owner = enclosingClass(method);
  for (const decorator of [...(method.decorators ?? []), ...(owner?.decorators ?? [])]) {
    const expression = unwrap(decorator.expression);
    if (expression.type !== 'CallExpression') continue;
    if (calleeName(expression) === 'UseInterceptors') {
      for (const arg of expression.arguments) {
        const extractor = interceptorExtracts(resolver, arg);
        if (extractor) return extractor;
      }
      continue;
    }
    const ref = entityOf(resolver.kindOf(expression.callee));
    if (ref?.type === 'function' && isFunction(ref.node) && codeExtracts(ref.resolver, ref.node, 0)) return `@${calleeName(expression)}()`;
  }
  return nestApp(resolver)?.globalExtractor;
}

/** Whether an interceptor class (or `new X()`) extracts; one we cannot read counts when its name says tracing. */
function interceptorExtracts(resolver: Resolver, node: Node): string | undefined {
  const value = unwrap(node);
  const target = value.type === 'NewExpression' ? value.callee : value;
  const name = target.type === 'Identifier' ? target.name : target.type === 'MemberExpression' ? (memberName(target) ?? '') : '';
  const entity = entityOf(resolver.kindOf(target));
  if (entity?.type === 'class') return codeExtracts(entity.resolver, entity.node, 0) ? name : undefined;
  const imported = target.type === 'Identifier' ? resolver.imports.get(target.name) : undefined;
  const external = imported && !(resolver.project && resolver.file && resolver.project.resolve(resolver.file, imported.source));
  return external && /trac|otel|telemetry|span|propagat/i.test(name) ? name : undefined;
}

/** Whether code (a class or a function) calls an extraction, directly or through functions it calls. */
function codeExtracts(resolver: Resolver, root: Node, depth: number): boolean {
  if (depth > 2) return false;
  let found = false;
  walk(root, resolver.keys, (node) => {
    if (found) return false;
    if (node.type !== 'CallExpression') return undefined;
    if (extractionCall(resolver, node, { injectors: [], extractors: [] })) {
      found = true;
      return false;
    }
    if (calleeName(node) === 'UseInterceptors' && node.arguments.some((a) => interceptorExtracts(resolver, a))) {
      found = true;
      return false;
    }
    const ref = resolver.calleeFunction(node);
    if (ref && ref.fn !== root && codeExtracts(ref.resolver, ref.fn, depth + 1)) found = true;
    return undefined;
  });
  return found;
}
