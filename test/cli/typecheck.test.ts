/**
 * The type-check safety net: the CLI type-checks the files it changed with the project's own TypeScript and
 * tsconfig.json (one program before, one after) and does not write a rewrite that adds a diagnostic; its sites are
 * listed with the compiler's message. Real TypeScript, real kafkajs types (node_modules is linked into the scratch
 * project), the real CLI in-process.
 */
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, read, run, tempDir, writeTree } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
afterEach(cleanupTempDirs);

/** Rewritten cleanly: the message literal is a plain kafkajs message. */
const CLEAN =
  "import { Kafka } from 'kafkajs';\n" +
  "const producer = new Kafka({ clientId: 'c', brokers: ['k:9092'] }).producer();\n" +
  "export async function placed(id: string): Promise<void> {\n" +
  "  await producer.send({ topic: 'orders', messages: [{ key: id, value: id }] });\n" +
  '}\n';

/** The record is declared with an application type whose messages have no `headers`: adding them is TS2353. */
const TYPED =
  "import { Kafka } from 'kafkajs';\n" +
  "const producer = new Kafka({ clientId: 'c', brokers: ['k:9092'] }).producer();\n" +
  'interface AuditBatch { topic: string; messages: Array<{ value: string }> }\n' +
  "export async function audit(line: string): Promise<void> {\n" +
  "  const batch: AuditBatch = { topic: 'audit', messages: [{ value: line }] };\n" +
  '  await producer.send(batch);\n' +
  '}\n';

async function project(files: Record<string, string>, include = ['src']): Promise<string> {
  const dir = await tempDir();
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  await writeTree(dir, {
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], noEmit: true }, include }),
    'package.json': JSON.stringify({ name: 'svc', private: true, type: 'module' }),
    ...files,
  });
  return dir;
}

describe('the type-check safety net', () => {
  it('reverts a rewrite that adds a type error, writes the rest, and says why', async () => {
    const dir = await project({ 'src/clean.ts': CLEAN, 'src/typed.ts': TYPED });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/typed.ts')).toBe(TYPED);
    expect(await read(dir, 'src/clean.ts')).toContain('headers: injectTraceHeaders()');
    expect(result.err).toMatch(/src\/typed\.ts:5:\d+ require-header-injection\/missingHeaders \(kafkajs\): reverted: the rewrite does not type-check \(TS2353: Object literal may only specify known properties, and 'headers' does not exist/);
    expect(result.err).toMatch(/type check: 2 changed files checked in [\d.]+ s, 1 reverted/);
    expect(result.code).toBe(1);
  }, 60_000);

  it('--dry and --check leave out what the check would revert', async () => {
    const dir = await project({ 'src/clean.ts': CLEAN, 'src/typed.ts': TYPED });
    const dry = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry']);
    expect(dry.out).toContain('+++ b/src/clean.ts');
    expect(dry.out).not.toContain('src/typed.ts');
    const json = JSON.parse((await run(dir, ['codemod', 'add-header-injection', 'src', '--dry', '--json'])).out);
    expect(json.changed).toEqual(['src/clean.ts']);
    expect(json.typecheck).toMatchObject({ checked: 2, reverted: 1, unchecked: 0 });
  }, 60_000);

  it('--no-typecheck writes every rewrite', async () => {
    const dir = await project({ 'src/clean.ts': CLEAN, 'src/typed.ts': TYPED });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src', '--no-typecheck']);
    expect(await read(dir, 'src/typed.ts')).toContain('headers: injectTraceHeaders()');
    expect(result.err).not.toContain('type check:');
    expect(result.code).toBe(0);
  }, 60_000);

  it('files outside the tsconfig are written unchecked, and the summary says so', async () => {
    const dir = await project({ 'src/clean.ts': CLEAN, 'other/typed.ts': TYPED });
    const result = await run(dir, ['codemod', 'add-header-injection', '.']);
    expect(await read(dir, 'other/typed.ts')).toContain('headers: injectTraceHeaders()');
    expect(result.err).toMatch(/type check: 1 changed file checked in [\d.]+ s, 0 reverted; 1 not checked \(not included by tsconfig\.json\)/);
  }, 60_000);

  it('a helpers module that is not installed yet is not a reason to revert: the summary says how to install it', async () => {
    const dir = await tempDir();
    // node_modules with the client library, Node's types and TypeScript, but not the helpers or the API.
    await mkdir(path.join(dir, 'node_modules', '@types'), { recursive: true });
    for (const name of ['kafkajs', 'typescript', '@types/node']) await symlink(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name));
    await writeTree(dir, {
      'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], noEmit: true }, include: ['src'] }),
      'package.json': JSON.stringify({ name: 'svc', private: true, type: 'module', dependencies: { kafkajs: '^2.2.4' } }),
      'src/clean.ts': CLEAN,
    });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(await read(dir, 'src/clean.ts')).toContain('headers: injectTraceHeaders()');
    expect(result.err).toMatch(/type check: 1 changed file checked in [\d.]+ s, 0 reverted/);
    expect(result.err).toContain('run `npm install @opentelemetry/api trace-propagation-helpers`');
  }, 60_000);

  it('a solution-style tsconfig: the file is checked in the referenced project that includes it', async () => {
    const dir = await project({
      'packages/a/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }),
      'packages/a/src/typed.ts': TYPED,
      'tsconfig.base.json': JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], noEmit: true } }),
    });
    await writeTree(dir, { 'tsconfig.json': JSON.stringify({ files: [], references: [{ path: './packages/a' }] }) });
    const result = await run(dir, ['codemod', 'add-header-injection', '.']);
    expect(await read(dir, 'packages/a/src/typed.ts')).toBe(TYPED);
    expect(result.err).toMatch(/1 reverted/);
  }, 60_000);
});
