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
    expect(withTypes.code).toBe(1); // --dry: a file would change
    expect(withTypes.out).toContain("+  await deps.producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });");
    expect(path.basename(project)).toBe('project');
  });

  it('a file outside every tsconfig (webpack.config.js) gets the syntactic analysis instead of failing the run', async () => {
    const result = await run(project, ['codemod', 'add-header-injection', '.', '--types', '--dry']);
    expect(result.err).toContain('0 failed');
    expect(result.out).toContain("+module.exports = async () => producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });");
    expect(result.out).toContain('+++ b/consumer.ts');
    expect(result.code).toBe(1); // --dry: files would change
  });
});
