/**
 * The one end-to-end test of the real executable: `node bin/trace-propagation.js`, which imports the built
 * dist/src/cli/main.js (`npm test` builds before running vitest).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, KAFKA_MISSING_HEADERS, LEFT_CANDIDATES, NO_BROKER, read, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

const BIN = fileURLToPath(new URL('../../bin/trace-propagation.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

function spawnBin(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out, err });
    });
  });
}

describe('bin/trace-propagation.js', () => {
  it('is declared in package.json, is executable and starts with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ 'trace-propagation': 'bin/trace-propagation.js' });
    expect(pkg.files).toContain('bin');
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    if (process.platform !== 'win32') expect(statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it('runs the built CLI end to end and sets the process exit code', async () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'src/util.ts': NO_BROKER, 'src/consumer.ts': LEFT_CANDIDATES[0]! });

    const usage = await spawnBin(dir, ['codemod', 'no-such-codemod', 'src']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("unknown codemod 'no-such-codemod'");

    const refused = await spawnBin(dir, ['codemod', 'all', 'src']);
    expect(refused.code).toBe(2); // a scratch folder is no git work tree: nothing is written without --force
    expect(refused.err).toContain('refusing to write: src: not in a git work tree');
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);

    const { code, out, err } = await spawnBin(dir, ['codemod', 'all', 'src', '--json', '--force']);
    const summary = JSON.parse(out) as { exitCode: number; files: Record<string, number>; left: unknown[] };
    expect(code, err).toBe(summary.exitCode);
    expect(code).toBe(summary.left.length > 0 ? 1 : 0);
    expect(summary.files).toMatchObject({ scanned: 3, skipped: 1, failed: 0 });
    expect(await read(dir, 'src/producer.ts')).toContain('injectTraceHeaders');
    expect(await read(dir, 'src/util.ts')).toBe(NO_BROKER);
  });
});
