/**
 * @fileoverview `trace-propagation`: the command line around the codemods.
 *
 *   trace-propagation codemod <name> <paths...> [--dry] [--force] [--helpers-module <spec>] [--helper a=b]...
 *   trace-propagation list
 *
 * `main` returns the exit code and never exits the process itself (bin/trace-propagation.js does), so it can be
 * run in-process by tests with captured streams.
 */
import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { codemods, mayHoldSites, ParseError, transformSource, type CodemodName, type SiteResult } from '../codemods/engine.js';
import { CANONICAL_HELPERS, DEFAULT_CONFIG_FILE, isRelativeSpecifier, loadConfigFile, mergeOptions, optionsForFile, parseHelperFlags, UsageError, type ResolvedOptions } from './config.js';
import { EslintSettings } from './eslint-settings.js';
import { discoverFiles } from './files.js';
import { dirtyTrees } from './git.js';
import { Progress, progressWanted, type OutputStream } from './progress.js';
import { emptySummary, EXIT_ERROR, EXIT_LEFT, EXIT_OK, exitCodeFor, formatJson, formatSummary, type RunSummary } from './report.js';
import { HELPERS_MODULE } from '../core/otel.js';
import { isTestFile } from '../core/test-files.js';
import { addDependencies, installCommand, missingDependencies, newlyImported } from './deps.js';
import { formatLikeProject } from './format.js';
import { typecheckChanges } from './typecheck.js';
import { writeFileAtomic, WriteRefused } from './write.js';
import { AUDIT_FORMATS, DEFAULT_BASELINE, FAIL_ON, runAudit } from './audit.js';
import { conventionsFile } from '../conventions.js';
import { Project } from '../core/project.js';

/** The repository root the core sees a file in (where trace-conventions.yaml lives). */
function projectRootOf(file: string): string {
  return Project.forFile(file)?.root ?? path.dirname(file);
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  cwd: string;
}

const OPTIONS = {
  dry: { type: 'boolean' },
  check: { type: 'boolean' },
  force: { type: 'boolean' },
  'helpers-module': { type: 'string' },
  helper: { type: 'string', multiple: true },
  config: { type: 'string' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  'no-eslint-config': { type: 'boolean' },
  types: { type: 'boolean' },
  'no-typecheck': { type: 'boolean' },
  'drop-payload-ids': { type: 'boolean' },
  strict: { type: 'boolean' },
  'add-deps': { type: 'boolean' },
  'include-tests': { type: 'boolean' },
  'no-prettier': { type: 'boolean' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'fail-on': { type: 'string' },
  baseline: { type: 'string' },
  'update-baseline': { type: 'boolean' },
  'link-base': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwd = io.cwd ?? process.cwd();
  const fail = (message: string, withUsageHint = true): number => {
    stderr.write(`trace-propagation: ${message}\n${withUsageHint ? "Run 'trace-propagation --help' for usage.\n" : ''}`);
    return EXIT_ERROR;
  };

  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    return fail((error as Error).message.split('\n')[0]!);
  }

  if (flags.version) {
    stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const [command, ...rest] = positionals;
  if (flags.help || command === 'help') {
    stdout.write(usage());
    return EXIT_OK;
  }
  if (command === undefined) {
    stderr.write(usage());
    return EXIT_ERROR;
  }
  if (command === 'list') {
    if (rest.length > 0) return fail(`'list' takes no arguments`);
    if (flags.json) stdout.write(`${JSON.stringify(codemods.map(({ name, title, rules }) => ({ name, title, rules })), null, 2)}\n`);
    else {
      const width = Math.max(...codemods.map((c) => c.name.length));
      for (const c of codemods) stdout.write(`${c.name.padEnd(width)}  ${c.title}\n`);
    }
    return EXIT_OK;
  }
  if (command === 'audit') {
    try {
      return await runAudit(rest, flags, { stdout: stdout as OutputStream & { isTTY?: boolean }, stderr, cwd });
    } catch (error) {
      if (error instanceof UsageError) return fail(error.message, false);
      return fail(error instanceof Error ? error.message : String(error), false);
    }
  }
  if (command !== 'codemod') return fail(`unknown command '${command}' (expected 'codemod', 'audit', 'list' or 'help')`);
  const auditOnly = (['format', 'output', 'fail-on', 'baseline', 'update-baseline', 'link-base'] as const).filter((f) => flags[f] !== undefined);
  if (auditOnly.length > 0) return fail(`--${auditOnly[0]} is an option of 'audit', not of 'codemod'`);

  const [name, ...paths] = rest;
  if (name === undefined) return fail(`missing codemod name (one of: ${codemods.map((c) => c.name).join(', ')})`);
  const info = codemods.find((c) => c.name === name);
  if (!info) return fail(`unknown codemod '${name}' (one of: ${codemods.map((c) => c.name).join(', ')})`);
  if (paths.length === 0) return fail(`missing paths: which files or directories should '${name}' transform?`);

  let options: ResolvedOptions;
  try {
    const file = await loadConfigFile(flags.config, cwd);
    options = mergeOptions(file?.options, { helpersModule: flags['helpers-module'], helperNames: parseHelperFlags(flags.helper ?? []) }, cwd);
    if (flags.types) options = { ...options, useTypeInformation: true };
    if (flags['drop-payload-ids']) options = { ...options, dropPayloadIds: true };
    if (flags.strict) options = { ...options, strict: true };
    if (options.useTypeInformation) options = { ...options, tsconfigRootDir: options.tsconfigRootDir ?? cwd };
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message, false);
    throw error;
  }

  try {
    return await runCodemod(info.name, paths, options, flags, { stdout, stderr, cwd });
  } catch (error) {
    // I/O trouble outside any single file (git failing, an unreadable directory): report it, exit 2.
    return fail(error instanceof Error ? error.message : String(error), false);
  }
}

async function runCodemod(name: CodemodName, paths: readonly string[], options: ResolvedOptions, flags: Flags, io: CliIO): Promise<number> {
  const { stdout, stderr } = io;
  // --check: a dry run for CI that prints no diff and fails when anything would change.
  const check = flags.check === true;
  const dry = flags.dry === true || check;
  const json = flags.json === true;
  const discovery = await discoverFiles(paths, io.cwd);
  if (discovery.missing.length > 0) {
    for (const missing of discovery.missing) stderr.write(`trace-propagation: ${missing}: no such file or directory\n`);
    return EXIT_ERROR;
  }
  for (const dropped of discovery.dropped) stderr.write(`trace-propagation: ${dropped.path}: skipped, ${dropped.reason}\n`);

  if (!dry && !flags.force && discovery.files.length > 0) {
    // Fail closed: write only where git can show and undo the changes, on a clean work tree.
    const dirty = await dirtyTrees(discovery.gitRoots);
    for (const tree of dirty) {
      stderr.write(
        `trace-propagation: refusing to write: the git work tree ${tree.toplevel} has uncommitted changes ` +
          `(${tree.total} path${tree.total === 1 ? '' : 's'}):\n${tree.changes.map((l) => `  ${l}\n`).join('')}` +
          (tree.total > tree.changes.length ? `  ...\n` : ''),
      );
    }
    for (const { path: given, reason } of discovery.unguarded) stderr.write(`trace-propagation: refusing to write: ${given}: ${reason}.\n`);
    if (dirty.length > 0 || discovery.unguarded.length > 0) {
      stderr.write(
        dirty.length > 0
          ? "Commit or stash them first, so that the codemod's changes can be reviewed and undone on their own (--dry shows them), or pass --force.\n"
          : 'Run it on a committed git work tree (--dry shows the changes), or pass --force.\n',
      );
      return EXIT_ERROR;
    }
  }


  const displayBase = await realpath(io.cwd).catch(() => path.resolve(io.cwd));
  const display = (file: string): string => {
    const relative = path.relative(displayBase, file);
    return (relative.startsWith('..') || path.isAbsolute(relative) ? file : relative).split(path.sep).join('/');
  };

  const summary: RunSummary = emptySummary(name, dry);
  if (dry && json) summary.diffs = [];
  const progress = new Progress(stderr, discovery.files.length, !json && progressWanted(stderr, discovery.files.length, flags['no-progress'] === true));
  const failed = (file: string, reason: string): void => {
    summary.files.failed++;
    summary.failed.push({ path: display(file), reason });
    progress.log(`${display(file)}: ${reason}`);
  };

  // The project's ESLint config, where there is one, states the shared settings for each file; flags still win.
  const eslintSettings = flags['no-eslint-config'] ? undefined : new EslintSettings(io.cwd);
  async function optionsWithEslintSettings(file: string): Promise<ResolvedOptions> {
    const shared = await eslintSettings?.for(file);
    // The strict rules on in the project's ESLint config: `all` forwards correlation IDs too.
    const strict = eslintSettings?.ruleOn(file, 'trace-propagation/require-correlation-id') === true || options.strict === true;
    const conventions = shared?.conventions ?? options.conventions ?? conventionsFile(projectRootOf(file));
    if (!shared || Object.keys(shared).length === 0) return { ...options, strict, conventions };
    const { crossFile: _crossFile, ...rest } = shared;
    const base: ResolvedOptions = { ...rest, useTypeInformation: options.useTypeInformation, tsconfigRootDir: options.tsconfigRootDir, dropPayloadIds: options.dropPayloadIds, strict, conventions };
    if (rest.helpersModule && isRelativeSpecifier(rest.helpersModule)) base.helpersModuleBase = io.cwd;
    return mergeOptions(base, { helpersModule: flags['helpers-module'], helperNames: parseHelperFlags(flags.helper ?? []) }, io.cwd);
  }

  // Every file is transformed in memory first; nothing is printed or written before the type check has run.
  const pending: PendingChange[] = [];
  // Test, spec and benchmark code is left out, as the recommended configs leave it out of linting (a file named
  // on the command line is always transformed).
  const named = new Set(paths.map((p) => path.resolve(io.cwd, p)));
  const isTest = (file: string): boolean => !flags['include-tests'] && !named.has(file) && isTestFile(display(file));
  for (const file of discovery.files) {
    if (isTest(file)) {
      summary.files.tests++;
      continue;
    }
    summary.files.scanned++;
    await processFile(file);
    progress.tick();
  }
  progress.finish();

  async function processFile(file: string): Promise<void> {
    const shown = display(file);
    let bytes: Buffer;
    try {
      // Read synchronously: files are transformed one after another, and an await per file (a thread-pool round
      // trip each) left the process idle for a tenth of a corpus run.
      bytes = readFileSync(file);
    } catch (error) {
      failed(file, `cannot read: ${errorMessage(error)}`);
      return;
    }
    const source = bytes.toString('utf8');
    // With type information a client may come typed from another module: every file is parsed.
    if (!options.useTypeInformation && !mayHoldSites(source, file)) {
      summary.files.skipped++;
      return;
    }
    if (source.includes('\uFFFD') && !Buffer.from(source, 'utf8').equals(bytes)) {
      failed(file, 'not valid UTF-8; left unchanged');
      return;
    }
    let fileOptions: ResolvedOptions;
    try {
      fileOptions = await optionsWithEslintSettings(file);
    } catch (error) {
      failed(file, errorMessage(error));
      return;
    }
    let result;
    try {
      result = transformSource(name, file, source, optionsForFile(fileOptions, file));
    } catch (error) {
      failed(file, error instanceof ParseError ? `cannot parse${error.line ? ` at ${error.line}:${error.column ?? 0}` : ''}: ${firstLine(error.reason)}` : `codemod failed: ${errorMessage(error)}`);
      return;
    }
    if (result.output === undefined || result.output === source) {
      summary.files.unchanged++;
      summary.left.push(...result.left.map((site) => ({ path: shown, ...site })));
      return;
    }
    pending.push({ file, shown, source, output: result.output, fixed: result.fixed, left: result.left, added: [] });
  }

  // In the project's Prettier style, where the file was Prettier-clean before: only the rewritten lines can change.
  if (flags['no-prettier'] !== true) {
    for (const change of pending) {
      const formatted = await formatLikeProject(change.file, change.source, change.output);
      if (formatted === undefined || formatted === change.output) continue;
      change.output = formatted;
      change.formatted = true;
    }
  }

  for (const change of pending) change.added = newlyImported(change.source, change.output);

  // The safety net: a rewrite that adds a type error in the project's own tsconfig is not written.
  if (pending.length > 0 && flags['no-typecheck'] !== true) {
    // Modules the rewrites newly import (the helpers, the API, `nats` for headers()): not installed yet is for the
    // dependency summary to say, not a reason to revert.
    const added = [...new Set(pending.flatMap((p) => p.added))];
    const typed = typecheckChanges(new Map(pending.map((p) => [p.file, p.output])), io.cwd, added);
    const reasons = [...new Set(typed.unchecked.values())];
    summary.typecheck = { checked: typed.checked, reverted: typed.reverted.size, unchecked: typed.unchecked.size, seconds: Math.round(typed.milliseconds / 100) / 10, ...(reasons.length > 0 ? { uncheckedReasons: reasons } : {}) };
    for (const change of pending) {
      const diagnostics = typed.reverted.get(change.file);
      if (!diagnostics) continue;
      const first = diagnostics[0]!;
      const old = typed.oldTypeScript ? `; this project's TypeScript ${typed.oldTypeScript} predates 3.8, which the rewritten code (\`?.\`, the helpers' \`import type\`) needs: upgrade it` : '';
      const reason = `reverted: the rewrite does not type-check (TS${first.code}: ${first.message})${old}`;
      progress.log(`${change.shown}: ${reason}`);
      change.reverted = reason;
    }
  }

  for (const change of pending) {
    const { shown } = change;
    if (change.reverted) {
      summary.files.unchanged++;
      summary.left.push(...[...change.fixed, ...change.left].map((site) => ({ path: shown, ...site, reason: site.reason ?? change.reverted })));
      continue;
    }
    if (check) {
      // listed in the summary only
    } else if (dry) {
      const patch = createTwoFilesPatch(`a/${shown}`, `b/${shown}`, change.source, change.output, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY });
      if (summary.diffs) summary.diffs.push({ path: shown, diff: patch });
      else {
        progress.suspend(); // stdout and stderr usually share the terminal: no diff glued to the bar
        stdout.write(patch);
      }
    } else {
      try {
        await writeFileAtomic(change.file, change.output, discovery.trees);
      } catch (error) {
        if (error instanceof WriteRefused) {
          // Not a failure of the run: the file is listed, and its sites are left with the reason.
          stderr.write(`trace-propagation: ${shown}: skipped, ${error.message}\n`);
          summary.files.unchanged++;
          summary.left.push(...[...change.fixed, ...change.left].map((site) => ({ path: shown, ...site, reason: `not written: ${error.message}` })));
          continue;
        }
        failed(change.file, `cannot write: ${errorMessage(error)}; left unchanged`);
        continue;
      }
    }
    change.written = true;
    summary.files.changed++;
    if (change.formatted) summary.files.formatted++;
    summary.changed.push(shown);
    summary.fixed.push(...change.fixed.map((site) => ({ path: shown, ...site })));
    summary.left.push(...change.left.map((site) => ({ path: shown, ...site })));
  }

  // A caller of a wrapper whose fix belongs in the wrapper: when this run covers the wrapper's file, the wrapper was
  // fixed (or listed with its reason) there; the caller has nothing left of its own.
  const covered = new Set(discovery.files.map((f) => path.resolve(f)));
  summary.left = summary.left.filter((site) => !site.fixIn || !covered.has(path.resolve(site.fixIn)));
  for (const site of summary.left) delete site.fixIn;

  // What the rewritten code imports that its package.json does not list, and whether an SDK will record anything.
  const kept = pending.filter((p) => p.written);
  if (kept.length > 0) {
    const deps = missingDependencies(kept, options.helpersModule ?? HELPERS_MODULE, display);
    for (const entry of deps.missing) {
      if (flags['add-deps'] && !dry) {
        try {
          const added = await addDependencies(entry.file, entry.modules, options.helpersModule ?? HELPERS_MODULE);
          if (added.length > 0) entry.added = added;
          entry.modules = entry.modules.filter((m) => !added.includes(m));
          entry.command = installCommand(path.dirname(entry.file), entry.modules);
        } catch (error) {
          failed(entry.file, `cannot add dependencies: ${errorMessage(error)}`);
        }
      }
    }
    summary.dependencies = { missing: deps.missing.map(({ file: _file, ...rest }) => rest), noSdk: deps.noSdk };
  }

  if (json) stdout.write(formatJson(summary));
  else stderr.write(formatSummary(summary));
  // --check and --dry fail while anything would still change, like a linter with fixable problems.
  if (dry && summary.files.changed > 0 && summary.files.failed === 0) return EXIT_LEFT;
  return exitCodeFor(summary);
}

interface PendingChange {
  file: string;
  shown: string;
  source: string;
  output: string;
  fixed: SiteResult[];
  left: SiteResult[];
  /** Set when the type check reverted the rewrite: the reason its sites are left. */
  reverted?: string;
  /** Formatted with the project's Prettier (counted once the change is written or shown). */
  formatted?: boolean;
  /** Bare modules the rewrite newly imports (newlyImported), once the output is final. */
  added: string[];
  /** Written, or shown by --dry/--check: what the summary lists as changed. */
  written?: boolean;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

function packageVersion(): string {
  // src/cli/main.ts (tests) and dist/src/cli/main.js (the bin) sit at different depths: walk up to our package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'eslint-plugin-trace-propagation' && pkg.version) return pkg.version;
    } catch {
      // keep walking
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

export function usage(): string {
  const width = Math.max(...codemods.map((c) => c.name.length)) + 2;
  const names = codemods.map((c) => `  ${c.name.padEnd(width)}${c.title}`).join('\n');
  return `Usage:
  trace-propagation codemod <name> <paths...> [options]
  trace-propagation audit [dir] [--format ${AUDIT_FORMATS.join('|')}] [--fail-on ${FAIL_ON.join('|')}] [--baseline <file>]
  trace-propagation list
  trace-propagation --help | --version

Codemods:
${names}

Paths are files or directories. .ts .tsx .mts .cts .js .jsx .mjs .cjs files are transformed (not .d.ts);
node_modules and git-ignored files are skipped; files that import no broker client are never parsed.

Options:
  --dry                      print a unified diff of every change to stdout; write nothing
  --check                    write nothing, print no diff; exit 1 when any file would change (for CI)
  --force                    write even if the git work tree has uncommitted changes, or where git cannot
                             vouch for the files (not a repository, git missing, git refusing the repository)
  --helpers-module <spec>    import the inserted helpers from <spec> instead of
                             trace-propagation-helpers (a relative path such as
                             ./src/tracing.js is resolved from the cwd and imported relatively from each file)
  --helper <ours>=<yours>    your export name for one of our helpers (repeatable), ours being one of:
                             ${CANONICAL_HELPERS.slice(0, 4).join(', ')},
                             ${CANONICAL_HELPERS.slice(4).join(', ')}
  (settings)                 for each file, settings['trace-propagation'] from the project's ESLint config
                             (helpersModule, helperNames, autoInstrumented, injectors, extractors), as the rules
                             read them; flags win over them
  --no-eslint-config         do not read the ESLint config
  --config <file>            options file for projects without an ESLint config (default:
                             ./${DEFAULT_CONFIG_FILE} when present), same keys; flags win over the file
  --json                     print the summary as JSON on stdout (with --dry, the diffs are in it)
  --types                    also recognise clients by their TypeScript types (like the rules' useTypeInformation);
                             needs a tsconfig.json including the files; every file is then parsed
  --no-typecheck             skip the type check: by default the changed files are type-checked with the
                             project's TypeScript and nearest tsconfig.json, before and after, and a rewrite that
                             adds a diagnostic is not written (its sites are listed with the compiler's message)
  --drop-payload-ids         move-trace-ids-to-headers: remove trace keys from bodies even when their value is
                             not the active span's or a consumer reads them with a fallback (by default such a
                             key is kept, headers are injected beside it, and the site is listed with the reason)
  --strict                   all: also add-correlation-propagation (on by itself when the project's ESLint config
                             turns trace-propagation/require-correlation-id on, as the strict config does)
  --include-tests            also transform test, spec and benchmark files (test/, __tests__/, *.spec.ts, bench/,
                             ...), which are left out by default as the recommended configs leave them out
  --no-prettier              do not format rewritten files with the project's Prettier (by default a file that was
                             Prettier-clean before is formatted with the project's config after the rewrite)
  --add-deps                 add what the rewritten code imports (trace-propagation-helpers, @opentelemetry/api)
                             to the nearest package.json's dependencies when it does not list them (without it,
                             the summary prints the install command)
  --no-progress              no progress bar (it is shown only on a terminal, for more than 50 files)
  -h, --help                 this help

Audit (the whole repository's propagation map; dir defaults to the current directory):
  --format <f>               table (default), json, sarif, markdown, mermaid or html (one self-contained page)
  -o, --output <file>        write the report to <file> instead of stdout
  --types                    load each tsconfig project's type checker (ts-morph) to resolve receivers
  --fail-on <what>           exit 1 when there is a finding: broken (missing injection or extraction),
                             payload (trace IDs in payloads) or any
  --baseline <file>          accept the findings recorded in <file>: only new ones count for --fail-on
  --update-baseline          record today's findings in the baseline file (default ${DEFAULT_BASELINE})
  --link-base <url>          html: link files under <url> (https://github.com/o/r/blob/main/) instead of file://
  --include-tests, --config, --no-eslint-config, --no-progress: as for codemods
  -v, --version              the version

Exit codes: 0 nothing left to fix, 1 sites left unfixed (listed with the reason) or, with --check or --dry, files
that would change, 2 usage, I/O or parse errors.
`;
}
