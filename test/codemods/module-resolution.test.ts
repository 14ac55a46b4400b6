/**
 * The import the codemods write must resolve under every `moduleResolution` TypeScript offers. The `all` codemod
 * rewrites a kafkajs publish and consumer (ESM and CommonJS sources); the output is type-checked by the real
 * TypeScript compiler against the real `trace-propagation-helpers` package (the workspace link in node_modules,
 * built by `npm test`) under node10 (with module commonjs), node16, nodenext and bundler.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { transformSource } from '../../src/codemods/engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const work = fs.mkdtempSync(path.join(root, '.tmp', 'module-resolution-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const esm =
  "import { Kafka } from 'kafkajs';\n" +
  "const kafka = new Kafka({ clientId: 'a', brokers: ['k:9092'] });\n" +
  'const producer = kafka.producer();\n' +
  "const consumer = kafka.consumer({ groupId: 'g' });\n" +
  'export async function run(): Promise<void> {\n' +
  "  await producer.send({ topic: 'orders', messages: [{ value: 'v' }] });\n" +
  '  await consumer.run({ eachMessage: async ({ message }) => { console.log(message.offset); } });\n' +
  '}\n';
const cjs = esm.replace("import { Kafka } from 'kafkajs';", "import kafkajs = require('kafkajs');\nconst { Kafka } = kafkajs;");

const MODES: Array<{ name: string; options: Record<string, string>; type?: 'module' | 'commonjs'; sources: Record<string, string> }> = [
  { name: 'node10 (module commonjs)', options: { module: 'commonjs', moduleResolution: 'node10' }, sources: { 'src/a.ts': esm } },
  { name: 'node16, an ES module package', options: { module: 'node16', moduleResolution: 'node16' }, type: 'module', sources: { 'src/a.ts': esm, 'src/b.cts': cjs } },
  { name: 'node16, a CommonJS package', options: { module: 'node16', moduleResolution: 'node16' }, type: 'commonjs', sources: { 'src/a.ts': cjs, 'src/b.mts': esm } },
  { name: 'nodenext', options: { module: 'nodenext', moduleResolution: 'nodenext' }, type: 'module', sources: { 'src/a.ts': esm } },
  { name: 'bundler', options: { module: 'esnext', moduleResolution: 'bundler' }, sources: { 'src/a.ts': esm } },
];

describe('the helpers import the codemods write resolves under every moduleResolution', () => {
  for (const mode of MODES) {
    it(mode.name, () => {
      const dir = path.join(work, mode.name.replace(/\W+/g, '-'));
      fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
      if (mode.type) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: mode.type }));
      for (const [file, source] of Object.entries(mode.sources)) {
        const { output } = transformSource('all', path.join(dir, file), source);
        expect(output, file).toContain('trace-propagation-helpers');
        fs.writeFileSync(path.join(dir, file), output!);
      }
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { ...mode.options, target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], esModuleInterop: true }, include: ['src'] }),
      );
      let out = '';
      try {
        execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
      } catch (error) {
        out = String((error as { stdout?: string }).stdout ?? error);
      }
      expect(out).toBe('');
    }, 60_000);
  }
});
