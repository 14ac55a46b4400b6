/**
 * The codemod proof on the fixture services: after `all`, the rules report exactly the sites the codemod left
 * (each with a reason) and nothing else, a second run changes nothing, and the rewritten TypeScript type-checks
 * with the real TypeScript compiler against the real libraries' type definitions and the real helpers module.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transformSource, type SiteResult } from '../../src/codemods/engine.js';
import plugin from '../../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = path.join(root, 'fixtures', 'services');
let work: string;
const left = new Map<string, SiteResult[]>();
const changed = new Set<string>();

function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|js|mjs|cjs)$/.test(f)).sort();
}

beforeAll(() => {
  // Inside the repository, so that imports resolve to the real node_modules.
  fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
  work = fs.mkdtempSync(path.join(root, '.tmp', 'codemod-proof-'));
  fs.cpSync(source, path.join(work, 'services'), { recursive: true });
  for (const file of files(path.join(work, 'services'))) {
    const full = path.join(work, 'services', file);
    const result = transformSource('all', full, fs.readFileSync(full, 'utf8'));
    if (result.output !== undefined) {
      fs.writeFileSync(full, result.output);
      changed.add(file);
    }
    left.set(file, result.left);
  }
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('codemod `all` on the fixture services', () => {
  it('rewrites most files', () => {
    expect(changed.size).toBeGreaterThan(25);
  });

  it('leaves nothing for the rules to report (and would list any site it left, with a reason)', async () => {
    const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const results = await eslint.lintFiles(files(path.join(work, 'services')).map((f) => path.join(work, 'services', f)));
    const reported = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(path.join(work, 'services'), r.filePath)}:${m.line} ${m.ruleId?.replace('trace-propagation/', '')}/${m.messageId ?? m.message}`),
    );
    const expected = [...left].flatMap(([file, sites]) => sites.map((s) => `${file}:${s.line} ${s.rule}/${s.messageId}`));
    expect(reported.sort()).toEqual(expected.sort());
    for (const sites of left.values()) for (const site of sites) expect(site.reason).toBeTruthy();
    // The proof: after `all`, the three rules report nothing on the fixture services.
    expect(expected).toEqual([]);
  });

  it('changes nothing when run a second time', () => {
    for (const file of files(path.join(work, 'services'))) {
      const full = path.join(work, 'services', file);
      expect(transformSource('all', full, fs.readFileSync(full, 'utf8')).output, file).toBeUndefined();
    }
  });

  it('type-checks against the real library types and the real helpers module', () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        esModuleInterop: true, skipLibCheck: true, experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'],
        paths: { 'trace-propagation-helpers': [path.join(root, 'packages', 'helpers', 'src', 'index.ts')] },
      },
      include: [path.join(work, 'services', '**', '*.ts'), path.join(root, 'fixtures', 'types', '**', '*.d.ts')],
    };
    fs.writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(work, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  });
});
