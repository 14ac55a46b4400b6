/**
 * @fileoverview The nearest file of a name at or above a folder (`package.json`, `tsconfig.json`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function findUp(dir: string, name: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, name);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}
