/**
 * @fileoverview File discovery for the CLI: expands the given paths (files or directories) into the JavaScript and
 * TypeScript sources to transform. `node_modules` is always skipped. Inside a git work tree, git decides what is
 * ignored (`git ls-files --cached --others --exclude-standard`, so `.gitignore`, `.git/info/exclude` and the global
 * excludes file all apply); outside git, the `.gitignore` files found on the way are read with the `ignore` package.
 * Symbolic links met while walking are not followed, as git does not follow them either.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { gitToplevel, gitWorkTree, runGit } from './git.js';

export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** A source file the codemods can read: a supported extension and not a declaration file. */
export function isSourceFile(file: string): boolean {
  const base = path.basename(file);
  if (/\.d\.[mc]?ts$/.test(base)) return false;
  return SOURCE_EXTENSIONS.includes(path.extname(base));
}

/** True when any directory on the path is called `node_modules`. */
export function inNodeModules(file: string): boolean {
  return file.split(/[\\/]/).includes('node_modules');
}

export interface Discovery {
  /** Absolute, real paths of the files to process, sorted and without duplicates. */
  files: string[];
  /** The given paths that do not exist, as given. */
  missing: string[];
  /** Explicitly named files that were dropped (ignored, in node_modules, or not a source file), with why. */
  dropped: Array<{ path: string; reason: string }>;
  /** The git work trees the files were found in (the ones to check for uncommitted changes). */
  gitRoots: string[];
  /** Targets outside any work tree git vouches for, with why: the CLI writes there only with --force. */
  unguarded: Array<{ path: string; reason: string }>;
  /**
   * The trees being transformed, as real paths: a directory given, or the folder a given file name sits in. A file
   * reached through a symbolic link that leads out of all of them is never written.
   */
  trees: string[];
}

interface Target {
  given: string;
  /** Real absolute path. */
  real: string;
  isDirectory: boolean;
}

/** Expands `paths` (relative to `cwd`) into the source files to process. */
export async function discoverFiles(paths: readonly string[], cwd: string): Promise<Discovery> {
  const realCwd = await realpath(cwd).catch(() => path.resolve(cwd));
  const missing: string[] = [];
  const dropped: Discovery['dropped'] = [];
  const targets: Target[] = [];
  const trees: string[] = [];
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    try {
      const real = await realpath(absolute);
      const info = await stat(real);
      targets.push({ given, real, isDirectory: info.isDirectory() });
      trees.push(info.isDirectory() ? real : await realpath(path.dirname(absolute)));
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) missing.push(given);
      else throw error;
    }
  }
  if (missing.length > 0) return { files: [], missing, dropped, gitRoots: [], unguarded: [], trees };

  const found = new Set<string>();
  const gitRoots = new Set<string>();
  // Group the targets by the git work tree they live in (undefined: not in one).
  const byTree = new Map<string | undefined, Target[]>();
  const unguarded: Discovery['unguarded'] = [];
  for (const target of targets) {
    const tree = await gitWorkTree(target.isDirectory ? target.real : path.dirname(target.real));
    const top = 'toplevel' in tree ? tree.toplevel : undefined;
    if ('reason' in tree) unguarded.push({ path: target.given, reason: tree.reason });
    const group = byTree.get(top) ?? [];
    group.push(target);
    byTree.set(top, group);
  }
  for (const [top, group] of byTree) {
    if (top !== undefined) gitRoots.add(top);
    const listed = top === undefined ? await walkWithoutGit(group, realCwd, gitRoots) : await listWithGit(top, group);
    for (const file of listed) found.add(file);
    // Explicitly named files that the listing dropped: say why, so that nothing is skipped silently.
    for (const target of group) {
      if (target.isDirectory || found.has(target.real)) continue;
      const reason = !isSourceFile(target.real)
        ? 'not a JavaScript or TypeScript source file'
        : inNodeModules(path.relative(top ?? realCwd, target.real))
          ? 'inside node_modules'
          : 'ignored by .gitignore';
      dropped.push({ path: target.given, reason });
    }
  }
  return { files: [...found].sort(), missing, dropped, gitRoots: [...gitRoots].sort(), unguarded, trees };
}

async function listWithGit(top: string, targets: readonly Target[]): Promise<string[]> {
  const specs = targets.map((t) => path.relative(top, t.real) || '.');
  // --literal-pathspecs: a file called `a[1].ts` or `*.js` is that file, not a glob.
  const stdout = await runGit(top, ['--literal-pathspecs', 'ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', ...specs]);
  const files: string[] = [];
  const seen = new Set<string>();
  for (const entry of stdout.split('\0')) {
    if (!entry || seen.has(entry)) continue; // --cached and --others can both list a file (e.g. during a merge)
    seen.add(entry);
    if (!isSourceFile(entry) || inNodeModules(entry)) continue;
    const file = path.join(top, entry);
    try {
      // Tracked files deleted from the work tree are still in the index; symbolic links and submodules are skipped.
      if ((await lstat(file)).isFile()) files.push(file);
    } catch (error) {
      if (!isErrno(error, 'ENOENT') && !isErrno(error, 'ENOTDIR')) throw error;
    }
  }
  return files;
}

interface IgnoreLevel {
  dir: string;
  rules: Ignore;
}

async function walkWithoutGit(targets: readonly Target[], realCwd: string, gitRoots: Set<string>): Promise<string[]> {
  const files: string[] = [];
  for (const target of targets) {
    const start = target.isDirectory ? target.real : path.dirname(target.real);
    const levels = await ancestorIgnores(start);
    // node_modules is judged from the cwd: running inside a checkout that itself lives under a node_modules works.
    const underNodeModules = inNodeModules(path.relative(realCwd, target.real));
    if (!target.isDirectory) {
      if (isSourceFile(target.real) && !underNodeModules && !isIgnored(levels, target.real, false)) files.push(target.real);
      continue;
    }
    if (underNodeModules || isIgnored(levels.filter((l) => l.dir !== target.real), target.real, true)) continue;
    await walk(target.real, levels, files, gitRoots);
  }
  return files;
}

/**
 * The `.gitignore` files that apply to `dir`: its own and those of all its ancestors. Outside git there is no
 * repository root to stop at, so the search goes up to the file system root (running from a subdirectory must not
 * lose the project's top-level `.gitignore`).
 */
async function ancestorIgnores(dir: string): Promise<IgnoreLevel[]> {
  const dirs: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    dirs.unshift(current);
    if (path.dirname(current) === current) break;
  }
  const levels: IgnoreLevel[] = [];
  for (const d of dirs) {
    const level = await readIgnore(d);
    if (level) levels.push(level);
  }
  return levels;
}

async function readIgnore(dir: string): Promise<IgnoreLevel | undefined> {
  try {
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8');
    return { dir, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

/** gitignore semantics across files: the deepest `.gitignore` with a rule for the path decides. */
function isIgnored(levels: readonly IgnoreLevel[], file: string, isDirectory: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const relative = path.relative(level.dir, file);
    if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const result = level.rules.test(relative.split(path.sep).join('/') + (isDirectory ? '/' : ''));
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

async function walk(dir: string, inherited: readonly IgnoreLevel[], files: string[], gitRoots: Set<string>): Promise<void> {
  const own = inherited.at(-1)?.dir === dir ? undefined : await readIgnore(dir);
  const levels = own ? [...inherited, own] : inherited;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'EACCES') || isErrno(error, 'ENOENT')) return;
    throw error;
  }
  if (entries.some((e) => e.name === '.git')) {
    // A repository nested in a directory that is not itself in git: git lists it and guards it, as anywhere else.
    const top = await gitToplevel(dir);
    if (top !== undefined) {
      gitRoots.add(top);
      files.push(...(await listWithGit(top, [{ given: dir, real: dir, isDirectory: true }])));
      return;
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      if (isIgnored(levels, full, true)) continue;
      await walk(full, levels, files, gitRoots);
    } else if (entry.isFile()) {
      if (isSourceFile(entry.name) && !isIgnored(levels, full, false)) files.push(full);
    }
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
