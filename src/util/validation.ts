/**
 * @fileoverview What every validator of user configuration shares: the error that names the file or setting and
 * the key, and the plain-object test.
 */

/** A bad setting: `where` names the file or the ESLint setting, `key` the offending key. */
export class SettingsError extends Error {
  constructor(
    readonly where: string,
    readonly key: string | undefined,
    readonly detail: string,
  ) {
    super(key ? `${where}: "${key}" ${detail}` : `${where}: ${detail}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
