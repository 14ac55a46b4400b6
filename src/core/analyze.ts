/**
 * @fileoverview The single entry point of detection: one pass over a file finds every publish and consume site;
 * the checks then turn sites into findings. Rules, codemods and the CLI all call `analyze`.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { catalog as defaultCatalog, type BrokerSpec, type Catalog, type ConsumeSpec, type Instrumentation } from '../brokers/index.js';
import { enclosingFunction, isFunction, positionOf, returnedExpressions, staticName, walk } from './ast.js';
import { callSite, checkAttributeRequest, checkConsumeSite, decoratorSite, hasExtraction, headerlessHandler, iterateSite, matchConsumeCall, s3NotificationsIn, snsEnvelopeIn, type ConsumeSite } from './consume.js';
import { anchorCall, consumeDestinations, publishDestinations, type Destination } from './destinations.js';
import type { Node } from './ast.js';
import type { Finding, RuleName } from './findings.js';
import { EMPTY_NAMES, type HelperTarget, type PropagationNames } from './otel.js';
import { carriesContext, checkPayloadOfPublish, checkPayloadReads } from './payload.js';
import { majorVersionOf } from './versions.js';
import { checkPublishSite, headerlessPublish, innermostWrapper, isProbeHandler, matchPublish, PROBE, wrapperCallerFinding, type PublishSite } from './publish.js';
import { packageDir, Project, readText } from './project.js';
import path from 'node:path';
import { escapeRegExp, globalsIndex, importersOf, importersThroughBarrels, importsBrokerPackage, importSpecifiers, importSpecifiersOf, importsReach, mentionsBroker as mentionsBrokerIn, reaches } from './reach.js';
import { functionName, Resolver, type SourceInput } from './resolve.js';
import { evalPath } from './paths.js';
import { sourceOf } from './fixes.js';
import { capturedByXRay, runtimeCoverage } from './runtime.js';
import { isTestFile, isTestSource } from './test-files.js';
import { traceKeyMatcher, type TraceKeyOptions } from './trace-keys.js';
import { callerSites, matchWrapperCall, neverCalled, onlyTestsCall, passThroughOf } from './wrappers.js';
import { callLocation } from './ast.js';
import { consumeWrapperSites, handsOffToCaller } from './consume-wrappers.js';
import { checkCorrelation } from './correlation.js';
import { checkSpans } from './spans.js';
import { DEFAULT_CONVENTIONS, type Conventions } from './conventions.js';

export interface Sites {
  resolver: Resolver;
  publish: PublishSite[];
  consume: ConsumeSite[];
  /** Receive requests checked for requested attributes (SQS). */
  requests: Finding[];
  /** Sites of a client version that carries no headers (`nats` 1.x): not judged, shown by the audit. */
  unjudged: { publish: PublishSite[]; consume: ConsumeSite[] };
  /** Consumers whose handler is imported from another module: judged for extraction only, in that module. */
  foreign: ConsumeSite[];
}

/** A site on a transport without headers (NestJS TCP, Redis): its payload is the only carrier. */
export interface HeaderlessSite {
  direction: 'publish' | 'consume';
  broker: BrokerSpec;
  /** The publish call, or the handler method. */
  anchor: Node;
  label: string;
  transport: string;
  /** Where its destination path starts (the call, or the pattern decorator's call). */
  start?: Node;
  destination?: string;
}

/** Cheap pre-filter: a file that never names a broker package cannot hold a site recognised without types. */
export function mentionsBroker(text: string, catalog: Catalog = defaultCatalog): boolean {
  return mentionsBrokerIn(text, catalog);
}

/**
 * The pre-filter with the project in view: a file may hold a site when it names a broker package, or imports a
 * module of the project that does (directly or through its own imports): a wrapper, a shared client, a service.
 * Only import specifiers are resolved and only texts are read; nothing is parsed here.
 */
export function mayHoldSites(text: string, filename: string | undefined, catalog: Catalog = defaultCatalog, crossFile = true, ast?: TSESTree.Program): boolean {
  // A parsed file names a broker package where it imports one (its import statements, or the text when it calls
  // `require()` or `import()`): a word in a comment or a string holds no client.
  const specifiers = ast ? importSpecifiersOf(text, ast.body) : undefined;
  if (specifiers ? importsBrokerPackage(specifiers, catalog) : mentionsBroker(text, catalog)) return true;
  if (!crossFile) return false;
  const project = Project.forFile(filename);
  if (!project) return false;
  // `@inject(EVENT_PUBLISHER)`, `@Inject('KAFKA')`: the client comes from a registration no import leads to.
  return importsReach(project, filename!, specifiers ?? importSpecifiers(text), catalog, 'broker') || TOKEN_INJECTION.test(text) || usesBrokerGlobal(project, text, catalog) || handedClient(project, filename!, text, catalog);
}

/**
 * A class that is handed its client by the module that made it (`new Publisher(channel)`, `new Sub({ channel })` in
 * the bootstrap): it names no broker and imports none, but takes constructor parameters, calls a broker-like method,
 * and is imported by a module that reaches a broker.
 */
function handedClient(project: Project, file: string, text: string, catalog: Catalog): boolean {
  if (!text.includes('constructor') || !text.includes('this.') || !CONSTRUCTOR_PARAMETERS.test(text)) return false;
  // `this.channel.publish(...)` on a field the class sets itself (`this.channel = channel`), or a constructor
  // parameter property (`constructor(private readonly events: IEventPublisher)`).
  const fields = new Set<string>();
  for (const match of text.matchAll(FIELD_BROKER_CALL)) fields.add(match[1]!);
  // The property's type must be the project's own (an interface a module of it declares): typed by a library's
  // class, the file would import that library.
  const property = (field: string): boolean => {
    const type = new RegExp(`\\b(?:private|protected|public|readonly)\\s+(?:readonly\\s+)?${escapeRegExp(field)}\\s*:\\s*([A-Za-z_$][\\w$]*)`).exec(text)?.[1];
    return !!type && (new RegExp(`\\b(?:interface|type|abstract\\s+class)\\s+${escapeRegExp(type)}\\b`).test(text) || new RegExp(`import[^;]*\\b${escapeRegExp(type)}\\b[^;]*from\\s*['"](?:\\.|@/|~/|src/)`).test(text));
  };
  if (![...fields].some((field) => text.includes(`this.${field} = `) || text.includes(`this.${field}=`) || property(field))) return false;
  return importersOf(project, file, catalog).some((importer) => reaches(project, importer, catalog, 'broker'));
}

const CONSTRUCTOR_PARAMETERS = /\bconstructor\s*\(\s*[{\w]/;
const FIELD_BROKER_CALL = /\bthis\.([\w$]+)\.(?:publish|sendToQueue|consume|produce|sendMessages?|publishMessage|subscribe|send|run)\s*\(/g;

/** Whether a text names a global that a module reaching a broker sets (`global.kafkaProducer = producer`). */
function usesBrokerGlobal(project: Project, text: string, catalog: Catalog): boolean {
  const names = project.projectSlot('broker-globals', () => {
    const out = new Set<string>();
    for (const [name, files] of globalsIndex(project, catalog)) if (files.some((file) => reaches(project, file, catalog, 'broker'))) out.add(name);
    return out;
  });
  for (const name of names) if (text.includes(name)) return true;
  return false;
}

/**
 * A workspace package that only tests the others: named for it (`fc-system-testing`, `@shop/e2e`, `orders-qa`)
 * and starting no process (no start, serve or dev script). Its broker code drives the system under test.
 */
function inTestPackage(resolver: Resolver): boolean {
  const { project, file } = resolver;
  if (!project || !file || resolver.input.crossFile === false) return false;
  const dir = packageDir(file, project.root);
  const manifest = project.manifest(dir) as (Manifest & { workspaces?: unknown }) | undefined;
  if (manifest && startsProcess(manifest)) return false;
  // A member of a workspace whose root is a test suite (`fc-system-testing` running Cypress, with a `plugins`
  // package that publishes to RabbitMQ): the root says so by its name and by depending on a test runner.
  const root = dir === project.root ? manifest : (project.manifest(project.root) as (Manifest & { workspaces?: unknown }) | undefined);
  if (root?.workspaces && typeof root.name === 'string' && TEST_PACKAGE.test(root.name) && !startsProcess(root)) {
    const deps = { ...root.dependencies, ...root.devDependencies };
    if (TEST_RUNNERS.some((name) => Object.hasOwn(deps, name))) return true;
  }
  // Also the project itself, when its package is the test suite of a repository without a root manifest.
  if (dir === project.root && manifest?.workspaces) return false;
  return typeof manifest?.name === 'string' && TEST_PACKAGE.test(manifest.name);
}

/**
 * Code a person runs by hand, not a service: a script in a `scripts/` folder inside the sources
 * (`src/scripts/kafka-producer.js` sending a test message) that no source file imports and that neither its
 * package's scripts nor a Dockerfile name (a job the package starts, or one the app imports, stays in); an entry
 * script of a package of operator scripts (named `utils`, `tools`, `scripts`, `cli`, ..., starting and exporting
 * nothing); and a command-line tool that prompts its user (`prompts`, `inquirer`) and serves nothing.
 */
function handRunScript(resolver: Resolver): boolean {
  const { project, file } = resolver;
  if (!project || !file || resolver.input.crossFile === false) return false;
  const relative = project.relative(file);
  const dir = packageDir(file, project.root);
  const manifest = dir === project.root ? undefined : (project.manifest(dir) as Manifest | undefined);
  // A command-line tool a developer answers prompts in (`prompts`, `inquirer`): no service runs it.
  const deps = { ...manifest?.dependencies, ...manifest?.devDependencies };
  if (PROMPT_LIBRARIES.some((name) => Object.hasOwn(deps, name)) && !SERVER_FRAMEWORKS.some((name) => Object.hasOwn(deps, name))) return true;
  // A command-line tool the package ships (`bin`, an argument parser, nothing it serves or starts, no tracing SDK of
  // its own): a person runs it, and no trace is active to carry on (a load generator sending fake records).
  if (commandLineTool(project.manifest(dir) as Manifest | undefined)) return true;
  // A package of operator scripts (`packages/utils`, run with ts-node): it starts nothing and exports nothing.
  const scriptsPackage = !!manifest && TOOL_PACKAGE.test(typeof manifest.name === 'string' ? manifest.name : '') && !startsProcess(manifest) && !manifest.main && !manifest.exports && !manifest.module && !manifest.bin;
  if (!scriptsPackage && !/(?:^|\/)scripts\//.test(relative)) return commandLineScript(resolver, project, file, dir);
  const importers = importersOf(project, file, resolver.catalog);
  // The scripts of an operator-scripts package import each other (a command index); no other package imports them.
  if (scriptsPackage) return !importers.some((other) => !other.startsWith(dir + path.sep));
  if (importers.length > 0) return false;
  const stem = fileStem(file);
  if (!namedByLaunchers(project, dir, stem === 'index' ? path.basename(path.dirname(file)) : stem, () => true, ['Dockerfile'])) return true;
  // Named by a package script: a job the package runs, unless it is a command a developer runs with arguments.
  return commandLineScript(resolver, project, file, dir);
}

const fileStem = (file: string): string => path.basename(file).replace(/\.[cm]?[jt]sx?$/, '');

/**
 * Whether what launches code in a file's package or in the repository names it: the package scripts `keepScript`
 * keeps (by their names), and the `files` at those two places (a Dockerfile, a compose file).
 */
function namedByLaunchers(project: Project, dir: string, name: string, keepScript: (script: string) => boolean, files: readonly string[]): boolean {
  return [...new Set([dir, project.root])].some((base) => {
    const scripts = Object.entries((project.manifest(base) as Manifest | undefined)?.scripts ?? {}).flatMap(([script, value]) => (typeof value === 'string' && keepScript(script) ? [value] : []));
    return [...scripts, ...files.map((other) => readText(path.join(base, other)) ?? '')].some((text) => text.includes(name));
  });
}

/**
 * A command a developer runs by hand from a service's sources (`tsx src/syncUser.ts <identityId>`, a backfill reading
 * a CSV named on its command line), or that a test or seed script of the package runs (`"test:sample:span": "ts-node
 * src/sample-producer/send-sample-span.ts"`): it reads its command line (`process.argv`, `parseArgs`, yargs, commander,
 * ...) or a test-like script names it, no module
 * imports it, and nothing that starts the service's processes names it (the package's start, serve or dev scripts, a
 * Dockerfile, a compose file, a Procfile). An entry file (`index`, `main`, `server`, `app`, `worker`) is never taken
 * for one: it may read flags at start.
 */
function commandLineScript(resolver: Resolver, project: Project, file: string, dir: string): boolean {
  const stem = fileStem(file);
  if (ENTRY_NAMES.test(stem)) return false;
  if (!READS_ARGV.test(resolver.input.text) && !namedByLaunchers(project, dir, stem, (script) => TEST_SCRIPT.test(script), [])) return false;
  return !namedByLaunchers(project, dir, stem, (script) => START_SCRIPT.test(script), PROCESS_FILES) && importersOf(project, file, resolver.catalog).length === 0;
}

const START_SCRIPT = /^(start|serve|dev|prod|worker)\b|:(start|prod|serve|worker)$/;
/** Reads its command line: `process.argv`, or an argument parser that does (`parseArgs` of `node:util`, yargs, ...). */
const READS_ARGV = /process\.argv|\bparseArgs\s*\(|from\s+['"](?:yargs|commander|minimist|meow|cac|arg)(?:\/[\w/]+)?['"]|require\(\s*['"](?:yargs|commander|minimist|meow|cac|arg)(?:\/[\w/]+)?['"]\s*\)/;
/** Package scripts that run tests, seeds and samples (`test:sample:log`, `seed`, `e2e`), never the service. */
const TEST_SCRIPT = /^(test|e2e|seed|sample|demo|example|bench)/i;
const ENTRY_NAMES = /^(index|main|server|app|worker|bootstrap|handler|lambda)$/i;
/** Files that start a repository's processes. */
const PROCESS_FILES = ['Dockerfile', 'docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml', 'Procfile', 'ecosystem.config.js', 'ecosystem.config.cjs'];

/**
 * A NestJS controller that no module can register: no module of the project imports its file (directly or through
 * barrels), while a module beside it or in a folder above it lists its `controllers:`. Its handlers and publishes never run (a demo
 * controller left out of its module, a replaced one kept beside its successor).
 */
function unregisteredController(resolver: Resolver): boolean {
  const { project, file } = resolver;
  if (!project || !file || resolver.input.crossFile === false || !resolver.input.text.includes('@Controller(')) return false;
  if (importersThroughBarrels(project, file, resolver.catalog).length > 0) return false;
  // A module beside it or in a folder above it, within its package, lists controllers (`billing/billing.module.ts` for
  // `billing/controllers/booking.controller.ts`): the app registers its controllers there, and not this one.
  const top = packageDir(file, project.root);
  const folders = new Set<string>();
  for (let dir = path.dirname(file); dir.startsWith(top); dir = path.dirname(dir)) {
    folders.add(dir);
    if (dir === top) break;
  }
  return project.files().some((other) => other !== file && folders.has(path.dirname(other)) && !isTestFile(project.relative(other)) && /\bcontrollers\s*:\s*\[/.test(project.text(other) ?? ''));
}

interface Manifest {
  name?: unknown;
  main?: unknown;
  exports?: unknown;
  module?: unknown;
  bin?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

/** Whether a package's scripts start a process (`start`, `serve`, `dev`, `prod`, `x:start`). */
function startsProcess(manifest: Manifest): boolean {
  return Object.keys(manifest.scripts ?? {}).some((name) => /^(start|serve|dev|prod)\b|:(start|prod|serve)$/.test(name));
}

const ARGUMENT_PARSERS = ['commander', 'yargs', 'minimist', 'meow', 'cac', 'arg', '@oclif/core', 'clipanion', 'citty'];

function commandLineTool(manifest: Manifest | undefined): boolean {
  if (!manifest?.bin || startsProcess(manifest)) return false;
  const deps = { ...manifest.dependencies };
  const names = Object.keys(deps);
  return ARGUMENT_PARSERS.some((name) => Object.hasOwn(deps, name)) && !SERVER_FRAMEWORKS.some((name) => Object.hasOwn(deps, name))
    && !names.some((name) => /^@opentelemetry\/(?:sdk-|auto-instrumentations)/.test(name) || name === 'dd-trace' || name === 'newrelic' || name === 'elastic-apm-node');
}

const PROMPT_LIBRARIES = ['prompts', 'inquirer', '@inquirer/prompts', 'enquirer', '@clack/prompts'];
const SERVER_FRAMEWORKS = ['express', 'fastify', 'koa', '@hapi/hapi', '@nestjs/core', 'next', 'restify', '@nestjs/microservices'];
const TOOL_PACKAGE = /(?:^|[-_./@])(?:utils?|tools?|tooling|scripts?|ops|cli|devtools?)(?:$|[-_./])/i;

/** Runners only a test suite depends on. */
const TEST_RUNNERS = ['cypress', '@playwright/test', '@cucumber/cucumber', 'webdriverio', '@wdio/cli', 'nightwatch', 'testcafe', 'codeceptjs'];

const TEST_PACKAGE = /(?:^|[-_./@])(?:e2e|tests?|testing|qa|system-tests?|integration-tests?|acceptance-tests?)(?:$|[-_./])/i;

/** A constructor parameter injected by a token (a string, a CONSTANT or `Tokens.Name`), not by its class. */
const TOKEN_INJECTION = /@[iI]nject\(\s*(?:['"`]|[A-Z][A-Z0-9_]*\s*\)|[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*\s*\))/;

/** Finds every site in a file. Cached on the input, so all the rules run on a file share one pass. */
export function findSites(input: SourceInput, catalog: Catalog = defaultCatalog): Sites {
  if (input.sites) return input.sites as Sites;
  const resolver = new Resolver(input, catalog);
  const sites: Sites = { resolver, publish: [], consume: [], requests: [], unjudged: { publish: [], consume: [] }, foreign: [] };
  if ((input.types || mayHoldSites(input.text, input.filename, catalog, input.crossFile !== false, input.ast)) && !inTestPackage(resolver) && !handRunScript(resolver) && !isTestSource(input.ast.body) && !unregisteredController(resolver)) {
    // ESLint links every node to its parent before rules run; parsers called directly (codemods) do not, and
    // recognition climbs parents (`this.producer` → its class), so link the whole tree first.
    if (input.ast.body.length > 0 && !input.ast.body[0]!.parent) walk(input.ast, input.visitorKeys, () => undefined);
    const visit = (node: Node): void => {
      switch (node.type) {
        case 'CallExpression': {
          const publish = matchPublish(resolver, node);
          if (publish) sites.publish.push(publish);
          else sites.publish.push(...matchWrapperCall(resolver, node, matchPublish));
          addConsumeCall(resolver, node, sites);
          sites.consume.push(...consumeWrapperSites(resolver, node));
          break;
        }
        case 'NewExpression':
          addConsumeCall(resolver, node, sites);
          if (node.arguments.length > 0) sites.consume.push(...consumeWrapperSites(resolver, node));
          break;
        case 'ForOfStatement':
          if (node.await) {
            const site = iterateSite(resolver, node);
            if (site) sites.consume.push(site);
          }
          break;
        case 'MethodDefinition':
          if (node.decorators?.length) {
            const site = decoratorSite(resolver, node);
            if (site) sites.consume.push(site);
          }
          break;
        default:
      }
    };
    if (input.candidates) for (const node of input.candidates) visit(node);
    else walk(input.ast, input.visitorKeys, visit);
  }
  if (sites.publish.length + sites.consume.length > 0) {
    // Through a wrapper, the client's version is that of the module making the broker call (nats 1.x there).
    const publishHeaders = (site: PublishSite): boolean => hasHeaders(resolver, site.broker) && (!site.via || hasHeaders(innermostWrapper(site.via).resolver, site.broker));
    const consumeHeaders = (site: ConsumeSite): boolean => hasHeaders(resolver, site.broker) && (!site.via || hasHeaders(site.via.resolver, site.broker));
    sites.unjudged.publish = sites.publish.filter((site) => !publishHeaders(site));
    sites.unjudged.consume = sites.consume.filter((site) => !consumeHeaders(site));
    sites.publish = sites.publish.filter(publishHeaders);
    sites.consume = sites.consume.filter(consumeHeaders);
  }
  sites.foreign = sites.consume.filter((site) => site.owner);
  sites.consume = sites.consume.filter((site) => !site.owner);
  input.sites = sites;
  return sites;
}

/**
 * Whether the broker package this file imports carries headers in the version the project uses (`nats` 1.x does
 * not: there is nothing to inject into or extract from, and the sites are not judged).
 */
function hasHeaders(resolver: Resolver, broker: BrokerSpec): boolean {
  if (!broker.headersSince || !resolver.file) return true;
  for (const { source } of resolver.imports.values()) {
    const since = broker.headersSince[source];
    if (since === undefined) continue;
    const major = majorVersionOf(resolver.file, source);
    if (major !== undefined && major < since) return false;
  }
  return true;
}

/**
 * The NestJS sites of a file on transports that carry no headers (TCP, Redis), which the rules never judge. Only
 * the audit asks (it walks the file once more), so linting never pays for it.
 */
export function headerlessSites(input: SourceInput, catalog: Catalog = defaultCatalog): HeaderlessSite[] {
  const { resolver } = findSites(input, catalog);
  const out: HeaderlessSite[] = [];
  if (!/@nestjs\/microservices|ClientProxy|Pattern\(/.test(input.text)) return out;
  walk(input.ast, input.visitorKeys, (node) => {
    if (node.type === 'CallExpression') {
      const found = headerlessPublish(resolver, node);
      if (found) out.push({ direction: 'publish', broker: found.broker, anchor: node, label: found.spec.label, transport: found.transport, start: node, destination: found.spec.destination });
    } else if (node.type === 'MethodDefinition' && node.decorators?.length) {
      const found = headerlessHandler(resolver, node);
      if (found) {
        const start = anchorCall({ spec: found.spec, anchor: node } as ConsumeSite);
        out.push({ direction: 'consume', broker: found.broker, anchor: node, label: found.spec.label, transport: found.transport, start, destination: found.spec.destination });
      }
    }
  });
  return out;
}

function addConsumeCall(resolver: Resolver, node: TSESTree.CallExpression | TSESTree.NewExpression, sites: Sites): void {
  for (const { broker, spec } of matchConsumeCall(resolver, node)) {
    if (spec.peek && isPeek(resolver, node, broker.id, spec.peek)) continue;
    if (spec.style === 'request') sites.requests.push(...checkAttributeRequest(resolver, node, broker, spec));
    else {
      const site = callSite(resolver, node, broker, spec);
      if (site) sites.consume.push(site);
    }
  }
}

/** A receive that only looks at the queue (see `ConsumeSpec.peek`). */
function isPeek(resolver: Resolver, call: TSESTree.CallExpression | TSESTree.NewExpression, brokerId: string, peek: NonNullable<ConsumeSpec['peek']>): boolean {
  const visibility = evalPath(resolver, call, peek.visibility, brokerId, call)[0];
  const seconds = visibility?.type === 'node' ? resolver.follow(visibility.node).node : undefined;
  // A short visibility in a module that deletes what it received is a consumer's, not a look (`VisibilityTimeout: 5`
  // to hand a slow message back soon, with `DeleteMessageBatchCommand` once it is processed).
  if (seconds?.type === 'Literal' && typeof seconds.value === 'number' && seconds.value <= peek.atMost && !DELETES.test(resolver.input.text)) return true;
  const queue = evalPath(resolver, call, peek.queue, brokerId, call)[0];
  // `QueueUrl: deadLetterQueueUrl`, `QueueUrl: config.get('sqs.dlqUrl')` (through the constant it is read from).
  const queueText = queue?.type === 'node' ? `${sourceOf(resolver.input, queue.node)} ${sourceOf(resolver.input, resolver.follow(queue.node).node)}` : '';
  const fn = enclosingFunction(call);
  return DEAD_LETTER.test(queueText) || (!!fn && DEAD_LETTER.test(functionName(fn) ?? ''));
}

const DEAD_LETTER = /dlq|dead[-_ ]?letter/i;
const DELETES = /\bDeleteMessage(?:Batch)?Command\b|\.deleteMessage(?:Batch)?\s*\(/;

export interface AnalyzeOptions extends TraceKeyOptions {
  /** For require-correlation-id and consumer-span-conventions (defaults: DEFAULT_CONVENTIONS). */
  conventions?: Conventions;
  reportWrapperCallers?: boolean;
  /**
   * Report the callers of a wrapper that reaches the broker call through another module's wrapper too. The rules
   * report one hop between modules (those callers would repeat the wrapper's own report); the audit maps them all.
   */
  everyHop?: boolean;
  ignore?: { replies?: boolean; probes?: boolean; timers?: boolean };
  injectors?: readonly string[];
  extractors?: readonly string[];
  helpers?: HelperTarget;
}

/** The options object a receive request is made with (`Consumer.create({ queueUrl, handleMessage })`). */
function requestOptions(resolver: Resolver, request: Finding): TSESTree.ObjectExpression | undefined {
  const call = request.site;
  const options = call && (call.type === 'CallExpression' || call.type === 'NewExpression') && call.arguments[0] ? resolver.follow(call.arguments[0]).node : undefined;
  return options?.type === 'ObjectExpression' ? options : undefined;
}

/**
 * A receive request whose handler reads S3 event notifications (`handleMessage: sqsHandler`, in this module or
 * another), or whose pulled messages are read as such (a `ReceiveMessageCommand` loop): S3 sends no trace context,
 * so requesting message attributes would bring none.
 */
function s3NotificationRequest(resolver: Resolver, request: Finding, consume: readonly ConsumeSite[]): boolean {
  if (consume.some((site) => site.anchor === request.site && s3NotificationsIn(resolver, site.body))) return true;
  const options = requestOptions(resolver, request);
  return !!options && options.properties.some((prop) => {
    if (prop.type !== 'Property' || !/^handle|^process|^on/.test(staticName(prop.key, prop.computed) ?? '')) return false;
    const ref = resolver.referencedFunction(prop.value as Node);
    return !!ref && s3NotificationsIn(ref.resolver, ref.fn);
  });
}

/**
 * A receive request whose handlers read SNS envelopes: asking for SQS message attributes does not help, the trace is
 * in the envelope. A handler judged where it is written gets its own report; one that a function returns
 * (`handleMessageBatch: buildEventHandler(services)`, in this module or another) is judged here: reported at the
 * request unless it extracts. Undefined when no handler reads an envelope.
 */
function snsEnvelopeRequest(resolver: Resolver, request: Finding, consume: readonly ConsumeSite[]): Finding[] | undefined {
  if (consume.some((site) => site.anchor === request.site && snsEnvelopeIn(resolver, site.body))) return [];
  const options = requestOptions(resolver, request);
  if (!options) return undefined;
  for (const prop of options.properties) {
    const value = prop.type === 'Property' ? resolver.follow(prop.value as Node).node : undefined;
    const ref = value?.type === 'CallExpression' ? resolver.calleeFunction(value) : undefined;
    if (!ref) continue;
    for (const returned of returnedExpressions(ref.fn, ref.resolver.keys)) {
      const handler = ref.resolver.follow(returned).node;
      if (!isFunction(handler) || !snsEnvelopeIn(ref.resolver, handler)) continue;
      return hasExtraction(ref.resolver, handler) ? [] : [{ ...request, messageId: 'snsEnvelopeNotExtracted', fix: undefined, reason: undefined }];
    }
  }
  return undefined;
}

/**
 * A broker call inside a wrapper that sends what its callers hand it: a violation when the project has callers
 * and none of them passes an injected carrier (with one that does, the wrapper is a pass-through and its other
 * callers are reported instead). With no caller in view, nothing is known and nothing is reported.
 */
function checkPassThrough(resolver: Resolver, site: PublishSite, names: PropagationNames): Finding[] {
  const pass = passThroughOf(resolver, site);
  if (!pass) return [];
  const judge = (): { callers: number; injected: boolean; sameFile: boolean } | undefined => {
    const callers = callerSites(resolver, pass.fn, pass.name, site, matchPublish);
    if (!callers) return undefined;
    const broken = (f: Finding): boolean => f.messageId === 'missingHeaders' || f.messageId === 'headersNotInjected';
    return {
      callers: callers.length,
      injected: callers.some(({ resolver: r, site: s }) => !checkPublishSite(r, s, names).some(broken)),
      sameFile: callers.every(({ resolver: r }) => r.file === resolver.file),
    };
  };
  // Once per wrapper and file listing (its callers are parsed for it), as booleans.
  const verdict = resolver.project && resolver.file
    ? resolver.project.projectSlot(`pass-through:${resolver.file}:${site.call.range[0]}:${textHash(resolver.input.text)}`, judge)
    : judge();
  // Callers in this file get their own reports, naming the wrapper: a second one at the wrapper tells nothing more.
  if (!verdict || verdict.callers === 0 || verdict.injected || verdict.sameFile) return [];
  const callers = { length: verdict.callers };
  return [{
    rule: 'require-header-injection', messageId: 'passThroughNotInjected', node: callLocation(site.call), broker: site.broker,
    data: { broker: site.broker.name, site: site.spec.label, carrier: site.spec.carrierName, wrapper: `${pass.name}()`, count: String(callers.length), via: '' },
    coveredBy: site.spec.autoInjectedBy ? [site.spec.autoInjectedBy] : undefined, site: site.call,
    reason: `inject inside ${pass.name}() or in each of its ${callers.length} caller(s)`,
  }];
}

/**
 * Whether a publish goes through a wrapper that passes its callers' whole message through, none of whose callers
 * in the project hands over any headers (`send(pattern, data)` forwarding `data` to `client.send`, every caller passing
 * a plain payload): the wrapper is then where the context goes missing, and is reported itself (by its own call, or
 * as a pass-through none of whose callers injects); its callers are told so, not each asked to add headers.
 */
function callersCarryNothing(site: PublishSite, names: PropagationNames): boolean {
  const via = site.via;
  // A wrapper with a carrier parameter of its own (`emit(topic, payload, headers?)`) asks its callers for headers.
  if (!via || via.mode !== 'message' || via.inner.via) return false;
  const wrapper = via.resolver;
  const pass = passThroughOf(wrapper, via.inner);
  if (!pass) return false;
  const judge = (): boolean => {
    const callers = callerSites(wrapper, pass.fn, pass.name, via.inner, matchPublish);
    return !!callers && callers.length > 0 && callers.every(({ resolver: r, site: s }) => checkPublishSite(r, s, names).some((f) => f.messageId === 'missingHeaders'));
  };
  return wrapper.project && wrapper.file ? wrapper.project.projectSlot(`callers-carry:${wrapper.file}:${via.inner.call.range[0]}:${textHash(wrapper.input.text)}`, judge) : judge();
}

/**
 * A consumer of RPC replies (`amq.rabbitmq.reply-to`, a `reply` queue): a reply resolves a call the consumer's own
 * process made, within that call's trace; there is no producer's context to continue.
 */
function isReplyConsumer(resolver: Resolver, site: ConsumeSite): boolean {
  // Queues and subjects only: a Nest pattern such as `UserCommentReply` names a business event.
  if (site.anchor.type === 'MethodDefinition') return false;
  // The queue as written (`channel.consume(replyQueue, ...)`, `this.responseQueue`), and what it is followed to.
  const first = site.anchor.type === 'CallExpression' ? site.anchor.arguments[0] : undefined;
  if (first && REPLY_DESTINATION.test(resolver.input.text.slice(first.range[0], first.range[1]))) return true;
  // `ch.sendToQueue(queue, body, { correlationId, replyTo: q.queue })` and `ch.consume(q.queue, ...)` beside it: the
  // queue the requests name as their reply-to (a server-named exclusive queue, say) is where the replies come in.
  if (first && first.type !== 'SpreadElement' && namedAsReplyTo(resolver, site.anchor, first)) return true;
  return consumeDestinations(resolver, site).some((d) => REPLY_DESTINATION.test(d.name ?? d.text));
}

const LOG_DESTINATION = /(^|[._\-/:])(logs?|logstream|log-?events?|logging)([._\-/:]|$)/i;

/** A publish whose every destination names a log stream (by its destination's name or expression). */
function logStream(resolver: Resolver, site: PublishSite): boolean {
  return allNamed(publishDestinations(resolver, site), LOG_DESTINATION);
}

/** A consumer whose every destination is a health, heartbeat or ping topic, queue or subject. */
function isProbeConsumer(resolver: Resolver, site: ConsumeSite): boolean {
  return allNamed(consumeDestinations(resolver, site), PROBE);
}

/** Whether there are destinations and each one's name (or expression) matches. */
function allNamed(destinations: readonly Destination[], pattern: RegExp): boolean {
  return destinations.length > 0 && destinations.every((d) => pattern.test(d.name ?? d.text));
}

/** Whether a `replyTo` option in the function around the consume call names the queue it consumes (same text). */
function namedAsReplyTo(resolver: Resolver, anchor: Node, queue: Node): boolean {
  const text = (node: Node): string => resolver.input.text.slice(node.range[0], node.range[1]).replace(/\s+/g, '');
  const consumed = text(queue);
  let found = false;
  for (let scope: Node | undefined = enclosingFunction(anchor), depth = 0; scope && depth < 3 && !found; scope = enclosingFunction(scope), depth++) {
    walk(scope, resolver.keys, (node) => {
      if (found) return false;
      if (node.type === 'Property' && !node.computed && staticName(node.key, false) === 'replyTo' && text(node.value as Node) === consumed) found = true;
      return undefined;
    });
  }
  return found;
}

/** `amq.rabbitmq.reply-to`, `REPLY_TO`, `replyQueue`, `rpc.reply-queue`: where RPC replies are received. */
const REPLY_DESTINATION = /reply[-_.]?(to|queue)|respon[sc]e[-_.]?queue|callback[-_.]?queue/i;

/**
 * A publish whose body carries the whole trace context, at the call or through a wrapper call of the same file:
 * `{ ...message, traceContext: carrier }` after `propagation.inject(context.active(), carrier)`, or a span context.
 * The trace does travel, in the payload: `no-payload-trace-ids` asks to move it into the headers, and saying here
 * that the message carries no trace context would be wrong. A trace ID or a hand-built `traceparent` string in the
 * body is not such a carrier: the publish is still reported, and the codemods move the value into the headers.
 */
function contextInBody(resolver: Resolver, site: PublishSite, publish: readonly PublishSite[], options: AnalyzeOptions): boolean {
  const isTraceKey = traceKeyMatcher(options);
  const carries = (candidate: PublishSite): boolean =>
    checkPayloadOfPublish(resolver, candidate, isTraceKey).some((f) => carriesContext(resolver, f));
  if (carries(site)) return true;
  const reaches = (candidate: PublishSite): boolean => {
    for (let inner = candidate.via?.inner; inner; inner = inner.via?.inner) if (inner.call === site.call) return true;
    return false;
  };
  return publish.some((candidate) => candidate !== site && reaches(candidate) && carries(candidate));
}

/** An SQS or SNS send on a client X-Ray captured (or through a wrapper that sends on one): the trace travels. */
function sendsThroughXRay(resolver: Resolver, site: PublishSite): boolean {
  const [inner, owner] = site.via ? [site.via.inner, site.via.resolver] : [site, resolver];
  const callee = inner.call.callee;
  return (inner.spec.autoInjectedBy === 'aws-sdk' || inner.spec.autoInjectedBy === 'aws-sdk-v2') && callee.type === 'MemberExpression' && capturedByXRay(owner, callee.object);
}

/** A short hash of a text (FNV-1a), so that a cached verdict follows the editor's buffer, not only the file. */
function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** One report per reported node and problem: a body object shared by several publish calls is reported once. */
function onePerNode(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.node.range[0]}:${finding.node.range[1]}:${finding.messageId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * One report per publish call and problem: the messages of one `send()` that all lack headers are one report
 * (its fix adds them to every message), and two calls sending one shared message object report it once.
 */
function onePerCall(findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  const byCall = new Map<string, Finding>();
  for (const finding of onePerNode(findings)) {
    const callKey = finding.site ? `${finding.site.range[0]}:${finding.messageId}` : undefined;
    const first = callKey ? byCall.get(callKey) : undefined;
    if (!first) {
      if (callKey) byCall.set(callKey, finding);
      out.push(finding);
      continue;
    }
    // Merge the fix into the report kept for the call; an unfixable message leaves the whole call unfixed.
    const [a, b] = [first.fix, finding.fix];
    if (a && b) first.fix = { label: a.label, requires: [...a.requires, ...b.requires], edits: (local) => [...a.edits(local), ...b.edits(local)] };
    else if (a) {
      first.fix = undefined;
      first.reason = finding.reason ?? 'another message of this call has no safe automatic fix';
    }
  }
  return out;
}

/**
 * The instrumentations in force for a file: those declared in options, plus those its repository visibly loads
 * before the client libraries. Also says, for a finding one of them would cover, which is missing or too late.
 */
export function coverageFor(input: SourceInput, declared: Partial<Record<Instrumentation, boolean>> = {}): Coverage {
  const runtime = runtimeCoverage(findSites(input).resolver);
  const active: Partial<Record<Instrumentation, boolean>> = { ...declared };
  for (const name of runtime?.loaded.keys() ?? []) active[name] = true;
  return {
    active,
    note(finding: Finding): string {
      const name = finding.coveredBy?.[0];
      if (!name || !runtime) return '';
      const bundled = runtime.bundled?.get(name);
      const packages = bundled?.packages.filter((pkg) => finding.broker.packages.includes(pkg)) ?? [];
      if (bundled && packages.length > 0) {
        const list = packages.map((pkg) => `'${pkg}'`).join(', ');
        return ` The ${name} instrumentation in ${bundled.where} cannot patch a client that Next.js bundles into the server build: list ${list} in serverExternalPackages (next.config), or propagate by hand.`;
      }
      const late = runtime.late.get(name);
      return late
        ? ` The ${name} instrumentation in ${late} is not loaded before the client library (it is set up later, or never started), so it patches nothing: load it first (node --require).`
        : ` No ${name} instrumentation is loaded before the client library here (it would cover this).`;
    },
  };
}

export interface Coverage {
  /** Instrumentation name → in force. */
  active: Partial<Record<Instrumentation, boolean>>;
  /** A sentence for the report of a finding an instrumentation would cover, or ''. */
  note(finding: Finding): string;
}

/** The findings of one rule on one file. */
export function analyze(input: SourceInput, rule: RuleName, options: AnalyzeOptions = {}, catalog: Catalog = defaultCatalog): Finding[] {
  const sites = findSites(input, catalog);
  const { resolver } = sites;
  const names: PropagationNames = { injectors: options.injectors ?? EMPTY_NAMES.injectors, extractors: options.extractors ?? EMPTY_NAMES.extractors, helpers: options.helpers, wrapperCallers: options.reportWrapperCallers, everyHop: options.everyHop, exempt: options.ignore };
  const findings: Finding[] = [];
  switch (rule) {
    case 'require-header-injection': {
      const all: Finding[] = [];
      for (const site of sites.publish) {
        let own = checkPublishSite(resolver, site, names);
        // Through another module's wrapper none of whose callers hands over headers: the wrapper is reported, and
        // the caller is told the fix goes there rather than asked to add headers it never passes.
        if (site.via && site.via.file !== resolver.file && own.some((f) => f.messageId === 'missingHeaders') && callersCarryNothing(site, names)) {
          own = names.wrapperCallers === false ? [] : [wrapperCallerFinding(resolver, site)];
        }
        const passed = own.length === 0 && !site.via ? checkPassThrough(resolver, site, names) : [];
        // Asked only of a site that would be reported: it may follow the client into other modules.
        if (own.length + passed.length > 0 && (sendsThroughXRay(resolver, site) || contextInBody(resolver, site, sites.publish, options))) continue;
        all.push(...own, ...passed);
      }
      findings.push(...onePerCall(all));
      break;
    }
    case 'require-context-extraction':
      // A consumer of SNS envelopes gets its trace from the envelope: asking for SQS message attributes does not help.
      findings.push(...sites.requests.filter((request) => !s3NotificationRequest(resolver, request, sites.consume)).flatMap((request) => snsEnvelopeRequest(resolver, request, sites.consume) ?? [request]));
      // A receive already told to request the attributes is one report: what it then does with the messages is
      // judged once they can arrive (one break, one report, as at a publish).
      const unrequested = new Map(findings.filter((f) => f.messageId === 'attributesNotRequested').map((f) => [f.site, f]));
      for (const site of sites.consume) {
        if (options.ignore?.probes !== false && isProbeHandler(resolver, site)) continue;
        if (s3NotificationsIn(resolver, site.body)) continue;
        const request = unrequested.get(site.anchor);
        const own = checkConsumeSite(resolver, site, names).map((f) => (request && (f.messageId === 'missingExtraction' || f.messageId === 'batchWithoutPerMessageContext') ? { ...f, supersededBy: request } : f));
        if (own.length === 0) continue;
        // Inside a consume wrapper that hands each message to its caller's handler: that handler is judged instead.
        if (!site.via && handsOffToCaller(resolver, site)) continue;
        if (options.ignore?.replies !== false && isReplyConsumer(resolver, site)) continue;
        // A consumer of health checks only (`subscribe({ topic: 'health-checks' })`): probes carry no business trace.
        if (options.ignore?.probes !== false && isProbeConsumer(resolver, site)) continue;
        findings.push(...own);
      }
      // A handler imported from another module, judged there and reported at its reference here (no fix: the fix
      // belongs in that module, where nothing says the function is a handler).
      for (const site of sites.foreign) {
        const owner = site.owner!;
        if (s3NotificationsIn(owner, site.body)) continue;
        if (options.ignore?.replies !== false && isReplyConsumer(resolver, site)) continue;
        if (options.ignore?.probes !== false && isProbeConsumer(resolver, site)) continue;
        const where = `${owner.project?.relative(owner.file ?? '') ?? owner.file}:${positionOf(owner.input.text, site.body).line}`;
        for (const finding of checkConsumeSite(owner, site, names)) {
          if (finding.node === site.location) findings.push({ ...finding, fix: undefined, reason: `the handler is written in ${where}` });
        }
      }
      break;
    case 'require-correlation-id': {
      const conventions = options.conventions ?? DEFAULT_CONVENTIONS;
      for (const site of sites.publish) findings.push(...checkCorrelation(resolver, site, sites.consume, conventions, names));
      break;
    }
    case 'consumer-span-conventions':
      findings.push(...checkSpans(resolver, sites.consume, sites.publish, options.conventions ?? DEFAULT_CONVENTIONS, names));
      break;
    case 'no-payload-trace-ids': {
      const isTraceKey = traceKeyMatcher(options);
      for (const site of sites.publish) {
        const own = checkPayloadOfPublish(resolver, site, isTraceKey);
        // A log record shipped to a log stream (`logstream.log.order`, `app-logs`) carries its trace and span IDs by
        // design, as OpenTelemetry's log data model does: that is correlation of a log line, not a carrier.
        if (own.length > 0 && logStream(resolver, site)) continue;
        findings.push(...own);
      }
      for (const site of sites.consume) findings.push(...checkPayloadReads(resolver, site, isTraceKey));
      break;
    }
  }
  // One report per node and problem: a handler registered through two wrappers
  // (`durable ? subscribeDurable(t, cb) : subscribe(t, cb)`) is one handler. None in code only tests call.
  return onePerNode(findings).filter((finding) => !finding.site || (!onlyTestsCall(resolver, finding.site) && !neverCalled(resolver, finding.site)));
}
