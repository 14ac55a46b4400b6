import { afterEach, describe, expect, it } from 'vitest';
import { Progress, progressWanted } from '../../src/cli/progress.js';
import { BROKEN, cleanupTempDirs, KAFKA_MISSING_HEADERS, NO_BROKER, run, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

async function manyFiles(count: number): Promise<string> {
  const dir = await tempDir();
  const files: Record<string, string> = { 'src/zz-producer.ts': KAFKA_MISSING_HEADERS }; // last: after the bar is drawn
  for (let i = 1; i < count; i++) files[`src/util-${String(i).padStart(3, '0')}.ts`] = NO_BROKER;
  await writeTree(dir, files);
  return dir;
}

const BAR = /\[[#.]{30}\] \d+\/\d+ files/;

describe('progress bar', () => {
  it('renders [#####.....] done/total files', () => {
    expect(Progress.render(0, 2000)).toBe(`[${'.'.repeat(30)}] 0/2000 files`);
    expect(Progress.render(120, 2000, 10)).toBe('[..........] 120/2000 files');
    expect(Progress.render(1000, 2000, 10)).toBe('[#####.....] 1000/2000 files');
    expect(Progress.render(2000, 2000, 10)).toBe('[##########] 2000/2000 files');
  });

  it('is wanted only on a terminal, for more than 50 files, unless disabled', () => {
    expect(progressWanted({ write: () => true, isTTY: true }, 51, false)).toBe(true);
    expect(progressWanted({ write: () => true, isTTY: true }, 50, false)).toBe(false);
    expect(progressWanted({ write: () => true, isTTY: false }, 500, false)).toBe(false);
    expect(progressWanted({ write: () => true }, 500, false)).toBe(false);
    expect(progressWanted({ write: () => true, isTTY: true }, 500, true)).toBe(false);
  });

  it('shows a single updating line on a terminal for a large run, and clears it before the summary', async () => {
    const dir = await manyFiles(60);
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src'], { tty: true });
    expect(err).toContain('[##############################] 60/60 files');
    expect(err).not.toMatch(new RegExp(`${BAR.source}\\n`)); // never a newline after the bar: it is redrawn with \r
    const summaryAt = err.indexOf('trace-propagation codemod');
    expect(summaryAt).toBeGreaterThan(0);
    expect(err.slice(0, summaryAt).endsWith('\r\x1b[K')).toBe(true); // cleared before the summary
    expect(err).toContain('60 scanned, 59 skipped');
  });

  it('clears the bar before an error line and draws it again after', async () => {
    const dir = await manyFiles(60);
    await writeTree(dir, { 'src/util-030.ts': BROKEN });
    const { err, code } = await run(dir, ['codemod', 'add-header-injection', 'src'], { tty: true });
    expect(code).toBe(2);
    const at = err.indexOf('src/util-030.ts: cannot parse');
    expect(at).toBeGreaterThan(0);
    // What the terminal shows on that line is what follows the last carriage return: the bar was cleared.
    const before = err.slice(0, at);
    expect(before.endsWith('\r\x1b[K')).toBe(true);
    expect(before.slice(0, -4)).toMatch(BAR); // the bar was on screen until then
    const after = err.slice(at);
    expect(after.slice(0, after.indexOf('\n'))).not.toMatch(BAR);
    expect(after).toMatch(new RegExp(`^[^\n]*\n\r${BAR.source}`)); // and is drawn again right after
  });

  it('takes the bar off the screen before a --dry diff goes to stdout', async () => {
    const dir = await manyFiles(60);
    const { both, out } = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry'], { tty: true });
    expect(out).toContain('--- a/src/zz-producer.ts');
    expect(both).toMatch(new RegExp(String.raw`${BAR.source}\x1b\[K\r\x1b\[K--- a/src/zz-producer\.ts\n`));
  });

  it.each([
    ['--no-progress', ['--no-progress'], true, 60],
    ['--json', ['--json'], true, 60],
    ['stderr is not a terminal', [], false, 60],
    ['50 files or fewer', [], true, 50],
  ])('is not shown with %s', async (_, flags, tty, count) => {
    const dir = await manyFiles(count);
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src', ...flags], { tty });
    expect(err).not.toMatch(BAR);
    expect(err).not.toContain('\r');
  });
});
