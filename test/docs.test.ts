/**
 * Docs are code: every rule has a doc with the required sections and a heading per option, and every example
 * marked `<!-- incorrect -->` is reported by its rule while every `<!-- correct -->` one is reported by none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { RECOMMENDED_RULES } from '../rules/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The strict config has every rule; a recommended rule's examples are judged by the recommended rules only.
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.strict as never });
const RECOMMENDED = new Set(RECOMMENDED_RULES.map((r) => `trace-propagation/${r}`));

interface Example {
  kind: 'incorrect' | 'correct';
  code: string;
  line: number;
}

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- (incorrect|correct) -->$/.exec(lines[i]!.trim());
    if (!marker || !/^```(ts|js)$/.test(lines[i + 1]?.trim() ?? '')) continue;
    const end = lines.indexOf('```', i + 2);
    out.push({ kind: marker[1] as Example['kind'], code: lines.slice(i + 2, end).join('\n'), line: i + 1 });
    i = end;
  }
  return out;
}

for (const [name, rule] of Object.entries(plugin.rules)) {
  describe(`rules/${name}.md`, () => {
    const file = path.join(root, 'rules', `${name}.md`);
    const markdown = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';

    it('exists and starts with the rule name and its description', () => {
      expect(markdown.startsWith(`# ${name}\n`)).toBe(true);
      expect(markdown).toContain(rule.meta.docs!.description);
    });

    it('has the required sections', () => {
      for (const heading of ['## Rule details', '## Messages', '## Options', '## Known limitations', '## When not to use it', '## Related']) {
        expect(markdown).toContain(`\n${heading}\n`);
      }
    });

    it('documents every option and every message', () => {
      const schema = (rule.meta.schema as unknown as Array<{ properties: Record<string, unknown> }>)[0]!;
      for (const option of Object.keys(schema.properties)) expect(markdown).toContain(`\n### ${option}\n`);
      for (const messageId of Object.keys(rule.meta.messages)) expect(markdown).toContain(messageId);
    });

    const blocks = examples(markdown);
    it('has incorrect and correct examples', () => {
      expect(blocks.filter((b) => b.kind === 'incorrect').length).toBeGreaterThan(5);
      expect(blocks.filter((b) => b.kind === 'correct').length).toBeGreaterThan(5);
    });

    it('examples lint as labelled', async () => {
      const wrong: string[] = [];
      for (const block of blocks) {
        const [result] = await eslint.lintText(block.code, { filePath: path.join(root, 'docs-example.ts') });
        const strictDoc = !RECOMMENDED.has(`trace-propagation/${name}`);
        result!.messages = result!.messages.filter((m) => m.fatal || strictDoc || RECOMMENDED.has(m.ruleId ?? ''));
        const fatal = result!.messages.filter((m) => m.fatal);
        const own = result!.messages.filter((m) => m.ruleId === `trace-propagation/${name}`);
        if (fatal.length > 0) wrong.push(`line ${block.line}: does not parse: ${fatal[0]!.message}`);
        else if (block.kind === 'incorrect' && own.length === 0) wrong.push(`line ${block.line}: incorrect example not reported`);
        else if (block.kind === 'correct' && result!.messages.length > 0) {
          wrong.push(`line ${block.line}: correct example reported: ${result!.messages.map((m) => m.messageId).join(', ')}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
}
