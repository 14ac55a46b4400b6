/**
 * @fileoverview The dependencies rewritten code needs. A rewrite that imports the helpers or `@opentelemetry/api`
 * into a package whose package.json does not list them fails at run time (or, for TypeScript, at build time):
 * the summary names each such package.json with the exact install command, and `--add-deps` adds them to its
 * `dependencies`. Code that uses `@opentelemetry/api` where no SDK is set up records nothing: the summary says so
 * once, per package.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readJson } from '../core/project.js';
import { importSpecifiers } from '../core/reach.js';
import { findUp } from '../util/find-up.js';
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

/** Bare packages (not relative, absolute or `node:` modules) that `output` imports and `source` did not. */
export function newlyImported(source: string, output: string): string[] {
  const before = new Set(importSpecifiers(source));
  return importSpecifiers(output).filter((m) => !before.has(m) && !m.startsWith('.') && !path.isAbsolute(m) && !m.startsWith('node:'));
}

function readManifest(file: string): Manifest | undefined {
  return readJson(file) as Manifest | undefined;
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
  changes: ReadonlyArray<{ file: string; added: readonly string[] }>,
  helpersModule: string,
  display: (file: string) => string,
): { missing: Array<MissingDependencies & { file: string }>; noSdk: string[] } {
  const byManifest = new Map<string, Set<string>>();
  const usesApi = new Set<string>();
  // `added`: what each rewrite newly imports (newlyImported): the helpers, the API, or a client library's own export
  // (nats `headers`).
  for (const { file, added } of changes) {
    if (added.length === 0) continue;
    const manifest = findUp(path.dirname(file), 'package.json');
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
    const parsed = readManifest(file);
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
