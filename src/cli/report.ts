/**
 * @fileoverview The run summary: counts of files and sites, every site left with its reason, every failure, and
 * the exit code they add up to (2: usage, I/O or parse failure; 1: sites left unfixed; 0: nothing left to fix).
 */
import path from 'node:path';
import type { SiteResult } from '../codemods/engine.js';

export interface FileFailure {
  path: string;
  reason: string;
}

export interface LocatedSite extends SiteResult {
  path: string;
}

export interface RunSummary {
  codemod: string;
  dry: boolean;
  files: {
    scanned: number;
    /** Never parsed: the file names no broker client package. */
    skipped: number;
    /** Test, spec and benchmark files left out (--include-tests transforms them). */
    tests: number;
    changed: number;
    /** Rewritten files formatted with the project's Prettier. */
    formatted: number;
    unchanged: number;
    failed: number;
  };
  /** Paths (relative to the cwd) of the changed files, or of those that would change in a dry run. */
  changed: string[];
  failed: FileFailure[];
  fixed: LocatedSite[];
  left: LocatedSite[];
  /** The type-check safety net (absent with --no-typecheck or when nothing changed). */
  typecheck?: { checked: number; reverted: number; unchecked: number; seconds: number; uncheckedReasons?: string[] };
  /** package.json files that do not list what the rewritten code imports, and packages with no SDK set up. */
  dependencies?: { missing: Array<{ packageJson: string; modules: string[]; command: string; added?: string[] }>; noSdk: string[] };
  /** Dry runs with --json: the diff of every file that would change. */
  diffs?: Array<{ path: string; diff: string }>;
}

export function emptySummary(codemod: string, dry: boolean): RunSummary {
  return { codemod, dry, files: { scanned: 0, skipped: 0, tests: 0, changed: 0, formatted: 0, unchanged: 0, failed: 0 }, changed: [], failed: [], fixed: [], left: [] };
}

export const EXIT_OK = 0;
export const EXIT_LEFT = 1;
export const EXIT_ERROR = 2;

export function exitCodeFor(summary: RunSummary): number {
  if (summary.files.failed > 0) return EXIT_ERROR;
  if (summary.left.length > 0) return EXIT_LEFT;
  return EXIT_OK;
}

export function formatSite(site: LocatedSite): string {
  const where = `${site.path}:${site.line}:${site.column} ${site.rule}/${site.messageId} (${site.broker})`;
  return site.reason ? `${where}: ${site.reason}` : where;
}

/** The human-readable summary (for stderr). */
export function formatSummary(summary: RunSummary): string {
  const { files } = summary;
  const changedWord = summary.dry ? 'would change' : 'changed';
  const fixedWord = summary.dry ? 'would be fixed' : 'fixed';
  const lines: string[] = [];
  lines.push(`trace-propagation codemod ${summary.codemod}${summary.dry ? ' (dry run: nothing written)' : ''}`);
  lines.push(
    `  files: ${files.scanned} scanned, ${files.skipped} skipped (no broker client), ${files.changed} ${changedWord}, ` +
      `${files.unchanged} unchanged, ${files.failed} failed${files.tests > 0 ? `; ${files.tests} test file${files.tests === 1 ? '' : 's'} left out (--include-tests)` : ''}`,
  );
  lines.push(`  sites: ${summary.fixed.length} ${fixedWord}, ${summary.left.length} left`);
  if (files.formatted > 0) lines.push(`  formatted with the project's Prettier: ${files.formatted} file${files.formatted === 1 ? '' : 's'} (--no-prettier to skip)`);
  const typed = summary.typecheck;
  if (typed) {
    const unchecked = typed.unchecked > 0 ? `; ${typed.unchecked} not checked (${typed.uncheckedReasons?.join('; ')})` : '';
    lines.push(`  type check: ${typed.checked} changed file${typed.checked === 1 ? '' : 's'} checked in ${typed.seconds} s, ${typed.reverted} reverted${unchecked}`);
  }
  if (summary.dry && summary.changed.length > 0) {
    lines.push(`  files that ${changedWord}:`);
    for (const file of summary.changed) lines.push(`    ${file}`);
  }
  for (const entry of summary.dependencies?.missing ?? []) {
    const where = path.posix.dirname(entry.packageJson);
    if (entry.added) lines.push(`  dependencies: added ${entry.added.join(', ')} to ${entry.packageJson}; run your package manager's install`);
    if (entry.modules.length > 0) {
      lines.push(
        `  dependencies: ${entry.packageJson} does not list ${entry.modules.join(', ')}, which the ${summary.dry ? 'rewritten code would import' : 'rewritten code imports'}: ` +
          `run \`${entry.command}\`${where === '.' ? '' : ` in ${where}`}${entry.added ? '' : ' (or pass --add-deps)'}`,
      );
    }
  }
  if ((summary.dependencies?.noSdk.length ?? 0) > 0) {
    lines.push(
      `  note: no OpenTelemetry SDK is set up for ${summary.dependencies!.noSdk.join(', ')} (no @opentelemetry/sdk-* or distribution among its dependencies): ` +
        '@opentelemetry/api records nothing until one is registered at startup (https://opentelemetry.io/docs/languages/js/getting-started/nodejs/)',
    );
  }
  if (summary.left.length > 0) {
    lines.push('  sites left unfixed:');
    for (const site of summary.left) lines.push(`    ${formatSite(site)}`);
  }
  // Failed files are reported as they happen (`path: reason`); the JSON summary lists them too.
  return `${lines.join('\n')}\n`;
}

/** The machine-readable summary (for stdout with --json). */
export function formatJson(summary: RunSummary): string {
  return `${JSON.stringify({ ...summary, exitCode: exitCodeFor(summary) }, null, 2)}\n`;
}
