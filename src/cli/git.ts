/**
 * @fileoverview The little git the CLI needs: which work tree a path is in, what it lists (see files.ts), and whether
 * it has uncommitted changes. git runs through execFile (no shell); a missing git binary means "not in a work tree".
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

const MAX_BUFFER = 256 * 1024 * 1024;

/** Runs git in `cwd` and resolves to its stdout; rejects with git's stderr in the message when it fails. */
export function runGit(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: MAX_BUFFER, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const detail = String(stderr).trim() || error.message;
        reject(Object.assign(new Error(`git ${args.join(' ')} failed in ${cwd}: ${detail}`), { cause: error }));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** The top of the git work tree containing `dir`, or undefined outside git (or when git is not installed). */
export async function gitToplevel(dir: string): Promise<string | undefined> {
  const found = await gitWorkTree(dir);
  return 'toplevel' in found ? found.toplevel : undefined;
}

/**
 * The git work tree containing `dir`, or why there is none that git will vouch for: not a repository, git not
 * installed, or git refusing the repository (`detected dubious ownership`, common when running as root on a
 * mounted checkout). The codemod writes only where git can show and undo its changes.
 */
export async function gitWorkTree(dir: string): Promise<{ toplevel: string } | { reason: string }> {
  try {
    const out = (await runGit(dir, ['rev-parse', '--show-toplevel'])).trim();
    return out ? { toplevel: path.resolve(out) } : { reason: 'git names no work tree for it' };
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code === 'ENOENT') return { reason: 'git is not installed, so its changes could not be reviewed or undone' };
    const message = error instanceof Error ? error.message : String(error);
    const dubious = /detected dubious ownership in repository at '([^']+)'/.exec(message);
    if (dubious) {
      return { reason: `git refuses the repository at ${dubious[1]} (detected dubious ownership; git config --global --add safe.directory ${dubious[1]} lets git in)` };
    }
    if (/not a git repository/i.test(message)) return { reason: 'not in a git work tree, so its changes could not be reviewed or undone' };
    return { reason: `git fails there: ${message.split('\n')[0]}` };
  }
}

export interface DirtyTree {
  toplevel: string;
  /** `git status --porcelain` lines (at most a few, for the message). */
  changes: string[];
  total: number;
}

/**
 * The work trees among `toplevels` that have uncommitted changes (untracked files included: the codemod may
 * rewrite them, and git could not give them back).
 */
export async function dirtyTrees(toplevels: readonly string[]): Promise<DirtyTree[]> {
  const dirty: DirtyTree[] = [];
  for (const toplevel of new Set(toplevels)) {
    const status = await runGit(toplevel, ['status', '--porcelain']);
    const lines = status.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 0) dirty.push({ toplevel, changes: lines.slice(0, 5), total: lines.length });
  }
  return dirty;
}
