import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverFiles, isSourceFile } from '../../src/cli/files.js';
import { cleanupTempDirs, git, gitInitCommitted, KAFKA_MISSING_HEADERS, read, run, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

const rel = (root: string, files: readonly string[]): string[] => files.map((f) => path.relative(root, f).split(path.sep).join('/'));

/** A tree with files that must never be touched (node_modules, ignored) next to ones that must. */
const TREE: Record<string, string> = {
  '.gitignore': 'dist/\n*.generated.ts\n',
  'src/producer.ts': KAFKA_MISSING_HEADERS,
  'src/node_modules/dep/index.js': KAFKA_MISSING_HEADERS,
  'node_modules/kafkajs-wrapper/index.ts': KAFKA_MISSING_HEADERS,
  'dist/producer.js': KAFKA_MISSING_HEADERS,
  'src/client.generated.ts': KAFKA_MISSING_HEADERS,
  'src/keep/.gitignore': '!important.generated.ts\n',
  'src/keep/important.generated.ts': KAFKA_MISSING_HEADERS,
  'src/readme.md': KAFKA_MISSING_HEADERS,
};
const UNTOUCHED = ['src/node_modules/dep/index.js', 'node_modules/kafkajs-wrapper/index.ts', 'dist/producer.js', 'src/client.generated.ts', 'src/readme.md'];
const CHANGED = ['src/keep/important.generated.ts', 'src/producer.ts'];

describe('file discovery', () => {
  it('knows the source extensions and skips declaration files', () => {
    for (const f of ['a.ts', 'a.tsx', 'a.mts', 'a.cts', 'a.js', 'a.jsx', 'a.mjs', 'a.cjs']) expect(isSourceFile(f), f).toBe(true);
    for (const f of ['a.d.ts', 'a.d.mts', 'a.d.cts', 'a.json', 'a.md', 'ts', 'a.ts.bak']) expect(isSourceFile(f), f).toBe(false);
  });

  for (const mode of ['outside git', 'inside a git work tree'] as const) {
    describe(mode, () => {
      async function setup(): Promise<string> {
        const dir = await tempDir();
        await writeTree(dir, TREE);
        if (mode === 'inside a git work tree') {
          await git(dir, 'init', '-q');
          // node_modules is not in .gitignore and even committed: it must still be skipped.
          await git(dir, 'add', '-A');
          await git(dir, 'add', '-f', 'node_modules', 'src/node_modules');
          await git(dir, 'commit', '-q', '-m', 'init');
        }
        return dir;
      }

      it('skips node_modules at any depth and what .gitignore ignores (with negations in nested .gitignore files)', async () => {
        const dir = await setup();
        expect(rel(dir, (await discoverFiles(['.'], dir)).files)).toEqual(CHANGED);
        expect(rel(dir, (await discoverFiles(['src'], dir)).files)).toEqual(CHANGED);
        expect(rel(dir, (await discoverFiles(['src/keep'], dir)).files)).toEqual(['src/keep/important.generated.ts']);
        // relative to a cwd inside the tree
        expect(rel(dir, (await discoverFiles(['.'], path.join(dir, 'src'))).files)).toEqual(CHANGED);
      });

      it('never touches node_modules or ignored files when transforming', async () => {
        const dir = await setup();
        const { err, out } = await run(dir, ['codemod', 'add-header-injection', '.', '--json']);
        expect(JSON.parse(out).files.scanned, err).toBe(2);
        for (const file of UNTOUCHED) expect(await read(dir, file), file).toBe(TREE[file]);
        for (const file of CHANGED) expect(await read(dir, file), file).toContain('injectTraceHeaders');
      });

      it('skips an ignored file or one in node_modules even when named explicitly, saying so', async () => {
        const dir = await setup();
        const { err, out } = await run(dir, ['codemod', 'add-header-injection', 'dist/producer.js', 'node_modules/kafkajs-wrapper/index.ts', 'src/readme.md', '--json']);
        expect(JSON.parse(out).files.scanned).toBe(0);
        expect(err).toContain('dist/producer.js: skipped, ignored by .gitignore');
        expect(err).toContain('node_modules/kafkajs-wrapper/index.ts: skipped, inside node_modules');
        expect(err).toContain('src/readme.md: skipped, not a JavaScript or TypeScript source file');
        for (const file of UNTOUCHED) expect(await read(dir, file), file).toBe(TREE[file]);
      });
    });
  }

  it('in git, lists untracked files that are not ignored, and not files deleted from the work tree', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/tracked.ts': KAFKA_MISSING_HEADERS, 'src/deleted.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(dir);
    await writeTree(dir, { 'src/untracked.ts': KAFKA_MISSING_HEADERS });
    await rm(path.join(dir, 'src/deleted.ts')); // still in the index: `git ls-files --cached` lists it
    expect(rel(dir, (await discoverFiles(['src'], dir)).files)).toEqual(['src/tracked.ts', 'src/untracked.ts']);
  });

  it('in git, takes file names literally (no pathspec globbing)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/[a].ts': KAFKA_MISSING_HEADERS, 'src/a.ts': KAFKA_MISSING_HEADERS });
    await gitInitCommitted(dir);
    expect(rel(dir, (await discoverFiles(['src/[a].ts'], dir)).files)).toEqual(['src/[a].ts']);
  });

  it('does not follow symbolic links while walking a directory', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeTree(outside, { 'lib/producer.ts': KAFKA_MISSING_HEADERS });
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    await symlink(path.join(outside, 'lib'), path.join(dir, 'src/linked'));
    await symlink(path.join(outside, 'lib/producer.ts'), path.join(dir, 'src/linked-file.ts'));
    expect(rel(dir, (await discoverFiles(['src'], dir)).files)).toEqual(['src/producer.ts']);
  });

  it('reports the paths that do not exist', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'src/producer.ts': KAFKA_MISSING_HEADERS });
    const result = await discoverFiles(['src', 'nope', 'src/producer.ts/x'], dir);
    expect(result.missing).toEqual(['nope', 'src/producer.ts/x']);
  });
});
