/**
 * @fileoverview What package.json says about this package, read once: name and version for `meta`, and the
 * repository from which the rules' documentation links are derived (one place to change them).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface PackageJson {
  name: string;
  version: string;
  repository?: string | { url?: string };
  dependencies?: Record<string, string>;
}

/** package.json is two levels up from src/util/ and three from dist/src/util/. */
function readPackage(): PackageJson {
  try {
    return require('../../package.json') as PackageJson;
  } catch {
    return require('../../../package.json') as PackageJson;
  }
}

export const packageJson = readPackage();

/** `git+https://github.com/o/r.git` (or `github:o/r`) → `https://github.com/o/r`. */
export function repositoryUrl(repository: PackageJson['repository']): string | undefined {
  const raw = typeof repository === 'string' ? repository : repository?.url;
  if (!raw) return undefined;
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1]!.replace(/\.git$/, '')}`;
  return raw.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
}

/** Where a rule's documentation is read: `<repository>/blob/main/rules/<rule>.md`. */
export function ruleDocsUrl(rule: string): string {
  const base = repositoryUrl(packageJson.repository) ?? `https://www.npmjs.com/package/${packageJson.name}`;
  return `${base}/blob/main/rules/${rule}.md`;
}
