/**
 * Before/after fixture pairs for every broker and every codemod (`fixtures/codemods/<codemod>/<case>/`): the
 * codemod turns before.* into exactly after.* (or leaves it byte-identical when there is no after file), a
 * second run changes nothing, the rules report on the result only what the codemod said it left, every file
 * type-checks with the real compiler, and jscodeshift itself runs the transform to the same output.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { codemods, transformSource, type CodemodName } from '../../src/codemods/engine.js';
import plugin from '../../src/index.js';
import addHeaderInjection from '../../codemods/add-header-injection.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'fixtures', 'codemods');

interface Case {
  codemod: CodemodName;
  name: string;
  before: string;
  after: string | undefined;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const { name: codemod } of codemods) {
    const dir = path.join(fixtures, codemod);
    for (const name of fs.readdirSync(dir).sort()) {
      const files = fs.readdirSync(path.join(dir, name));
      const before = files.find((f) => f.startsWith('before.'));
      if (!before) continue;
      const after = files.find((f) => f.startsWith('after.'));
      out.push({ codemod, name, before: path.join(dir, name, before), after: after ? path.join(dir, name, after) : undefined });
    }
  }
  return out;
}

const all = cases();
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });

describe('codemod fixture pairs', () => {
  it('cover every codemod and every broker, with no-change cases', () => {
    for (const { name } of codemods) expect(all.filter((c) => c.codemod === name).length).toBeGreaterThanOrEqual(5);
    const brokers = ['kafkajs', 'confluent', 'node-rdkafka', 'amqplib', 'amqp-connection-manager', 'sqs', 'sqs-consumer', 'sns', 'pubsub', 'service-bus', 'nats', 'nestjs'];
    for (const broker of brokers) expect(all.some((c) => c.name.startsWith(broker)), broker).toBe(true);
    expect(all.filter((c) => c.name.includes('no-change')).length).toBeGreaterThanOrEqual(8);
  });

  for (const c of all) {
    describe(`${c.codemod}/${c.name}`, () => {
      const source = fs.readFileSync(c.before, 'utf8');
      const result = transformSource(c.codemod, c.before, source);

      it(c.after ? 'rewrites before into after' : 'leaves the file byte-identical', () => {
        if (c.after) expect(result.output).toBe(fs.readFileSync(c.after, 'utf8'));
        else expect(result.output).toBeUndefined();
        if (c.name.includes('no-change')) expect(c.after).toBeUndefined();
      });

      if (c.after) {
        it('changes nothing on a second run, and the rules report only what was left', async () => {
          const after = fs.readFileSync(c.after!, 'utf8');
          const again = transformSource(c.codemod, c.after!, after);
          expect(again.output).toBeUndefined();
          const rules = new Set(codemods.find((m) => m.name === c.codemod)!.rules.map((r) => `trace-propagation/${r}`));
          const [lint] = await eslint.lintText(after, { filePath: c.after! });
          const reported = lint!.messages.filter((m) => rules.has(m.ruleId ?? '')).map((m) => `${m.line}:${m.messageId}`);
          expect(reported.sort()).toEqual(again.left.map((s) => `${s.line}:${s.messageId}`).sort());
        });
      }
    });
  }

  it('type-check, before and after, against the real library types', () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(fixtures, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  });

  it('run through jscodeshift itself to the same output', async () => {
    const { applyTransform } = await import('jscodeshift/dist/testUtils.js');
    const pairs = all.filter((c) => c.codemod === 'add-header-injection' && c.after);
    expect(pairs.length).toBeGreaterThan(10);
    for (const c of pairs) {
      const output = applyTransform({ default: addHeaderInjection, parser: 'tsx' }, {}, { path: c.before, source: fs.readFileSync(c.before, 'utf8') });
      expect(output, c.name).toBe(fs.readFileSync(c.after!, 'utf8').trim());
    }
  });
});
