/**
 * @fileoverview The type-check safety net of the codemod CLI. The files a run would change are type-checked with
 * the project's own TypeScript and `tsconfig.json` twice: once as they are, once as rewritten (one program each, the
 * second reusing the first's unchanged source files). A file whose rewrite adds a diagnostic is reverted (not
 * written) and its sites are listed with the compiler's message. Reverting can only remove diagnostics a rewrite
 * caused elsewhere, but a rewritten file may also depend on another rewritten one: the check is repeated on what is
 * kept until nothing more is reverted.
 *
 * Only the changed files' diagnostics are compared, by code and text (their lines move): the rewrites change
 * function bodies and call arguments, never exported signatures. A module the rewrite imports that is not installed
 * yet (the helpers, `@opentelemetry/api`) is not a reason to revert: the summary prints the command that installs it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TS from 'typescript';
import { findUp } from '../util/find-up.js';

export interface TypeDiagnostic {
  code: number;
  message: string;
  line: number;
  column: number;
}

export interface TypecheckResult {
  /** Set when a project's TypeScript is older than what the rewritten code needs (3.8: `?.` and `import type`). */
  oldTypeScript?: string;
  /** Files whose rewrite adds diagnostics, with the first new ones (file → diagnostics in the rewritten text). */
  reverted: Map<string, TypeDiagnostic[]>;
  /** Changed files type-checked (in some tsconfig's program). */
  checked: number;
  /** Changed files not checked, with the reason (no tsconfig.json, not included by it, no TypeScript). */
  unchecked: Map<string, string>;
  milliseconds: number;
}

const MAX_ROUNDS = 4;

/** `typescript` as the project (else this package) resolves it, when it is a version with the compiler API. */
export function loadTypeScript(from: string): { ts?: typeof TS; reason?: string } {
  for (const base of [path.join(from, 'noop.js'), import.meta.url]) {
    let ts: typeof TS;
    try {
      ts = createRequire(base)('typescript') as typeof TS;
    } catch {
      continue;
    }
    const major = Number(ts.version?.split('.')[0]);
    // The object form of createProgram and project references arrived in TypeScript 3.0.
    if (typeof ts.createProgram !== 'function' || !(major >= 3)) return { reason: `TypeScript ${ts.version ?? '(unknown version)'} has no compiler API the check can use` };
    return { ts };
  }
  return { reason: 'TypeScript is not installed' };
}

interface Project {
  ts: typeof TS;
  config: string;
  parsed: TS.ParsedCommandLine;
  files: string[];
}

function parseConfig(ts: typeof TS, config: string): TS.ParsedCommandLine | undefined {
  const host: TS.ParseConfigFileHost = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
  try {
    return ts.getParsedCommandLineOfConfigFile(config, { noEmit: true }, host);
  } catch {
    return undefined;
  }
}

/**
 * Type-checks `changes` (absolute file → rewritten text). Files are grouped by the nearest `tsconfig.json` that
 * includes them (itself or one of its project references); files outside every program are left unchecked, as
 * the project's own `tsc` would leave them.
 */
export function typecheckChanges(changes: ReadonlyMap<string, string>, cwd: string, addedModules: readonly string[] = []): TypecheckResult {
  const started = performance.now();
  const result: TypecheckResult = { reverted: new Map(), checked: 0, unchecked: new Map(), milliseconds: 0 };
  const projects = new Map<string, Project>();
  const loaded = new Map<string, { ts?: typeof TS; reason?: string }>();

  for (const file of changes.keys()) {
    const config = findUp(path.dirname(file), 'tsconfig.json');
    if (!config) {
      result.unchecked.set(file, 'no tsconfig.json');
      continue;
    }
    const dir = path.dirname(config);
    let typescript = loaded.get(dir);
    if (!typescript) loaded.set(dir, (typescript = loadTypeScript(dir)));
    const ts = typescript.ts;
    if (!ts) {
      result.unchecked.set(file, typescript.reason!);
      continue;
    }
    const project = projectIncluding(ts, config, file, projects);
    if (!project) {
      result.unchecked.set(file, `not included by ${path.relative(cwd, config) || 'tsconfig.json'}`);
      continue;
    }
    project.files.push(file);
  }

  for (const project of projects.values()) {
    if (project.files.length === 0) continue;
    result.checked += project.files.length;
    const [major = 0, minor = 0] = project.ts.version.split('.').map(Number);
    if (major < 3 || (major === 3 && minor < 8)) result.oldTypeScript = project.ts.version;
    for (const [file, diagnostics] of checkProject(project.ts, project, changes, addedModules)) result.reverted.set(file, diagnostics);
  }
  result.milliseconds = performance.now() - started;
  return result;
}

function projectIncluding(ts: typeof TS, config: string, file: string, projects: Map<string, Project>, depth = 0): Project | undefined {
  let project = projects.get(config);
  if (!project) {
    const parsed = parseConfig(ts, config);
    if (!parsed) return undefined;
    project = { ts, config, parsed, files: [] };
    projects.set(config, project);
  }
  if (project.parsed.fileNames.some((name) => path.resolve(name) === file)) return project;
  // A solution-style tsconfig (`files: []` with references): the file belongs to a referenced project.
  if (depth > 3) return undefined;
  for (const reference of project.parsed.projectReferences ?? []) {
    const referenced = ts.resolveProjectReferencePath(reference);
    const found = existsSync(referenced) ? projectIncluding(ts, path.resolve(referenced), file, projects, depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

function keyOf(ts: typeof TS, diagnostic: TS.Diagnostic): string {
  return `${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
}

function diagnosticsOf(program: TS.Program, file: string): readonly TS.Diagnostic[] {
  const source = program.getSourceFile(file);
  if (!source) return [];
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
}

/** Runs the before/after comparison for one project; returns the files to revert. */
/** "Cannot find module" and its variants: for a module the rewrite adds, the summary's install command is the fix. */
const MISSING_MODULE_CODES = new Set([2307, 2792, 7016]);

function checkProject(ts: typeof TS, project: Project, changes: ReadonlyMap<string, string>, addedModules: readonly string[]): Map<string, TypeDiagnostic[]> {
  const expected = (code: number, message: string): boolean => MISSING_MODULE_CODES.has(code) && addedModules.some((m) => message.includes(`'${m}'`));
  const options: TS.CompilerOptions = { ...project.parsed.options, noEmit: true, incremental: false, composite: false, declaration: false, tsBuildInfoFile: undefined };
  const rootNames = project.parsed.fileNames;
  const projectReferences = project.parsed.projectReferences;
  const before = ts.createProgram({ rootNames, options, projectReferences });
  const baseline = new Map<string, Map<string, number>>();
  for (const file of project.files) {
    const counts = new Map<string, number>();
    for (const diagnostic of diagnosticsOf(before, file)) {
      const key = keyOf(ts, diagnostic);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    baseline.set(file, counts);
  }

  const reverted = new Map<string, TypeDiagnostic[]>();
  let previous: TS.Program = before;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const kept = new Map(project.files.filter((f) => !reverted.has(f)).map((f) => [f, changes.get(f)!] as const));
    if (kept.size === 0) break;
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (name) => kept.get(path.resolve(name)) ?? read(name);
    host.getSourceFile = (name, languageVersion) => {
      const text = kept.get(path.resolve(name));
      if (text !== undefined) return ts.createSourceFile(name, text, languageVersion, true);
      // Unchanged files are the ones `before` already parsed: reusing them keeps the second program cheap.
      return before.getSourceFile(name) ?? ts.createSourceFile(name, read(name) ?? '', languageVersion, true);
    };
    const after = ts.createProgram({ rootNames, options, projectReferences, host, oldProgram: previous });
    previous = after;
    let revertedNow = 0;
    for (const file of kept.keys()) {
      const remaining = new Map(baseline.get(file));
      const added: TypeDiagnostic[] = [];
      for (const diagnostic of diagnosticsOf(after, file)) {
        const key = keyOf(ts, diagnostic);
        const count = remaining.get(key) ?? 0;
        if (count > 0) {
          remaining.set(key, count - 1);
          continue;
        }
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
        if (expected(diagnostic.code, message)) continue;
        const at = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : { line: 0, character: 0 };
        added.push({ code: diagnostic.code, message, line: at.line + 1, column: at.character + 1 });
      }
      if (added.length > 0) {
        reverted.set(file, added);
        revertedNow++;
      }
    }
    if (revertedNow === 0) break;
  }
  return reverted;
}
