/**
 * @fileoverview Which modules of the project can matter at all: those that name a broker package, the
 * OpenTelemetry API or our helpers, or mention trace identifiers, and those that import such a module (a few levels
 * deep). Only import specifiers are resolved and only texts are read; the answer is cached with each file. Every
 * other module (repositories, DTOs, utilities) is never parsed on a linted file's behalf.
 */
import type { Catalog } from '../brokers/index.js';
import { ownString, packageName, sharedString, type Project } from './project.js';
import { isTestFile } from './test-files.js';

const IMPORTS = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;
/**
 * How far imports are followed: a wrapper of a wrapper of a client is two hops from the module that names the
 * broker. Deeper chains exist, but following them makes every module of a DI-heavy app "reach" the broker, and
 * the linted files would then pay for parsing half the repository.
 */
const MAX_DEPTH = 2;
const PROPAGATION_WORDS = ['@opentelemetry/api', 'eslint-plugin-trace-propagation', 'traceparent'];

/** A text matched literally inside a regular expression. */
export const escapeRegExp = (word: string): string => word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** One pass over a text for any of several words (a text is scanned once per group, not once per word). */
const anyOf = (words: readonly string[]): RegExp => new RegExp(words.map(escapeRegExp).join('|'));
const packagePatterns = new WeakMap<Catalog, RegExp>();

/** Cheap text pre-filter: a text that never names a broker package cannot hold a site recognised without types. */
export function mentionsBroker(text: string, catalog: Catalog): boolean {
  let pattern = packagePatterns.get(catalog);
  if (!pattern) {
    pattern = anyOf(catalog.packages);
    packagePatterns.set(catalog, pattern);
  }
  return pattern.test(text);
}

/**
 * `broker`: names a broker package (what a client or a wrapper needs; the pre-filter of linted files).
 * `propagation`: that, or the OpenTelemetry API, our helpers or `traceparent` (what a body builder or an
 * interceptor may need too; the filter for parsing another module).
 */
export type Reach = 'broker' | 'propagation';

/** Words whose presence the project-wide scans ask about (NestJS bootstraps, runtime instrumentation setups). */
export const NEST_BOOTSTRAP_WORDS = ['createMicroservice', 'connectMicroservice', 'ClientsModule', 'useGlobalInterceptors', 'APP_INTERCEPTOR', 'ClientProxyFactory'];
export const RUNTIME_SETUP_WORDS = ['@opentelemetry/instrumentation-', 'opentelemetry-instrumentation-', '@opentelemetry/auto-instrumentations-node', '@azure/opentelemetry-instrumentation', '@azure/monitor-opentelemetry', 'dd-trace', 'newrelic', 'elastic-apm-node', 'enableOpenTelemetryTracing', 'captureAWS', '@sentry/'];

const PROPAGATION = anyOf(PROPAGATION_WORDS);
const NEST_BOOTSTRAP = anyOf(NEST_BOOTSTRAP_WORDS);
const RUNTIME_SETUP = anyOf(RUNTIME_SETUP_WORDS);

/**
 * A package of the organisation's own that sets tracing up (`@map-colonies/tracing`, `@acme/observability`,
 * `company-otel`): not OpenTelemetry's own packages, nor Sentry's, Azure's, Google's or Vercel's, whose contents
 * are known (`@vercel/otel` patches fetch only).
 */
const OWN_TRACING_NAME = String.raw`(?!@opentelemetry\/|@sentry\/|@azure\/|@google-cloud\/|@aws-lambda-powertools\/|@vercel\/|[.@~#]\/|\.)(?:[^'"\n]*[/@-])?(?:tracing|telemetry|otel|observability)(?:[/-][^'"\n]*)?`;
export const OWN_TRACING_PACKAGE = new RegExp(`^${OWN_TRACING_NAME}$`);
/** An import or `require` of such a package, in a module's text. */
const IMPORTS_OWN_TRACING = new RegExp(String.raw`(?:\bfrom\s*|\brequire\(\s*)['"]${OWN_TRACING_NAME}['"]`);

/** Whether a text may set up runtime instrumentation (names an instrumentation, an agent or a client tracing option). */
export function mayHoldRuntimeSetup(text: string): boolean {
  return RUNTIME_SETUP.test(text) || IMPORTS_OWN_TRACING.test(text);
}

const TIMER = /\b(?:setInterval|schedule|scheduleJob|cron|Cron|CronJob|Interval)\b|timers\/promises|\b(?:sleep|delay)\s*\(/;
/** `setTimeout(relay, ...)`, `setTimeout(() => relay(), ...)`: a callback named by a function, declared in the same text. */
const TIMEOUT_CALLBACK = /\bsetTimeout\(\s*(?:(?:async\s*)?\(\s*\)\s*=>\s*\{?\s*(?:void\s+|await\s+|return\s+)?)?([A-Za-z_$][\w$]*)/g;

/** Names a timer or a scheduler, or reschedules one of its own functions with `setTimeout` (a polling relay). */
function namesTimer(text: string): boolean {
  if (TIMER.test(text)) return true;
  if (!text.includes('setTimeout')) return false;
  for (const match of text.matchAll(TIMEOUT_CALLBACK)) {
    const name = match[1]!;
    if (new RegExp(`\\b(?:function\\s*\\*?\\s*|const\\s+|let\\s+|var\\s+)${escapeRegExp(name)}\\b`).test(text)) return true;
  }
  return false;
}

/** What a file's text says, read once per modification time and kept instead of the text (booleans only). */
export interface FileFacts {
  broker: boolean;
  /** Only re-exports other modules (`export * from './infra'`): a barrel, which adds no hop to what it reaches. */
  barrel: boolean;
  propagation: boolean;
  nestBootstrap: boolean;
  runtimeSetup: boolean;
  /** Names a timer or a scheduler (`setInterval`, `setTimeout`, `cron`, `@Cron`, `schedule`). */
  timer: boolean;
  /**
   * What it imports (`import`, `require`, `import()`), kept so that the project-wide indexes (what reaches a broker,
   * the import graph, who imports a module) read each file once.
   */
  imports: readonly string[];
  /** Registers providers for dependency injection (`provide:`, `container.register(...)`). */
  registers: boolean;
  /** Names it assigns on the global object (`global.kafkaProducer = producer`), which other modules use bare. */
  globals: readonly string[];
  /** Classes it constructs by name (`new NotificationsServiceImpl(client)`), for the index of who constructs a class. */
  constructs: readonly string[];
}

const GLOBAL_ASSIGNMENT = /\b(?:global|globalThis)\.([A-Za-z_$][\w$]*)\s*=(?!=)/g;

/** The names a module assigns on the global object (`global.kafkaProducer = producer`). */
export function assignedGlobals(text: string): string[] {
  return text.includes('global') ? [...new Set(Array.from(text.matchAll(GLOBAL_ASSIGNMENT), (m) => ownString(m[1]!)))] : [];
}

/** Global name → the project's files assigning it, built once per listing. */
export function globalsIndex(project: Project, catalog: Catalog): Map<string, string[]> {
  return project.projectSlot('globals-index', () => {
    const byName = new Map<string, string[]>();
    for (const file of project.files()) {
      for (const name of fileFacts(project, file, catalog)?.globals ?? []) {
        const list = byName.get(name);
        if (list) list.push(file);
        else byName.set(name, [file]);
      }
    }
    return byName;
  });
}

/** A DI registration: a NestJS provider (`provide:`), tsyringe or awilix `register*(...)`. */
export const REGISTRATION = /\bregister(?:Singleton|Instance)?\s*(?:<[^()]*>\s*)?\(|\bprovide\s*:/;

const NONE: readonly string[] = Object.freeze([]);

/** A file's list of names as kept in its facts: one shared copy of each name, one empty list for all. */
function shared(names: readonly string[]): readonly string[] {
  return names.length === 0 ? NONE : names.map(sharedString);
}

export function fileFacts(project: Project, file: string, catalog: Catalog, knownText?: string): FileFacts | undefined {
  return project.slot(file, 'facts', () => {
    const text = knownText ?? project.text(file);
    if (text === undefined) return undefined;
    return {
      broker: mentionsBroker(text, catalog),
      barrel: isBarrel(text),
      propagation: PROPAGATION.test(text),
      nestBootstrap: NEST_BOOTSTRAP.test(text),
      runtimeSetup: mayHoldRuntimeSetup(text),
      timer: namesTimer(text),
      imports: shared(importSpecifiers(text)),
      registers: REGISTRATION.test(text),
      globals: shared(assignedGlobals(text)),
      constructs: shared(text.includes('new ') ? [...new Set(Array.from(text.matchAll(CONSTRUCTION), (m) => m[1]!))] : []),
    };
  });
}

export function importSpecifiers(text: string): string[] {
  return [...new Set(Array.from(uncommented(text).matchAll(IMPORTS), (m) => m[1]!))];
}

/** A comment that may name an import (`// import './tracing';`, `/* require('x') *\/`). */
const COMMENTED_IMPORT = /\/[/*][^\n]*?\b(?:import|require|from)\b/;

/**
 * The text without the comments that start a line, when one may hold an import: a commented-out
 * `// import './tracing';` loads nothing. Comments after code are kept, so that a string such as `'dist/*'` is never
 * read as a comment's start and the imports after it lost.
 */
function uncommented(text: string): string {
  return COMMENTED_IMPORT.test(text) ? text.replace(/^[ \t]*\/\/[^\n]*|^[ \t]*\/\*[^]*?\*\//gm, '') : text;
}

/** A module's text without its comments (a comment naming `ClientsModule.register` registers nothing). */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[^]*?\*\/|(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

const STATIC_IMPORTS = /(?:\bfrom\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;

/** The specifiers a module imports when it is loaded: `import(...)` expressions, which load later, left out. */
export function staticImportSpecifiers(text: string): string[] {
  return [...new Set(Array.from(uncommented(text).matchAll(STATIC_IMPORTS), (m) => m[1]!))];
}

/** `require(...)`, `import(...)`: imports the syntax tree's top-level statements do not show. */
const CALLED_IMPORT = /\brequire\s*\(|\bimport\s*\(/;

/** Whether one of the specifiers a module imports is a broker package or a path into one (`amqplib/callback_api`). */
export function importsBrokerPackage(specifiers: readonly string[], catalog: Catalog): boolean {
  return specifiers.some((specifier) => catalog.byPackage.has(specifier) || catalog.byPackage.has(packageName(specifier)));
}

/** What a module statement imports or re-exports from (the parts of an ESTree `Program` body we read). */
interface ModuleStatement {
  type: string;
  source?: { value?: unknown } | null;
}

/**
 * The same specifiers, read from a parsed file's top-level import and export statements; the text is scanned only
 * when it may also `require()` or `import()` something. Linted files come parsed, and most are ES modules.
 */
export function importSpecifiersOf(text: string, body: readonly ModuleStatement[]): string[] {
  if (CALLED_IMPORT.test(text)) return importSpecifiers(text);
  const out = new Set<string>();
  for (const statement of body) {
    if (statement.type !== 'ImportDeclaration' && statement.type !== 'ExportNamedDeclaration' && statement.type !== 'ExportAllDeclaration') continue;
    const value = statement.source?.value;
    if (typeof value === 'string') out.add(value);
  }
  return [...out];
}

/** Whether any of the specifiers (imported by `file`) leads to a relevant module, directly or through its own imports. */
export function importsReach(project: Project, file: string, specifiers: readonly string[], catalog: Catalog, reach: Reach, depth = 0, barrels = 0): boolean {
  if (depth >= MAX_DEPTH) return false;
  for (const specifier of specifiers) {
    const target = project.resolve(file, specifier);
    if (!target || target === file) continue;
    if (reaches(project, target, catalog, reach, depth + 1, barrels)) return true;
    // A chain of barrels (`index.ts` → `infra/index.ts` → `rabbitmq/index.ts`) is one step to the module behind it:
    // asked again without the step, only when the import did not reach (most that reach are found without it).
    if (barrels < MAX_BARRELS && fileFacts(project, target, catalog)?.barrel === true && reaches(project, target, catalog, reach, depth, barrels + 1)) return true;
  }
  return false;
}

/** Barrels passed through on the way, beyond the depth. */
const MAX_BARRELS = 3;

/** `export * from './a'`, `export { B } from './b'`, `export type { C } from './c'`. */
const RE_EXPORT = /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"][^'"\n]+['"]\s*;?/g;

/** A line that is not part of a re-export, a comment or a directive: the module does more than re-export. */
const OTHER_LINE = /^[ \t]*(?!export\b|\/[/*]|\*|['"]use strict['"]|\}|[\w$]+(?:[ \t]+as[ \t]+[\w$]+)?[ \t]*,?[ \t]*$)\S/m;

/** Whether a module does nothing but re-export others (short files only: a barrel is a list). */
function isBarrel(text: string): boolean {
  if (text.length > 8_000 || !text.includes('from') || OTHER_LINE.test(text)) return false;
  const rest = withoutComments(text).replace(RE_EXPORT, '').replace(/^\s*['"]use strict['"];?/, '');
  return rest.trim().length === 0 && rest.length < text.length;
}

/** Whether a module of the project is relevant, or imports one that is. */
export function reaches(project: Project, file: string, catalog: Catalog, reach: Reach, depth = 0, barrels = 0): boolean {
  // Keyed by depth too: an answer cut short at the depth limit must not stand for one asked from nearer. Barrels
  // passed count apart (they add no depth), so every step is to a new key and an import cycle through a barrel
  // ends at the limit instead of meeting its own unfinished answer.
  return project.slot(file, `reaches:${reach}:${depth}${barrels ? `:${barrels}` : ''}`, () => {
    const facts = fileFacts(project, file, catalog);
    if (!facts) return false;
    if (facts.broker || (reach === 'propagation' && facts.propagation)) return true;
    return importsReach(project, file, facts.imports, catalog, reach, depth, barrels);
  }) === true;
}

/** The project's source files (not tests) that import a module. */
export function importersOf(project: Project, file: string, catalog: Catalog): string[] {
  // One pass over the project per file listing: every source file's imports, resolved, as a reverse index.
  const index = project.projectSlot('importers-index', () => {
    const importers = new Map<string, string[]>();
    for (const other of project.files()) {
      if (isTestFile(project.relative(other))) continue;
      for (const specifier of fileFacts(project, other, catalog)?.imports ?? []) {
        const target = project.resolve(other, specifier);
        if (!target || target === other) continue;
        const list = importers.get(target);
        if (!list) importers.set(target, [other]);
        else if (!list.includes(other)) list.push(other);
      }
    }
    return importers;
  });
  return index.get(file) ?? [];
}

const MAX_BARREL_STEPS = 6;
/** `new Publisher(`, `new lib.Publisher(`: a class of the project's own is named with a capital. */
const CONSTRUCTION = /\bnew\s+(?:[\w$]+\.)?([A-Z][\w$]*)\s*[(<]/g;

/** The project's files that construct a class of that name, from one pass over the listing. */
export function constructorsOf(project: Project, name: string, catalog: Catalog): readonly string[] {
  const index = project.projectSlot('constructions-index', () => {
    const byName = new Map<string, string[]>();
    for (const file of project.files()) {
      if (isTestFile(project.relative(file))) continue;
      for (const constructed of fileFacts(project, file, catalog)?.constructs ?? []) {
        const list = byName.get(constructed);
        if (list) list.push(file);
        else byName.set(constructed, [file]);
      }
    }
    return byName;
  });
  return index.get(name) ?? [];
}

/**
 * The modules that import a file directly or through barrels (`libs/common/src/index.ts` re-exporting
 * `services/index.ts` re-exporting the class): the barrels themselves are left out, their importers stand for them.
 */
export function importersThroughBarrels(project: Project, file: string, catalog: Catalog): readonly string[] {
  return project.projectSlot(`importers-through-barrels:${file}`, () => collectImporters(project, file, catalog));
}

function collectImporters(project: Project, file: string, catalog: Catalog): string[] {
  const out = new Set<string>();
  let frontier = [file];
  const seen = new Set<string>([file]);
  // Barrels nest deeper than imports are followed (`services/index` → `notifications/index` → `microservices/index` →
  // `src/index`, behind an `@app/common` alias): the reverse index makes each step a look-up.
  for (let step = 0; step <= MAX_BARREL_STEPS && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const target of frontier) {
      for (const importer of importersOf(project, target, catalog)) {
        if (seen.has(importer)) continue;
        seen.add(importer);
        if (step < MAX_BARREL_STEPS && fileFacts(project, importer, catalog)?.barrel === true) next.push(importer);
        else out.add(importer);
      }
    }
    frontier = next;
  }
  return [...out];
}
