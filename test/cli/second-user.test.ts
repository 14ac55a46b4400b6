/**
 * Write safety with a real second user: the test creates one (`useradd`) and runs the real CLI (bin, dist) as
 * that user through `setpriv`, as on a shared build machine or a container whose checkout belongs to someone
 * else. Runs only as root (CI runs as root); skipped elsewhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_MISSING_HEADERS } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'trace-propagation.js');
const USER = 'tpcodemod';
const asRoot = process.getuid?.() === 0 && fs.existsSync('/usr/sbin/useradd') && fs.existsSync('/usr/bin/setpriv');

let uid = 0;
let gid = 0;
const dirs: string[] = [];

function ensureUser(): void {
  if (spawnSync('id', ['-u', USER]).status !== 0) execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
}

/** A committed git repository holding `files`, then handed to `owner`. */
function repository(files: Record<string, { text: string; mode: number }>, owner: { uid: number; gid: number }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-prop-user-'));
  fs.chmodSync(dir, 0o755);
  dirs.push(dir);
  for (const [name, { text }] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'safe.directory=*', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
  for (const [name, { mode }] of Object.entries(files)) fs.chmodSync(path.join(dir, name), mode);
  return dir;
}

/** The CLI as the second user, with a HOME of its own (git reads its global config from there). */
function runAsUser(cwd: string, args: string[]): { code: number; err: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-prop-home-'));
  dirs.push(home);
  fs.chownSync(home, uid, gid);
  const result = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', process.execPath, bin, ...args], {
    cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' },
  });
  return { code: result.status ?? -1, err: `${result.stderr}${result.error ?? ''}` };
}

beforeAll(() => {
  if (asRoot) ensureUser();
});
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.runIf(asRoot)('as a second user', () => {
  it('rewrites its own files keeping owner and mode, and skips a read-only file with the reason', () => {
    const dir = repository({ 'src/a.ts': { text: KAFKA_MISSING_HEADERS, mode: 0o640 }, 'src/b.ts': { text: KAFKA_MISSING_HEADERS, mode: 0o444 } }, { uid, gid });
    const result = runAsUser(dir, ['codemod', 'add-header-injection', 'src', '--no-progress']);
    const a = fs.statSync(path.join(dir, 'src/a.ts'));
    expect(fs.readFileSync(path.join(dir, 'src/a.ts'), 'utf8')).toContain('injectTraceHeaders()');
    expect([a.uid, a.gid, a.mode & 0o777]).toEqual([uid, gid, 0o640]);
    expect(fs.readFileSync(path.join(dir, 'src/b.ts'), 'utf8')).toBe(KAFKA_MISSING_HEADERS);
    expect(fs.statSync(path.join(dir, 'src/b.ts')).mode & 0o777).toBe(0o444);
    expect(result.err).toMatch(/src\/b\.ts: skipped, .*read-only/);
    expect(result.code).toBe(1);
  }, 60_000);

  it('refuses a repository owned by another user (git: dubious ownership) unless --force', () => {
    const dir = repository({ 'src/a.ts': { text: KAFKA_MISSING_HEADERS, mode: 0o666 } }, { uid: 0, gid: 0 });
    const refused = runAsUser(dir, ['codemod', 'add-header-injection', 'src', '--no-progress']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/refusing to write: src: git refuses the repository .*dubious ownership/);
    expect(fs.readFileSync(path.join(dir, 'src/a.ts'), 'utf8')).toBe(KAFKA_MISSING_HEADERS);
    const forced = runAsUser(dir, ['codemod', 'add-header-injection', 'src', '--no-progress', '--force']);
    expect(forced.err).not.toContain('refusing');
  }, 60_000);
});
