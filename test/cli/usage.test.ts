import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { codemods } from '../../src/codemods/engine.js';
import { cleanupTempDirs, KAFKA_MISSING_HEADERS, run, snapshot, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

describe('usage', () => {
  it('prints the help on --help and help, exit 0', async () => {
    const dir = await tempDir();
    for (const args of [['--help'], ['help'], ['-h'], ['codemod', '--help']]) {
      const { code, out } = await run(dir, args);
      expect(code, args.join(' ')).toBe(0);
      expect(out).toContain('trace-propagation codemod <name> <paths...>');
      expect(out).toContain('--helpers-module');
    }
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, out } = await run(await tempDir(), ['--version']);
    expect(code).toBe(0);
    expect(out.trim()).toBe(pkg.version);
  });

  it('lists the codemods of the registry with their titles', async () => {
    const { code, out } = await run(await tempDir(), ['list']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(codemods.length);
    for (const [i, c] of codemods.entries()) {
      expect(lines[i]).toMatch(new RegExp(`^${c.name}\\s+${c.title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    }
    const json = await run(await tempDir(), ['list', '--json']);
    expect(JSON.parse(json.out).map((c: { name: string }) => c.name)).toEqual(codemods.map((c) => c.name));
  });

  it.each([
    ['no command', [], /Usage:/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['no codemod name', ['codemod'], /missing codemod name/],
    ['an unknown codemod', ['codemod', 'add-everything', 'src'], /unknown codemod 'add-everything'.*add-header-injection/],
    ['no paths', ['codemod', 'add-header-injection'], /missing paths/],
    ['an unknown flag', ['codemod', 'add-header-injection', 'src', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['a flag without its value', ['codemod', 'add-header-injection', 'src', '--helpers-module'], /--helpers-module/],
    ['a malformed --helper', ['codemod', 'add-header-injection', 'src', '--helper', 'injectTraceHeaders'], /--helper expects <ourName>=<yourName>/],
    ['--helper for a helper we do not have', ['codemod', 'add-header-injection', 'src', '--helper', 'injectAll=x'], /'injectAll' is not one of our helpers/],
    ['--helper with an invalid export name', ['codemod', 'add-header-injection', 'src', '--helper', 'injectTraceHeaders=with-trace'], /'with-trace' is not a valid export name/],
    ['a --config file that does not exist', ['codemod', 'add-header-injection', 'src', '--config', 'nope.json'], /nope\.json: cannot read config file: no such file/],
  ])('exits 2 with a message on stderr for %s, touching nothing', async (_, args, message) => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/a.ts': KAFKA_MISSING_HEADERS });
    const before = await snapshot(dir);
    const { code, out, err } = await run(dir, args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('exits 2 naming a path that does not exist, and transforms nothing', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/a.ts': KAFKA_MISSING_HEADERS });
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src', 'lib/missing.ts']);
    expect(code).toBe(2);
    expect(err).toContain('lib/missing.ts: no such file or directory');
    expect(await snapshot(dir)).toEqual({ 'src/a.ts': KAFKA_MISSING_HEADERS });
  });
});
