/**
 * @fileoverview Import specifier → file, in plain JavaScript: what the project view needs of a resolver, and no more.
 * It replaced a native resolver whose addon, loaded into every lint process, cost more memory than all the rest of
 * the project view's code (see bench/README.md).
 *
 * Covered: relative and absolute paths with or without extensions; `.js`/`.mjs`/`.cjs`/`.jsx` specifiers that mean
 * `.ts`/`.mts`/`.cts`/`.tsx` files; index files; a folder's `package.json` main fields (`source`, `module`, `main`);
 * the nearest `tsconfig.json`'s `paths` and `baseUrl`, through `extends` (relative or a package's config); bare
 * specifiers through `node_modules` folders, with package `exports` (subpaths, `*` patterns, conditions `source`,
 * `types`, `import`, `require`, `node`, `default`) or main fields; `#` specifiers through package `imports`.
 * A package found in `node_modules` whose real folder is itself inside a `node_modules` folder is a dependency: its
 * folder is returned without looking further (the project view never reads dependencies). Workspace packages linked
 * into `node_modules` are followed to their real folder. Answers about the file system are cached for a while; the
 * callers cache the resolutions.
 */
import fs from 'node:fs';
import path from 'node:path';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];
const EXTENSION_ALIAS: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
  '.jsx': ['.tsx', '.jsx'],
};
const CONDITIONS = new Set(['source', 'types', 'import', 'require', 'node', 'default']);
const MAIN_FIELDS = ['source', 'module', 'main'];
/** File-system answers (kinds, manifests, tsconfigs) are trusted this long (ms). */
const TTL = 30_000;
const MAX_CACHED = 50_000;

const enum Kind {
  Missing,
  File,
  Directory,
}

interface Timed<T> {
  at: number;
  value: T;
}

function cached<T>(map: Map<string, Timed<T>>, key: string, compute: () => T): T {
  const now = Date.now();
  const hit = map.get(key);
  if (hit && now - hit.at < TTL) return hit.value;
  const value = compute();
  if (map.size > MAX_CACHED) map.clear();
  map.set(key, { at: now, value });
  return value;
}

/**
 * What a folder holds, name → kind, read with one `readdir` (a folder's entries are fewer and shorter strings than
 * the paths a resolver probes in it). Symbolic links are followed.
 */
const folders = new Map<string, Timed<Map<string, Kind> | null>>();

function listing(dir: string): Map<string, Kind> | null {
  return cached(folders, dir, () => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return null;
    }
    const names = new Map<string, Kind>();
    for (const entry of entries) {
      let kind = entry.isFile() ? Kind.File : entry.isDirectory() ? Kind.Directory : Kind.Missing;
      if (entry.isSymbolicLink()) {
        try {
          const stat = fs.statSync(path.join(dir, entry.name), { throwIfNoEntry: false });
          kind = !stat ? Kind.Missing : stat.isFile() ? Kind.File : stat.isDirectory() ? Kind.Directory : Kind.Missing;
        } catch {
          kind = Kind.Missing;
        }
      }
      if (kind !== Kind.Missing) names.set(entry.name, kind);
    }
    return names;
  });
}

function kindOf(file: string): Kind {
  const dir = path.dirname(file);
  if (dir === file) return Kind.Directory;
  return listing(dir)?.get(path.basename(file)) ?? Kind.Missing;
}

const isFile = (file: string): boolean => kindOf(file) === Kind.File;
const isDirectory = (dir: string): boolean => kindOf(dir) === Kind.Directory;

const jsons = new Map<string, Timed<unknown>>();

/** A JSON file (comments and trailing commas allowed, as in `tsconfig.json`), or undefined. */
export function readJsonc(file: string): unknown {
  return cached(jsons, file, () => {
    if (!isFile(file)) return undefined;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      try {
        return JSON.parse(stripJsonComments(text));
      } catch {
        return undefined;
      }
    }
  });
}

/** Drops comments and trailing commas outside strings. */
export function stripJsonComments(text: string): string {
  return scanJson(scanJson(text, false), true);
}

/** One string-aware pass: comments out, or (second pass, comments gone) commas before `}` or `]` out. */
function scanJson(text: string, commas: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (!commas && c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (!commas && c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (commas && c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] !== '}' && text[j] !== ']') out += c;
    } else {
      out += c;
    }
  }
  return out;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isRelative(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../') || path.isAbsolute(specifier);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** `file` as written, with an extension alias (`x.js` → `x.ts`), or with an extension added. */
function resolveFile(file: string): string | undefined {
  const ext = path.extname(file);
  const aliases = EXTENSION_ALIAS[ext];
  if (aliases) {
    const base = file.slice(0, -ext.length);
    for (const alias of aliases) if (isFile(base + alias)) return base + alias;
  } else if (isFile(file)) {
    return file;
  }
  for (const extension of EXTENSIONS) if (isFile(file + extension)) return file + extension;
  return undefined;
}

function resolveIndex(dir: string): string | undefined {
  for (const extension of EXTENSIONS) {
    const candidate = path.join(dir, `index${extension}`);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** A folder: its manifest's main fields, then its index file. */
function resolveDirectory(dir: string): string | undefined {
  if (!isDirectory(dir)) return undefined;
  const manifest = readJsonc(path.join(dir, 'package.json'));
  if (isRecord(manifest)) {
    for (const field of MAIN_FIELDS) {
      const main = manifest[field];
      if (typeof main !== 'string' || main === '') continue;
      const target = path.resolve(dir, main);
      const found = resolveFile(target) ?? (target !== dir ? resolveIndex(target) : undefined);
      if (found) return found;
    }
  }
  return resolveIndex(dir);
}

function resolvePath(file: string): string | undefined {
  return resolveFile(file) ?? resolveDirectory(file);
}

/** The target of a package's `exports` or `imports` for a subpath (`.`, `./kafka`, `#config`). */
function resolveMapped(pkgDir: string, map: unknown, subpath: string, fromDir: string): string | undefined {
  // `exports: "./x.js"`, an array, or conditions at the top level all stand for `.`.
  const keyed = isRecord(map) && Object.keys(map).some((k) => k.startsWith('.') || k.startsWith('#'));
  const entries: Record<string, unknown> = keyed ? (map as Record<string, unknown>) : { '.': map };
  if (Object.prototype.hasOwnProperty.call(entries, subpath) && !subpath.includes('*')) return resolveTarget(pkgDir, entries[subpath], undefined, fromDir);
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(entries)) {
    const star = key.indexOf('*');
    if (star >= 0) {
      const prefix = key.slice(0, star);
      const suffix = key.slice(star + 1);
      if (subpath.length >= key.length && subpath.startsWith(prefix) && subpath.endsWith(suffix) && (!best || prefix.length > best.key.indexOf('*'))) {
        best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
      }
    } else if (key.endsWith('/') && subpath.startsWith(key) && (!best || key.length > best.key.length)) {
      best = { key, match: subpath.slice(key.length) };
    }
  }
  if (!best) return undefined;
  return resolveTarget(pkgDir, entries[best.key], best.key.includes('*') ? best.match : undefined, fromDir, best.key.includes('*') ? undefined : best.match);
}

function resolveTarget(pkgDir: string, target: unknown, star: string | undefined, fromDir: string, rest?: string): string | undefined {
  if (typeof target === 'string') {
    let written = star === undefined ? target : target.split('*').join(star);
    if (rest !== undefined) written += rest;
    if (!written.startsWith('./')) return written.startsWith('.') || path.isAbsolute(written) ? undefined : resolveBare(fromDir, written);
    return resolveFile(path.join(pkgDir, written));
  }
  if (Array.isArray(target)) {
    for (const entry of target) {
      const found = resolveTarget(pkgDir, entry, star, fromDir, rest);
      if (found) return found;
    }
    return undefined;
  }
  if (isRecord(target)) {
    // Conditions in the manifest's order; a condition whose target is missing gives way to the next one.
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = resolveTarget(pkgDir, value, star, fromDir, rest);
      if (found) return found;
    }
  }
  return undefined;
}

/** A package folder (its real folder when it is linked) and a subpath (`''`, `/kafka`). */
function resolvePackage(pkgDir: string, subpath: string): string | undefined {
  const manifest = readJsonc(path.join(pkgDir, 'package.json'));
  if (isRecord(manifest) && manifest['exports'] !== undefined && manifest['exports'] !== null) {
    return resolveMapped(pkgDir, manifest['exports'], `.${subpath}`, pkgDir);
  }
  return subpath ? resolvePath(path.join(pkgDir, subpath)) : resolveDirectory(pkgDir);
}

const realFolders = new Map<string, Timed<string | undefined>>();

function realFolder(dir: string): string | undefined {
  return cached(realFolders, dir, () => {
    try {
      return fs.realpathSync(dir);
    } catch {
      return undefined;
    }
  });
}

const inNodeModules = (file: string): boolean => file.split(path.sep).includes('node_modules');

/** A bare specifier through the `node_modules` folders above `fromDir`. */
function resolveBare(fromDir: string, specifier: string): string | undefined {
  const name = packageName(specifier);
  const subpath = specifier.slice(name.length);
  // A package importing itself by name, through its own `exports`.
  const own = nearestManifest(fromDir);
  if (own && own.manifest['name'] === name && own.manifest['exports'] !== undefined && own.manifest['exports'] !== null) {
    const found = resolveMapped(own.dir, own.manifest['exports'], `.${subpath}`, own.dir);
    if (found) return found;
  }
  for (let dir = fromDir; ; ) {
    if (path.basename(dir) !== 'node_modules') {
      const pkgDir = path.join(dir, 'node_modules', name);
      if (isDirectory(pkgDir)) {
        const real = realFolder(pkgDir);
        // A dependency (not a workspace link): known to be one, which is all the project view asks.
        if (!real || inNodeModules(real)) return pkgDir;
        return resolvePackage(real, subpath);
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function nearestManifest(fromDir: string): { dir: string; manifest: Record<string, unknown> } | undefined {
  for (let dir = fromDir; ; ) {
    const manifest = readJsonc(path.join(dir, 'package.json'));
    if (isRecord(manifest)) return { dir, manifest };
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `#x` through the `imports` of the nearest `package.json`. */
function resolveImports(fromDir: string, specifier: string): string | undefined {
  const own = nearestManifest(fromDir);
  return own && own.manifest['imports'] !== undefined ? resolveMapped(own.dir, own.manifest['imports'], specifier, own.dir) : undefined;
}

interface TsconfigPaths {
  baseUrl?: string;
  paths?: Record<string, unknown>;
  /** The folder `paths` are relative to when there is no `baseUrl`: that of the config that declares them. */
  pathsDir?: string;
  allowJs?: boolean;
}

const tsconfigs = new Map<string, Timed<TsconfigPaths | undefined>>();

/** The `paths`/`baseUrl` of a tsconfig file, through its `extends` chain. */
function loadTsconfig(file: string, seen: Set<string> = new Set()): TsconfigPaths | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const json = readJsonc(file);
  if (!isRecord(json)) return undefined;
  const dir = path.dirname(file);
  const result: TsconfigPaths = {};
  const bases = typeof json['extends'] === 'string' ? [json['extends']] : Array.isArray(json['extends']) ? json['extends'] : [];
  for (const base of bases) {
    if (typeof base !== 'string') continue;
    const baseFile = tsconfigExtends(dir, base);
    const inherited = baseFile ? loadTsconfig(baseFile, seen) : undefined;
    if (inherited) Object.assign(result, Object.fromEntries(Object.entries(inherited).filter(([, v]) => v !== undefined)));
  }
  const options = isRecord(json['compilerOptions']) ? json['compilerOptions'] : {};
  if (typeof options['allowJs'] === 'boolean') result.allowJs = options['allowJs'];
  if (typeof options['baseUrl'] === 'string') result.baseUrl = path.resolve(dir, options['baseUrl']);
  if (isRecord(options['paths'])) {
    result.paths = options['paths'];
    result.pathsDir = dir;
  }
  return result;
}

/** The file an `extends` entry names: a path (`.json` optional) or a package's config. */
function tsconfigExtends(dir: string, base: string): string | undefined {
  if (isRelative(base)) {
    const file = path.resolve(dir, base);
    if (isFile(file)) return file;
    if (isFile(`${file}.json`)) return `${file}.json`;
    return undefined;
  }
  const name = packageName(base);
  const subpath = base.slice(name.length);
  for (let at = dir; ; ) {
    const pkgDir = path.join(at, 'node_modules', name);
    if (isDirectory(pkgDir)) {
      if (subpath) {
        for (const candidate of [pkgDir + subpath, `${pkgDir}${subpath}.json`, path.join(pkgDir + subpath, 'tsconfig.json')]) if (isFile(candidate)) return candidate;
        return undefined;
      }
      const manifest = readJsonc(path.join(pkgDir, 'package.json'));
      const field = isRecord(manifest) && typeof manifest['tsconfig'] === 'string' ? manifest['tsconfig'] : 'tsconfig.json';
      const file = path.join(pkgDir, field);
      return isFile(file) ? file : undefined;
    }
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}

const nearestTsconfig = new Map<string, Timed<string | null>>();

/** The `tsconfig.json` nearest above a folder, as TypeScript's editor support finds it. */
/**
 * The nearest `tsconfig.json` above a folder that compiles the importing file: a JavaScript file skips configs
 * without `allowJs`, as TypeScript leaves it out of their programs.
 */
function tsconfigFor(dir: string, javascript: boolean): TsconfigPaths | undefined {
  for (let file = tsconfigFileAbove(dir); file; ) {
    const found = file;
    const config = cached(tsconfigs, found, () => loadTsconfig(found));
    if (!javascript || config?.allowJs === true) return config;
    const parent = path.dirname(path.dirname(found));
    file = parent === path.dirname(found) ? undefined : tsconfigFileAbove(parent);
  }
  return undefined;
}

function tsconfigFileAbove(dir: string): string | undefined {
  return (
    cached(nearestTsconfig, dir, () => {
      const here = path.join(dir, 'tsconfig.json');
      if (isFile(here)) return here;
      const parent = path.dirname(dir);
      return parent === dir ? null : (tsconfigFileAbove(parent) ?? null);
    }) ?? undefined
  );
}

/** `paths` as TypeScript applies them: an exact key first, else the pattern with the longest prefix. */
function resolveTsconfigPaths(config: TsconfigPaths, specifier: string): string | undefined {
  const paths = config.paths;
  const base = config.baseUrl ?? config.pathsDir;
  if (!paths || !base) return undefined;
  let targets: unknown;
  let match = '';
  if (Object.prototype.hasOwnProperty.call(paths, specifier) && !specifier.includes('*')) {
    targets = paths[specifier];
  } else {
    let bestPrefix = -1;
    for (const key of Object.keys(paths)) {
      const star = key.indexOf('*');
      if (star < 0) continue;
      const prefix = key.slice(0, star);
      const suffix = key.slice(star + 1);
      if (prefix.length > bestPrefix && specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix)) {
        bestPrefix = prefix.length;
        targets = paths[key];
        match = specifier.slice(prefix.length, specifier.length - suffix.length);
      }
    }
  }
  if (!Array.isArray(targets)) return undefined;
  for (const target of targets) {
    if (typeof target !== 'string') continue;
    const found = resolvePath(path.resolve(base, target.split('*').join(match)));
    if (found) return found;
  }
  return undefined;
}

/**
 * The file `specifier` denotes when imported from `from` (an absolute file path), or undefined. A dependency
 * installed in `node_modules` resolves to its folder there; a workspace package linked there, to its real file.
 */
export function resolveModule(from: string, specifier: string): string | undefined {
  if (!specifier || specifier.startsWith('node:')) return undefined;
  const dir = path.dirname(from);
  if (isRelative(specifier)) return resolvePath(path.resolve(dir, specifier));
  if (specifier.startsWith('#')) return resolveImports(dir, specifier);
  const config = tsconfigFor(dir, /\.(js|jsx|mjs|cjs)$/.test(from));
  if (config) {
    const viaPaths = resolveTsconfigPaths(config, specifier);
    if (viaPaths) return viaPaths;
    if (config.baseUrl) {
      const viaBase = resolvePath(path.resolve(config.baseUrl, specifier));
      if (viaBase) return viaBase;
    }
  }
  return resolveBare(dir, specifier);
}

/** Forgets every cached answer about the file system (tests that rewrite files in place). */
export function resetModuleResolution(): void {
  folders.clear();
  jsons.clear();
  realFolders.clear();
  tsconfigs.clear();
  nearestTsconfig.clear();
}
