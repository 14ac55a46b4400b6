/**
 * @fileoverview Runtime instrumentation a repository visibly enables, read from the repository itself: OpenTelemetry
 * instrumentations (named ones, `getNodeAutoInstrumentations()` with its per-instrumentation `enabled` settings),
 * APM agents that instrument these clients (`dd-trace`, `newrelic`, `elastic-apm-node`), Pub/Sub's
 * `enableOpenTelemetryTracing: true`, and AWS X-Ray's capture of the SDK client.
 *
 * Patching instrumentations count only when they are loaded **before** the client library: a `-r`/`--require`/
 * `--import` preload in the `package.json` scripts or a Dockerfile, or the first import of the entry point. One
 * registered later patches nothing; the reports it would have silenced say so. Client options (Pub/Sub tracing,
 * X-Ray capture) need no preload.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TSESTree } from '@typescript-eslint/utils';
import type { Catalog, Instrumentation } from '../brokers/index.js';
import { calleeName, isFunction, requireSpecifier, returnedExpressions, staticName, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { packageDir, readText, type Project } from './project.js';
import { readJsonc } from './module-resolution.js';
import { isTestFile } from './test-files.js';
import { versionOf } from './versions.js';
import { escapeRegExp, fileFacts, importersThroughBarrels, mayHoldRuntimeSetup, OWN_TRACING_PACKAGE, staticImportSpecifiers, withoutComments } from './reach.js';
import { functionName, Resolver } from './resolve.js';
import { appServers } from './nest.js';

export interface RuntimeCoverage {
  /** Instrumentations in force for the package, with where they are set up. */
  loaded: Map<Instrumentation, string>;
  /** Registered, but not provably before the client library is imported: where. */
  late: Map<Instrumentation, string>;
  /**
   * Registered early by a bundling framework's hook (Next.js `instrumentation.ts`), for clients the bundler
   * compiles into the server build, where require hooks never see them: where, and the client packages.
   */
  bundled?: Map<Instrumentation, { where: string; packages: string[] }>;
}

/** Instrumentation classes (and factories) of OpenTelemetry by package. */
const OTEL_PACKAGES: Readonly<Record<string, Instrumentation>> = {
  '@opentelemetry/instrumentation-kafkajs': 'kafkajs',
  '@opentelemetry/instrumentation-amqplib': 'amqplib',
  '@opentelemetry/instrumentation-aws-sdk': 'aws-sdk',
  '@azure/opentelemetry-instrumentation-azure-sdk': 'azure-sdk',
  // Aspecto's packages, which became the contrib ones above: the same patches, the same coverage.
  'opentelemetry-instrumentation-kafkajs': 'kafkajs',
  'opentelemetry-instrumentation-amqplib': 'amqplib',
  'opentelemetry-instrumentation-aws-sdk': 'aws-sdk',
  // A community package (mdovhopo): it injects in Topic.publish/publishJSON/publishMessage and extracts around
  // Subscription.on('message') handlers, as dd-trace's Pub/Sub plugin does.
  'opentelemetry-instrumentation-pubsub': 'pubsub',
};
const AUTO_PACKAGE = '@opentelemetry/auto-instrumentations-node';
const AZURE_MONITOR = '@azure/monitor-opentelemetry';
/** What `getNodeAutoInstrumentations()` brings, by its config key. */
const AUTO_INCLUDES: Readonly<Record<string, Instrumentation>> = {
  '@opentelemetry/instrumentation-kafkajs': 'kafkajs',
  '@opentelemetry/instrumentation-amqplib': 'amqplib',
  '@opentelemetry/instrumentation-aws-sdk': 'aws-sdk',
};
/**
 * A package of the organisation's own that sets tracing up (see OWN_TRACING_PACKAGE): a dependency, not a module of
 * the project that a path alias names (`@/tracing/tracer`, read as any other module of the project).
 */
function ownTracing(resolver: Resolver, source: string | undefined): boolean {
  if (!source || source in OTEL_PACKAGES || source === AUTO_PACKAGE || agentOf(source) || !OWN_TRACING_PACKAGE.test(source)) return false;
  return !(resolver.project && resolver.file && resolver.project.resolve(resolver.file, source));
}

/**
 * How a setup starts such a package: `tracing.start()`, `initTracing()`, `setupTelemetry()`, `registerOtel()`; not
 * a span it starts (`tracer.startSpan()`, `startActiveSpan()`).
 */
const OWN_TRACING_START = /^(?:start|init|initialize|setup|register)(?!.*Span)/i;

/**
 * What an organisation's own tracing package is taken to patch when the repository starts it: it cannot be read (it
 * is a dependency), and such packages wrap the auto-instrumentations bundle. Counted like that bundle, its
 * per-instrumentation switches and environment filters included, so the reports it would silence stay silent.
 */
function ownTracingCovers(setup: Setup): Instrumentation[] {
  const covered = Object.values(AUTO_INCLUDES);
  for (const name of covered) setup.auto.add(name);
  return covered;
}

/** The version of the bundle from which it brings an instrumentation (kafkajs joined it in 0.49.0). */
const AUTO_SINCE: Partial<Record<Instrumentation, readonly [number, number]>> = { kafkajs: [0, 49] };

/** Whether the auto-instrumentations bundle a file's package uses brings an instrumentation; an unknown version does. */
function autoIncludes(file: string, name: Instrumentation): boolean {
  const since = AUTO_SINCE[name];
  const version = since && versionOf(file, AUTO_PACKAGE);
  return !since || !version || version[0] > since[0] || (version[0] === since[0] && version[1] >= since[1]);
}

/** APM agents and the clients they instrument (../shared/brokers.md). */
const AGENTS: Readonly<Record<string, readonly Instrumentation[]>> = {
  'dd-trace': ['kafkajs', 'amqplib', 'aws-sdk', 'aws-sdk-v2', 'pubsub'],
  newrelic: ['kafkajs', 'amqplib'],
  'elastic-apm-node': ['kafkajs', 'aws-sdk', 'aws-sdk-v2'],
};

/** The call that starts an agent loaded through a named or default import (`tracer.init()`). */
const AGENT_START: Readonly<Record<string, string>> = { 'dd-trace': 'init', 'elastic-apm-node': 'start' };

interface Setup {
  file: string;
  patches: Set<Instrumentation>;
  /** Those of `patches` that `getNodeAutoInstrumentations()` brings (subject to `OTEL_NODE_*_INSTRUMENTATIONS`). */
  auto: Set<Instrumentation>;
  /** Needs no preload (client options). */
  options: Set<Instrumentation>;
  /**
   * Its instrumentations are made only inside a function that the module does not call itself (`export async
   * function setupOpenTelemetry() { new NodeSDK({ instrumentations: [...] }).start() }`): importing it patches
   * nothing until an entry point calls that function.
   */
  deferred?: boolean;
  /** For a deferred setup: the names of the functions that make its instrumentations when called. */
  starters?: Set<string>;
}


export function runtimeCoverage(resolver: Resolver): RuntimeCoverage | undefined {
  const { project, file } = resolver;
  // Client options written in this file count as the editor has it (the project scan reads files from disk).
  const own = mayHoldRuntimeSetup(resolver.input.text) ? setupOf(resolver, file ?? '').options : new Set<Instrumentation>();
  if (!project || !file) return own.size > 0 ? { loaded: new Map([...own].map((name) => [name, 'this file'])), late: new Map() } : undefined;
  const runtime = project.projectSlot('runtime', () => scan(project, resolver));
  // A package that starts a process has its own answer; a library package runs inside the apps that import it.
  const app = appOf(runtime, file, packageDir(file, project.root));
  const coverage = (app ? hostCoverage(project, resolver.catalog, runtime, file, app) ?? runtime.apps.get(app) : undefined) ?? runtime.libraries;
  if (own.size === 0) return coverage;
  const loaded = new Map(coverage.loaded);
  for (const name of own) loaded.set(name, 'this file');
  return { loaded, late: new Map([...coverage.late].filter(([name]) => !loaded.has(name))) };
}

/** The app a file runs in: its package, or the Nest CLI app folder holding it; undefined for library code. */
function appOf(runtime: ProjectRuntime, file: string, dir: string): string | undefined {
  let best: string | undefined;
  for (const folder of runtime.apps.keys()) {
    if (folder.length > dir.length && file.startsWith(folder + path.sep) && (!best || folder.length > best.length)) best = folder;
  }
  best ??= dir;
  return runtime.apps.has(best) ? best : undefined;
}

interface ProjectRuntime {
  apps: Map<string, RuntimeCoverage>;
  libraries: RuntimeCoverage;
}

/**
 * The coverage of the processes that really use a file: a service class under `apps/cielo/` that only api-paas's
 * files name (a monorepo's apps share code by importing each other's folders, often through a barrel the own app
 * imports for other names) runs in api-paas, so api-paas's instrumentation covers it. Undefined when a file of its own
 * app names what it exports, or nothing else does.
 */
function hostCoverage(project: Project, catalog: Catalog, runtime: ProjectRuntime, file: string, own: string): RuntimeCoverage | undefined {
  // Nothing to gain when no app has any instrumentation loaded (most projects).
  if (![...runtime.apps.values()].some((coverage) => coverage.loaded.size > 0)) return undefined;
  const text = project.text(file);
  const names = text ? [...text.matchAll(EXPORTED_VALUE)].map((match) => match[1]!) : [];
  if (names.length === 0) return undefined;
  const named = new RegExp(`\\b(?:${names.map(escapeRegExp).join('|')})\\b`);
  const users = importersThroughBarrels(project, file, catalog).filter((user) => named.test(project.text(user) ?? ''));
  const hosts = users.map((user) => appOf(runtime, user, packageDir(user, project.root)));
  if (hosts.length === 0 || hosts.some((host) => !host || host === own)) return undefined;
  const coverage: RuntimeCoverage = { loaded: new Map(), late: new Map() };
  for (const host of new Set(hosts)) for (const [name, where] of runtime.apps.get(host!)!.loaded) coverage.loaded.set(name, where);
  for (const host of new Set(hosts)) for (const [name, where] of runtime.apps.get(host!)!.late) if (!coverage.loaded.has(name)) coverage.late.set(name, where);
  return coverage;
}

/** `export class X`, `export async function x`, `export const x`: the values a module exports by declaration. */
const EXPORTED_VALUE = /^export\s+(?:default\s+)?(?:abstract\s+)?(?:class|(?:async\s+)?function\*?|const|let|var)\s+([\w$]+)/gm;

function scan(project: Project, from: Resolver): ProjectRuntime {
  const setups = new Map<string, Setup>();
  for (const file of project.files()) {
    // A test's tracer (`require('dd-trace')` in an exporter's spec) sets up nothing the app runs.
    if (!fileFacts(project, file, from.catalog)?.runtimeSetup || isTestFile(project.relative(file))) continue;
    const resolver = file === from.file ? from : Resolver.forModule(project, file, from.catalog);
    if (!resolver) continue;
    const setup = setupOf(resolver, file);
    if (setup.patches.size > 0 || setup.options.size > 0) setups.set(file, setup);
  }
  const show = (file: string): string => project.relative(file);
  // Each module's imports and early loads are read once per scan: a Nest CLI monorepo's apps share most modules.
  const importsOf = importGraph(project, from.catalog);
  const loaders = new Map<Instrumentation, ReturnType<typeof earlyLoader>>();
  const loadsEarly = (name: Instrumentation): ReturnType<typeof earlyLoader> => {
    if (!loaders.has(name)) loaders.set(name, earlyLoader(project, from, name));
    return loaders.get(name);
  };
  const runtime: ProjectRuntime = { apps: new Map(), libraries: { loaded: new Map(), late: new Map() } };
  const appDirs = new Set<string>();
  for (const file of project.files()) appDirs.add(packageDir(file, project.root));
  for (const dir of appDirs) {
    const first = loadedFirst(project, dir, from.catalog, importsOf);
    // Everything the first-loaded files import runs before the rest of the entry point.
    const appEarly = importClosure(importsOf, first.files);
    // A package nothing starts is library code, covered by the apps that run it; unless its `main` starts a
    // tracing setup of its own first (a framework that traces itself, whatever app requires it).
    if (!first.isApp && ![...setups.values()].some((setup) => appEarly.has(setup.file))) continue;
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    /** The app's coverage, given what its NestJS bootstraps import before `NestFactory.create*` runs. */
    const coverageWith = (entries: readonly string[], folder = prefix, early = appEarly, agents = first.agents): RuntimeCoverage => {
      const coverage: RuntimeCoverage = { loaded: new Map(), late: new Map(), bundled: new Map() };
      // Modules a NestJS bootstrap imports run before `NestFactory.create*` loads the transports' client libraries,
      // and so does the bootstrap's own code (`sdk.start()` in main.ts). Followed deep: a client library imported
      // anywhere down the app's modules is loaded before Nest starts.
      const nestImports = new Set(entries.flatMap((entry) => [...first.nestEntries.get(entry)!]));
      const beforeNest = entries.length > 0 ? importClosure(importsOf, nestImports, 12) : undefined;
      for (const entry of entries) beforeNest?.add(entry);
      for (const setup of setups.values()) {
        // A setup of a shared library the bootstrap imports (`await initTracing()` from `libs/common`) is the app's too.
        const inApp = setup.file.startsWith(folder) || early.has(setup.file) || !!beforeNest?.has(setup.file);
        if (!inApp) continue;
        for (const name of setup.options) coverage.loaded.set(name, show(setup.file));
        for (const name of setup.patches) {
          if (setup.auto.has(name) && !first.autoAllows(name)) continue;
          const bundled = early.has(setup.file) && first.external ? bundledPackages(from, name, first.external) : [];
          if (bundled.length > 0) coverage.bundled!.set(name, { where: show(setup.file), packages: bundled });
          else if (early.has(setup.file) && (!setup.deferred || first.called.has(setup.file) || calledThrough(importsOf, setup, first.calledNames) || startedEarly(project, setup, early))) coverage.loaded.set(name, show(setup.file));
          else if (beforeNest?.has(setup.file) && (loadedLazily(beforeNest, loadsEarly(name)) || requiredAgainByServer(from, name, folder))) coverage.loaded.set(name, show(setup.file));
          else if (!coverage.loaded.has(name)) coverage.late.set(name, show(setup.file));
        }
      }
      for (const [agent, where] of agents) {
        for (const name of agentCoverage(agent)) if (agent !== AUTO_PACKAGE || (first.autoAllows(name) && autoIncludes(path.join(dir, 'package.json'), name))) coverage.loaded.set(name, where);
      }
      for (const name of coverage.loaded.keys()) coverage.late.delete(name);
      return coverage;
    };
    runtime.apps.set(dir, coverageWith([...first.nestEntries.keys()]));
    // A Nest CLI monorepo starts one process per app (`apps/<name>/src/main.ts`): each is judged by its own bootstrap.
    // Its bootstrap may be shared (`bootstrapRmqService(SmsModule)` from a library): each `main` is an app's entry.
    const appMains = [...first.entries].filter((entry) => /[\\/]src[\\/]main\.[cm]?[jt]s$/.test(entry) && path.dirname(path.dirname(entry)).startsWith(prefix));
    if (first.nestEntries.size > 1 || appMains.length > 1) {
      for (const entry of appMains) {
        const folder = path.dirname(path.dirname(entry));
        // Preloads apply to every entry; what an entry imports first, to its own app only.
        const early = importClosure(importsOf, new Set([...first.preloads, ...(first.byEntry.get(entry) ?? [])]));
        const agents = new Map([...first.preloadAgents, ...(first.agentsByEntry.get(entry) ?? [])]);
        runtime.apps.set(folder, coverageWith(first.nestEntries.has(entry) ? [entry] : [], folder + path.sep, early, agents));
      }
    }
  }
  // Library code: covered when an app of the repository covers it (it may run in any of them); client options
  // (Pub/Sub tracing, X-Ray capture) count wherever they are written.
  const libraries = runtime.libraries;
  for (const app of runtime.apps.values()) {
    for (const [name, where] of app.loaded) libraries.loaded.set(name, where);
    for (const [name, where] of app.late) if (!libraries.late.has(name)) libraries.late.set(name, where);
  }
  for (const setup of setups.values()) {
    for (const name of setup.options) libraries.loaded.set(name, show(setup.file));
    for (const name of setup.patches) if (!libraries.loaded.has(name) && !libraries.late.has(name)) libraries.late.set(name, show(setup.file));
  }
  // Lambda functions wrapped by an agent layer their SAM or Serverless template names: the code under it.
  for (const [dir, layer] of lambdaLayers(project, appDirs, from.catalog)) {
    // A package with a function template is an app of its own (its functions are started by the Lambda runtime).
    if (dir !== project.root && !runtime.apps.has(dir)) runtime.apps.set(dir, { loaded: new Map(), late: new Map() });
    const covered = [...runtime.apps].filter(([app]) => app === dir || app.startsWith(dir + path.sep)).map(([, coverage]) => coverage);
    if (dir === project.root) covered.push(libraries);
    for (const coverage of covered) {
      for (const name of layer.covers) {
        coverage.loaded.set(name, layer.where);
        coverage.late.delete(name);
      }
    }
  }
  for (const name of libraries.loaded.keys()) libraries.late.delete(name);
  return runtime;
}

/**
 * The client packages an instrumentation patches that a bundler compiles into the server build (not listed as
 * external): require hooks never see them there.
 */
function bundledPackages(resolver: Resolver, name: Instrumentation, external: { packages: ReadonlySet<string>; dependencies: ReadonlySet<string> }): string[] {
  return patchedPackages(resolver, name).filter((pkg) => external.dependencies.has(pkg) && !external.packages.has(pkg));
}

/** The client packages an instrumentation patches (those of the brokers whose publishes or consumers it covers). */
function patchedPackages(resolver: Resolver, name: Instrumentation): string[] {
  const packages = new Set<string>();
  for (const broker of new Set(resolver.catalog.byPackage.values())) {
    const patched = [...broker.publish.map((p) => p.autoInjectedBy), ...broker.consume.flatMap((c) => [c.autoExtractedBy, ...Object.values(c.autoExtractedByContext ?? {})])];
    if (patched.includes(name)) for (const pkg of broker.packages) packages.add(pkg);
  }
  return [...packages];
}

/**
 * Whether the app in `folder` starts a NestJS server of a transport whose library its instrumentation patches at
 * a later require (`patchedAtLaterRequire`): `ServerKafka`'s constructor requires kafkajs when the bootstrap makes
 * the server, after the setup the bootstrap imports or runs first, so the library is patched then even when a module
 * loaded it before (`import { Partitioners } from 'kafkajs'`); its consumers, and Nest's producers (made at
 * `connect()`), come later.
 */
function requiredAgainByServer(resolver: Resolver, name: Instrumentation, folder: string): boolean {
  const transports = new Set<string>();
  for (const broker of new Set(resolver.catalog.byPackage.values())) {
    if (!broker.patchedAtLaterRequire) continue;
    const patched = [...broker.publish.map((p) => p.autoInjectedBy), ...broker.consume.map((c) => c.autoExtractedBy)];
    if (!patched.includes(name)) continue;
    for (const pkg of broker.packages) if (NEST_TRANSPORT_OF[pkg]) transports.add(NEST_TRANSPORT_OF[pkg]);
  }
  if (transports.size === 0) return false;
  const servers = appServers(resolver, folder.endsWith(path.sep) ? folder.slice(0, -1) : folder);
  return [...transports].some((transport) => servers.has(transport));
}

/** The NestJS transport whose clients and servers load a client library. */
const NEST_TRANSPORT_OF: Readonly<Record<string, string>> = { amqplib: 'RMQ', 'amqp-connection-manager': 'RMQ', kafkajs: 'KAFKA', nats: 'NATS' };

/**
 * Whether the client libraries an instrumentation patches are loaded only after a NestJS bootstrap's own imports
 * have run (and with them a tracing setup they start): Nest loads a transport's library when it makes the server
 * or client (`NestFactory.create*`, `connectMicroservice`, `ClientsModule.registerAsync`). Not when a module the
 * bootstrap imports loads one first: by importing it as a value (also through a library built on it, such as
 * `@golevelup/nestjs-rabbitmq`), or by making a NestJS client of that transport while it is evaluated
 * (`ClientsModule.register([...])`, `@Client({...})`).
 */
function loadedLazily(imported: ReadonlySet<string>, loadsEarly: ((file: string) => boolean) | undefined): boolean {
  if (!loadsEarly) return false;
  for (const file of imported) if (loadsEarly(file)) return false;
  return true;
}

/**
 * Whether a module loads a client library an instrumentation patches when it is evaluated (see `loadedLazily`),
 * answered once per file; undefined when the instrumentation patches no library of its own.
 */
function earlyLoader(project: Project, resolver: Resolver, name: Instrumentation): ((file: string) => boolean) | undefined {
  const packages = patchedPackages(resolver, name).filter((pkg) => !pkg.startsWith('@nestjs/'));
  if (packages.length === 0) return undefined;
  const names = packages.map(escapeRegExp).join('|');
  const eager = new RegExp(`(?:^|[\\n;])\\s*import\\s+(?!type\\b)[^;]*?from\\s*['"](?:${names})(?:/[^'"]*)?['"]|(?:^|[\\n;])\\s*import\\s*['"](?:${names})(?:/[^'"]*)?['"]|require\\(\\s*['"](?:${names})(?:/[^'"]*)?['"]\\s*\\)`);
  const transports = [...new Set(packages.map((pkg) => NEST_TRANSPORT_OF[pkg]).filter((t): t is string => !!t))];
  const eagerClient = transports.length > 0 ? new RegExp(`(?:\\bClientsModule\\.register\\s*\\(|@Client\\s*\\()[^]*?\\bTransport\\.(?:${transports.join('|')})\\b`) : undefined;
  const answers = new Map<string, boolean>();
  return (file) => {
    let answer = answers.get(file);
    if (answer === undefined) {
      const text = withoutComments(project.text(file) ?? '');
      answer = eager.test(text) || !!eagerClient?.test(text);
      answers.set(file, answer);
    }
    return answer;
  };
}

/** Next.js's `instrumentation` hook: run by the server before any route module is loaded. */
const NEXT_HOOKS = ['instrumentation.ts', 'instrumentation.js', 'instrumentation.mjs', 'src/instrumentation.ts', 'src/instrumentation.js', 'src/instrumentation.mjs'];

/** The packages a Next.js app leaves out of its server build (`serverExternalPackages` in next.config). */
function nextExternals(dir: string): Set<string> {
  const external = new Set<string>();
  for (const name of ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs']) {
    const text = readText(path.join(dir, name));
    if (!text) continue;
    for (const list of text.matchAll(/(?:serverExternalPackages|serverComponentsExternalPackages)\s*:\s*\[([^\]]*)\]/g)) {
      for (const item of list[1]!.matchAll(/["'`]([^"'`]+)["'`]/g)) external.add(item[1]!);
    }
  }
  return external;
}

/**
 * Lambda wrappers that start an agent before the handler's code loads (`AWS_LAMBDA_EXEC_WRAPPER`): the AWS
 * Distro for OpenTelemetry layer (its aws-sdk instrumentation), Datadog's and Dynatrace's; New Relic's wrapper handler.
 */
const LAMBDA_WRAPPERS: ReadonlyArray<{ pattern: RegExp; covers: readonly Instrumentation[] }> = [
  { pattern: /AWS_LAMBDA_EXEC_WRAPPER['"]?\s*[:=]\s*['"]?\/opt\/otel-(?:handler|instrument|proxy-handler)\b/, covers: ['aws-sdk'] },
  { pattern: /AWS_LAMBDA_EXEC_WRAPPER['"]?\s*[:=]\s*['"]?\/opt\/datadog_wrapper\b/, covers: AGENTS['dd-trace']! },
  // Dynatrace's OneAgent layer traces the AWS SDK's SQS and SNS calls end to end, by its documentation (read by a
  // helper judging govuk-one-login/di-account-management-backend; not run here).
  { pattern: /AWS_LAMBDA_EXEC_WRAPPER['"]?\s*[:=]\s*['"]?\/opt\/dynatrace\b/, covers: ['aws-sdk'] },
  { pattern: /newrelic-lambda-wrapper\.handler\b/, covers: AGENTS.newrelic! },
];
const LAMBDA_TEMPLATES = ['template.yaml', 'template.yml', 'serverless.yml', 'serverless.yaml'];

/** The folders (the project's root, its packages) whose SAM or Serverless template wraps the functions in an agent. */
function lambdaLayers(project: Project, dirs: ReadonlySet<string>, catalog: Catalog): Map<string, { covers: Set<Instrumentation>; where: string }> {
  const out = new Map<string, { covers: Set<Instrumentation>; where: string }>();
  /** A folder's functions covered by these instrumentations, first named where. */
  const cover = (dir: string, where: string, covers: readonly Instrumentation[]): void => {
    const entry = out.get(dir) ?? { covers: new Set<Instrumentation>(), where };
    for (const instrumentation of covers) entry.covers.add(instrumentation);
    out.set(dir, entry);
  };
  const infrastructure = tracedFunctions(project, catalog);
  for (const dir of new Set([project.root, ...dirs])) {
    for (const name of LAMBDA_TEMPLATES) {
      const text = readText(path.join(dir, name));
      if (!text) continue;
      const template = project.relative(path.join(dir, name));
      for (const wrapper of LAMBDA_WRAPPERS) if (wrapper.pattern.test(text)) cover(dir, template, wrapper.covers);
      // X-Ray active tracing for the functions (SAM `Tracing: Active`, Serverless `tracing: { lambda: true }`): the SDK
      // sends each request with the invocation's trace header, which SQS keeps as `AWSTraceHeader`.
      if (ACTIVE_TRACING.test(text)) cover(dir, `${template} (X-Ray active tracing)`, ['aws-sdk']);
    }
    // Functions declared in Terraform or the CDK with X-Ray tracing: every one of the repository's, or (Terraform) those
    // whose resource names this package's folder.
    const traced = infrastructure && lambdaPackage(project, dir) ? infrastructure(path.basename(dir)) : undefined;
    if (traced) cover(dir, `${traced} (X-Ray active tracing)`, ['aws-sdk']);
    // A Lambda function traced with X-Ray: the SDK sends each request with the invocation's trace header (which SQS
    // keeps as `AWSTraceHeader`), the propagation X-Ray and the Lambda instrumentation read.
    if (dir !== project.root && xrayLambda(project, dir)) cover(dir, `${project.relative(path.join(dir, 'package.json'))} (X-Ray in a Lambda function)`, ['aws-sdk']);
  }
  return out;
}

/** SAM's `Tracing: Active` (a function's or the Globals'), Serverless's `tracing:` with `lambda: true`. */
const ACTIVE_TRACING = /^\s*Tracing:\s*['"]?Active\b|^\s*tracing:[ \t]*\n(?:[ \t]+\w+:.*\n)*?[ \t]+lambda:\s*(?:true|['"]?Active)\b/m;

const LAMBDA_PACKAGES = /^(@types\/aws-lambda|aws-lambda|@middy\/core|@aws-lambda-powertools\/.+)$/;

/** The packages a folder's manifest depends on, development ones included. */
function dependencyNames(project: Project, dir: string): string[] {
  const manifest = project.manifest(dir) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } | undefined;
  return [...Object.keys(manifest?.dependencies ?? {}), ...Object.keys(manifest?.devDependencies ?? {})];
}

/** Whether a folder's package is one of Lambda functions (by its dependencies). */
function lambdaPackage(project: Project, dir: string): boolean {
  return dependencyNames(project, dir).some((name) => LAMBDA_PACKAGES.test(name));
}

/** One Lambda function an infrastructure file declares, and whether X-Ray traces it. */
interface DeclaredFunction {
  file: string;
  text: string;
  traced: boolean;
}

const TERRAFORM_FUNCTION = /^(?:resource\s+"aws_lambda_function"|module)\s+"[^"]+"\s*\{/gm;
const CDK_FUNCTION = /\bnew\s+(?:\w+\.)*(?:Function|NodejsFunction|DockerImageFunction|SingletonFunction)\s*\(/g;
const CDK_PACKAGES = /^(aws-cdk-lib(\/aws-lambda(-nodejs)?)?|@aws-cdk\/aws-lambda(-nodejs)?)$/;

/**
 * The Lambda functions the repository's Terraform and CDK code declare with X-Ray tracing, as a question about a
 * package's folder name: which file traces it, or undefined. Active tracing makes the AWS SDK send each request with
 * the invocation's trace header (SQS keeps it as `AWSTraceHeader`); pass-through tracing does the same when an
 * upstream API Gateway stage is traced. When every function declared is traced, any Lambda package is; otherwise only
 * one a Terraform resource names (`function_name = "reliability"` for `lambda-code/reliability`) and no untraced one does.
 */
function tracedFunctions(project: Project, catalog: Catalog): ((folder: string) => string | undefined) | undefined {
  const functions: DeclaredFunction[] = [];
  let gatewayTraced = false;
  const passThrough: DeclaredFunction[] = [];
  for (const file of project.markerFiles()) {
    if (!file.endsWith('.tf')) continue;
    const text = readText(file);
    if (!text?.includes('aws_lambda_function') && !text?.includes('tracing_mode')) continue;
    if (/\bxray_tracing_enabled\s*=\s*true\b/.test(text)) gatewayTraced = true;
    const starts = [...text.matchAll(TERRAFORM_FUNCTION)].map((match) => match.index);
    starts.forEach((start, i) => {
      const block = text.slice(start, starts[i + 1] ?? text.length);
      const isModule = block.startsWith('module');
      // A module counts when it is a Lambda module (terraform-aws-modules/lambda/aws) or sets a tracing mode.
      if (isModule && !/\bsource\s*=\s*"[^"]*lambda[^"]*"/.test(block) && !/\btracing_mode\s*=/.test(block)) return;
      const mode = /\b(?:tracing_config\s*\{[^}]*\bmode|tracing_mode)\s*=\s*"(Active|PassThrough)"/.exec(block)?.[1];
      const declared = { file, text: block, traced: mode === 'Active' };
      if (mode === 'PassThrough') passThrough.push(declared);
      functions.push(declared);
    });
  }
  for (const file of project.files()) {
    if (!/\.[cm]?[jt]s$/.test(file) || !fileFacts(project, file, catalog)?.imports.some((specifier) => CDK_PACKAGES.test(specifier))) continue;
    const text = project.text(file);
    if (!text) continue;
    if (/\btracingEnabled\s*:\s*true\b/.test(text)) gatewayTraced = true;
    const count = [...text.matchAll(CDK_FUNCTION)].length;
    if (count === 0) continue;
    // Functions are often built by one helper from props written elsewhere in the file: a file traces its functions
    // when it sets a tracing mode at least as many times as it constructs functions.
    const active = [...text.matchAll(/\btracing\s*:\s*(?:\w+\.)*Tracing\.ACTIVE\b/g)].length;
    const passing = [...text.matchAll(/\btracing\s*:\s*(?:\w+\.)*Tracing\.PASS_THROUGH\b/g)].length;
    for (let i = 0; i < count; i++) {
      const declared = { file, text: '', traced: active + passing >= count && passing === 0 };
      if (active + passing >= count && passing > 0) passThrough.push(declared);
      functions.push(declared);
    }
  }
  if (gatewayTraced) for (const declared of passThrough) declared.traced = true;
  if (functions.length === 0 || !functions.some((declared) => declared.traced)) return undefined;
  const where = (declared: DeclaredFunction): string => project.relative(declared.file);
  if (functions.every((declared) => declared.traced)) return () => where(functions.find((declared) => declared.traced)!);
  const words = (text: string): Set<string> => new Set(text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
  return (folder) => {
    const name = folder.toLowerCase().replace(/[^a-z0-9]+/g, '');
    if (!name) return undefined;
    const names = (declared: DeclaredFunction): boolean => [...words(declared.text.replace(/[-_]/g, ''))].includes(name);
    const traced = functions.find((declared) => declared.traced && declared.text && names(declared));
    return traced && !functions.some((declared) => !declared.traced && (!declared.text || names(declared))) ? where(traced) : undefined;
  };
}
const XRAY_PACKAGES = new Set(['@aws-lambda-powertools/tracer', 'aws-xray-sdk-core', 'aws-xray-sdk']);

/** A package of Lambda functions (by its dependencies) that traces with X-Ray, itself or through a workspace package. */
function xrayLambda(project: Project, dir: string): boolean {
  if (!lambdaPackage(project, dir)) return false;
  return dependencyNames(project, dir).some((name) => {
    const workspace = project.workspaceDir(name);
    return XRAY_PACKAGES.has(name) || (!!workspace && dependencyNames(project, workspace).some((inner) => XRAY_PACKAGES.has(inner)));
  });
}

/** The project files a module imports, each module read once per scan. */
type ImportGraph = (file: string) => readonly string[];

function importGraph(project: Project, catalog: Catalog): ImportGraph {
  const targets = new Map<string, string[]>();
  return (file) => {
    let found = targets.get(file);
    if (!found) {
      found = (fileFacts(project, file, catalog)?.imports ?? []).map((specifier) => project.resolve(file, specifier)).filter((t): t is string => !!t);
      targets.set(file, found);
    }
    return found;
  };
}

/** The files loaded by `roots`, transitively through the project's own imports (a few levels). */
function importClosure(importsOf: ImportGraph, roots: Set<string>, levels = 4): Set<string> {
  const seen = new Set<string>(roots);
  let frontier = [...roots];
  for (let depth = 0; depth < levels && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const file of frontier) {
      for (const target of importsOf(file)) {
        if (!seen.has(target)) {
          seen.add(target);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** What one file sets up: instrumentations it registers or agents it starts, and client options. */
function setupOf(resolver: Resolver, file: string): Setup {
  const setup: Setup = { file, patches: new Set(), auto: new Set(), options: new Set() };
  const sourceOf = (name: string): string | undefined => resolver.imports.get(name)?.source;
  for (const statement of resolver.input.ast.body) {
    const specifier = statement.type === 'ImportDeclaration' ? statement.source.value : undefined;
    const agent = specifier ? agentOf(specifier) : undefined;
    if (agent && statement.type === 'ImportDeclaration' && statement.specifiers.length === 0) for (const name of AGENTS[agent]!) setup.patches.add(name);
  }
  // Where each instrumentation is made: at the module's top level, or inside a function.
  const places: Node[] = [];
  walk(resolver.input.ast, resolver.keys, (node) => {
    const patch = (name: Instrumentation): void => {
      places.push(node);
      setup.patches.add(name);
    };
    const patchOwnTracing = (): void => {
      for (const instrumentation of ownTracingCovers(setup)) patch(instrumentation);
    };
    if (node.type === 'Identifier' && (node.parent?.type === 'ArrayExpression' || (node.parent?.type === 'Property' && node.parent.value === node))) {
      // `{ KafkaJs: KafkaJsInstrumentation, ... }`, `[KafkaJsInstrumentation, ...]`: a table of instrumentation
      // classes the setup instantiates in a loop (`new table[name]()`), often filtered by configuration.
      const name = OTEL_PACKAGES[sourceOf(node.name) ?? ''];
      if (name) patch(name);
    } else if (node.type === 'NewExpression' && node.callee.type === 'Identifier') {
      const name = OTEL_PACKAGES[sourceOf(node.callee.name) ?? ''];
      if (name) patch(name);
      else if (ownTracing(resolver, sourceOf(node.callee.name))) patchOwnTracing();
      if (sourceOf(node.callee.name) === '@google-cloud/pubsub' && optionIsTrue(resolver, node.arguments[0], 'enableOpenTelemetryTracing')) setup.options.add('pubsub');
    } else if (node.type === 'CallExpression') {
      const callee = unwrap(node.callee);
      const name = calleeName(node);
      const source = callee.type === 'Identifier' ? sourceOf(callee.name) : undefined;
      const required = requireSpecifier(node);
      if (required && OTEL_PACKAGES[required]) {
        // const { KafkaJsInstrumentation } = require(...) is followed by `new`, counted above through imports.
        patch(OTEL_PACKAGES[required]!);
      }
      if (name === 'getNodeAutoInstrumentations' && (source === AUTO_PACKAGE || !source)) {
        for (const [key, instrumentation] of Object.entries(AUTO_INCLUDES)) {
          if (!optionIsFalse(resolver, node.arguments[0], key) && autoIncludes(file, instrumentation)) {
            patch(instrumentation);
            setup.auto.add(instrumentation);
          }
        }
      } else if (name === 'createAzureSdkInstrumentation') {
        patch('azure-sdk');
      } else if (name === 'useAzureMonitor' && (source === AZURE_MONITOR || !source)) {
        // Azure Monitor's distribution registers the Azure SDK instrumentation only when asked: it is off by default.
        const azureSdk = optionValue(resolver, optionValue(resolver, node.arguments[0], 'instrumentationOptions'), 'azureSdk');
        if (optionIsTrue(resolver, azureSdk, 'enabled')) patch('azure-sdk');
      } else if (name === 'init' && sentryInit(resolver, callee, source, node.arguments[0])) {
        // Sentry 8 and later run OpenTelemetry's kafkajs instrumentation (and amqplib's, from 8.32) whenever tracing is
        // on (`tracesSampleRate` or `tracesSampler` given): its propagator injects and extracts their headers.
        const version = versionOf(file, SENTRY_PACKAGE);
        if (!version || version[0] >= 8) patch('kafkajs');
        if (!version || version[0] > 8 || (version[0] === 8 && version[1] >= 32)) patch('amqplib');
      } else if (name === 'captureAWS') {
        // X-Ray for the whole v2 SDK (`AWSXRay.captureAWS(require('aws-sdk'))`); one client's capture is judged
        // at its sends instead (`capturedByXRay`).
        setup.options.add('aws-sdk');
        setup.options.add('aws-sdk-v2');
      } else if (required && agentOf(required)) {
        for (const instrumentation of AGENTS[agentOf(required)!]!) patch(instrumentation);
      } else if (callee.type === 'MemberExpression' && unwrap(callee.object).type === 'Identifier') {
        // `import tracer from 'dd-trace'; tracer.init()`, `import apm from 'elastic-apm-node'; apm.start()`.
        const agent = agentOf(sourceOf((unwrap(callee.object) as TSESTree.Identifier).name) ?? '');
        if (agent && AGENT_START[agent] === name) for (const instrumentation of AGENTS[agent]!) patch(instrumentation);
        // `import * as tracing from '@acme/tracing'; tracing.start()`.
        else if (ownTracing(resolver, sourceOf((unwrap(callee.object) as TSESTree.Identifier).name)) && OWN_TRACING_START.test(name ?? '')) patchOwnTracing();
      } else if (callee.type === 'Identifier' && ownTracing(resolver, source) && OWN_TRACING_START.test(name ?? '')) {
        // `import { initTracing } from '@acme/observability'; initTracing({ serviceName })`.
        patchOwnTracing();
      }
    }
    return undefined;
  });
  setup.deferred = places.length > 0 && places.every((place) => madeInUncalledFunction(resolver, place));
  if (setup.deferred) setup.starters = new Set(places.flatMap((place) => functionName(outermostFunction(place)!) ?? []));
  return setup;
}

/** A module, and when it only re-exports (a barrel), the modules behind it, a few barrels deep. */
function throughBarrels(project: Project, file: string, catalog: Catalog, depth = 0): string[] {
  const facts = fileFacts(project, file, catalog);
  if (!facts?.barrel || depth > 3) return [file];
  const behind = facts.imports.map((specifier) => project.resolve(file, specifier)).filter((t): t is string => !!t && t !== file);
  return [file, ...behind.flatMap((target) => throughBarrels(project, target, catalog, depth + 1))];
}

/**
 * Whether an entry calls a deferred setup's function by its name, imported from a module that loads the setup's
 * (`initTelemetry()` of `@acme/common`, whose index requires `./src/telemetry`, where `initTelemetry` starts the SDK).
 */
function calledThrough(importsOf: ImportGraph, setup: Setup, calledNames: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  for (const name of setup.starters ?? []) {
    const modules = calledNames.get(name);
    if (modules && importClosure(importsOf, new Set(modules)).has(setup.file)) return true;
  }
  return false;
}

/** The outermost function a node sits in. */
function outermostFunction(node: Node): FunctionNode | undefined {
  let outermost: FunctionNode | undefined;
  for (let p = node.parent; p; p = p.parent) if (isFunction(p)) outermost = p;
  return outermost;
}

/**
 * Whether a module loaded early calls a deferred setup's function at its top level (`initializeOpenTelemetry();` in
 * an `otel-instrumentation.ts` the entry imports first): the instrumentations are then made before the rest loads.
 */
function startedEarly(project: Project, setup: Setup, early: ReadonlySet<string>): boolean {
  const names = [...(setup.starters ?? [])];
  if (names.length === 0) return false;
  // `startTracing();`, `await startTracing()`, `const tracing = tracingFactory(config);` at a line's start.
  const call = new RegExp(`^\\s*(?:(?:const|let|var)\\s+[\\w$]+\\s*=\\s*|[\\w$.]+\\s*=\\s*)?(?:await\\s+|void\\s+)?(?:${names.map(escapeRegExp).join('|')})\\s*\\(`, 'm');
  for (const file of early) if (file !== setup.file && call.test(withoutComments(project.text(file) ?? ''))) return true;
  return false;
}

/** Whether a node sits in a function that its module neither calls at its top level nor invokes where it is written. */
function madeInUncalledFunction(resolver: Resolver, node: Node): boolean {
  const outermost = outermostFunction(node);
  if (!outermost) return false;
  // `(async () => { ... })()`: run where it is written.
  if (outermost.parent?.type === 'CallExpression' && outermost.parent.callee === outermost) return false;
  const name = functionName(outermost);
  if (!name) return true;
  // `function init() { ... } init();` / `void start()` / `await setup()` at the top level.
  return !resolver.input.ast.body.some((statement) => statement.type === 'ExpressionStatement' && calledName(statement.expression) === name);
}

const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

/** The function a statement's expression calls by name, awaited or voided or not: `init()`, `await setup()`. */
function calledName(expression: Node): string | undefined {
  let call = unwrap(expression);
  if (call.type === 'AwaitExpression' || (call.type === 'UnaryExpression' && call.operator === 'void')) call = unwrap(call.argument);
  // `startTracing().then(() => boot())`: the setup's function runs (up to its first await) before the next statement.
  while (call.type === 'CallExpression' && call.callee.type === 'MemberExpression' && PROMISE_METHODS.has(staticName(call.callee.property) ?? '')) call = unwrap(call.callee.object);
  const callee = call.type === 'CallExpression' ? unwrap(call.callee) : undefined;
  return callee?.type === 'Identifier' ? callee.name : undefined;
}

const SENTRY_PACKAGE = '@sentry/node';
/** Sentry's SDKs for Node.js servers, all built on `@sentry/node`. */
const SENTRY_PACKAGES = new Set([SENTRY_PACKAGE, '@sentry/nestjs', '@sentry/aws-serverless', '@sentry/google-cloud-serverless', '@sentry/bun']);

/** `Sentry.init({ dsn, tracesSampleRate })` / `init({ tracesSampler })` from a Sentry SDK, with tracing on. */
function sentryInit(resolver: Resolver, callee: Node, source: string | undefined, options: Node | undefined): boolean {
  const from = callee.type === 'MemberExpression' && unwrap(callee.object).type === 'Identifier'
    ? resolver.imports.get((unwrap(callee.object) as TSESTree.Identifier).name)?.source
    : source;
  if (!from || !SENTRY_PACKAGES.has(from)) return false;
  return ['tracesSampleRate', 'tracesSampler'].some((key) => optionValue(resolver, options, key) !== undefined) || optionIsTrue(resolver, options, 'enableTracing');
}

function agentOf(specifier: string): string | undefined {
  for (const agent of Object.keys(AGENTS)) if (specifier === agent || specifier.startsWith(`${agent}/`)) return agent;
  return undefined;
}

function optionValue(resolver: Resolver, options: Node | undefined, key: string): Node | undefined {
  const object = options ? resolver.follow(options).node : undefined;
  if (object?.type !== 'ObjectExpression') return undefined;
  for (const prop of object.properties) if (prop.type === 'Property' && staticName(prop.key, prop.computed) === key) return prop.value;
  return undefined;
}

function optionIsTrue(resolver: Resolver, options: Node | undefined, key: string): boolean {
  const value = optionValue(resolver, options, key);
  return value?.type === 'Literal' && value.value === true;
}

/** `{ '@opentelemetry/instrumentation-kafkajs': { enabled: false } }`. */
function optionIsFalse(resolver: Resolver, options: Node | undefined, key: string): boolean {
  const entry = optionValue(resolver, options, key);
  const enabled = entry ? optionValue(resolver, entry, 'enabled') : undefined;
  return enabled?.type === 'Literal' && enabled.value === false;
}

/**
 * The files (and agents) that run before anything else when the package starts: preloads named in its scripts
 * or Dockerfile (`-r`, `--require`, `--import`, `NODE_OPTIONS`), and the first import of its entry points.
 */
interface FirstLoaded {
  /** Files loaded before anything else (preloads, the entry points' first imports). */
  files: Set<string>;
  /** Whether the auto-instrumentations the environment of the start commands leave on include one. */
  autoAllows: (name: Instrumentation) => boolean;
  agents: Map<string, string>;
  isApp: boolean;
  /** For a bundling framework (Next.js): the packages left out of the bundle, and the app's dependencies. */
  external?: { packages: Set<string>; dependencies: Set<string> };
  /** What a NestJS entry point (one calling `NestFactory`) imports: evaluated before the framework's lazy loads. */
  nestEntries: Map<string, Set<string>>;
  /** Of `files`, those each entry point loads first, and those the start commands preload (for every entry). */
  byEntry: Map<string, Set<string>>;
  preloads: Set<string>;
  /** Of `agents`, those each entry point starts first, and those the start commands preload. */
  agentsByEntry: Map<string, Map<string, string>>;
  preloadAgents: Map<string, string>;
  /** The entry points found (start scripts, `main`, Nest's `src/main.ts`, the usual index files). */
  entries: Set<string>;
  /** Of `files`, those whose exported function an entry calls before loading a client library. */
  called: Set<string>;
  /**
   * The names of those functions (`initTelemetry` of `const { initTelemetry } = require('@acme/common')`): a setup
   * made inside a function of that name, in a module the called one loads (its `telemetry.js`), is started too.
   */
  calledNames: Map<string, Set<string>>;
}

function loadedFirst(project: Project, dir: string, catalog: Catalog, importsOf: ImportGraph): FirstLoaded {
  /** Whether loading a module loads a client library: a broker package, or a project module that imports one. */
  const isClientPackage = (specifier: string): boolean => catalog.packages.some((pkg) => specifier === pkg || specifier.startsWith(`${pkg}/`));
  const loadsClient = (from: string, specifier: string): boolean => {
    const target = project.resolve(from, specifier);
    if (!target) return isClientPackage(specifier);
    // What the modules import, not what they mention (`@opentelemetry/instrumentation-kafkajs` names kafkajs).
    for (const file of importClosure(importsOf, new Set([target]), 12)) if (fileFacts(project, file, catalog)?.imports.some(isClientPackage)) return true;
    return false;
  };
  const nestEntries = new Map<string, Set<string>>();
  const byEntry = new Map<string, Set<string>>();
  const preloads = new Set<string>();
  const agentsByEntry = new Map<string, Map<string, string>>();
  const preloadAgents = new Map<string, string>();
  const called = new Set<string>();
  const calledNames = new Map<string, Set<string>>();
  const manifest = project.manifest(dir) as { main?: string; type?: string; scripts?: Record<string, string>; dependencies?: Record<string, string> } | undefined;
  if (manifest?.dependencies?.next) {
    // Next.js runs `register()` of its instrumentation hook (and what it imports) before the app's own modules, but
    // bundles the server code: only packages listed as external are loaded through `require`, where hooks patch.
    const hooks = NEXT_HOOKS.map((name) => path.join(dir, name)).filter((file) => fs.existsSync(file));
    if (hooks.length > 0) return { files: new Set(hooks), autoAllows: () => true, agents: new Map(), isApp: true, external: { packages: nextExternals(dir), dependencies: new Set(Object.keys(manifest.dependencies)) }, nestEntries, byEntry, preloads: new Set(hooks), agentsByEntry: new Map(), preloadAgents: new Map(), entries: new Set(), called: new Set(), calledNames: new Map() };
  }
  const scripts = manifest?.scripts ?? {};
  // Scripts that start the process, not those that build, test or lint it.
  const commands = Object.entries(scripts)
    .filter(([name, c]) => typeof c === 'string' && /^(start|serve|dev|prod|run|server|worker)\b|:(start|prod|serve)$/.test(name))
    .map(([, c]) => c);
  let dockerfile = false;
  for (const name of ['Dockerfile', 'dockerfile']) {
    for (const base of new Set([dir, project.root])) {
      const text = readText(path.join(base, name));
      if (text) {
        if (base === dir) dockerfile = true;
        commands.push(...text.split('\n').filter((l) => /^\s*(CMD|ENTRYPOINT|ENV)\b/.test(l)));
      }
    }
  }
  const anchor = path.join(dir, 'package.json');
  const autoAllows = autoFilter(commands);
  const entries = new Set<string>();
  for (const command of commands) {
    // `npm run build && cd dist && node --import ./instrumentation.mjs ./index.js`: paths from the build folder.
    const cwd = /(?:^|&&|;)\s*cd\s+([^\s&;|]+)\s*(?:&&|;)/.exec(command)?.[1];
    const local = (file: string): string => (cwd && !path.isAbsolute(file) ? path.posix.join(cwd, file) : file);
    for (const match of command.matchAll(/(?:-r|--require|--import|--loader)[\s=]+["']?([^\s"']+)/g)) {
      const specifier = match[1]!;
      const agent = agentOf(specifier);
      const started = agent ?? (specifier === `${AUTO_PACKAGE}/register` ? AUTO_PACKAGE : undefined);
      const relative = specifier.startsWith('.') || specifier.startsWith('/');
      if (started) preloadAgents.set(started, `${specifier} preload`);
      else if (relative || /\.[cm]?[jt]s$/.test(specifier)) {
        const target = project.resolve(anchor, relative ? specifier : `./${specifier}`) ?? builtEntry(project, dir, local(specifier), true);
        if (target) preloads.add(target);
      } else {
        const target = project.resolve(anchor, specifier);
        if (target) preloads.add(target);
      }
    }
    const script = entryScript(command);
    if (script) {
      const target = builtEntry(project, dir, local(script), true);
      if (target) entries.add(target);
    }
  }
  const isApp = entries.size > 0 || preloads.size > 0 || preloadAgents.size > 0 || dockerfile;
  // Nest's convention (also in CLI monorepos: apps/<name>/src/main.ts) names the entry point.
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  for (const file of project.files()) {
    if (file.startsWith(prefix) && /[\\/]src[\\/]main\.[cm]?[jt]s$/.test(file) && packageDir(file, project.root) === dir) entries.add(file);
  }
  const runs = isApp || entries.size > 0;
  // `main` is what runs first also when another package requires this one: a framework whose index starts its
  // tracing before it loads its broker modules covers them wherever it is required (see scan).
  if (manifest?.main) {
    const target = builtEntry(project, dir, manifest.main);
    if (target) entries.add(target);
  }
  if (runs) {
    for (const candidate of ['src/index.ts', 'src/server.ts', 'index.js', 'server.js', 'src/index.js', 'src/server.js', 'app.js']) {
      const full = path.join(dir, candidate);
      if (fs.existsSync(full)) entries.add(full);
    }
  }
  for (const entry of entries) {
    const text = project.text(entry);
    if (text?.includes('NestFactory')) {
      // Static imports only: `await import('./app.module')` after the tracing setup runs after it.
      const imports = new Set<string>();
      for (const specifier of staticImportSpecifiers(text)) {
        const target = project.resolve(entry, specifier);
        if (target) imports.add(target);
      }
      nestEntries.set(entry, imports);
    }
    const loaded = firstLoaded(project, entry, (specifier) => loadsClient(entry, specifier));
    // An ES module evaluates every static import before its own statements: `setupTracing()` then runs after them.
    const esm = /\.m[jt]s$/.test(entry) || manifest?.type === 'module';
    for (const [name, specifier] of esm ? [] : loaded.names) {
      const target = project.resolve(entry, specifier);
      if (!target) continue;
      if (!calledNames.has(name)) calledNames.set(name, new Set());
      calledNames.get(name)!.add(target);
    }
    for (const specifier of esm ? [] : loaded.called) {
      const target = project.resolve(entry, specifier);
      // `import { nodeSDKBuilder } from '@acme/tracing'`, whose index re-exports `./tracing`: the setup is behind it.
      if (target) for (const file of throughBarrels(project, target, catalog)) called.add(file);
    }
    for (const first of loaded.specifiers) {
      const agent = agentOf(first);
      const started = agent ?? (first === `${AUTO_PACKAGE}/register` ? AUTO_PACKAGE : undefined);
      if (started) {
        if (!agentsByEntry.has(entry)) agentsByEntry.set(entry, new Map());
        agentsByEntry.get(entry)!.set(started, `${project.relative(entry)} (first import)`);
      } else {
        const target = project.resolve(entry, first);
        if (target) {
          if (!byEntry.has(entry)) byEntry.set(entry, new Set());
          byEntry.get(entry)!.add(target);
        }
      }
    }
  }
  // What every entry loads first, with the preloads: the package's answer when its entries are not told apart.
  const files = new Set([...preloads, ...[...byEntry.values()].flatMap((set) => [...set])]);
  const agents = new Map([...preloadAgents, ...[...agentsByEntry.values()].flatMap((map) => [...map])]);
  return { files, autoAllows, agents, isApp: runs, nestEntries, byEntry, preloads, agentsByEntry, preloadAgents, entries, called, calledNames };
}

/**
 * The source file a start script or `main` names: the file itself, or for a build output (`dist/app.js`) the
 * source it is compiled from, by the package's tsconfig (`outDir` → `rootDir`), else `src/` or `lib/`.
 */
function builtEntry(project: Project, dir: string, script: string, command = false): string | undefined {
  const anchor = path.join(dir, 'package.json');
  const relative = path.posix.normalize(script.replace(/\\/g, '/')).replace(/^\.\//, '');
  const direct = project.resolve(anchor, `./${relative}`);
  if (direct) return direct;
  const options = (readJsonc(path.join(dir, 'tsconfig.json')) as { compilerOptions?: { outDir?: string; rootDir?: string } } | undefined)?.compilerOptions;
  const clean = (p: string | undefined): string | undefined => p && path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
  const outDir = clean(options?.outDir);
  const rootDir = clean(options?.rootDir);
  const sources: string[] = [];
  if (outDir && relative.startsWith(`${outDir}/`)) sources.push(`${rootDir && rootDir !== '.' ? `${rootDir}/` : ''}${relative.slice(outDir.length + 1)}`);
  const rest = /^(?:dist|build|out|lib)\/(?:(?:src|lib)\/)?(.*)$/.exec(relative)?.[1];
  if (rest) sources.push(`src/${rest}`, `lib/${rest}`, rest);
  for (const source of sources) {
    const target = project.resolve(anchor, `./${source.replace(/\.[cm]?js$/, '')}`);
    if (target) return target;
  }
  // A command run where the build output was copied (a Dockerfile's `COPY dist .`, then `node ./index.js`), or from
  // inside it (`cd dist && node ./index.js`): the file is one of the build folder's.
  const build = outDir ?? 'dist';
  if (command && !relative.startsWith('../') && !relative.startsWith(`${build}/`)) return builtEntry(project, dir, `${build}/${relative}`);
  return undefined;
}

/** Options of node-like runners that take a value. */
const VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval', '-p', '--print', '--env-file', '--inspect-port', '--title']);

/** The script a `node`/`ts-node`/`tsx`/`nodemon` command runs (`node -r ./tracing.js dist/main.js` → `dist/main.js`). */
function entryScript(command: string): string | undefined {
  const tokens = command.replace(/["']/g, ' ').split(/\s+/).filter(Boolean);
  const start = tokens.findIndex((t) => /^(node|ts-node|tsx|nodemon|ts-node-dev)$/.test(path.basename(t)));
  if (start < 0) return undefined;
  for (let i = start + 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (VALUE_OPTIONS.has(token)) {
      i++;
      continue;
    }
    if (token.startsWith('-')) continue;
    return /\.[cm]?[jt]s$/.test(token) || !token.includes('.') ? token : undefined;
  }
  return undefined;
}

/** What an agent, or `@opentelemetry/auto-instrumentations-node/register`, instruments. */
function agentCoverage(agent: string): readonly Instrumentation[] {
  return agent === AUTO_PACKAGE ? Object.values(AUTO_INCLUDES) : (AGENTS[agent] ?? []);
}

/**
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,kafkajs` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS=amqplib` in a start script or
 * the Dockerfile's `ENV`: the auto-instrumentations (`register`, `getNodeAutoInstrumentations()`) left on, by their
 * package name without `@opentelemetry/instrumentation-`.
 */
function autoFilter(commands: readonly string[]): (name: Instrumentation) => boolean {
  const list = (which: string): Set<string> | undefined => {
    for (const command of commands) {
      const match = new RegExp(`OTEL_NODE_${which}_INSTRUMENTATIONS(?:\\s*=\\s*|\\s+)["']?([\\w-]+(?:\\s*,\\s*[\\w-]+)*)`).exec(command);
      if (match) return new Set(match[1]!.split(',').map((n) => n.trim()).filter(Boolean));
    }
    return undefined;
  };
  const enabled = list('ENABLED');
  const disabled = list('DISABLED');
  const short = (name: Instrumentation): string | undefined => Object.entries(AUTO_INCLUDES).find(([, v]) => v === name)?.[0].replace('@opentelemetry/instrumentation-', '');
  return (name) => {
    const key = short(name);
    if (!key) return true;
    return (!enabled || enabled.has(key)) && !disabled?.has(key);
  };
}

/** A value computed without running anything: a literal, a template without expressions. */
function isConstant(node: Node): boolean {
  const value = unwrap(node);
  return value.type === 'Literal' || (value.type === 'TemplateLiteral' && value.expressions.length === 0);
}

/**
 * The specifiers an entry file loads before the first module that loads a client library, that one included
 * (`import './tracing'`, `require('./tracing')`). Modules that load no client library may come first: an
 * environment loader the setup reads (`import { config } from 'dotenv'; config();`), `reflect-metadata`, a logger.
 * `called`: those of them whose exports the entry calls before that module is loaded (`setupTracing();`,
 * `require('./instrumentation')('order')`), which starts a setup written inside a function.
 */
function firstLoaded(project: Project, entry: string, loadsClient: (specifier: string) => boolean): { specifiers: string[]; called: Set<string>; names: Map<string, string> } {
  const out = { specifiers: [] as string[], called: new Set<string>(), names: new Map<string, string>() };
  const parsed = project.parse(entry);
  if (!parsed) return out;
  const importedFrom = new Map<string, string>();
  const take = (specifier: string): boolean => {
    out.specifiers.push(specifier);
    return loadsClient(specifier);
  };
  for (const statement of parsed.ast.body) {
    if (statement.type === 'ImportDeclaration') {
      if (statement.importKind === 'type') continue;
      for (const spec of statement.specifiers) importedFrom.set(spec.local.name, statement.source.value);
      if (take(statement.source.value)) return out;
      continue;
    }
    // Declarations that run no code of another module: `const name = 'order'`.
    if (statement.type === 'VariableDeclaration' && statement.declarations.every((d) => !d.init || isConstant(d.init))) continue;
    const expression: Node | undefined =
      statement.type === 'ExpressionStatement' ? statement.expression
      : statement.type === 'VariableDeclaration' ? (statement.declarations[0]?.init ?? undefined)
      : undefined;
    if (!expression) {
      // Functions and types run nothing where they are declared.
      if (statement.type === 'FunctionDeclaration' || statement.type === 'TSInterfaceDeclaration' || statement.type === 'TSTypeAliasDeclaration') continue;
      return out;
    }
    // `setupTracing()` / `await initTracing('orders')`: a function of a module loaded so far, started here.
    const started = calledName(expression);
    if (started !== undefined && importedFrom.has(started)) {
      out.called.add(importedFrom.get(started)!);
      out.names.set(started, importedFrom.get(started)!);
      continue;
    }
    let call = unwrap(expression);
    if (call.type === 'AwaitExpression') return out;
    if (call.type === 'UnaryExpression' && call.operator === 'void') call = unwrap(call.argument);
    // require('dd-trace').init() / require('elastic-apm-node').start({...}) / require('./instrumentation')('order')
    const outer = call;
    while (call.type === 'CallExpression' && !requireSpecifier(call)) {
      const callee = unwrap(call.callee);
      if (callee.type === 'MemberExpression') call = unwrap(callee.object);
      else if (callee.type === 'CallExpression') call = callee;
      else break;
    }
    if (call.type === 'MemberExpression') call = unwrap(call.object);
    const specifier = requireSpecifier(call);
    if (specifier) {
      // `const { initTelemetry } = require('@acme/common')`, `const tracing = require('./tracing')`: names it binds.
      const declarator = statement.type === 'VariableDeclaration' && outer === call ? statement.declarations[0] : undefined;
      if (declarator?.id.type === 'Identifier') importedFrom.set(declarator.id.name, specifier);
      else if (declarator?.id.type === 'ObjectPattern') {
        for (const property of declarator.id.properties) if (property.type === 'Property' && property.value.type === 'Identifier') importedFrom.set(property.value.name, specifier);
      }
      if (outer !== call) out.called.add(specifier);
      if (take(specifier)) return out;
      continue;
    }
    // Anything else runs code of modules loaded so far, none of which loads a client library (`config()`,
    // `'use strict'`): what comes after it still runs before the first client library is loaded.
  }
  return out;
}

/** X-Ray calls that return the one client they are given, instrumented (it sends `X-Amzn-Trace-Id`). */
const XRAY_CAPTURES = new Set(['captureAWSv3Client', 'captureAWSClient']);

/**
 * Whether a client expression is one X-Ray captured: it comes from `captureAWSv3Client(client)`, directly, through
 * locals, `this` fields, the project's factory functions (`getTracedClient(new SQS())`) or an exported constant.
 * SQS stores the request's trace header as the message's `AWSTraceHeader`: its sends carry the trace.
 */
export function capturedByXRay(resolver: Resolver, expression: Node, depth = 0): boolean {
  if (depth > 8) return false;
  let value = resolver.follow(expression).node;
  if (value.type === 'AwaitExpression') value = unwrap(value.argument);
  // `inLambda() ? capture(client) : client`, `client ?? capture(new SNSClient({}))`: captured where X-Ray runs (the
  // other branch serves local runs and tests, which have no trace daemon to send to).
  if (value.type === 'ConditionalExpression') return capturedByXRay(resolver, value.consequent, depth + 1) || capturedByXRay(resolver, value.alternate, depth + 1);
  if (value.type === 'LogicalExpression' && value.operator !== '&&') return capturedByXRay(resolver, value.left, depth + 1) || capturedByXRay(resolver, value.right, depth + 1);
  if (value.type === 'MemberExpression' && unwrap(value.object).type === 'ThisExpression') {
    const field = resolver.fieldValue(value);
    return !!field && capturedByXRay(resolver, field, depth + 1);
  }
  if (value.type === 'Identifier') {
    const imported = resolver.imports.get(value.name);
    const module = imported ? resolver.moduleFor(imported.source) : undefined;
    const init = module && imported ? exportedInit(module, imported.imported) : undefined;
    return !!init && capturedByXRay(module!, init, depth + 1);
  }
  if (value.type !== 'CallExpression') return false;
  if (XRAY_CAPTURES.has(calleeName(value) ?? '')) return true;
  // The factory may live in a module that names no client (a tracing library of the monorepo).
  const ref = resolver.handedToFunction(value);
  return !!ref && isFunction(ref.fn) && returnedExpressions(ref.fn, ref.resolver.keys).some((e) => capturedByXRay(ref.resolver, e, depth + 1));
}

/** The initialiser of a module's exported constant (`export const sqs = ...`, `export default sqs`). */
function exportedInit(module: Resolver, name: string): Node | undefined {
  let local = name;
  for (const statement of module.input.ast.body) {
    if (name === 'default' && statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if (declaration.type !== 'Identifier') return declaration;
      local = declaration.name;
    }
  }
  for (const statement of module.input.ast.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of declaration.declarations) if (declarator.id.type === 'Identifier' && declarator.id.name === local && declarator.init) return declarator.init;
  }
  return undefined;
}
