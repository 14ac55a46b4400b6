/**
 * Rewritten files in the project's own Prettier style: real Prettier (this repository's devDependency, linked into
 * the scratch project's node_modules), a project config with printWidth 80 and single quotes, the real CLI.
 */
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, read, run, tempDir, writeTree } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
afterEach(cleanupTempDirs);

const CONFIG = { printWidth: 80, singleQuote: true };
const CONSUMER =
  "import { Kafka } from 'kafkajs';\n\n" +
  "const kafka = new Kafka({ clientId: 'notifications', brokers: ['kafka:9092'] });\n\n" +
  'export async function start(): Promise<void> {\n' +
  "  const consumer = kafka.consumer({ groupId: 'notifications' });\n" +
  '  await consumer.run({\n' +
  '    eachMessage: async ({ message }) => {\n' +
  "      console.log('deliver', message.value?.toString());\n" +
  '    },\n' +
  '  });\n' +
  '}\n';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  await writeTree(dir, { '.prettierrc': JSON.stringify(CONFIG), 'package.json': '{ "name": "svc", "type": "module" }\n', ...files });
  return dir;
}

describe("the project's Prettier", () => {
  it('formats a file that was Prettier-clean: the rewritten lines fit its printWidth', async () => {
    const clean = await prettier.format(CONSUMER, { ...CONFIG, parser: 'typescript' });
    expect(clean).toBe(CONSUMER); // the fixture is Prettier-clean as written
    const dir = await project({ 'src/consumer.ts': CONSUMER });
    const result = await run(dir, ['codemod', 'add-context-extraction', 'src', '--no-typecheck']);
    const output = await read(dir, 'src/consumer.ts');
    expect(output).toContain('withConsumerSpan(');
    expect(await prettier.check(output, { ...CONFIG, parser: 'typescript' })).toBe(true);
    expect(output.split('\n').every((line) => line.length <= 80)).toBe(true);
    expect(result.err).toContain("formatted with the project's Prettier: 1 file");
  });

  it('leaves a file that was not Prettier-clean as the codemod wrote it, and --no-prettier skips formatting', async () => {
    const messy = CONSUMER.replace("const kafka = new Kafka(", "const kafka   =   new Kafka(");
    const dir = await project({ 'src/messy.ts': messy, 'src/clean.ts': CONSUMER });
    await run(dir, ['codemod', 'add-context-extraction', 'src/messy.ts', '--no-typecheck']);
    expect(await read(dir, 'src/messy.ts')).toContain('const kafka   =   new Kafka(');
    await run(dir, ['codemod', 'add-context-extraction', 'src/clean.ts', '--no-typecheck', '--no-prettier']);
    expect((await read(dir, 'src/clean.ts')).split('\n').some((line) => line.length > 80)).toBe(true);
  });
});
