/**
 * The pre-commit framework (Debian's `pre-commit`) running our hook from this checkout's `.pre-commit-hooks.yaml`:
 * in a temporary git repository, `pre-commit install`, then a commit with a violation is refused with our message
 * and a clean commit goes through. Skipped locally without `pre-commit`; under CI a missing binary is a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasPreCommit && process.env.CI) throw new Error('pre-commit is not installed (apt-get install pre-commit); .ci/run installs it');

// Inside the repository (gitignored .tmp/): `npx --no-install eslint` finds this checkout's ESLint and plugin there.
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const work = fs.mkdtempSync(path.join(root, '.tmp', 'pre-commit-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const env = { ...process.env, PRE_COMMIT_HOME: path.join(work, 'cache'), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

describe.skipIf(!hasPreCommit)('pre-commit hook', () => {
  it('refuses a commit that publishes without trace context, with our message, and accepts a clean one', () => {
    // The hook repository: this checkout's hook definitions, committed (pre-commit clones a revision).
    const hooks = path.join(work, 'hooks');
    fs.mkdirSync(hooks);
    fs.copyFileSync(path.join(root, '.pre-commit-hooks.yaml'), path.join(hooks, '.pre-commit-hooks.yaml'));
    git(hooks, 'init', '-q');
    git(hooks, 'add', '.');
    git(hooks, 'commit', '-qm', 'hooks');
    const rev = git(hooks, 'rev-parse', 'HEAD').trim();

    const app = path.join(work, 'app');
    fs.mkdirSync(path.join(app, 'src'), { recursive: true });
    fs.writeFileSync(path.join(app, 'eslint.config.mjs'), `import traceProp from ${JSON.stringify(path.join(root, 'dist', 'src', 'index.js'))};\nexport default [...traceProp.configs.recommended];\n`);
    fs.writeFileSync(path.join(app, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hooks}\n    rev: ${rev}\n    hooks:\n      - id: trace-propagation-lint\n`);
    git(app, 'init', '-q');
    execFileSync('pre-commit', ['install'], { cwd: app, env, encoding: 'utf8' });

    fs.writeFileSync(path.join(app, 'src', 'publish.ts'), "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ clientId: 'a', brokers: [] }).producer();\nawait producer.send({ topic: 't', messages: [{ value: 'v' }] });\n");
    git(app, 'add', '.');
    const refused = spawnSync('git', ['commit', '-m', 'publish orders'], { cwd: app, env, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('trace-propagation/require-header-injection');
    expect(refused.stdout + refused.stderr).toContain('kafkajs: producer.send() sends this message without headers');
    expect(spawnSync('git', ['rev-parse', 'HEAD'], { cwd: app, env }).status).not.toBe(0); // nothing committed

    fs.writeFileSync(path.join(app, 'src', 'publish.ts'), "import { Kafka } from 'kafkajs';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nconst producer = new Kafka({ clientId: 'a', brokers: [] }).producer();\nawait producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });\n");
    git(app, 'add', '.');
    const accepted = spawnSync('git', ['commit', '-m', 'publish orders with trace context'], { cwd: app, env, encoding: 'utf8' });
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.stdout + accepted.stderr).toMatch(/trace propagation \(ESLint\)\.+Passed/);
  }, 120_000);
});
