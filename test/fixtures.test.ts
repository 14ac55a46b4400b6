/**
 * Lints the fixture services with the recommended config on real ESLint 10 and 9 and compares every report with
 * the `// expect: rule/messageId` markers: each seeded violation is reported by the right rule on its line, and
 * nothing else (correct code and lookalikes) is reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint as ESLint10 } from 'eslint';
import { ESLint as ESLint9 } from 'eslint-v9';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { expectedMarkers } from './markers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const servicesDir = path.join(root, 'fixtures', 'services');

export function fixtureFiles(): string[] {
  return fs
    .readdirSync(servicesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f))
    .map((f) => path.join(servicesDir, f))
    .sort();
}

for (const [label, ESLint] of [['ESLint 10', ESLint10], ['ESLint 9', ESLint9]] as const) {
  describe(`fixture services (${label})`, async () => {
    const eslint = new (ESLint as typeof ESLint10)({ cwd: root, overrideConfigFile: true, overrideConfig: plugin.configs.recommended as never });
    const results = await eslint.lintFiles(fixtureFiles());
    it('covers every broker directory', () => {
      const dirs = new Set(results.map((r) => path.relative(servicesDir, r.filePath).split(path.sep)[0]));
      expect([...dirs].sort()).toEqual(
        ['amqp-connection-manager', 'amqplib', 'confluent-kafka', 'kafkajs', 'lookalikes', 'nats', 'nestjs', 'node-rdkafka', 'pubsub', 'service-bus', 'sns', 'sqs', 'sqs-consumer'].sort(),
      );
    });
    for (const result of results) {
      it(path.relative(servicesDir, result.filePath), () => {
        expect(result.messages.filter((m) => m.fatal)).toEqual([]);
        const actual = result.messages.map((m) => `${m.line}:${m.ruleId?.replace('trace-propagation/', '')}/${m.messageId}`).sort();
        expect(actual).toEqual(expectedMarkers(result.filePath));
      });
    }
  });
}
