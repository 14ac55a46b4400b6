/**
 * @fileoverview The dependencies rewritten code needs. A rewrite that imports the helpers or `@opentelemetry/api`
 * into a package whose package.json does not list them fails at run time (or, for TypeScript, at build time):
 * the summary names each such package.json with the exact install command, and `--add-deps` adds them to its
 * `dependencies`. Code that uses `@opentelemetry/api` where no SDK is set up records nothing: the summary says so
 * once, per package.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageJson } from '../util/package-info.js';
import { writeFileAtomic } from './write.js';

const OTEL_API = '@opentelemetry/api';
/** The range added for `@opentelemetry/api`: the helpers' peer range. */
const OTEL_API_RANGE = '^1.4.0';

/** Packages that register an OpenTelemetry SDK (a tracer provider) when a service starts. */
const SDK_PACKAGES = [
  /^@opentelemetry\/sdk-(node|trace-node|trace-base|trace-web)$/,
  /^@opentelemetry\/auto-instrumentations-node$/,
  /^@vercel\/otel$/,
  /^@azure\/monitor-opentelemetry$/,
  /^@splunk\/otel$/,
  /^@honeycombio\/opentelemetry-node$/,
  /^@sentry\/(node|nestjs)$/,
  /^dd-trace$/,
  /^@google-cloud\/opentelemetry-/,
  /^@aws\/aws-distro-opentelemetry-node-autoinstrumentation$/,
];

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

type Manifest = Partial<Record<(typeof DEPENDENCY_FIELDS)[number], Record<string, string>>> & { workspaces?: unknown };

export interface MissingDependencies {
  /** The package.json (relative to the cwd) that does not list them. */
  packageJson: string;
  modules: string[];
  /** The command that installs them, run in the package's folder. */
  command: string;
  /** What --add-deps wrote into it (the rest of `modules` is left to the project). */
  added?: string[];
}

export interface DependencyReport {
  missing: MissingDependencies[];
  /** package.json files (relative) of packages that import the API but set up no SDK. */
  noSdk: string[];
}

/** Bare module specifiers a text imports or requires. */
function importedModules(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) found.add(match[1]!);
  return found;
}

/** Bare modules `output` imports that `source` did not. */
export function newlyImported(source: string, output: string): string[] {
  const before = importedModules(source);
  return [...importedModules(output)].filter((m) => !before.has(m) && !m.startsWith('.') && !path.isAbsolute(m));
}

function nearestManifest(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function lists(manifest: Manifest, name: string): boolean {
  return DEPENDENCY_FIELDS.some((field) => manifest[field]?.[name] !== undefined);
}

/** `npm install`, `pnpm add`, `yarn add` or `bun add`, from the lockfile found at or above `dir`. */
export function installCommand(dir: string, modules: readonly string[]): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'pnpm-lock.yaml'))) return `pnpm add ${modules.join(' ')}`;
    if (existsSync(path.join(current, 'yarn.lock'))) return `yarn add ${modules.join(' ')}`;
    if (existsSync(path.join(current, 'bun.lockb')) || existsSync(path.join(current, 'bun.lock'))) return `bun add ${modules.join(' ')}`;
    if (existsSync(path.join(current, 'package-lock.json')) || path.dirname(current) === current) break;
  }
  return `npm install ${modules.join(' ')}`;
}

/**
 * What the rewritten files need that their package.json files do not list. `helpersModule` is the module the
 * helpers were imported from (a relative path is the project's own file: nothing to install).
 */
export function missingDependencies(
  changes: ReadonlyArray<{ file: string; source: string; output: string }>,
  helpersModule: string,
  display: (file: string) => string,
): { missing: Array<MissingDependencies & { file: string }>; noSdk: string[] } {
  const isPackage = (m: string): boolean => !m.startsWith('.') && !path.isAbsolute(m) && !m.startsWith('node:');
  const byManifest = new Map<string, Set<string>>();
  const usesApi = new Set<string>();
  for (const { file, source, output } of changes) {
    const before = importedModules(source);
    const after = importedModules(output);
    // What the rewrite newly imports: the helpers, the API, or a client library's own export (nats `headers`).
    const added = [...after].filter((m) => isPackage(m) && !before.has(m));
    if (added.length === 0) continue;
    const manifest = nearestManifest(file);
    if (!manifest) continue;
    if (added.some((m) => m === helpersModule || m === OTEL_API)) usesApi.add(manifest);
    const parsed = readManifest(manifest);
    if (!parsed) continue;
    for (const module of added) {
      // A module the helpers need comes with them; the API is their peer, so it is listed too.
      for (const needed of module === helpersModule ? [module, OTEL_API] : [module]) {
        if (!lists(parsed, needed)) byManifest.set(manifest, (byManifest.get(manifest) ?? new Set()).add(needed));
      }
    }
  }
  const missing = [...byManifest].map(([manifest, modules]) => {
    const sorted = [...modules].sort();
    return { packageJson: display(manifest), modules: sorted, command: installCommand(path.dirname(manifest), sorted), file: manifest };
  });
  const noSdk = [...usesApi].filter((manifest) => !hasSdk(manifest)).map(display);
  return { missing, noSdk };
}

/** An SDK listed by the package or by the repository root above it (where a monorepo's bootstrap often lives). */
function hasSdk(manifest: string): boolean {
  for (let dir = path.dirname(manifest); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const parsed = existsSync(file) ? readManifest(file) : undefined;
    if (parsed && DEPENDENCY_FIELDS.some((field) => Object.keys(parsed[field] ?? {}).some((name) => SDK_PACKAGES.some((p) => p.test(name))))) return true;
    if (existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return false;
  }
}

/** The version range added for a module: the helpers at the range this plugin depends on. */
function rangeFor(module: string, helpersModule: string): string | undefined {
  if (module === OTEL_API) return OTEL_API_RANGE;
  if (module === helpersModule) return packageJson.dependencies?.['trace-propagation-helpers'] ?? '*';
  return undefined; // a client library's version is the project's choice: the summary names it
}

/**
 * `--add-deps`: adds the missing modules to each package.json's `dependencies` (sorted, as npm writes them),
 * keeping its indentation and final newline, written atomically like the sources.
 */
export async function addDependencies(file: string, modules: readonly string[], helpersModule: string): Promise<string[]> {
  const addable = modules.filter((m) => rangeFor(m, helpersModule) !== undefined);
  if (addable.length === 0) return [];
  const text = readFileSync(file, 'utf8');
  const manifest = JSON.parse(text) as Record<string, unknown>;
  const indent = /^(\s+)"/m.exec(text)?.[1] ?? '  ';
  const dependencies = { ...((manifest.dependencies as Record<string, string> | undefined) ?? {}) };
  for (const module of addable) dependencies[module] ??= rangeFor(module, helpersModule)!;
  manifest.dependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const json = JSON.stringify(manifest, null, indent).replace(/\n/g, eol);
  await writeFileAtomic(file, text.endsWith('\n') ? `${json}${eol}` : json);
  return addable;
}
