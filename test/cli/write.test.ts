import { chmod, chown, link, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempNameFor, writeFileAtomic } from '../../src/cli/write.js';
import { cleanupTempDirs, KAFKA_MISSING_HEADERS, read, run, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

const isPosix = process.platform !== 'win32';

describe('atomic writes', () => {
  it('names the temporary file .<name>.<pid>.<random>.tmp in the same directory', () => {
    const temp = tempNameFor('/x/y/producer.ts');
    expect(path.dirname(temp)).toBe('/x/y');
    expect(path.basename(temp)).toMatch(new RegExp(`^\\.producer\\.ts\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(tempNameFor('/x/y/producer.ts')).not.toBe(temp);
  });

  it('can replace a file whose name is near the 255-byte limit', async () => {
    const dir = await tempDir();
    const file = path.join(dir, `${'é'.repeat(120)}${'x'.repeat(10)}.ts`); // 253 bytes
    await writeFile(file, 'old');
    expect(Buffer.byteLength(path.basename(tempNameFor(file)))).toBeLessThanOrEqual(255);
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual([path.basename(file)]);
  });

  it.runIf(isPosix)('replaces the content, keeps the file mode, and leaves no temporary file', async () => {
    const dir = await tempDir();
    for (const mode of [0o644, 0o600, 0o755, 0o640, 0o666, 0o777]) {
      const file = path.join(dir, `f${mode.toString(8)}.ts`);
      await writeFile(file, 'old');
      await chmod(file, mode);
      await writeFileAtomic(file, 'new ✓');
      expect(await readFile(file, 'utf8')).toBe('new ✓');
      expect((await stat(file)).mode & 0o7777).toBe(mode);
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('on failure removes its temporary file and leaves the target alone', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'target.ts')); // renaming a file over a directory fails
    await writeFile(path.join(dir, 'target.ts', 'inner.ts'), 'x');
    await expect(writeFileAtomic(path.join(dir, 'target.ts'), 'text')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['target.ts']);
    expect(await readFile(path.join(dir, 'target.ts', 'inner.ts'), 'utf8')).toBe('x');
  });

  it.runIf(isPosix)('writes through a symbolic link to its target, keeping the link', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'real.ts'), 'old');
    await symlink('real.ts', path.join(dir, 'link.ts'));
    await writeFileAtomic(path.join(dir, 'link.ts'), 'new');
    expect((await lstat(path.join(dir, 'link.ts'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dir, 'link.ts'))).toBe('real.ts');
    expect(await readFile(path.join(dir, 'real.ts'), 'utf8')).toBe('new');
  });

  it.runIf(isPosix)('the codemod keeps the mode of the files it rewrites and leaves no temporary files', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'src/tool.mjs': `#!/usr/bin/env node\n${KAFKA_MISSING_HEADERS}` });
    await chmod(path.join(dir, 'src/producer.ts'), 0o640);
    await chmod(path.join(dir, 'src/tool.mjs'), 0o755);
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/producer.ts'), err).toContain('injectTraceHeaders');
    expect(await read(dir, 'src/tool.mjs')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(await read(dir, 'src/tool.mjs')).toContain('injectTraceHeaders');
    expect((await stat(path.join(dir, 'src/producer.ts'))).mode & 0o7777).toBe(0o640);
    expect((await stat(path.join(dir, 'src/tool.mjs'))).mode & 0o7777).toBe(0o755);
    expect((await readdir(path.join(dir, 'src'))).sort()).toEqual(['producer.ts', 'tool.mjs']);
  });

  it.runIf(isPosix && process.getuid?.() === 0)('keeps the owner and group of a file it rewrites (run as root, file owned by another user)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await chown(path.join(dir, 'src/producer.ts'), 4321, 4322);
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/producer.ts'), err).toContain('injectTraceHeaders');
    const after = await stat(path.join(dir, 'src/producer.ts'));
    expect([after.uid, after.gid]).toEqual([4321, 4322]);
  });

  it.runIf(isPosix)('a read-only file is skipped with the reason, byte for byte unchanged, even with --force (exit 1)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/locked.ts': KAFKA_MISSING_HEADERS, 'src/open.ts': KAFKA_MISSING_HEADERS });
    await chmod(path.join(dir, 'src/locked.ts'), 0o444);
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', '--force', 'src']);
    expect(code).toBe(1);
    expect(err).toContain('src/locked.ts: skipped, read-only; left unchanged');
    expect(err).toMatch(/src\/locked\.ts:3:\d+ require-header-injection\/missingHeaders \(kafkajs\): not written: read-only/);
    expect(await read(dir, 'src/locked.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect((await stat(path.join(dir, 'src/locked.ts'))).mode & 0o7777).toBe(0o444);
    expect(await read(dir, 'src/open.ts')).toContain('injectTraceHeaders');
  });

  it.runIf(isPosix)('a file with another hard link is left unchanged rather than separated from it', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await link(path.join(dir, 'src/producer.ts'), path.join(dir, 'copy.ts'));
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(code).toBe(1);
    expect(err).toContain('src/producer.ts: skipped, has 1 other hard link(s)');
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect((await stat(path.join(dir, 'src/producer.ts'))).nlink).toBe(2);
  });

  it.runIf(isPosix)('never follows a symbolic link out of the tree being transformed, and never replaces the link', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeTree(outside, { 'shared.ts': KAFKA_MISSING_HEADERS });
    await writeTree(dir, { 'src/inside.ts': KAFKA_MISSING_HEADERS });
    await symlink(path.join(outside, 'shared.ts'), path.join(dir, 'src/shared.ts'));
    await symlink('inside.ts', path.join(dir, 'src/alias.ts'));
    const { err } = await run(dir, ['codemod', 'add-header-injection', 'src/shared.ts', 'src/alias.ts']);
    expect(err).toMatch(/shared\.ts: skipped, (a symbolic link to|reached through a symbolic link:) .*outside the tree being transformed; left unchanged/);
    expect(await readFile(path.join(outside, 'shared.ts'), 'utf8')).toBe(KAFKA_MISSING_HEADERS);
    expect((await lstat(path.join(dir, 'src/shared.ts'))).isSymbolicLink()).toBe(true);
    // A link inside the tree stays a link; its target inside the tree is fixed.
    expect((await lstat(path.join(dir, 'src/alias.ts'))).isSymbolicLink()).toBe(true);
    expect(await read(dir, 'src/inside.ts')).toContain('injectTraceHeaders');
  });

  it.runIf(isPosix && process.getuid?.() !== 0)('a file that cannot be written is reported as failed and left unchanged (exit 2)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'ro/producer.ts': KAFKA_MISSING_HEADERS, 'rw/producer.ts': KAFKA_MISSING_HEADERS });
    await chmod(path.join(dir, 'ro'), 0o555); // no temp file can be created next to it
    try {
      const { code, err } = await run(dir, ['codemod', 'add-header-injection', '.']);
      expect(code).toBe(2);
      expect(err).toMatch(/^ro\/producer\.ts: cannot write: .*left unchanged$/m);
      expect(await read(dir, 'ro/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
      expect(await readdir(path.join(dir, 'ro'))).toEqual(['producer.ts']);
      expect(await read(dir, 'rw/producer.ts')).toContain('injectTraceHeaders');
      expect(err).toContain('1 changed, 0 unchanged, 1 failed');
    } finally {
      await chmod(path.join(dir, 'ro'), 0o755);
    }
  });
});
