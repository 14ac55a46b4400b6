#!/usr/bin/env node
/**
 * @fileoverview Performance benchmark for eslint-plugin-trace-propagation (`npm run bench`).
 *
 * Measures, in one run, over the synthetic corpus from ./generate-corpus.js:
 *   a) rule time vs parse time, from ESLint's own `stats: true` timings
 *      (LintResult.stats.times.passes[].parse.total and .rules[ruleId].total), 1 warm-up pass
 *      and N measured passes, median ratio reported (target: <= 5%);
 *   b) peak memory: two child processes run one after the other, one linting with the parser
 *      and one trivial core rule (no-debugger; plugin not imported), one with
 *      `plugin.configs.recommended`; each reports `process.resourceUsage().maxRSS` (KiB)
 *      (target: rules / baseline <= 1.10), by default under
 *      `--predictable-gc-schedule` so the figure repeats (see measureMemory);
 *   c) wall clock of those two child runs (informational: shared machines vary by several %).
 *
 * It is a measurement, not a test: PASS/FAIL is printed, the exit code is 0 either way. It exits
 * non-zero only when the harness itself fails (plugin cannot be loaded, a rule throws, a child
 * process dies).
 *
 * Options:
 *   --passes=N     measured passes for (a) (default 3)
 *   --warmup=N     warm-up passes for (a) (default 1)
 *   --quick        1 warm-up + 1 measured pass over every 4th file (children too); a smoke run
 *   --only=a,b     run only these sections (ids: stats, memory, codemod, typecheck, audit, repo)
 *   --audit-runs=N   repeat each audit-section child N times, report medians (default 1)
 *   --memory-runs=N  repeat the baseline/rules child pair N times (alternating order), report medians (default 1)
 *   --gc=predictable|default|both  V8 heap-growth policy of the children (default predictable, see measureMemory)
 *   --seed=N --files=N   corpus parameters (defaults in generate-corpus.js)
 *   --json=PATH    also write all figures as JSON
 * Environment:
 *   BENCH_PLUGIN=path   plugin module to measure (default ../dist/src/index.js, i.e. the build)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { DEFAULT_FILE_COUNT, DEFAULT_SEED, ensureCorpus } from './generate-corpus.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = fileURLToPath(import.meta.url);
const CORPUS_DIR = path.join(BENCH_DIR, '.corpus');
const RULE_PREFIX = 'trace-propagation/';
const CHILD_RESULT_MARKER = 'BENCH_CHILD_RESULT ';

const TARGETS = {
  codemodToIdentityRatio: 0.3,
  ruleToParseRatio: 0.05,
  peakRssRatio: 1.1,
};

// ---------------------------------------------------------------------------------------------
// Arguments, plugin, corpus
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument: ${a}`);
    args[m[1]] = m[2] ?? true;
  }
  return args;
}

function pluginPath() {
  const fromEnv = process.env.BENCH_PLUGIN;
  return fromEnv ? path.resolve(process.cwd(), fromEnv) : path.resolve(BENCH_DIR, '../dist/src/index.js');
}

async function loadPlugin(file) {
  if (!fs.existsSync(file)) {
    throw new Error(`plugin not found at ${file}: run \`npm run build\` first (or set BENCH_PLUGIN=/path/to/plugin.js)`);
  }
  const mod = await import(pathToFileURL(file).href);
  const plugin = mod.default ?? mod;
  const recommended = plugin?.configs?.recommended;
  if (!Array.isArray(recommended)) {
    throw new Error(`${file}: plugin.configs.recommended must be a flat-config array`);
  }
  const enabled = recommended.flatMap((c) => Object.keys(c.rules ?? {}));
  const ours = enabled.filter((id) => id.startsWith(RULE_PREFIX));
  if (ours.length === 0) throw new Error(`${file}: recommended config enables no ${RULE_PREFIX}* rule`);
  return { plugin, recommended, ruleIds: [...new Set(ours)] };
}

/** The files to lint, relative to the corpus dir; --quick keeps every 4th (sorted, deterministic). */
function corpusFiles(quick) {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name)) out.push(path.relative(CORPUS_DIR, p));
    }
  };
  walk(path.join(CORPUS_DIR, 'packages'));
  return quick ? out.filter((_, i) => i % 4 === 0) : out;
}

/**
 * The baseline config: exactly the recommended config's file globs and languageOptions
 * (same parser, same parser options), minus `plugins` and `rules`. It is computed in the parent
 * and handed to the baseline child as JSON, so that child never imports the plugin: the memory
 * of loading the plugin counts as overhead, as it does for a user.
 */
function baselineSpec(recommended, tsParser) {
  const warnings = [];
  const spec = recommended.map((c) => {
    const { parser, ...lo } = c.languageOptions ?? {};
    let parserName = null;
    if (parser) {
      parserName = parser.meta?.name ?? null;
      if (parser !== tsParser && parserName !== tsParser.meta?.name) {
        warnings.push(`recommended config uses parser "${parserName ?? '(unnamed)'}"; the baseline uses @typescript-eslint/parser`);
      } else if (parser !== tsParser && parser.meta?.version !== tsParser.meta?.version) {
        warnings.push(`recommended config uses ${parserName} ${parser.meta?.version}; the baseline uses ${tsParser.meta?.version}`);
      }
      parserName = '@typescript-eslint/parser';
    }
    return { files: c.files, ignores: c.ignores, languageOptions: lo, parser: parserName };
  });
  return { spec: JSON.parse(JSON.stringify(spec)), warnings };
}

async function baselineConfig(spec) {
  const tsParser = (await import('@typescript-eslint/parser')).default;
  return [
    ...spec
      .filter((c) => c.parser || Object.keys(c.languageOptions ?? {}).length)
      .map((c) => ({
        ...(c.files ? { files: c.files } : {}),
        ...(c.ignores ? { ignores: c.ignores } : {}),
        languageOptions: { ...c.languageOptions, ...(c.parser ? { parser: tsParser } : {}) },
      })),
    // One trivial core rule: enabling any rule starts ESLint's own traversal (and its scope analysis), which a
    // user's config always does; without it the baseline would skip work every real lint run pays for.
    { files: ['**/*.{js,mjs,cjs,jsx,ts,tsx,mts,cts}'], rules: { 'no-debugger': 'error' } },
  ];
}

// ---------------------------------------------------------------------------------------------
// Child process mode (memory + wall clock)
// ---------------------------------------------------------------------------------------------

async function runChild(mode, args) {
  const files = JSON.parse(fs.readFileSync(String(args['file-list']), 'utf8'));
  let overrideConfig;
  if (mode === 'audit') return runAuditChild(args);
  if (mode === 'rules') {
    ({ recommended: overrideConfig } = await loadPlugin(pluginPath()));
  } else if (mode === 'baseline') {
    overrideConfig = await baselineConfig(JSON.parse(process.env.BENCH_BASELINE_SPEC ?? '[]'));
  } else if (mode === 'norules') {
    // The parser alone: the same files and languageOptions, no rule at all (the audit's comparison).
    overrideConfig = (await baselineConfig(JSON.parse(process.env.BENCH_BASELINE_SPEC ?? '[]'))).slice(0, -1);
  } else {
    throw new Error(`unknown --child mode: ${mode}`);
  }
  const eslint = new ESLint({ cwd: CORPUS_DIR, overrideConfigFile: true, overrideConfig });
  const t0 = performance.now();
  const results = await eslint.lintFiles(files);
  const lintMs = performance.now() - t0;
  let problems = 0;
  let fatal = 0;
  for (const r of results) {
    problems += r.messages.length;
    fatal += r.fatalErrorCount;
  }
  // Peak RSS is what the target is about; heap after a full GC (results still referenced) is a
  // steadier second figure for what stays retained, since peak RSS depends on GC timing.
  const ru = process.resourceUsage();
  globalThis.gc?.();
  const retainedHeapMiB = process.memoryUsage().heapUsed / 1024 / 1024;
  const result = {
    mode,
    files: results.length,
    problems,
    fatal,
    maxRssKiB: ru.maxRSS,
    retainedHeapMiB,
    lintMs,
    // performance.now() counts from process start: includes node boot and module loading.
    processMs: performance.now(),
    userCpuMs: ru.userCPUTime / 1000,
    systemCpuMs: ru.systemCPUTime / 1000,
  };
  process.stdout.write(`${CHILD_RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** Child mode `audit`: `trace-propagation audit` in-process (the built CLI), its output discarded. */
async function runAuditChild(args) {
  const { main } = await import(pathToFileURL(path.resolve(BENCH_DIR, '..', 'dist', 'src', 'cli', 'main.js')).href);
  const argv = JSON.parse(process.env.BENCH_AUDIT_ARGS ?? '[]');
  let out = '';
  const t0 = performance.now();
  const code = await main(argv, { stdout: { write: (s) => ((out += s), true) }, stderr: { write: () => true }, cwd: String(args.cwd) });
  const lintMs = performance.now() - t0;
  const summary = JSON.parse(out).summary;
  const ru = process.resourceUsage();
  const result = { mode: 'audit', code, files: 0, problems: summary.findings, fatal: 0, summary, maxRssKiB: ru.maxRSS, retainedHeapMiB: 0, lintMs, processMs: performance.now(), userCpuMs: ru.userCPUTime / 1000, systemCpuMs: ru.systemCPUTime / 1000 };
  process.stdout.write(`${CHILD_RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** V8 flags per GC mode; see measureMemory for why `predictable` is the judged one. */
const GC_FLAGS = { predictable: ['--predictable-gc-schedule'], default: [] };

function spawnChild(mode, fileListPath, baselineJson, gc, extra = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', ...GC_FLAGS[gc], SCRIPT, `--child=${mode}`, `--file-list=${fileListPath}`, ...(extra.cwd ? [`--cwd=${extra.cwd}`] : [])], {
      cwd: process.cwd(),
      env: { ...process.env, BENCH_BASELINE_SPEC: baselineJson, ...(extra.auditArgs ? { BENCH_AUDIT_ARGS: JSON.stringify(extra.auditArgs) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith(CHILD_RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`child "${mode}" failed (code ${code}, signal ${signal}):\n${stderr || stdout}`));
        return;
      }
      resolve({ ...JSON.parse(line.slice(CHILD_RESULT_MARKER.length)), gc, wallMs });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

/**
 * A section is `{ id, title, run(ctx) => Promise<{ checks: Check[], data: object }> }` where
 * `Check = { metric, value (string), target (string), pass: boolean | null }` (null = informational).
 * `ctx` holds: plugin, recommended, ruleIds, files (relative paths), corpusDir, manifest, args,
 * print(line). Sections print their own detail tables; the summary is built from the checks.
 *
 * Hook for the codemod measurement (not implemented yet): add a section here, e.g.
 *   { id: 'codemod', title: 'codemod throughput', run: measureCodemod }
 * where measureCodemod(ctx) runs the codemods over ctx.files (on a copy of the corpus, never in
 * place), and returns checks such as files/s or time per changed file.
 */
const SECTIONS = [
  { id: 'stats', title: 'rule time vs parse time (ESLint stats: true)', run: measureStats },
  { id: 'memory', title: 'peak memory and wall clock (child processes, sequential)', run: measureMemory },
  { id: 'codemod', title: 'codemod CLI vs jscodeshift identity transform (same files, wall clock)', run: measureCodemod },
  { id: 'typecheck', title: 'the codemod type-check safety net on the whole corpus (with a tsconfig.json)', run: measureTypecheck },
  { id: 'audit', title: 'trace-propagation audit vs ESLint with no rules (same files, child processes)', run: measureAudit },
  { id: 'repo', title: 'rule time vs parse time on a real repository (--repo=DIR)', run: measureRepo },
];

/**
 * e) The same share on a real repository (a large monorepo fetched by hand; nothing of it is committed). Its own
 * source tree, minus dependencies and build output, with the recommended config: a cold pass (a CI run) and a warm
 * one (the same process again, as an editor), both reported.
 */
async function measureRepo(ctx) {
  const { args, ruleIds, print } = ctx;
  const dir = args.repo ? path.resolve(String(args.repo)) : process.env.BENCH_REPO;
  if (!dir) {
    print('  skipped: pass --repo=DIR (or BENCH_REPO) to measure on a real repository');
    return { checks: [], data: null };
  }
  const config = [{ ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/*.min.js'] }, ...ctx.recommended];
  const patterns = ['**/*.{js,mjs,cjs,ts,mts,cts,tsx}'];
  /** One lint of the repository with a fresh ESLint instance; the project view's caches live on in the process. */
  const pass = async () => {
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: config, stats: true, errorOnUnmatchedPattern: false });
    const t0 = performance.now();
    const results = await eslint.lintFiles(patterns);
    const wallMs = performance.now() - t0;
    let parseMs = 0;
    let ruleMs = 0;
    let reports = 0;
    let fatal = 0;
    for (const r of results) {
      fatal += r.fatalErrorCount;
      reports += r.messages.filter((m) => m.ruleId?.startsWith(RULE_PREFIX)).length;
      for (const p of r.stats?.times?.passes ?? []) {
        parseMs += p.parse?.total ?? 0;
        for (const [id, t] of Object.entries(p.rules ?? {})) if (ruleIds.includes(id)) ruleMs += t.total;
      }
    }
    return { files: results.length, fatal, reports, wallMs, parseMs, ruleMs };
  };
  // Cold: a CI run, where the project-wide indexes are built on the way. Warm: an editor's later lints.
  const cold = await pass();
  const warm = await pass();
  print(`  ${dir}: ${warm.files} files linted (${warm.fatal} parse errors), ${warm.reports} reports`);
  for (const [label, r] of [['cold (one CI run: the project indexes are built on the way)', cold], ['warm (the same process again, as an editor)', warm]]) {
    print(`  ${label}: parse ${fmt(r.parseMs, 0)} ms, our rules ${fmt(r.ruleMs, 0)} ms (${fmt(r.ruleMs / r.files, 3)} ms per file, ${pct(r.ruleMs / r.parseMs)}), wall ${fmt(r.wallMs / 1000, 1)} s`);
  }
  const name = path.basename(dir);
  return {
    checks: [
      { metric: `rule time / parse time on ${name}, cold`, value: pct(cold.ruleMs / cold.parseMs), target: `<= ${pct(TARGETS.ruleToParseRatio, 0)}`, pass: cold.ruleMs / cold.parseMs <= TARGETS.ruleToParseRatio },
      { metric: `rule time / parse time on ${name}, warm`, value: pct(warm.ruleMs / warm.parseMs), target: `<= ${pct(TARGETS.ruleToParseRatio, 0)}`, pass: warm.ruleMs / warm.parseMs <= TARGETS.ruleToParseRatio },
    ],
    data: { dir: name, files: warm.files, cold: { parseMs: cold.parseMs, ruleMs: cold.ruleMs }, warm: { parseMs: warm.parseMs, ruleMs: warm.ruleMs }, reports: warm.reports },
  };
}

/**
 * d) The codemod CLI (`trace-propagation codemod all --dry`) against jscodeshift running an identity transform
 * (parse + print, what any jscodeshift codemod pays per file) over the same copy of the corpus. The copy lives
 * outside the repository because the corpus is git-ignored and the CLI honours .gitignore. Each tool runs as its
 * own process, sequentially; medians of several runs.
 */
async function measureCodemod(ctx) {
  const { print, args } = ctx;
  const repo = path.resolve(BENCH_DIR, '..');
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-propagation-codemod-bench-'));
  try {
    fs.cpSync(CORPUS_DIR, copy, { recursive: true, filter: (src) => !src.endsWith('manifest.json') });
    const runs = Math.max(1, Number(args['codemod-runs'] ?? (args.quick ? 1 : 3)));
    const time = async (command, argv) => {
      const t0 = performance.now();
      const code = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [command, ...argv], { cwd: copy, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (c) => (c === 0 || c === 1 ? resolve(c) : reject(new Error(`${path.basename(command)} exited ${c}: ${err.slice(-500)}`))));
      });
      return { ms: performance.now() - t0, code };
    };
    const ours = [];
    const identity = [];
    for (let i = 0; i < runs; i++) {
      ours.push((await time(path.join(repo, 'bin', 'trace-propagation.js'), ['codemod', 'all', copy, '--dry', '--no-progress'])).ms);
      identity.push(
        (await time(path.join(repo, 'node_modules', 'jscodeshift', 'bin', 'jscodeshift.js'), [
          '-t', path.join(BENCH_DIR, 'identity-transform.cjs'), '--parser=tsx', '--extensions=ts,js', '--dry', '--silent', '--no-babel', copy,
        ])).ms,
      );
    }
    const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const r = med(ours) / med(identity);
    printTable(print, ['tool', 'runs (ms)', 'median ms'], [
      ['trace-propagation codemod all --dry', ours.map((x) => fmt(x, 0)).join(', '), fmt(med(ours), 0)],
      ['jscodeshift identity transform (--dry)', identity.map((x) => fmt(x, 0)).join(', '), fmt(med(identity), 0)],
    ]);
    print(`  jscodeshift uses its default worker count here (${Math.max(os.cpus().length - 1, 1)}); our CLI is one process that parses only files naming a broker package`);
    return {
      checks: [{ metric: 'codemod CLI / jscodeshift identity (median wall clock)', value: `${ratio(r)} (${fmt(med(ours) / 1000, 1)} vs ${fmt(med(identity) / 1000, 1)} s)`, target: `<= ${TARGETS.codemodToIdentityRatio}`, pass: r <= TARGETS.codemodToIdentityRatio }],
      data: { oursMs: ours, identityMs: identity, ratio: r },
    };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * f) What the codemod CLI's type-check safety net adds: the same `codemod all --dry` over a copy of the corpus
 * that has a tsconfig.json (and this repository's node_modules linked in, for the client libraries' types), with
 * and without --no-typecheck. Medians of --typecheck-runs (default 1, 3 without --quick).
 */
/** A copy of the corpus with a tsconfig.json and the repository's node_modules (real types for --types). */
function corpusCopyWithTsconfig(prefix) {
  const repo = path.resolve(BENCH_DIR, '..');
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(CORPUS_DIR, copy, { recursive: true, filter: (src) => !src.endsWith('manifest.json') });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(copy, 'node_modules'));
  fs.writeFileSync(
    path.join(copy, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', allowJs: true, skipLibCheck: true, noEmit: true, types: ['node'] }, include: ['packages'] }),
  );
  return copy;
}

/**
 * The audit on the whole corpus, with and without --types, against ESLint with no rules over the same files
 * (target: at most 3 times its wall clock, within 2 GiB peak RSS). Test files are left out by the audit and
 * linted by ESLint: the comparison favours ESLint.
 */
async function measureAudit(ctx) {
  const { print, args, recommended, files } = ctx;
  const copy = corpusCopyWithTsconfig('trace-propagation-audit-bench-');
  const tsParser = (await import('@typescript-eslint/parser')).default;
  const { spec } = baselineSpec(recommended, tsParser);
  const listPath = path.join(os.tmpdir(), `trace-propagation-audit-files-${process.pid}.json`);
  fs.writeFileSync(listPath, JSON.stringify(files));
  const runs = Math.max(1, Number(args['audit-runs'] ?? 1));
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const kinds = [
    ['ESLint, no rules', () => spawnChild('norules', listPath, JSON.stringify(spec), 'default')],
    ['ESLint, no-debugger only', () => spawnChild('baseline', listPath, JSON.stringify(spec), 'default')],
    ['audit', () => spawnChild('audit', listPath, '[]', 'default', { cwd: copy, auditArgs: ['audit', copy, '--format', 'json', '--no-progress', '--no-eslint-config'] })],
    ['audit --types', () => spawnChild('audit', listPath, '[]', 'default', { cwd: copy, auditArgs: ['audit', copy, '--format', 'json', '--no-progress', '--no-eslint-config', '--types'] })],
  ];
  const results = Object.fromEntries(kinds.map(([k]) => [k, []]));
  try {
    for (let r = 0; r < runs; r++) for (const [k, once] of kinds) results[k].push(await once());
  } finally {
    fs.rmSync(listPath, { force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
  const wall = (k) => median(results[k].map((x) => x.wallMs));
  const rss = (k) => median(results[k].map((x) => x.maxRssKiB)) / 1024;
  const base = wall('ESLint, no rules');
  printTable(print, ['run', 'wall s', '÷ ESLint no rules', 'peak RSS MiB'], kinds.map(([k]) => [k, fmt(wall(k) / 1000, 1), ratio(wall(k) / base), fmt(rss(k), 0)]));
  const s = results['audit'][0].summary;
  print(`  ${files.length} files; the audit found ${s.publish} publish and ${s.consume} consume sites, ${s.services} services, ${s.destinations} destinations, ${s.edges} edges (${s.broken} broken)`);
  const check = (k) => [
    { metric: `${k}: wall clock ÷ ESLint with no rules`, value: `${ratio(wall(k) / base)} (${fmt(wall(k) / 1000, 1)} vs ${fmt(base / 1000, 1)} s)`, target: '<= 3', pass: wall(k) / base <= 3 },
    { metric: `${k}: peak RSS`, value: `${fmt(rss(k), 0)} MiB`, target: '<= 2048 MiB', pass: rss(k) <= 2048 },
  ];
  return { checks: [...check('audit'), ...check('audit --types')], data: { runs: results } };
}

async function measureTypecheck(ctx) {
  const { print, args } = ctx;
  const repo = path.resolve(BENCH_DIR, '..');
  const copy = corpusCopyWithTsconfig('trace-propagation-typecheck-bench-');
  try {
    const runs = Math.max(1, Number(args['typecheck-runs'] ?? (args.quick ? 1 : 3)));
    const once = (extra) =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(process.execPath, [path.join(repo, 'bin', 'trace-propagation.js'), 'codemod', 'all', copy, '--dry', '--json', ...extra], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (c) => {
          if (c !== 0 && c !== 1) return reject(new Error(`trace-propagation exited ${c}: ${err.slice(-500)}`));
          const summary = JSON.parse(out);
          resolve({ ms: performance.now() - t0, changed: summary.changed.length, typecheck: summary.typecheck });
        });
      });
    const without = [];
    const withCheck = [];
    let last;
    for (let i = 0; i < runs; i++) {
      without.push((await once(['--no-typecheck'])).ms);
      last = await once([]);
      withCheck.push(last.ms);
    }
    const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    printTable(print, ['run', 'runs (ms)', 'median ms'], [
      ['codemod all --dry --no-typecheck', without.map((x) => fmt(x, 0)).join(', '), fmt(med(without), 0)],
      ['codemod all --dry (type check on)', withCheck.map((x) => fmt(x, 0)).join(', '), fmt(med(withCheck), 0)],
    ]);
    const t = last.typecheck ?? {};
    print(`  ${ctx.files.length} files, ${last.changed} would change; checked ${t.checked ?? 0}, reverted ${t.reverted ?? 0}, not checked ${t.unchecked ?? 0}; the check itself: ${t.seconds ?? 0} s`);
    const added = med(withCheck) - med(without);
    return {
      checks: [{ metric: 'time the type check adds (codemod all, whole corpus)', value: `+${fmt(added / 1000, 1)} s (${fmt(med(without) / 1000, 1)} → ${fmt(med(withCheck) / 1000, 1)} s)`, target: 'reported', pass: true }],
      data: { withoutMs: without, withMs: withCheck, typecheck: t },
    };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** a) Rule time / parse time from ESLint's per-file stats. */
async function measureStats(ctx) {
  const { args, ruleIds, files, print } = ctx;
  const quick = Boolean(args.quick);
  const warmups = Number(args.warmup ?? 1);
  const passes = Number(args.passes ?? (quick ? 1 : 3));
  const eslint = new ESLint({ cwd: CORPUS_DIR, overrideConfigFile: true, overrideConfig: ctx.recommended, stats: true });

  // Warm-up only needs to get the parser, ESLint and the rules JIT-compiled: every 4th file does.
  const warmupFiles = files.filter((_, i) => i % 4 === 0);
  const runPass = async (list) => {
    const t0 = performance.now();
    const results = await eslint.lintFiles(list);
    const wallMs = performance.now() - t0;
    let parseMs = 0;
    let lintTotalMs = 0;
    let fatal = 0;
    const perRule = Object.fromEntries(ruleIds.map((id) => [id, 0]));
    const otherRules = {};
    const perFile = [];
    const problemsByRule = {};
    for (const r of results) {
      fatal += r.fatalErrorCount;
      for (const m of r.messages) {
        const key = m.ruleId ?? (m.fatal ? '(parse error)' : '(none)');
        problemsByRule[key] = (problemsByRule[key] ?? 0) + 1;
      }
      let fileRules = 0;
      for (const p of r.stats?.times?.passes ?? []) {
        parseMs += p.parse?.total ?? 0;
        lintTotalMs += p.total ?? 0;
        for (const [id, t] of Object.entries(p.rules ?? {})) {
          if (id in perRule) {
            perRule[id] += t.total;
            fileRules += t.total;
          } else {
            otherRules[id] = (otherRules[id] ?? 0) + t.total;
          }
        }
      }
      perFile.push({ file: path.relative(CORPUS_DIR, r.filePath), ms: fileRules });
    }
    if (!results.some((r) => r.stats)) throw new Error('ESLint returned no stats: is `stats: true` supported by this ESLint version?');
    const ruleMs = Object.values(perRule).reduce((s, v) => s + v, 0);
    return { files: results.length, fatal, parseMs, ruleMs, lintTotalMs, wallMs, ratio: ruleMs / parseMs, perRule, otherRules, perFile, problemsByRule };
  };

  const rows = [];
  for (let i = 0; i < warmups; i++) rows.push({ label: `warm-up ${i + 1}`, ...(await runPass(warmupFiles)), warm: true });
  const measured = [];
  for (let i = 0; i < passes; i++) {
    const r = await runPass(files);
    measured.push(r);
    rows.push({ label: `pass ${i + 1}`, ...r });
  }

  print(`  ${warmups} warm-up pass(es) over ${warmupFiles.length} files (every 4th), then ${passes} measured pass(es) over ${files.length} files; one ESLint instance`);
  printTable(print, ['pass', 'files', 'parse ms', 'our rules ms', 'rules/parse', 'lint total ms', 'wall ms'], rows.map((r) => [
    r.label, r.files, fmt(r.parseMs, 0), fmt(r.ruleMs, 0), pct(r.ratio), fmt(r.lintTotalMs, 0), fmt(r.wallMs, 0),
  ]));

  const sorted = measured.slice().sort((a, b) => a.ratio - b.ratio);
  const medianRatio = sorted.length % 2 ? sorted[(sorted.length - 1) / 2].ratio : (sorted[sorted.length / 2 - 1].ratio + sorted[sorted.length / 2].ratio) / 2;
  const med = sorted[Math.floor((sorted.length - 1) / 2)];
  const perFileMs = med.ruleMs / med.files;
  const fileTimes = med.perFile.map((f) => f.ms).sort((a, b) => a - b);
  const quant = (q) => fileTimes[Math.min(fileTimes.length - 1, Math.floor(q * fileTimes.length))];

  print('');
  print(`  per rule (pass with the median ratio, ${med.files} files):`);
  printTable(print, ['rule', 'total ms', 'per file ms', '% of parse', 'reports'], [
    ...ruleIds.map((id) => [id, fmt(med.perRule[id], 1), fmt(med.perRule[id] / med.files, 4), pct(med.perRule[id] / med.parseMs), med.problemsByRule[id] ?? 0]),
    ['all three rules', fmt(med.ruleMs, 1), fmt(perFileMs, 4), pct(med.ratio), ruleIds.reduce((s, id) => s + (med.problemsByRule[id] ?? 0), 0)],
    ['parse (typescript-eslint / espree)', fmt(med.parseMs, 1), fmt(med.parseMs / med.files, 4), '100.00%', med.problemsByRule['(parse error)'] ?? 0],
  ]);
  print(`  per-file rule time: p50 ${fmt(quant(0.5), 3)} ms, p95 ${fmt(quant(0.95), 3)} ms, max ${fmt(fileTimes[fileTimes.length - 1], 3)} ms`);
  const slowest = med.perFile.slice().sort((a, b) => b.ms - a.ms).slice(0, 5);
  print(`  slowest files for our rules: ${slowest.map((f) => `${f.file} (${fmt(f.ms, 2)} ms)`).join(', ')}`);
  if (Object.keys(med.otherRules).length) print(`  note: other rules also ran (not counted): ${Object.keys(med.otherRules).join(', ')}`);
  if (med.fatal) print(`  WARNING: ${med.fatal} file(s) failed to parse; their rule time is missing`);

  return {
    checks: [
      { metric: 'rule time / parse time (median)', value: pct(medianRatio), target: `<= ${pct(TARGETS.ruleToParseRatio, 0)}`, pass: medianRatio <= TARGETS.ruleToParseRatio },
      { metric: 'added rule time, total (median pass)', value: `${fmt(med.ruleMs, 0)} ms`, target: '', pass: null },
      { metric: 'added rule time per file (mean)', value: `${fmt(perFileMs, 3)} ms`, target: '', pass: null },
    ],
    data: {
      warmups,
      passes,
      medianRatio,
      ratios: measured.map((r) => r.ratio),
      medianPass: { files: med.files, parseMs: med.parseMs, ruleMs: med.ruleMs, perRule: med.perRule, lintTotalMs: med.lintTotalMs, wallMs: med.wallMs, problemsByRule: med.problemsByRule },
      perFileRuleMs: { mean: perFileMs, p50: quant(0.5), p95: quant(0.95), max: fileTimes[fileTimes.length - 1] },
    },
  };
}

/**
 * b) + c) Peak RSS and wall clock, baseline vs rules, in separate sequential processes.
 *
 * With V8's default, timing-driven heap growth, peak RSS mostly measures GC slack: on a busy
 * 2-core machine the same child varies by 5-10% (occasionally far more) between runs, more than
 * the 5% target, so a trivial plugin can "fail". `--predictable-gc-schedule` fixes the heap-growth
 * schedule; peak RSS then tracks live memory and repeats within ~1%. That mode is the judged one
 * (default); `--gc=default` or `--gc=both` shows what users see with stock settings.
 */
async function measureMemory(ctx) {
  const { files, recommended, print, args } = ctx;
  const rounds = Math.max(1, Number(args['memory-runs'] ?? 1));
  const gcArg = String(args.gc ?? 'predictable');
  const gcModes = gcArg === 'both' ? ['predictable', 'default'] : [gcArg];
  for (const g of gcModes) if (!(g in GC_FLAGS)) throw new Error(`--gc must be predictable, default or both (got ${gcArg})`);
  const tsParser = (await import('@typescript-eslint/parser')).default;
  const { spec, warnings } = baselineSpec(recommended, tsParser);
  for (const w of warnings) print(`  WARNING: ${w}`);
  const listPath = path.join(os.tmpdir(), `trace-propagation-bench-files-${process.pid}.json`);
  fs.writeFileSync(listPath, JSON.stringify(files));
  const runs = Object.fromEntries(gcModes.map((g) => [g, { baseline: [], rules: [] }]));
  try {
    for (const gc of gcModes) {
      for (let r = 0; r < rounds; r++) {
        // One child at a time (2-core machines); the order alternates between rounds.
        const order = r % 2 === 0 ? ['baseline', 'rules'] : ['rules', 'baseline'];
        for (const mode of order) {
          runs[gc][mode].push(await spawnChild(mode, listPath, mode === 'baseline' ? JSON.stringify(spec) : '[]', gc));
        }
      }
    }
  } finally {
    fs.rmSync(listPath, { force: true });
  }
  const median = (xs) => {
    const a = xs.slice().sort((x, y) => x - y);
    return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  };
  const summarize = (list) => {
    const out = { mode: list[0].mode, gc: list[0].gc, runs: list.length, problems: list[0].problems, fatal: list[0].fatal };
    for (const k of ['maxRssKiB', 'retainedHeapMiB', 'lintMs', 'processMs', 'wallMs', 'userCpuMs', 'systemCpuMs']) out[k] = median(list.map((x) => x[k]));
    return out;
  };
  const cpu = (c) => c.userCpuMs + c.systemCpuMs;
  const row = (c, label) => [label, fmt(c.maxRssKiB / 1024, 1), fmt(c.retainedHeapMiB, 1), fmt(c.lintMs, 0), fmt(c.processMs, 0), fmt(c.wallMs, 0), fmt(cpu(c), 0), c.problems];

  print(`  ${files.length} files per child; baseline = parser + one trivial core rule, no-debugger (plugin not loaded), rules = plugin.configs.recommended`);
  const rows = [];
  const byGc = {};
  for (const gc of gcModes) {
    const baseline = summarize(runs[gc].baseline);
    const rules = summarize(runs[gc].rules);
    byGc[gc] = { baseline, rules, rssRatio: rules.maxRssKiB / baseline.maxRssKiB, lintRatio: rules.lintMs / baseline.lintMs };
    if (rows.length) rows.push(['', '', '', '', '', '', '', '']);
    if (rounds > 1) {
      for (const mode of ['baseline', 'rules']) runs[gc][mode].forEach((c, i) => rows.push(row(c, `${gc} GC: ${mode} #${i + 1}`)));
    }
    const suffix = rounds > 1 ? ' (median)' : '';
    rows.push(row(baseline, `${gc} GC: baseline${suffix}`), row(rules, `${gc} GC: rules${suffix}`));
    rows.push([`${gc} GC: rules/baseline`, ratio(byGc[gc].rssRatio), ratio(rules.retainedHeapMiB / baseline.retainedHeapMiB), ratio(byGc[gc].lintRatio), ratio(rules.processMs / baseline.processMs), ratio(rules.wallMs / baseline.wallMs), ratio(cpu(rules) / cpu(baseline)), '']);
  }
  printTable(print, ['child', 'maxRSS MiB', 'heap after GC MiB', 'lint ms', 'process ms', 'wall ms', 'cpu ms', 'problems'], rows);
  if (gcModes.includes('predictable')) print('  predictable GC = node --predictable-gc-schedule: fixed heap growth, so peak RSS follows live memory (steady run to run)');
  if (gcModes.includes('default')) print('  default GC = stock V8 heap growth: what users see, but peak RSS varies by 5-10% (sometimes far more) between runs');
  print('  (wall clock is secondary: on a shared 2-core machine it varies by several percent between runs)');
  const judgedGc = gcModes.includes('predictable') ? 'predictable' : 'default';
  const judged = byGc[judgedGc];
  if (judged.rssRatio > TARGETS.peakRssRatio && rounds === 1) {
    print('  note: to rule out a one-off, confirm with --only=memory --memory-runs=3');
  }
  for (const gc of gcModes) {
    if (byGc[gc].baseline.fatal || byGc[gc].rules.fatal) print(`  WARNING: parse errors (${gc} GC): baseline ${byGc[gc].baseline.fatal}, rules ${byGc[gc].rules.fatal}`);
  }
  if (rounds > 1) {
    // Each rules run against the baseline median: the spread shows whether the median hides a two-way split.
    for (const gc of gcModes) {
      const base = byGc[gc].baseline.maxRssKiB;
      const each = runs[gc].rules.map((c) => c.maxRssKiB / base);
      const within = each.filter((r) => r <= TARGETS.peakRssRatio).length;
      print(`  ${gc} GC: each rules run / baseline median: ${each.map((r) => ratio(r)).join(', ')} (${within} of ${each.length} within ${TARGETS.peakRssRatio})`);
    }
  }
  const rssCheck = (gc, pass) => ({
    metric: `peak RSS rules / baseline, ${gc} GC${rounds > 1 ? ` (median of ${rounds})` : ''}`,
    value: `${ratio(byGc[gc].rssRatio)} (${fmt(byGc[gc].rules.maxRssKiB / 1024, 0)} vs ${fmt(byGc[gc].baseline.maxRssKiB / 1024, 0)} MiB)`,
    target: pass ? `<= ${TARGETS.peakRssRatio}` : 'info',
    pass: pass ? byGc[gc].rssRatio <= TARGETS.peakRssRatio : null,
  });
  return {
    checks: [
      rssCheck(judgedGc, true),
      ...gcModes.filter((g) => g !== judgedGc).map((g) => rssCheck(g, false)),
      { metric: `lint wall clock rules / baseline, ${judgedGc} GC`, value: `${ratio(judged.lintRatio)} (${fmt(judged.rules.lintMs / 1000, 1)} vs ${fmt(judged.baseline.lintMs / 1000, 1)} s)`, target: 'info', pass: null },
    ],
    data: { rounds, judgedGc, byGc, runs },
  };
}

// ---------------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------------

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : String(n));
const pct = (r, d = 2) => `${fmt(r * 100, d)}%`;
const ratio = (r) => (Number.isFinite(r) ? r.toFixed(3) : String(r));

function printTable(print, header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  print(line(all[0]));
  print(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of all.slice(1)) print(line(r));
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    await runChild(String(args.child), args);
    return;
  }
  const print = (s = '') => process.stdout.write(`${s}\n`);
  const started = performance.now();
  const seed = args.seed !== undefined ? Number(args.seed) : DEFAULT_SEED;
  const fileCount = args.files !== undefined ? Number(args.files) : DEFAULT_FILE_COUNT;
  const corpus = ensureCorpus({ seed, files: fileCount, outDir: CORPUS_DIR, log: (m) => print(m) });
  const m = corpus.manifest;
  const file = pluginPath();
  const { plugin, recommended, ruleIds } = await loadPlugin(file);
  const files = corpusFiles(Boolean(args.quick));

  print('eslint-plugin-trace-propagation benchmark');
  print(`  plugin  ${path.relative(process.cwd(), file) || file} (${plugin.meta?.name ?? '?'} ${plugin.meta?.version ?? ''})${process.env.BENCH_PLUGIN ? '  [BENCH_PLUGIN]' : ''}`);
  print(`  rules   ${ruleIds.join(', ')}`);
  print(`  env     eslint ${ESLint.version}, node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`);
  print(`  corpus  ${path.relative(process.cwd(), CORPUS_DIR)}: ${m.files} files (${m.tsFiles} .ts, ${m.jsFiles} .js, ${m.brokerFiles} touching brokers), ${m.lines.toLocaleString('en-US')} lines, seed ${m.seed}, ${corpus.generated ? `generated in ${fmt(corpus.ms / 1000, 1)} s` : 'reused (manifest matches)'}`);
  if (args.quick) print(`  QUICK   every 4th file (${files.length}), 1 measured pass: a smoke run, not the reference figures`);
  if (files.length !== (args.quick ? Math.ceil(m.files / 4) : m.files)) print(`  WARNING: found ${files.length} files on disk, manifest says ${m.files}`);

  const only = args.only ? new Set(String(args.only).split(',')) : null;
  const sections = SECTIONS.filter((s) => !only || only.has(s.id));
  const ctx = { plugin, recommended, ruleIds, files, corpusDir: CORPUS_DIR, manifest: m, args, print };
  const results = {};
  const checks = [];
  for (const [i, s] of sections.entries()) {
    print('');
    print(`[${i + 1}/${sections.length}] ${s.title}`);
    const t0 = performance.now();
    const r = await s.run(ctx);
    print(`  (${fmt((performance.now() - t0) / 1000, 1)} s)`);
    results[s.id] = r.data;
    checks.push(...r.checks);
  }

  print('');
  print('Summary');
  printTable(print, ['metric', 'value', 'target', 'result'], checks.map((c) => [c.metric, c.value, c.target, c.pass === null ? '-' : c.pass ? 'PASS' : 'FAIL']));
  const judged = checks.filter((c) => c.pass !== null);
  const failed = judged.filter((c) => !c.pass).length;
  print(`  ${failed ? `FAIL (${failed} of ${judged.length} targets missed)` : `PASS (${judged.length} of ${judged.length} targets met)`}; total bench time ${fmt((performance.now() - started) / 1000, 1)} s. Exit code is 0 either way: this is a measurement.`);

  if (args.json) {
    const out = {
      date: new Date().toISOString(),
      plugin: { path: file, name: plugin.meta?.name, version: plugin.meta?.version },
      eslint: ESLint.version,
      node: process.version,
      cpus: os.cpus().length,
      corpus: m,
      quick: Boolean(args.quick),
      targets: TARGETS,
      checks,
      results,
    };
    fs.writeFileSync(String(args.json), `${JSON.stringify(out, null, 2)}\n`);
    print(`  wrote ${args.json}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: harness error: ${err?.stack ?? err}\n`);
  process.exit(1);
});
