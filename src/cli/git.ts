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
  try {
    const out = (await runGit(dir, ['rev-parse', '--show-toplevel'])).trim();
    return out ? path.resolve(out) : undefined;
  } catch {
    return undefined;
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
