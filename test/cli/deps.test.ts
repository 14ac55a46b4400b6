/**
 * What the rewritten code needs from package.json: the summary names the package.json that does not list the
 * helpers or @opentelemetry/api with the exact install command for its package manager; --add-deps adds them to
 * `dependencies`; a package with no OpenTelemetry SDK gets one note that the API records nothing on its own.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, KAFKA_MISSING_HEADERS, run, tempDir, writeTree } from './helpers.js';

afterEach(cleanupTempDirs);

const MANIFEST = '{\n    "name": "orders",\n    "private": true,\n    "dependencies": {\n        "kafkajs": "^2.2.4"\n    }\n}\n';

async function service(extra: Record<string, string> = {}, manifest = MANIFEST): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, { 'package.json': manifest, 'src/publish.ts': KAFKA_MISSING_HEADERS, ...extra });
  return dir;
}

describe('dependencies of the rewritten code', () => {
  it('names the package.json and the install command of its package manager, and notes the missing SDK once', async () => {
    const dir = await service({ 'pnpm-lock.yaml': 'lockfileVersion: 9.0\n', 'src/other.ts': KAFKA_MISSING_HEADERS.replace("'t'", "'u'") });
    const result = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(result.err).toContain('dependencies: package.json does not list @opentelemetry/api, trace-propagation-helpers, which the rewritten code imports: run `pnpm add @opentelemetry/api trace-propagation-helpers` (or pass --add-deps)');
    expect(result.err.match(/note: no OpenTelemetry SDK is set up for package\.json/g)).toHaveLength(1);
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe(MANIFEST);
    const json = JSON.parse((await run(dir, ['codemod', 'add-header-injection', 'src', '--dry', '--json'])).out);
    expect(json.dependencies).toBeUndefined(); // the first run rewrote the files: nothing changes, nothing new is imported
  });

  it('--add-deps adds them to dependencies, sorted, in the file’s own indentation', async () => {
    const dir = await service();
    const result = await run(dir, ['codemod', 'add-header-injection', 'src', '--add-deps']);
    expect(result.err).toContain('dependencies: added @opentelemetry/api, trace-propagation-helpers to package.json');
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe(
      '{\n    "name": "orders",\n    "private": true,\n    "dependencies": {\n        "@opentelemetry/api": "^1.4.0",\n        "kafkajs": "^2.2.4",\n        "trace-propagation-helpers": "^0.1.0"\n    }\n}\n',
    );
  });

  it('--dry with --add-deps writes nothing; npm is the default command', async () => {
    const dir = await service();
    const result = await run(dir, ['codemod', 'add-header-injection', 'src', '--dry', '--add-deps']);
    expect(result.err).toContain('run `npm install @opentelemetry/api trace-propagation-helpers`');
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe(MANIFEST);
  });

  it('is silent when the package lists them, and when an SDK is set up', async () => {
    const listed = '{ "name": "orders", "dependencies": { "kafkajs": "*", "@opentelemetry/api": "^1.9.0", "@opentelemetry/sdk-node": "^0.57.0", "trace-propagation-helpers": "^0.1.0" } }\n';
    const dir = await service({}, listed);
    const result = await run(dir, ['codemod', 'add-header-injection', 'src']);
    expect(result.err).not.toContain('dependencies:');
    expect(result.err).not.toContain('no OpenTelemetry SDK');
    expect(result.code).toBe(0);
  });
});
