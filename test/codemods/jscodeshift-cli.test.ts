/**
 * The README's plain jscodeshift invocation, run exactly as written with the real jscodeshift CLI (its default
 * Babel mode, which compiles every required file to CommonJS) from an app whose node_modules holds this package.
 * Needs the build (`npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-prop-jscodeshift-'));
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

const SOURCE =
  "import { Kafka } from 'kafkajs';\n" +
  "const producer = new Kafka({ clientId: 'c', brokers: [] }).producer();\n" +
  "await producer.send({ topic: 'orders', messages: [{ value: 'v' }] });\n";

it('works exactly as the README writes it', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const command = /`npx jscodeshift ([^`]+)`/.exec(readme)?.[1];
  expect(command).toBe('-t node_modules/eslint-plugin-trace-propagation/dist/codemods/all.js src/');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.symlinkSync(root, path.join(app, 'node_modules', 'eslint-plugin-trace-propagation'));
  fs.mkdirSync(path.join(app, 'src'));
  fs.writeFileSync(path.join(app, 'src', 'publish.ts'), SOURCE);
  const out = execFileSync(process.execPath, [path.join(root, 'node_modules', 'jscodeshift', 'bin', 'jscodeshift.js'), ...command!.split(' ')], {
    cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).toMatch(/0 errors/);
  expect(out).toMatch(/1 ok/);
  expect(fs.readFileSync(path.join(app, 'src', 'publish.ts'), 'utf8')).toBe(SOURCE.replace("{ value: 'v' }", "{ value: 'v', headers: injectTraceHeaders() }").replace("'kafkajs';\n", "'kafkajs';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\n"));
}, 120_000);
