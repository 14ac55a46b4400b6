/**
 * The project view as an editor and a CI run meet it: a wrapper edited on disk is seen on the next lint of its
 * callers (one long-lived ESLint process), a module that does not parse is unknown (no report from it, no crash),
 * and `settings['trace-propagation'].crossFile: false` limits the rules to the linted file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from '../../src/index.js';
import { Project } from '../../src/core/project.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-propagation-view-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (file: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
};

write('package.json', JSON.stringify({ name: 'view', private: true, workspaces: [] }));
const noInject = "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: [] }).producer();\nexport async function publish(topic: string, payload: object) {\n  await producer.send({ topic, messages: [{ value: JSON.stringify(payload) }] });\n}\n";
const injects = noInject.replace("import { Kafka } from 'kafkajs';", "import { Kafka } from 'kafkajs';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';").replace('value: JSON.stringify(payload) }', 'value: JSON.stringify(payload), headers: injectTraceHeaders() }');
write('src/publish.ts', noInject);
write('src/orders.ts', "import { publish } from './publish.js';\nexport const placeOrder = (id: string) => publish('orders', { id });\n");
write('src/broken.ts', "import { Kafka } from 'kafkajs';\nexport const producer = new Kafka({ brokers: [] }).producer(;\n");
write('src/uses-broken.ts', "import { producer } from './broken.js';\nexport const send = () => producer.send({ topic: 't', messages: [{ value: 'v' }] });\n");

const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
const ids = async (file: string): Promise<string[]> => {
  const [result] = await eslint.lintFiles([path.join(dir, file)]);
  return result!.messages.map((m) => m.messageId ?? m.message);
};

describe('project view', () => {
  it('sees a wrapper change on disk at the next lint of its caller, in the same process', async () => {
    expect(await ids('src/orders.ts')).toEqual(['wrapperWithoutContext']);
    write('src/publish.ts', injects);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the modification time is looked at again after 1 s
    expect(await ids('src/orders.ts')).toEqual([]);
    write('src/publish.ts', noInject);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await ids('src/orders.ts')).toEqual(['wrapperWithoutContext']);
  });

  it('treats a module that does not parse as unknown: no report from it and no crash', async () => {
    expect(await ids('src/uses-broken.ts')).toEqual([]);
  });

  it('can be limited to the linted file', async () => {
    const single = new ESLint({
      cwd: dir, overrideConfigFile: true,
      overrideConfig: [...plugin.configs.recommended, { settings: { 'trace-propagation': { crossFile: false } } }] as never,
    });
    const [result] = await single.lintFiles([path.join(dir, 'src/orders.ts')]);
    expect(result!.messages).toEqual([]);
  });
});

describe('barrels', () => {
  it("finds a client re-exported through `export *` without parsing the barrel's other modules", async () => {
    for (const name of ['a', 'b', 'c']) write(`src/barrel/${name}.ts`, `import { Kafka } from 'kafkajs';\nexport const ${name}Client = new Kafka({ brokers: [] });\n`);
    // Exported under another name through an export list.
    write('src/barrel/producer.ts', "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: [] }).producer();\nexport { producer as sharedProducer };\n");
    // Names the export without exporting it: not parsed for it either.
    write('src/barrel/d.ts', "import { sharedProducer } from './producer.js';\nexport const flush = () => sharedProducer.disconnect();\n");
    write('src/barrel/index.ts', "export * from './a.js';\nexport * from './b.js';\nexport * from './c.js';\nexport * from './d.js';\nexport * from './producer.js';\n");
    write('src/barrel-user.ts', "import { sharedProducer } from './barrel/index.js';\nexport const send = () => sharedProducer.send({ topic: 't', messages: [{ value: 'v' }] });\n");
    const parsed: string[] = [];
    const original = Project.prototype.parse;
    Project.prototype.parse = function (this: Project, file: string) {
      parsed.push(path.relative(dir, file));
      return original.call(this, file);
    };
    try {
      expect(await ids('src/barrel-user.ts')).toEqual(['missingHeaders']);
    } finally {
      Project.prototype.parse = original;
    }
    expect(parsed).toContain('src/barrel/producer.ts');
    expect(parsed.filter((f) => /barrel\/[abcd]\.ts$/.test(f))).toEqual([]);
  });
});

describe('modules many files reach', () => {
  it('keeps a module parsed again and again instead of parsing it for every file', async () => {
    write('src/hot/shared.ts', "import { Kafka } from 'kafkajs';\nexport const shared = new Kafka({ brokers: [] }).producer();\n");
    const users: string[] = [];
    for (let u = 0; u < 8; u++) {
      // Each file reaches the shared module first, then nine modules of its own: more than the recently-used set holds.
      const own = Array.from({ length: 9 }, (_, i) => `p${u}_${i}`);
      for (const name of own) write(`src/hot/${name}.ts`, `import { Kafka } from 'kafkajs';\nexport const ${name} = new Kafka({ brokers: [] }).producer();\n`);
      const sends = ['shared', ...own].map((name) => `  await ${name}.send({ topic: 't', messages: [{ value: 'v' }] });`).join('\n');
      write(`src/hot/user${u}.ts`, `import { shared } from './shared.js';\n${own.map((name) => `import { ${name} } from './${name}.js';`).join('\n')}\nexport async function go() {\n${sends}\n}\n`);
      users.push(path.join(dir, `src/hot/user${u}.ts`));
    }
    const results = await eslint.lintFiles(users);
    expect(results.map((r) => r.messages.length)).toEqual(Array(8).fill(10));
    const project = Project.forFile(users[0]) as unknown as { texts: Map<string, { parses?: number }> };
    expect(project.texts.get(path.join(dir, 'src/hot/shared.ts'))?.parses).toBeLessThanOrEqual(3);
  });
});

describe('a workspace package that declares its types beside its JavaScript', () => {
  // `"types": "./src/index.d.ts"` next to `"main": "src/index.js"` (a JavaScript package with hand-written
  // declarations): the code is in index.js, and a declaration has no body to follow.
  it('resolves to the JavaScript file, and to a .d.ts only where no implementation sits beside it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-propagation-dts-'));
    const put = (file: string, text = ''): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    put('package.json', JSON.stringify({ name: 'shared', private: true, workspaces: ['packages/*'] }));
    put('packages/utils/package.json', JSON.stringify({ name: '@acme/utils', type: 'module', main: 'src/index.js', types: 'src/index.d.ts', exports: { '.': { types: './src/index.d.ts', default: './src/index.js' } } }));
    put('packages/utils/src/index.js', "export { instrument } from './xray.js';\n");
    put('packages/utils/src/index.d.ts', 'export function instrument<T>(client: T): T;\n');
    put('packages/types/package.json', JSON.stringify({ name: '@acme/types', types: 'index.d.ts' }));
    put('packages/types/index.d.ts', 'export interface Job { id: string }\n');
    put('packages/client/package.json', JSON.stringify({ name: '@acme/client', dependencies: { '@acme/utils': '*', '@acme/types': '*' } }));
    put('packages/client/src/index.js', "import { instrument } from '@acme/utils';\n");
    Project.reset();
    const from = path.join(root, 'packages/client/src/index.js');
    const project = Project.forFile(from)!;
    expect(project.resolve(from, '@acme/utils')).toBe(path.join(root, 'packages/utils/src/index.js'));
    expect(project.resolve(from, '@acme/types')).toBe(path.join(root, 'packages/types/index.d.ts'));
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the helpers package, linked into node_modules by a workspace', () => {
  // The rules know what `trace-propagation-helpers` does by its name: its sources are never read, even where a
  // workspace links them in like one of its own packages (a repository that vendors the helpers).
  it('is not resolved to source, while a workspace package of the same shape is', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-propagation-known-'));
    const put = (file: string, text = ''): void => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    put('package.json', JSON.stringify({ name: 'shop', private: true, workspaces: ['packages/*'] }));
    for (const name of ['trace-propagation-helpers', '@shop/bus']) {
      const folder = `packages/${name.replace('@shop/', '')}`;
      put(`${folder}/package.json`, JSON.stringify({ name, main: 'index.js' }));
      put(`${folder}/index.js`, 'module.exports = {};\n');
      fs.mkdirSync(path.join(root, 'node_modules', path.dirname(name)), { recursive: true });
      fs.symlinkSync(path.join(root, folder), path.join(root, 'node_modules', name));
    }
    put('packages/app/package.json', JSON.stringify({ name: 'app' }));
    put('packages/app/index.js', "require('trace-propagation-helpers');\nrequire('@shop/bus');\n");
    Project.reset();
    const from = path.join(root, 'packages/app/index.js');
    const project = Project.forFile(from)!;
    expect(project.resolve(from, '@shop/bus')).toBe(path.join(root, 'packages/bus/index.js'));
    expect(project.resolve(from, 'trace-propagation-helpers')).toBeUndefined();
    expect(project.resolve(from, 'eslint-plugin-trace-propagation/helpers')).toBeUndefined();
    fs.rmSync(root, { recursive: true, force: true });
  });
});
