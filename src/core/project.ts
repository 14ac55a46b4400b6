/**
 * @fileoverview The project view: what one linted file can see of the files around it. Resolves import specifiers
 * to files (module-resolution.ts: relative paths with or without extensions, `.js` specifiers that mean `.ts` files,
 * index files, `tsconfig` `paths`/`baseUrl`/`extends`, package `exports`/`main`; workspace packages by name even when
 * `node_modules` is not installed), parses the files it reaches, and lists the project's files for the few
 * questions that need all of them (who calls this wrapper, how is the app bootstrapped).
 *
 * Everything is lazy and cached once per process: a module is read and parsed only when a linted file reaches it,
 * and re-read when its modification time changes (an editor keeps one process for many edits). Anything that
 * cannot be read, resolved or parsed is simply unknown: no caller of this file ever throws because of another file.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as ScopeManager from '@typescript-eslint/scope-manager';
import type * as VisitorKeysModule from '@typescript-eslint/visitor-keys';
import type { TSESTree } from '@typescript-eslint/utils';
import type { Ignore } from 'ignore';
import { walk, type VisitorKeys } from './ast.js';
import { resetModuleResolution, resolveModule } from './module-resolution.js';
import { HELPERS_MODULE, LEGACY_HELPERS_MODULE } from './otel.js';
import { eslintEspree, eslintScopeAnalysis, NEEDS_TYPESCRIPT_ESLINT, typeScriptEstree } from './parsers.js';

/**
 * CommonJS dependencies are loaded with require(), when first needed: imported from an ES module, Node would first
 * scan their sources and those they re-export for export names (scope-manager re-exports dozens of files), and that
 * scan made V8 compile its lexer with the optimizing compiler, whose memory stayed with the compiler threads
 * (about 6 MiB of RSS in every lint process).
 */
const require = createRequire(import.meta.url);
let scopeManagerModule: typeof ScopeManager | undefined;
let typescriptVisitorKeys: typeof VisitorKeysModule.visitorKeys | undefined;
let ignoreFactory: ((options?: object) => Ignore) | undefined;

function newIgnore(): Ignore {
  if (!ignoreFactory) {
    const loaded = require('ignore') as { default?: unknown };
    ignoreFactory = (typeof loaded.default === 'function' ? loaded.default : loaded) as (options?: object) => Ignore;
  }
  return ignoreFactory();
}

export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** Folders that hold no source of the project's own: never listed, never followed into. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'coverage', '.next', '.nuxt', '.turbo', '.cache', 'vendor', 'tmp']);
/** Build output, skipped beside a `package.json` or `tsconfig.json` (a `src/core/build` module is source). */
const OUTPUT_DIRS = new Set(['dist', 'build', 'out', 'lib-cjs', 'lib-esm']);
/** Generated bundles and the like are not read. */
const MAX_FILE_BYTES = 512 * 1024;
/** The listing of a project's files is trusted this long (ms) before it is taken again. */
const LISTING_TTL = 30_000;
const MAX_LISTED_FILES = 20_000;

export function isSourcePath(file: string): boolean {
  return SOURCE_EXTENSIONS.includes(path.extname(file)) && !/\.d\.[mc]?ts$/.test(file);
}

/** A parsed module of the project, with its own scope analysis. */
export interface ParsedModule {
  file: string;
  ast: TSESTree.Program;
  scopeManager: unknown;
  visitorKeys: VisitorKeys;
  text: string;
}

interface CachedText {
  mtimeMs: number;
  size: number;
  /** Whether the file can be read as source (a file, not too large). Its text is not kept: only parsed modules are. */
  readable: boolean;
  parsed?: ParsedModule | null;
  /** How many times it was parsed: a module parsed again after eviction is one many files reach. */
  parses?: number;
  /**
   * Per-module results computed by higher code (resolver, summaries), dropped with the text when the file changes.
   * Made on first use: most files of a repository are only looked at, never summarised. Held as a flat list of
   * key, value pairs while there are few (a file has one or two: its facts, what it reaches; a `Map` costs more
   * than the pairs themselves), as a `Map` beyond `FLAT_SLOTS` pairs.
   */
  slots?: unknown[] | Map<string, unknown>;
  checkedAt: number;
}

/**
 * Parsed modules kept at once, and the slots that hold on to a module's syntax tree (dropped with it): the most
 * recently used, plus the hot ones, parsed `HOT_AFTER` times already (a shared library module, an interceptor, a
 * decorator factory that every file of a large app imports), which a walk package by package would otherwise parse
 * again for every file that reaches it. A run over a repository walked package by package parses most modules once
 * and keeps only the last few; in a monorepo of a hundred packages that all import one library and are all named by
 * it (each package's `index.ts` constructs its client class, calls its consumer wrapper), a set of 24 hot modules
 * cycled and every linted file parsed them all again (6,535 parses of 854 modules on one such repository, rule time as
 * long as ESLint's own parse; 1,371 parses with 256).
 */
const MAX_PARSED = 4;
const MAX_HOT = 256;
const HOT_AFTER = 2;
const PARSED_SLOTS = ['resolver'];
const FLAT_SLOTS = 8;

/**
 * Packages whose behaviour the rules know by name (our helpers inject and extract): never read, even when a workspace
 * links their sources into `node_modules`.
 */
const KNOWN_PACKAGES = new Set([HELPERS_MODULE, packageName(LEGACY_HELPERS_MODULE)]);

/** How long a file's cached text is trusted before its modification time is looked at again (ms). */
const STAT_TTL = 1_000;

const resetHooks: Array<() => void> = [];

/** Caches of higher modules that `Project.reset()` forgets as well (those modules import this one, not the reverse). */
export function onProjectReset(reset: () => void): void {
  resetHooks.push(reset);
}

export class Project {
  private static readonly byRoot = new Map<string, Project>();
  private static readonly rootOfDir = new Map<string, string>();

  private readonly texts = new Map<string, CachedText>();
  private readonly resolutions = new Map<string, string | null>();
  private workspaces: Map<string, string> | undefined;
  /**
   * The project's source files, when they were listed, and the listing's version: it changes only when a file was
   * added, removed or modified (sources and the manifests, Dockerfiles and configs beside them).
   */
  private listing: { at: number; version: number; files: string[]; markers: string[]; stamps: string } | undefined;
  /** What each folder held when last listed, for the listing taken again (see `walkDir`). */
  private folders: Folders | undefined;
  /** Results about the whole project (bootstrap facts, reverse indexes), recomputed when the listing's version changes. */
  private readonly projectSlots = new Map<string, { version: number; value: unknown }>();

  private constructor(readonly root: string) {}

  /** A file's path from the project's root, with `/` separators (as the test-file globs and reports use). */
  relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  /**
   * The project a file belongs to: the nearest folder above it that is a workspace root (a `package.json` with
   * `workspaces`, a `pnpm-workspace.yaml` or `lerna.json`) or a git work tree, else the nearest `package.json`.
   * Undefined for files that do not exist on disk (editors' unsaved buffers, RuleTester's virtual files).
   */
  static forFile(file: string | undefined): Project | undefined {
    if (!file || !path.isAbsolute(file) || !isSourcePath(file)) return undefined;
    const dir = path.dirname(file);
    let root = Project.rootOfDir.get(dir);
    if (root === undefined) {
      if (!exists(file)) return undefined;
      root = findRoot(dir);
      Project.rootOfDir.set(dir, root);
    }
    let project = Project.byRoot.get(root);
    if (!project) {
      project = new Project(root);
      Project.byRoot.set(root, project);
    }
    return project;
  }

  /** Forgets every cached project (tests that rewrite files in place). */
  static reset(): void {
    Project.byRoot.clear();
    Project.rootOfDir.clear();
    projectRoots.clear();
    packageDirs.clear();
    existence.clear();
    specifiers.clear();
    resetModuleResolution();
    for (const reset of resetHooks) reset();
  }

  /** The file a specifier imported from `from` denotes, when it is a source file of this project. */
  resolve(from: string, specifier: string): string | undefined {
    // Bare specifiers resolve alike across a package (its node_modules, its tsconfig paths): one look-up per package.
    const isBareSpecifier = isBare(specifier);
    const key = `${isBareSpecifier ? packageDir(from, this.root) : path.dirname(from)}\0${specifier}`;
    const cached = this.resolutions.get(key);
    if (cached !== undefined) return cached ?? undefined;
    // A bare specifier of a package that resolved outside the project once (`express`) does so from anywhere.
    const bare = isBareSpecifier ? packageName(specifier) : undefined;
    if (bare && (this.externalPackages.has(bare) || KNOWN_PACKAGES.has(bare))) return undefined;
    const resolved = this.resolveUncached(from, specifier) ?? null;
    this.resolutions.set(ownString(key), resolved);
    if (resolved === null && bare && this.lastFoundDependency) this.externalPackages.add(ownString(bare));
    return resolved ?? undefined;
  }

  private readonly externalPackages = new Set<string>();
  /** Whether the last resolution ended in a dependency under `node_modules` (not a failure, not a workspace link). */
  private lastFoundDependency = false;

  private resolveUncached(from: string, specifier: string): string | undefined {
    this.lastFoundDependency = false;
    if (specifier.startsWith('node:') || specifier.length === 0) return undefined;
    let found: string | undefined;
    try {
      found = resolveModule(from, specifier);
    } catch {
      found = undefined;
    }
    if (found && !found.split(path.sep).includes('node_modules')) return this.sourceFor(found);
    if (found) {
      // A workspace package linked into node_modules resolves to its real folder; anything else is a dependency.
      const real = safeRealpath(found);
      if (real && !real.split(path.sep).includes('node_modules') && real.startsWith(this.root)) return this.sourceFor(real);
      this.lastFoundDependency = true;
      return undefined;
    }
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) return undefined;
    return this.resolveWorkspacePackage(specifier) ?? this.resolveLinkedPackage(from, specifier);
  }

  /**
   * `"@delivery/common": "file:../../packages/ts"` (or `link:`) in the importing package's manifest: a package of the
   * repository linked without workspaces, read from its sources like a workspace package.
   */
  private resolveLinkedPackage(from: string, specifier: string): string | undefined {
    const name = packageName(specifier);
    const owner = packageDir(from, this.root);
    const manifest = this.manifest(owner) as { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> } | undefined;
    const range = manifest?.dependencies?.[name] ?? manifest?.devDependencies?.[name];
    const linked = typeof range === 'string' ? /^(?:file|link):(.+)$/.exec(range)?.[1] : undefined;
    if (!linked) return undefined;
    // Also above the project's root: a tree without `.git` ends the project at the service's own package.json.
    const dir = path.resolve(owner, linked);
    if (dir.split(path.sep).includes('node_modules') || !exists(path.join(dir, 'package.json'))) return undefined;
    return this.resolvePackageIn(dir, specifier.slice(name.length + 1));
  }

  /** A compiled file (`dist/x.js`, `lib/x.d.ts`) stands for its source (`src/x.ts`) when that exists. */
  private sourceFor(file: string): string | undefined {
    // A declaration file written beside its JavaScript (`"types": "./src/index.d.ts"`): the code is in `index.js`.
    const declared = /^(.*)\.d\.([cm]?)ts$/.exec(file);
    if (declared) {
      for (const ext of [`.${declared[2]}js`, `.${declared[2]}ts`]) if (exists(declared[1] + ext)) return declared[1] + ext;
    }
    if (isSourcePath(file) && !/[\\/](dist|build|lib|out)[\\/]/.test(file)) return file;
    const match = /^(.*?)[\\/](dist|build|lib|out)[\\/](.*?)(\.d)?\.[cm]?[jt]sx?$/.exec(file);
    if (match) {
      for (const ext of SOURCE_EXTENSIONS) {
        const candidate = path.join(match[1]!, 'src', `${match[3]}${ext}`);
        if (exists(candidate)) return candidate;
      }
    }
    return isSourcePath(file) ? file : undefined;
  }

  /** `@acme/messaging` or `@acme/messaging/kafka` when `@acme/messaging` is one of this repository's workspaces. */
  private resolveWorkspacePackage(specifier: string): string | undefined {
    const name = packageName(specifier);
    const dir = this.workspacePackages().get(name);
    return dir ? this.resolvePackageIn(dir, specifier.slice(name.length + 1)) : undefined;
  }

  /** A module of a repository package by its subpath (`''` for the package itself), from its sources when it has them. */
  private resolvePackageIn(dir: string, sub: string): string | undefined {
    const candidates = sub ? [path.join(dir, 'src', sub), path.join(dir, sub)] : [];
    if (!sub) {
      const manifest = readJson(path.join(dir, 'package.json')) as { main?: string; types?: string; source?: string } | undefined;
      for (const field of [manifest?.source, manifest?.types, manifest?.main]) if (typeof field === 'string') candidates.push(path.join(dir, field));
      candidates.push(path.join(dir, 'src', 'index'), path.join(dir, 'index'));
    }
    for (const candidate of candidates) {
      const mapped = /[\\/](dist|build|lib|out)[\\/]/.test(candidate) ? this.sourceFor(candidate) : undefined;
      if (mapped && exists(mapped)) return mapped;
      if (isSourcePath(candidate) && exists(candidate)) return candidate;
      // `index.d.ts` stands for the `index.js` beside it when there is one (declarations have no bodies to follow).
      const withExtension = withSourceExtension(candidate.replace(/(\.d)?\.[cm]?[jt]sx?$/, '')) ?? withSourceExtension(candidate.replace(/\.[cm]?[jt]sx?$/, ''));
      if (withExtension) return withExtension;
    }
    return undefined;
  }

  /** The folder of one of this repository's workspace packages, by its name. */
  workspaceDir(name: string): string | undefined {
    return this.workspacePackages().get(name);
  }

  /** Workspace package name → folder, from the root manifest's `workspaces` or `pnpm-workspace.yaml`. */
  private workspacePackages(): Map<string, string> {
    if (this.workspaces) return this.workspaces;
    this.workspaces = new Map();
    const patterns = workspacePatterns(this.root);
    if (patterns.length === 0) patterns.push('packages/*', 'apps/*', 'libs/*', 'services/*');
    for (const pattern of patterns) {
      for (const dir of expandWorkspacePattern(this.root, pattern)) {
        const pkg = readJson(path.join(dir, 'package.json')) as { name?: string } | undefined;
        if (typeof pkg?.name === 'string' && !this.workspaces.has(pkg.name)) this.workspaces.set(pkg.name, dir);
      }
    }
    return this.workspaces;
  }

  /**
   * A file's text, read from disk (not kept: a repository's texts would weigh on every lint process), or undefined
   * when it cannot be read or is too large. Callers cache what they derive from it in a `slot`.
   */
  text(file: string): string | undefined {
    const entry = this.entry(file);
    return entry?.readable ? readText(file) : undefined;
  }


  private entry(file: string): CachedText | undefined {
    const now = Date.now();
    const cached = this.texts.get(file);
    if (cached && now - cached.checkedAt < STAT_TTL) return cached;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.texts.delete(file);
      return undefined;
    }
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
      cached.checkedAt = now;
      return cached;
    }
    const entry: CachedText = { mtimeMs: stat.mtimeMs, size: stat.size, readable: stat.isFile() && stat.size <= MAX_FILE_BYTES, checkedAt: now };
    this.texts.set(file, entry);
    return entry;
  }

  /**
   * The parsed module, or undefined when it cannot be read or parsed (then it is unknown, never an error). At most
   * `MAX_PARSED` modules are kept, least recently used first out: a parsed module with its scope analysis weighs a
   * few hundred kilobytes, and a lint run walks a repository package by package.
   */
  parse(file: string): ParsedModule | undefined {
    const entry = this.entry(file);
    if (!entry?.readable) return undefined;
    if (entry.parsed === undefined) {
      const text = readText(file);
      entry.parsed = text === undefined ? null : (parseModule(file, text) ?? null);
      if (entry.parsed) {
        entry.parses = (entry.parses ?? 0) + 1;
        this.evictParsed(this.orderOf(entry));
      }
    }
    if (entry.parsed) {
      const order = this.orderOf(entry);
      order.delete(file);
      order.add(file);
    }
    return entry.parsed ?? undefined;
  }

  private readonly parsedOrder = new Set<string>();
  private readonly hotOrder = new Set<string>();

  /** The set a parsed module is kept in: the hot ones, or the most recently used. */
  private orderOf(entry: CachedText): Set<string> {
    return (entry.parses ?? 0) >= HOT_AFTER ? this.hotOrder : this.parsedOrder;
  }

  private evictParsed(order: Set<string>): void {
    const max = order === this.hotOrder ? MAX_HOT : MAX_PARSED;
    while (order.size >= max) {
      const oldest = order.values().next().value as string;
      order.delete(oldest);
      const entry = this.texts.get(oldest);
      if (!entry) continue;
      entry.parsed = undefined;
      for (const key of PARSED_SLOTS) deleteSlot(entry, key);
    }
  }

  /** A folder's `package.json`, parsed and kept until the file changes; undefined when there is none or it is broken. */
  manifest(dir: string): Record<string, unknown> | undefined {
    const file = path.join(dir, 'package.json');
    return this.slot(file, 'manifest', () => {
      const value = readJson(file);
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    });
  }

  /** A per-module cache slot for higher code, valid until the file changes. */
  slot<T>(file: string, key: string, compute: () => T): T | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    const found = findSlot(entry, key);
    if (found !== NO_SLOT) return found as T;
    key = slotKey(key);
    setSlot(entry, key, undefined); // a module reached again while computing its own value is unknown
    const value = compute();
    setSlot(entry, key, value);
    return value;
  }

  /** A project-wide cache slot, recomputed when the file listing is taken again. */
  projectSlot<T>(key: string, compute: () => T): T {
    this.files();
    const version = this.listing!.version;
    const cached = this.projectSlots.get(key);
    if (cached && cached.version === version) return cached.value as T;
    const value = compute();
    this.projectSlots.set(ownString(key), { version, value });
    return value;
  }

  /**
   * Every source file of the project: `node_modules`, build output and hidden folders are skipped, and the root
   * `.gitignore` is honoured. Taken again after `LISTING_TTL` so that a long-lived editor process sees new files and
   * edits; project-wide results are kept when nothing listed changed (a stat per file, no reading).
   */
  files(): string[] {
    const now = Date.now();
    if (this.listing && now - this.listing.at < LISTING_TTL) return this.listing.files;
    const gitignore = readText(path.join(this.root, '.gitignore')) ?? '';
    if (this.folders?.gitignore !== gitignore) {
      const ignorer = newIgnore();
      if (gitignore) ignorer.add(gitignore);
      this.folders = { gitignore, ignorer, listed: new Map() };
    }
    const files: string[] = [];
    const markers: string[] = [path.join(this.root, '.gitignore')];
    walkDir(this.root, this.root, this.folders, files, markers, now);
    files.sort();
    const stamps = stampsOf(files, markers);
    const previous = this.listing;
    const version = previous && previous.stamps === stamps ? previous.version : (previous?.version ?? 0) + 1;
    this.listing = { at: now, version, files, markers, stamps };
    return files;
  }

  /** The files beside the sources that project-wide results read (manifests, Dockerfiles, Terraform), listed with them. */
  markerFiles(): readonly string[] {
    this.files();
    return this.listing!.markers;
  }
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('#') && !specifier.startsWith('node:');
}

/** The package a bare specifier names: `@acme/messaging` for `@acme/messaging/kafka`, `amqplib` for `amqplib/callback_api`. */
export function packageName(specifier: string): string {
  const slash = specifier.indexOf('/', specifier.startsWith('@') ? specifier.indexOf('/') + 1 : 0);
  return slash < 0 ? specifier : specifier.slice(0, slash);
}

/** Files beside the sources that project-wide results read: manifests, Dockerfiles, TypeScript configs, Terraform. */
const MARKER_FILE = /^(package\.json|[Dd]ockerfile|tsconfig.*\.json|jsconfig\.json|pnpm-workspace\.yaml|.+\.tf)$/;

/** A digest that changes when any of these files is added, removed, or modified (modification time and size). */
function stampsOf(files: readonly string[], markers: readonly string[]): string {
  const hash = createHash('sha1');
  for (const list of [files, markers]) {
    for (const file of list) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      hash.update(`${file}\0${stat ? `${stat.mtimeMs}:${stat.size}` : '-'}\n`);
    }
  }
  return hash.digest('base64');
}

/** The folders a project's listing read, by path, and the root `.gitignore` their entries were filtered with. */
interface Folders {
  gitignore: string;
  ignorer: Ignore;
  listed: Map<string, FolderEntries>;
}

/** A folder's entries as the listing keeps them: sources, marker files, and subfolders to descend into. */
interface FolderEntries {
  mtimeMs: number;
  files: string[];
  markers: string[];
  dirs: string[];
}

/**
 * Lists `dir` into `out` and `markers`. A folder whose modification time is what it was at the last listing has the
 * same entries (adding, removing or renaming an entry changes it), so its entries are taken from then: one `stat`
 * instead of reading it and matching every entry against `.gitignore` again. A folder changed in the last two
 * seconds is read again next time (a change within the file system's timestamp granularity would go unseen).
 */
function walkDir(dir: string, root: string, folders: Folders, out: string[], markers: string[], now: number): void {
  let entries = folders.listed.get(dir);
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) return;
  if (!entries || entries.mtimeMs !== stat.mtimeMs) {
    const read = readFolder(dir, root, folders.ignorer);
    if (!read) return;
    entries = { mtimeMs: stat.mtimeMs, ...read };
    if (now - stat.mtimeMs > 2000) folders.listed.set(dir, entries);
    else folders.listed.delete(dir);
  }
  for (const file of entries.files) {
    if (out.length >= MAX_LISTED_FILES) return;
    out.push(file);
  }
  markers.push(...entries.markers);
  for (const full of entries.dirs) {
    if (out.length >= MAX_LISTED_FILES) return;
    // A nested repository or workspace root is a project of its own (asked each time: what marks one is inside it).
    if (isNestedProject(full, root)) continue;
    if (OUTPUT_DIRS.has(path.basename(full)) && (exists(path.join(dir, 'package.json')) || exists(path.join(dir, 'tsconfig.json')))) continue;
    walkDir(full, root, folders, out, markers, now);
  }
}

function readFolder(dir: string, root: string, ignorer: Ignore): Omit<FolderEntries, 'mtimeMs'> | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const read: Omit<FolderEntries, 'mtimeMs'> = { files: [], markers: [], dirs: [] };
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || ignorer.ignores(`${relative}/`)) continue;
      read.dirs.push(full);
    } else if (entry.isFile() && isSourcePath(full) && !ignorer.ignores(relative)) {
      read.files.push(full);
    } else if (MARKER_FILE.test(entry.name)) {
      read.markers.push(full);
    }
  }
  return read;
}

function parseModule(file: string, text: string): ParsedModule | undefined {
  try {
    return { file, ...parseSource(file, text, { loc: false, lib: false }), text };
  } catch {
    return undefined;
  }
}

/** JSX in `.tsx` and JavaScript files only, so that `<T>x` casts keep working in `.ts`. */
export function parsesJsx(file: string): boolean {
  return /\.(tsx|jsx|js|mjs|cjs)$/.test(file);
}

/**
 * Parses like typescript-eslint's parser for ESLint, with scope analysis, but without what only ESLint needs
 * (tokens, comments, the TypeScript node maps): those would double the weight of every module read for its
 * summaries. `loc: false` drops locations too (lines are counted from `range` where needed); `lib: false` leaves
 * out the implicit variables of the standard library (globals then resolve to nothing). Without typescript-eslint
 * installed, JavaScript files are parsed with ESLint's espree and TypeScript files cannot be (an error says why).
 * Throws the parser's error (with `lineNumber` and `column`) when the text does not parse. JSX in `.tsx` and
 * JavaScript files only, so that `<T>x` casts keep working in `.ts`.
 */
/**
 * typescript-eslint's scope analysis of a tree typescript-estree made (ours or a program's), with its parents linked
 * (parsers called outside ESLint leave `parent` unset; recognition climbs parents).
 */
export function analyzeScopes(ast: TSESTree.Program, lib: boolean): { scopeManager: unknown; visitorKeys: VisitorKeys } {
  scopeManagerModule ??= require('@typescript-eslint/scope-manager') as typeof ScopeManager;
  typescriptVisitorKeys ??= (require('@typescript-eslint/visitor-keys') as typeof VisitorKeysModule).visitorKeys;
  const analysis = scopeManagerModule.analyze(ast as never, { sourceType: 'module', ...(lib ? {} : { lib: [] }) });
  walk(ast, typescriptVisitorKeys as never, () => undefined);
  return { scopeManager: analysis, visitorKeys: typescriptVisitorKeys as never };
}

export function parseSource(file: string, text: string, options: { loc: boolean; lib: boolean }): { ast: TSESTree.Program; scopeManager: unknown; visitorKeys: VisitorKeys } {
  const javascript = /\.(jsx|js|mjs|cjs)$/.test(file);
  const jsx = parsesJsx(file);
  const estree = typeScriptEstree();
  let failure: unknown;
  if (estree) {
    try {
      const ast = estree.parse(text, { filePath: file, range: true, loc: options.loc, jsx, tokens: false, comment: false, suppressDeprecatedPropertyWarnings: true }) as TSESTree.Program;
      return { ast, ...analyzeScopes(ast, options.lib) };
    } catch (error) {
      // A CommonJS script may use what strict code may not (`new Date(2000, 01, 01)`, a legacy octal): read below
      // as ESLint's parser reads a script.
      if (!javascript) throw error;
      failure = error;
    }
  }
  // No typescript-eslint: JavaScript through ESLint's own parser and scope analyser, as ESLint lints it.
  const espree = javascript ? eslintEspree() : undefined;
  const scope = espree ? eslintScopeAnalysis() : undefined;
  if (failure && (!espree || !scope)) throw failure;
  if (!espree || !scope) throw new Error(`cannot parse ${path.basename(file)}: TypeScript ${NEEDS_TYPESCRIPT_ESLINT}`);
  const sourceType = file.endsWith('.cjs') || (failure && !/^\s*(import|export)\b/m.test(text)) ? 'commonjs' : 'module';
  const ast = espree.parse(text, { ecmaVersion: 'latest', sourceType, range: true, loc: options.loc, ecmaFeatures: { jsx } }) as TSESTree.Program;
  const scopeManager = scope.analyze(ast, { ecmaVersion: espree.latestEcmaVersion ?? 2025, sourceType, childVisitorKeys: scope.keys, fallback: 'iteration' });
  walk(ast, scope.keys as never, () => undefined);
  return { ast, scopeManager, visitorKeys: scope.keys as never };
}

const packageDirs = new Map<string, string>();

/** The package a file belongs to: the nearest folder with a `package.json`, not above `root`. Cached per folder. */
export function packageDir(file: string, root: string): string {
  const start = path.dirname(file);
  const cached = packageDirs.get(start);
  if (cached !== undefined) return cached;
  let found = root;
  for (let dir = start; dir.startsWith(root); dir = path.dirname(dir)) {
    if (exists(path.join(dir, 'package.json'))) {
      found = dir;
      break;
    }
    if (dir === root) break;
  }
  packageDirs.set(start, found);
  return found;
}

function findRoot(start: string): string {
  let nearestPackage: string | undefined;
  // A Nest CLI monorepo may hold a stray copy of its nest-cli.json deeper down (`apps/nest-cli.json`): the
  // outermost one below the repository's root is the project.
  let nest: string | undefined;
  for (let dir = start; ; ) {
    const manifest = path.join(dir, 'package.json');
    if (exists(manifest)) nearestPackage ??= dir;
    const kind = rootKind(dir);
    if (kind === 'repository') return isNestMonorepo(dir) ? dir : (nest ?? dir);
    if (kind === 'nest') nest = dir;
    const parent = path.dirname(dir);
    if (parent === dir) return nest ?? nearestPackage ?? start;
    dir = parent;
  }
}

const projectRoots = new Map<string, RootKind | null>();

type RootKind = 'repository' | 'nest';

/**
 * What starts a project at a folder: a git work tree or a workspace root (`repository`), or a Nest CLI monorepo
 * (`nest`, which an outer Nest CLI monorepo contains). Cached per folder.
 */
function rootKind(dir: string): RootKind | undefined {
  let known = projectRoots.get(dir);
  if (known === undefined) {
    known = checkProjectRoot(dir) ?? null;
    projectRoots.set(dir, known);
  }
  return known ?? undefined;
}

/** Whether a folder found while listing `root` is a project of its own (its files are not `root`'s). */
function isNestedProject(dir: string, root: string): boolean {
  const kind = rootKind(dir);
  return kind === 'repository' || (kind === 'nest' && !isNestMonorepo(root));
}

function checkProjectRoot(dir: string): RootKind | undefined {
  // A git work tree, or a monorepo tool's root (also in a copy of the tree without its .git: an export, a tarball,
  // where a `.github` folder still marks the repository's root).
  if (['.git', '.github', 'pnpm-workspace.yaml', 'lerna.json', 'nx.json', 'turbo.json', 'rush.json'].some((marker) => exists(path.join(dir, marker)))) return 'repository';
  const manifest = exists(path.join(dir, 'package.json')) ? (readJson(path.join(dir, 'package.json')) as { workspaces?: unknown } | undefined) : undefined;
  if (manifest?.workspaces) return 'repository';
  return isNestMonorepo(dir) ? 'nest' : undefined;
}

function isNestMonorepo(dir: string): boolean {
  const file = path.join(dir, 'nest-cli.json');
  return exists(file) && (readJson(file) as { monorepo?: unknown } | undefined)?.monorepo === true;
}

/** The workspace patterns a repository root declares: `workspaces` (npm, yarn), `pnpm-workspace.yaml`, `lerna.json`. */
export function workspacePatterns(root: string): string[] {
  const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : []);
  const manifest = readJson(path.join(root, 'package.json')) as { workspaces?: unknown } | undefined;
  const ws = manifest?.workspaces;
  const patterns = Array.isArray(ws) ? strings(ws) : strings((ws as { packages?: unknown } | undefined)?.packages);
  const pnpm = readText(path.join(root, 'pnpm-workspace.yaml'));
  if (pnpm) for (const match of pnpm.matchAll(/^\s*-\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)) patterns.push(match[1]!);
  patterns.push(...strings((readJson(path.join(root, 'lerna.json')) as { packages?: unknown } | undefined)?.packages));
  return patterns;
}

function expandWorkspacePattern(root: string, pattern: string): string[] {
  const clean = pattern.replace(/^!.*/, '').replace(/\/+$/, '').replace(/^\.\//, '');
  if (!clean) return [];
  const segments = clean.split('/');
  let dirs = [root];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of dirs) {
      if (segment === '*' || segment === '**') {
        for (const child of listDirs(dir)) next.push(child);
      } else if (segment.includes('*')) {
        const re = new RegExp(`^${segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        for (const child of listDirs(dir)) if (re.test(path.basename(child))) next.push(child);
      } else {
        next.push(path.join(dir, segment));
      }
    }
    dirs = next;
  }
  return dirs;
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.'))
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

function withSourceExtension(base: string): string | undefined {
  for (const ext of SOURCE_EXTENSIONS) if (exists(`${base}${ext}`)) return `${base}${ext}`;
  for (const ext of SOURCE_EXTENSIONS) if (exists(path.join(base, `index${ext}`))) return path.join(base, `index${ext}`);
  return undefined;
}

/**
 * Folder → name → when it was looked at, negative when it was missing. By folder: the same few marker names are asked
 * about in every folder, and one copy of each folder's path serves them all.
 */
const existence = new Map<string, Map<string, number>>();

/** Whether a path exists; answers are kept for `LISTING_TTL` (folders' marker files and sources rarely come and go). */
export function exists(file: string): boolean {
  const now = Date.now();
  const dir = path.dirname(file);
  const name = file.slice(dir.length + 1);
  let names = existence.get(dir);
  const cached = names?.get(name);
  if (cached !== undefined && now - Math.abs(cached) < LISTING_TTL) return cached > 0;
  let value: boolean;
  try {
    fs.accessSync(file);
    value = true;
  } catch {
    value = false;
  }
  if (!names) {
    if (existence.size > 20_000) existence.clear();
    existence.set(ownString(dir), (names = new Map()));
  }
  names.set(ownString(name), value ? now : -now);
  return value;
}

function safeRealpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

const NO_SLOT: unique symbol = Symbol('no slot');

function findSlot(entry: CachedText, key: string): unknown {
  const slots = entry.slots;
  if (slots === undefined) return NO_SLOT;
  if (slots instanceof Map) return slots.has(key) ? slots.get(key) : NO_SLOT;
  for (let i = 0; i < slots.length; i += 2) if (slots[i] === key) return slots[i + 1];
  return NO_SLOT;
}

function setSlot(entry: CachedText, key: string, value: unknown): void {
  const slots = entry.slots;
  if (slots instanceof Map) {
    slots.set(key, value);
    return;
  }
  if (slots === undefined) {
    entry.slots = [key, value];
    return;
  }
  for (let i = 0; i < slots.length; i += 2) {
    if (slots[i] === key) {
      slots[i + 1] = value;
      return;
    }
  }
  // A copy rather than `push`, which would grow the list by half again plus sixteen.
  if (slots.length < FLAT_SLOTS * 2) entry.slots = [...slots, key, value];
  else entry.slots = new Map([...pairs(slots), [key, value]]);
}

function deleteSlot(entry: CachedText, key: string): void {
  const slots = entry.slots;
  if (slots instanceof Map) slots.delete(key);
  else if (slots) {
    for (let i = 0; i < slots.length; i += 2) {
      if (slots[i] === key) {
        slots.splice(i, 2);
        return;
      }
    }
  }
}

function* pairs(flat: unknown[]): Generator<[string, unknown]> {
  for (let i = 0; i < flat.length; i += 2) yield [flat[i] as string, flat[i + 1]];
}

/** One copy of each slot key, shared by every module's slots (keys are built per call, and there are few kinds). */
const slotKeys = new Map<string, string>();

function slotKey(key: string): string {
  let own = slotKeys.get(key);
  if (own === undefined) slotKeys.set((own = ownString(key)), own);
  return own;
}

/**
 * One copy of each import specifier the project's files name, shared by every file's facts (`'../logger.js'`,
 * `'@nestjs/common'` recur in most files of a repository). Forgotten with the project caches.
 */
const specifiers = new Map<string, string>();

export function sharedString(value: string): string {
  let own = specifiers.get(value);
  if (own === undefined) specifiers.set((own = ownString(value)), own);
  return own;
}

/**
 * A copy of a string that does not keep alive the text it was cut from. V8 makes a substring of 13 or more
 * characters (a regular expression's match, an identifier's name from the parser) a view into its parent: kept in
 * a long-lived cache, an import specifier would hold its whole file's text.
 */
export function ownString(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

/** A file's text, or undefined when it cannot be read. */
export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A JSON file's value, or undefined when it cannot be read or parsed. */
export function readJson(file: string): unknown {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
