#!/usr/bin/env node
// Demo: lint the bundled fixture services with the plugin's recommended config, print the
// diagnostics with the `stylish` formatter, then a per-broker / per-rule summary table.
//
// The exit code is 0 whatever the diagnostics are (this is a demo, not a gate). It is non-zero
// only when ESLint itself throws, or when the built plugin cannot be loaded.
//
// Usage: npm run demo   (after `npm ci` or `npm run build`; the plugin is loaded from dist/)

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const servicesDir = path.join(repoRoot, 'fixtures', 'services');
const patterns = ['fixtures/services/**/*.{ts,js,mjs,cjs}'];
const ignorePatterns = ['fixtures/types/**'];
const ROOT_GROUP = '(fixtures/services)';

async function main() {
  const plugin = await loadPlugin();
  const namespace = plugin.meta?.namespace ?? 'trace-propagation';
  const ruleIds = Object.keys(plugin.rules ?? {}).map((name) => `${namespace}/${name}`);

  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: plugin.configs.recommended,
    ignorePatterns,
    errorOnUnmatchedPattern: false,
  });

  const results = await eslint.lintFiles(patterns);
  if (results.length === 0) {
    console.log(`No files matched ${patterns.join(', ')} under ${repoRoot}.`);
    return;
  }

  await warnIfTypeScriptParserMissing(eslint, results);

  const formatter = await eslint.loadFormatter('stylish');
  const output = await formatter.format(results);
  console.log(output.trim() === '' ? 'No diagnostics.' : output);

  console.log(renderSummary(results, ruleIds));
}

/** Loads the built plugin, with a hint when dist/ is missing. */
async function loadPlugin() {
  try {
    const module = await import('../dist/src/index.js');
    return module.default ?? module;
  } catch (error) {
    if (error && typeof error === 'object' && 'code' in error && error.code === 'ERR_MODULE_NOT_FOUND') {
      error.message += '\nThe plugin is not built: run `npm run build` (or `npm ci`) first.';
    }
    throw error;
  }
}

/**
 * The recommended config is expected to parse .ts files with @typescript-eslint/parser.
 * Checks one linted .ts file and warns if that is not so, since the counts would then be wrong.
 */
async function warnIfTypeScriptParserMissing(eslint, results) {
  const tsFile = results.find((result) => /\.[cm]?tsx?$/.test(result.filePath));
  if (!tsFile) return;
  const config = await eslint.calculateConfigForFile(tsFile.filePath);
  const parserName = config?.languageOptions?.parser?.meta?.name;
  if (parserName !== 'typescript-eslint/parser') {
    console.warn(
      `warning: ${path.relative(repoRoot, tsFile.filePath)} is parsed with ${parserName ?? 'the default parser'}, ` +
        'not @typescript-eslint/parser; check configs.recommended.',
    );
  }
}

/** Broker name of a file: its first directory under fixtures/services/. */
function brokerOf(filePath) {
  const relative = path.relative(servicesDir, filePath);
  const segments = relative.split(path.sep);
  return segments.length > 1 ? segments[0] : ROOT_GROUP;
}

/** Lists the broker directories, so brokers without any diagnostics still get a row. */
function brokerDirectories() {
  try {
    return readdirSync(servicesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function renderSummary(results, ruleIds) {
  const OTHER = 'other';
  /** @type {Map<string, Map<string, number>>} */
  const counts = new Map();
  const filesPerBroker = new Map();
  const ensureRow = (broker) => {
    if (!counts.has(broker)) counts.set(broker, new Map());
    return counts.get(broker);
  };

  for (const broker of brokerDirectories()) ensureRow(broker);
  for (const result of results) {
    const broker = brokerOf(result.filePath);
    const row = ensureRow(broker);
    filesPerBroker.set(broker, (filesPerBroker.get(broker) ?? 0) + 1);
    for (const message of result.messages) {
      // Parse errors and reports from rules outside this plugin land in "other".
      const key = message.ruleId && ruleIds.includes(message.ruleId) ? message.ruleId : OTHER;
      row.set(key, (row.get(key) ?? 0) + 1);
    }
  }

  const hasOther = [...counts.values()].some((row) => row.has(OTHER));
  const columns = [...ruleIds, ...(hasOther ? [OTHER] : [])];
  const headers = ['broker', 'files', ...columns.map((id) => id.replace(/^[^/]+\//, '')), 'total'];

  const brokers = [...counts.keys()].sort((a, b) => a.localeCompare(b));
  const rows = brokers.map((broker) => {
    const row = counts.get(broker);
    const cells = columns.map((column) => row.get(column) ?? 0);
    return [broker, filesPerBroker.get(broker) ?? 0, ...cells, cells.reduce((sum, n) => sum + n, 0)];
  });
  const totals = ['total', 0, ...columns.map(() => 0), 0];
  for (const row of rows) {
    for (let i = 1; i < row.length; i++) totals[i] += row[i];
  }

  const table = [headers, ...rows, totals].map((row) => row.map(String));
  const widths = headers.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const format = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');

  return [
    '',
    `Diagnostics per broker (fixtures/services/<broker>/) and rule:`,
    '',
    format(table[0]),
    rule,
    ...table.slice(1, -1).map(format),
    rule,
    format(table.at(-1)),
    '',
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
