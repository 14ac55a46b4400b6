/**
 * @fileoverview The major version of a package a file uses, from the nearest folder above the file that tells: its
 * installed copy (`node_modules/<name>/package.json`), else the range its manifest declares (`^1.4.12` → 1).
 * Undefined when neither tells (no manifest lists it, `*`, `latest`, a git URL): callers then assume the current API.
 */
import path from 'node:path';
import { readJson } from './project.js';

const majors = new Map<string, number | null>();

export function majorVersionOf(file: string, name: string): number | undefined {
  const dir = path.dirname(file);
  const key = `${dir}\0${name}`;
  let major = majors.get(key);
  if (major === undefined) {
    major = lookUp(dir, name) ?? null;
    majors.set(key, major);
  }
  return major ?? undefined;
}

/** The nearest folder that tells wins: its installed copy, else its manifest's range (a nested package's own). */
function lookUp(start: string, name: string): number | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const installed = readJson(path.join(dir, 'node_modules', name, 'package.json')) as { version?: string } | undefined;
    if (typeof installed?.version === 'string') return leadingMajor(installed.version);
    const manifest = readJson(path.join(dir, 'package.json')) as Record<string, Record<string, string> | undefined> | undefined;
    const range = manifest?.dependencies?.[name] ?? manifest?.devDependencies?.[name] ?? manifest?.peerDependencies?.[name];
    if (typeof range === 'string') return leadingMajor(range);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `^1.4.12`, `~1.4`, `1.x`, `>=1.0.0 <2` → 1; anything without a leading number → undefined. */
function leadingMajor(range: string): number | undefined {
  const match = /^\s*(?:[\^~]|>=?|=)?\s*v?(\d+)/.exec(range);
  return match ? Number(match[1]) : undefined;
}

/** Forgets the cached versions (tests that rewrite manifests). */
export function resetVersions(): void {
  majors.clear();
}
