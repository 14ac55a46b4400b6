/**
 * @fileoverview The repository as the audit sees it, loaded with ts-morph: every `tsconfig` (and the projects it
 * references), which source files each includes, the workspace packages, and with `--types` one TypeScript program
 * per project, whose checker then resolves receivers and injected services. Files no tsconfig includes (plain
 * JavaScript folders, scripts) are audited with the syntactic project view. The files themselves are listed by the
 * caller (`.gitignore` and `node_modules` respected); this module never lists folders of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as ts from 'typescript';
import { readJson, workspacePatterns } from '../core/project.js';

type TsMorph = typeof import('ts-morph');

let tsMorph: TsMorph | undefined;

async function loadTsMorph(): Promise<TsMorph> {
  tsMorph ??= (await import('ts-morph')) as TsMorph;
  return tsMorph;
}

export interface TsProject {
  /** The tsconfig file (absolute). */
  config: string;
  /** The source files it includes that are being audited (absolute). */
  files: string[];
  /** Set when the tsconfig could not be read: its files are audited without it. */
  error?: string;
}

export interface RepositoryView {
  root: string;
  projects: TsProject[];
  /** Audited files that no tsconfig includes. */
  outside: string[];
  /** Workspace package folder (absolute) → package name. */
  packages: Map<string, string>;
  /** The `outDir`s of the projects (absolute): build output, not source. */
  outDirs: string[];
  /**
   * The TypeScript program of a project (`--types` only), built on demand by ts-morph; `release` drops it once its
   * files are done, so that a monorepo holds one program at a time.
   */
  program(project: TsProject): ts.Program | undefined;
  release(project: TsProject): void;
}

const CONFIG_NAME = /^tsconfig(\.[\w-]+)?\.json$/;
/** Test-only configs: their files are left out of the audit anyway. */
const TEST_CONFIG = /\.(spec|test|e2e)\.json$/;

export async function loadRepository(root: string, files: readonly string[], options: { types: boolean }): Promise<RepositoryView> {
  const { ts: typescript, Project } = await loadTsMorph();
  const audited = new Set(files);
  const projects: TsProject[] = [];
  const seen = new Set<string>();
  const owner = new Map<string, TsProject>();
  const outDirs = new Set<string>();

  const read = (config: string): void => {
    if (seen.has(config)) return;
    seen.add(config);
    const host = { ...typescript.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
    let parsed: ts.ParsedCommandLine | undefined;
    try {
      parsed = typescript.getParsedCommandLineOfConfigFile(config, {}, host as never) as unknown as ts.ParsedCommandLine | undefined;
    } catch (error) {
      projects.push({ config, files: [], error: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (!parsed) {
      projects.push({ config, files: [], error: 'cannot be read' });
      return;
    }
    const project: TsProject = { config, files: [] };
    const outDir = parsed.options.outDir;
    if (outDir && path.resolve(outDir) !== path.dirname(config)) outDirs.add(path.resolve(outDir));
    for (const name of parsed.fileNames) {
      const file = path.resolve(name);
      if (!audited.has(file) || owner.has(file)) continue;
      owner.set(file, project);
      project.files.push(file);
    }
    projects.push(project);
    for (const reference of parsed.projectReferences ?? []) {
      const target = fs.existsSync(reference.path) && fs.statSync(reference.path).isDirectory() ? path.join(reference.path, 'tsconfig.json') : reference.path;
      if (fs.existsSync(target)) read(path.resolve(target));
    }
  };

  for (const config of configsNear(root, files)) read(config);

  const programs = new Map<TsProject, ts.Program>();
  return {
    root,
    projects: projects.filter((p) => p.files.length > 0 || p.error),
    outside: files.filter((file) => !owner.has(file)),
    packages: workspacePackages(root, files),
    outDirs: [...outDirs],
    program(project) {
      if (!options.types || project.error) return undefined;
      let program = programs.get(project);
      if (!program) {
        const morph = new Project({ tsConfigFilePath: project.config, skipAddingFilesFromTsConfig: false });
        program = morph.getProgram().compilerObject as unknown as ts.Program;
        programs.set(project, program);
      }
      return program;
    },
    release(project) {
      programs.delete(project);
    },
  };
}

/**
 * The tsconfig files that describe the audited files: in every folder from a file up to the root, its
 * `tsconfig.json`, or where there is none, its other `tsconfig.*.json` (a Nest app's `tsconfig.app.json`), test
 * configs excepted. Nearest folders first, so that a package's own config claims its files before the root's.
 */
function configsNear(root: string, files: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (dirs.has(dir)) break;
      dirs.add(dir);
      if (dir === root || !dir.startsWith(root + path.sep)) break;
    }
  }
  const byDepth = [...dirs].sort((a, b) => b.split(path.sep).length - a.split(path.sep).length || a.localeCompare(b));
  const configs: string[] = [];
  for (const dir of byDepth) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((name) => CONFIG_NAME.test(name) && !TEST_CONFIG.test(name)).sort();
    } catch {
      continue;
    }
    if (names.includes('tsconfig.json')) configs.push(path.join(dir, 'tsconfig.json'));
    else configs.push(...names.map((name) => path.join(dir, name)));
  }
  return configs;
}

/**
 * The workspace packages: the folders with a `package.json` that the root's `workspaces` (npm, yarn), a
 * `pnpm-workspace.yaml` or `lerna.json` name, found among the audited files' folders. Folder → package name.
 */
export function workspacePackages(root: string, files: readonly string[]): Map<string, string> {
  // Negated patterns only exclude; `./packages/` is `packages`.
  const patterns = workspacePatterns(root).filter((p) => !p.startsWith('!')).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
  const packages = new Map<string, string>();
  if (patterns.length === 0) return packages;
  const matchers = patterns.map(globToRegExp);
  const checked = new Set<string>();
  for (const file of files) {
    for (let dir = path.dirname(file); dir.startsWith(root + path.sep) && !checked.has(dir); dir = path.dirname(dir)) {
      checked.add(dir);
      const relative = path.relative(root, dir).split(path.sep).join('/');
      if (!matchers.some((m) => m.test(relative))) continue;
      const manifest = readObject(path.join(dir, 'package.json'));
      if (manifest) packages.set(dir, typeof manifest['name'] === 'string' ? manifest['name'] : relative);
    }
  }
  return packages;
}

/** `packages/*` → one folder level; `services/**` → any depth. */
function globToRegExp(glob: string): RegExp {
  const source = glob.split('/').map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))).join('/');
  return new RegExp(`^${source}$`);
}

function readObject(file: string): Record<string, unknown> | undefined {
  const value = readJson(file);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
