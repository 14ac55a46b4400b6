/**
 * @fileoverview `trace-propagation audit [dir]`: the repository's propagation map, in the chosen format, with CI
 * exit codes (`--fail-on`) and baselines.
 */
import { writeFile } from 'node:fs/promises';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { audit, allFindings, type Audit, type AuditFinding } from '../audit/model.js';
import { loadRepository } from '../audit/load.js';
import { BaselineError, createBaseline, newFindings, readBaseline } from '../audit/baseline.js';
import { formatHtml } from '../audit/format/html.js';
import { formatSarif } from '../audit/format/sarif.js';
import { formatJson, formatMarkdown, formatMermaid, formatTable, summaryLine } from '../audit/format/text.js';
import type { SharedSettings } from '../settings.js';
import { loadConfigFile, UsageError } from './config.js';
import { EslintSettings } from './eslint-settings.js';
import { discoverFiles } from './files.js';
import { Progress, progressWanted, type OutputStream } from './progress.js';
import { EXIT_ERROR, EXIT_LEFT, EXIT_OK } from './report.js';

export const AUDIT_FORMATS = ['table', 'json', 'sarif', 'markdown', 'mermaid', 'html'] as const;
export const FAIL_ON = ['broken', 'payload', 'any'] as const;
export const DEFAULT_BASELINE = '.trace-propagation-baseline.json';

export interface AuditFlags {
  format?: string;
  output?: string;
  'fail-on'?: string;
  baseline?: string;
  'update-baseline'?: boolean;
  'link-base'?: string;
  types?: boolean;
  'include-tests'?: boolean;
  'no-progress'?: boolean;
  'no-eslint-config'?: boolean;
  config?: string;
}

export async function runAudit(paths: readonly string[], flags: AuditFlags, io: { stdout: OutputStream & { isTTY?: boolean }; stderr: OutputStream; cwd: string }): Promise<number> {
  const { stdout, stderr, cwd } = io;
  const format = flags.format ?? 'table';
  if (!(AUDIT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of: ${AUDIT_FORMATS.join(', ')} (got '${format}')`);
  const failOn = flags['fail-on'];
  if (failOn !== undefined && !(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of: ${FAIL_ON.join(', ')} (got '${failOn}')`);
  if (paths.length > 1) throw new UsageError(`'audit' takes one directory (the repository root), got ${paths.length} paths`);
  const given = paths[0] ?? '.';
  let root: string;
  try {
    root = await realpath(path.resolve(cwd, given));
    if (!(await stat(root)).isDirectory()) throw new UsageError(`${given}: not a directory (audit takes the repository root)`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${given}: no such directory`);
  }

  const discovery = await discoverFiles([root], cwd);
  const files = discovery.files;
  const settings = await settingsFor(root, files, flags, cwd);
  const view = await loadRepository(root, files, { types: flags.types === true });
  for (const project of view.projects) if (project.error) stderr.write(`trace-propagation: ${path.relative(cwd, project.config) || project.config}: ${project.error}; its files are audited without it\n`);

  const progress = new Progress(stderr, files.length, progressWanted(stderr, files.length, flags['no-progress'] === true));
  const result = await audit(view, files, {
    types: flags.types === true, includeTests: flags['include-tests'] === true, services: settings.services,
    autoInstrumented: settings.autoInstrumented, injectors: settings.injectors, extractors: settings.extractors,
    onFile: () => progress.tick(),
  });
  progress.finish();

  const baselineFile = flags.baseline !== undefined || flags['update-baseline'] ? path.resolve(cwd, flags.baseline ?? DEFAULT_BASELINE) : undefined;
  const findings = allFindings(result);
  if (flags['update-baseline']) {
    await writeFile(baselineFile!, `${JSON.stringify(createBaseline(findings), null, 2)}\n`);
    stderr.write(`trace-propagation: wrote ${findings.length} finding(s) to ${path.relative(cwd, baselineFile!) || baselineFile}\n`);
  }
  let baseline;
  if (baselineFile && !flags['update-baseline']) {
    try {
      baseline = await readBaseline(baselineFile);
    } catch (error) {
      if (error instanceof BaselineError) throw new UsageError(error.message);
      throw error;
    }
  }
  const fresh = newFindings(findings, baseline);

  const rendered = render(result, format, { colour: !flags.output && stdout.isTTY === true && !process.env['NO_COLOR'], linkBase: flags['link-base'] });
  if (flags.output) {
    await writeFile(path.resolve(cwd, flags.output), rendered);
    stderr.write(`${summaryLine(result)}\ntrace-propagation: wrote the ${format} report to ${flags.output}\n`);
  } else stdout.write(rendered);

  for (const failure of result.files.failed) stderr.write(`trace-propagation: ${failure.file}: ${failure.reason}\n`);
  if (baseline) stderr.write(`trace-propagation: ${fresh.length} finding(s) not in the baseline (${findings.length - fresh.length} accepted)\n`);
  if (result.files.failed.length > 0) return EXIT_ERROR;
  if (failOn && failing(fresh, failOn).length > 0) {
    const shown = failing(fresh, failOn);
    stderr.write(`trace-propagation: --fail-on ${failOn}: ${shown.length} finding(s)${baseline ? ' not in the baseline' : ''}, first: ${shown[0]!.file}:${shown[0]!.line} ${shown[0]!.message}\n`);
    return EXIT_LEFT;
  }
  return EXIT_OK;
}

function failing(findings: readonly AuditFinding[], failOn: string): AuditFinding[] {
  if (failOn === 'any') return [...findings];
  if (failOn === 'payload') return findings.filter((f) => f.rule === 'no-payload-trace-ids');
  return findings.filter((f) => f.rule !== 'no-payload-trace-ids');
}

export function render(result: Audit, format: string, options: { colour: boolean; linkBase?: string }): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'sarif':
      return formatSarif(result);
    case 'markdown':
      return formatMarkdown(result);
    case 'mermaid':
      return formatMermaid(result);
    case 'html':
      return formatHtml(result, { linkBase: options.linkBase });
    default:
      return formatTable(result, options.colour);
  }
}

/**
 * The settings the audit uses: the options file (`trace-propagation.config.json`), then `settings['trace-propagation']`
 * from the project's ESLint config for the first audited file, as the rules would read them.
 */
async function settingsFor(root: string, files: readonly string[], flags: AuditFlags, cwd: string): Promise<SharedSettings> {
  const fromFile = (await loadConfigFile(flags.config, cwd))?.options as SharedSettings | undefined;
  const fromEslint = flags['no-eslint-config'] || files.length === 0 ? undefined : await new EslintSettings(root).for(files[0]!);
  return { ...fromFile, ...fromEslint };
}
