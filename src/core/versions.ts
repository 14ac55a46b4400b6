/**
 * @fileoverview The major version of a package a file uses, from the nearest folder above the file that tells: its
 * installed copy (`node_modules/<name>/package.json`), else the range its manifest declares (`^1.4.12` → 1).
 * Undefined when neither tells (no manifest lists it, `*`, `latest`, a git URL): callers then assume the current API.
 */
import path from 'node:path';
import { onProjectReset, readJson } from './project.js';

const versions = new Map<string, string | null>();

export function majorVersionOf(file: string, name: string): number | undefined {
  const match = /^\s*(?:[\^~]|>=?|=)?\s*v?(\d+)/.exec(versionText(file, name) ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * The highest `[major, minor]` a package's version or range allows, for a `0.x` package whose minor versions add
 * features (`^0.41.1` → [0, 41]; `~1.4` → [1, 4]). Undefined when it is open-ended (`>=0.40`, `*`) or unknown. A
 * caret range past `0.x` allows later minors: [major, Infinity].
 */
export function versionOf(file: string, name: string): readonly [number, number] | undefined {
  const text = versionText(file, name);
  const match = text === undefined ? null : /^\s*([\^~]|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?/.exec(text);
  if (!match || /[<>|]/.test(text!)) return undefined;
  const major = Number(match[2]);
  const minor = match[3] === undefined || !/^\d+$/.test(match[3]) || (match[1] === '^' && major > 0) ? Infinity : Number(match[3]);
  return [major, minor];
}

function versionText(file: string, name: string): string | undefined {
  const dir = path.dirname(file);
  const key = `${dir}\0${name}`;
  let text = versions.get(key);
  if (text === undefined) {
    text = lookUp(dir, name) ?? null;
    versions.set(key, text);
  }
  return text ?? undefined;
}

/** The nearest folder that tells wins: its installed copy, else its manifest's range (a nested package's own). */
function lookUp(start: string, name: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const installed = readJson(path.join(dir, 'node_modules', name, 'package.json')) as { version?: string } | undefined;
    if (typeof installed?.version === 'string') return installed.version;
    const manifest = readJson(path.join(dir, 'package.json')) as Record<string, Record<string, string> | undefined> | undefined;
    const range = manifest?.dependencies?.[name] ?? manifest?.devDependencies?.[name] ?? manifest?.peerDependencies?.[name];
    if (typeof range === 'string') return range;
    if (path.dirname(dir) === dir) return undefined;
  }
}

// Tests that rewrite manifests start again with Project.reset().
onProjectReset(() => versions.clear());
