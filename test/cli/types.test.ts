import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

const project = fileURLToPath(new URL('../typed/project/', import.meta.url));

describe('--types', () => {
  it('finds and fixes clients typed in another module; without it the file is skipped', async () => {
    const withTypes = await run(project, ['codemod', 'add-header-injection', 'consumer.ts', '--types', '--dry']);
    const withoutTypes = await run(project, ['codemod', 'add-header-injection', 'consumer.ts', '--dry']);
    expect(withoutTypes.code).toBe(0);
    expect(withoutTypes.out).toBe('');
    expect(withTypes.code).toBe(0);
    expect(withTypes.out).toContain("+  await deps.producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });");
    expect(path.basename(project)).toBe('project');
  });
});
