/**
 * The project view's own resolver (module-resolution.ts), on a small monorepo written to a temporary folder: what
 * it answers is what the native resolver it replaced answered for these cases.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { resetModuleResolution, resolveModule, stripJsonComments } from '../../src/core/module-resolution.js';

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'trace-propagation-resolve-')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => resetModuleResolution());

const write = (file: string, text = ''): void => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
};
const at = (file: string): string => path.join(dir, file);
const resolve = (from: string, specifier: string): string | undefined => resolveModule(at(from), specifier);

write('package.json', JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }));
write('tsconfig.base.json', '{\n  // shared\n  "compilerOptions": { "baseUrl": ".", "paths": { "@app/events/*": ["packages/app/src/events/*"], "@exact": ["packages/app/src/exact.ts"], }, },\n}\n');
write('tsconfig.json', JSON.stringify({ extends: './tsconfig.base', include: ['packages/*/src/**/*.ts'] }));
write('packages/app/package.json', JSON.stringify({ name: '@acme/app', exports: { '.': './src/index.ts', './feature/*': './src/features/*.ts' }, imports: { '#config': './src/config.ts' } }));
write('packages/app/src/index.ts');
write('packages/app/src/main.ts');
write('packages/app/src/publish.ts');
write('packages/app/src/exact.ts');
write('packages/app/src/config.ts');
write('packages/app/src/events/order.ts');
write('packages/app/src/features/billing.ts');
write('packages/app/src/lib/index.ts');
write('packages/app/src/old.mjs');
write('packages/app/src/legacy.js');
write('packages/app/src/shared/util.ts');
write('packages/messaging/package.json', JSON.stringify({ name: '@acme/messaging', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' } } }));
write('packages/messaging/dist/index.js');
write('packages/messaging/dist/index.d.ts');
write('packages/plain/package.json', JSON.stringify({ name: 'plain', main: 'lib/main.js' }));
write('packages/plain/lib/main.js');
write('node_modules/kafkajs/package.json', JSON.stringify({ name: 'kafkajs', main: 'index.js' }));
write('node_modules/kafkajs/index.js');
fs.mkdirSync(at('node_modules/@acme'), { recursive: true });
fs.symlinkSync(at('packages/messaging'), at('node_modules/@acme/messaging'), 'dir');

describe('module resolution', () => {
  it('resolves relative paths with or without extensions, .js meaning .ts, and index files', () => {
    expect(resolve('packages/app/src/main.ts', './publish')).toBe(at('packages/app/src/publish.ts'));
    expect(resolve('packages/app/src/main.ts', './publish.js')).toBe(at('packages/app/src/publish.ts'));
    expect(resolve('packages/app/src/main.ts', './publish.ts')).toBe(at('packages/app/src/publish.ts'));
    expect(resolve('packages/app/src/main.ts', './old.mjs')).toBe(at('packages/app/src/old.mjs'));
    expect(resolve('packages/app/src/main.ts', './legacy.js')).toBe(at('packages/app/src/legacy.js'));
    expect(resolve('packages/app/src/main.ts', './lib')).toBe(at('packages/app/src/lib/index.ts'));
    expect(resolve('packages/app/src/main.ts', './lib/index.js')).toBe(at('packages/app/src/lib/index.ts'));
    expect(resolve('packages/app/src/events/order.ts', '../shared/util.js')).toBe(at('packages/app/src/shared/util.ts'));
    expect(resolve('packages/app/src/main.ts', './missing')).toBeUndefined();
  });

  it('applies tsconfig paths and baseUrl through extends (comments and trailing commas allowed)', () => {
    expect(resolve('packages/app/src/main.ts', '@app/events/order.js')).toBe(at('packages/app/src/events/order.ts'));
    expect(resolve('packages/app/src/main.ts', '@exact')).toBe(at('packages/app/src/exact.ts'));
    expect(resolve('packages/app/src/main.ts', 'packages/app/src/publish')).toBe(at('packages/app/src/publish.ts'));
    // A JavaScript file is not part of a program without allowJs: its imports do not go through that tsconfig.
    expect(resolve('packages/app/src/legacy.js', '@exact')).toBeUndefined();
  });

  it('follows package exports with conditions, patterns and self-references, and package imports', () => {
    expect(resolve('packages/app/src/main.ts', '@acme/app')).toBe(at('packages/app/src/index.ts'));
    expect(resolve('packages/app/src/main.ts', '@acme/app/feature/billing')).toBe(at('packages/app/src/features/billing.ts'));
    expect(resolve('packages/app/src/main.ts', '#config')).toBe(at('packages/app/src/config.ts'));
    // A workspace package linked into node_modules resolves to its real files (the first condition that exists).
    expect(resolve('packages/app/src/main.ts', '@acme/messaging')).toBe(at('packages/messaging/dist/index.d.ts'));
  });

  it('answers a dependency in node_modules with its folder there, and nothing for unknown packages', () => {
    expect(resolve('packages/app/src/main.ts', 'kafkajs')).toBe(at('node_modules/kafkajs'));
    expect(resolve('packages/app/src/main.ts', 'not-installed')).toBeUndefined();
    expect(resolve('packages/app/src/main.ts', 'node:fs')).toBeUndefined();
  });

  it('strips comments and trailing commas but not inside strings', () => {
    expect(JSON.parse(stripJsonComments('{ "a": "x//y", /* c */ "b": [1, 2,], // d\n }'))).toEqual({ a: 'x//y', b: [1, 2] });
  });
});
