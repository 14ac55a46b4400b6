import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, gitInitCommitted, KAFKA_MISSING_HEADERS, read, run, snapshot, tempDir, writeTree } from './helpers.js';

const execFileAsync = promisify(execFile);

afterEach(cleanupTempDirs);

describe('uncommitted changes', () => {
  it('writes into a clean work tree without --force', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(dir);
    const { code, err } = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(code, err).not.toBe(2);
    expect(await read(dir, 'src/producer.ts')).toContain('injectTraceHeaders');
    expect(await git(dir, 'status', '--porcelain')).toBe(' M src/producer.ts\n');
  });

  it.each([
    ['a modified tracked file', async (dir: string) => writeTree(dir, { 'README.md': 'changed\n' })],
    ['an untracked file', async (dir: string) => writeTree(dir, { 'notes.txt': 'new\n' })],
    ['a staged change', async (dir: string) => {
      await writeTree(dir, { 'README.md': 'staged\n' });
      await git(dir, 'add', 'README.md');
    }],
  ])('refuses to write into a tree with %s (exit 2, nothing written); --force proceeds', async (_, dirty) => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS, 'README.md': 'readme\n' });
    await gitInitCommitted(dir);
    await dirty(dir);
    const before = await snapshot(dir);

    const refused = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/refusing to write: the git work tree .* has uncommitted changes/);
    expect(refused.err).toContain('--force');
    expect(await snapshot(dir)).toEqual(before);

    const forced = await run(dir, ['codemod', 'add-header-injection', 'src', '--force']);
    expect(forced.code, forced.err).not.toBe(2);
    expect(await read(dir, 'src/producer.ts')).toContain('injectTraceHeaders');
  });

  it('checks the work tree the paths are in, even when run from outside it', async () => {
    const repo = await tempDir();
    const elsewhere = await tempDir();
    await writeTree(repo, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(repo);
    await writeTree(repo, { 'wip.ts': 'export {};\n' });
    const { code } = await run(elsewhere, ['codemod', 'add-header-injection', `${repo}/src`], { guard: true });
    expect(code).toBe(2);
    expect(await read(repo, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

  it('a dry run is allowed in a dirty tree (it writes nothing)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(dir);
    await writeTree(dir, { 'wip.ts': 'export {};\n' });
    const before = await snapshot(dir);
    const { code, out } = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry']);
    expect(code).not.toBe(2);
    expect(out).toContain('+++ b/src/producer.ts');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('guards a repository nested in a directory that is not in git, and applies its ignore rules', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'loose/producer.ts': KAFKA_MISSING_HEADERS, 'services/orders/src/producer.ts': KAFKA_MISSING_HEADERS, 'services/orders/.gitignore': 'gen/\n' });
    await gitInitCommitted(path.join(dir, 'services/orders'));
    await writeTree(dir, { 'services/orders/gen/client.ts': KAFKA_MISSING_HEADERS, 'services/orders/wip.txt': 'wip\n' });
    const before = await snapshot(dir);

    const refused = await run(dir, ['codemod', 'add-header-injection', '.'], { guard: true });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${path.join(dir, 'services/orders')} has uncommitted changes`);
    expect(await snapshot(dir)).toEqual(before);

    const { out } = await run(dir, ['codemod', 'add-header-injection', '.', '--force', '--json']);
    expect(JSON.parse(out).changed).toEqual(['loose/producer.ts', 'services/orders/src/producer.ts']);
    expect(await read(dir, 'services/orders/gen/client.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

  it('fails closed outside git: writes nothing without --force, and says why', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const refused = await run(dir, ['codemod', 'add-header-injection', 'src'], { guard: true });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('refusing to write: src: not in a git work tree, so its changes could not be reviewed or undone.');
    expect(refused.err).toContain('or pass --force');
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
    expect((await run(dir, ['codemod', 'add-header-injection', '--dry', 'src'], { guard: true })).out).toContain('+++ b/src/producer.ts');
    const forced = await run(dir, ['codemod', 'add-header-injection', '--force', 'src'], { guard: true });
    expect(forced.code, forced.err).toBe(0);
    expect(await read(dir, 'src/producer.ts')).toContain('injectTraceHeaders');
  });

  it.runIf(process.getuid?.() === 0)('fails closed when git refuses the repository (dubious ownership, as root on a mounted checkout)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(dir);
    await execFileAsync('chown', ['-R', '4321:4321', dir]);
    // The machine's own ~/.gitconfig may trust every directory (safe.directory = *): not this test's scenario.
    const globalConfig = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    const refused = await run(dir, ['codemod', 'add-header-injection', 'src'], { guard: true }).finally(() => {
      if (globalConfig === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = globalConfig;
    });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/refusing to write: src: git refuses the repository at .* \(detected dubious ownership; git config --global --add safe\.directory /);
    expect(await read(dir, 'src/producer.ts')).toBe(KAFKA_MISSING_HEADERS);
  });

});
