/**
 * @fileoverview Rewritten files in the project's own Prettier style. When the project has Prettier installed and
 * configured for a file, and the file was Prettier-clean before the rewrite, the rewritten text is formatted with that
 * configuration: since the original already was, only the lines the rewrite produced can change (long calls wrapped
 * at the project's `printWidth`, its quotes, its trailing commas). A file that was not Prettier-clean, is ignored by
 * `.prettierignore`, or has no Prettier configuration is left as the codemod wrote it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

interface PrettierLike {
  resolveConfig(file: string): Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
  getFileInfo(file: string, options?: { ignorePath?: string }): Promise<{ ignored: boolean; inferredParser: string | null }> | { ignored: boolean; inferredParser: string | null };
  check(source: string, options: Record<string, unknown>): Promise<boolean> | boolean;
  format(source: string, options: Record<string, unknown>): Promise<string> | string;
}

const loaded = new Map<string, PrettierLike | null>();

/** The project's `prettier`, resolved from the file's folder (never this package's own). */
function prettierFor(file: string): PrettierLike | undefined {
  const dir = path.dirname(file);
  if (!loaded.has(dir)) {
    let prettier: PrettierLike | null = null;
    try {
      prettier = createRequire(path.join(dir, 'noop.js'))('prettier') as PrettierLike;
    } catch {
      prettier = null;
    }
    loaded.set(dir, prettier);
  }
  return loaded.get(dir) ?? undefined;
}

/** `output` formatted as the project formats `file`, or undefined when the project's Prettier does not apply. */
export async function formatLikeProject(file: string, source: string, output: string): Promise<string | undefined> {
  const prettier = prettierFor(file);
  if (!prettier) return undefined;
  try {
    const config = await prettier.resolveConfig(file);
    if (!config) return undefined;
    const info = await prettier.getFileInfo(file);
    if (info.ignored || !info.inferredParser) return undefined;
    const options = { ...config, filepath: file };
    if (!(await prettier.check(source, options))) return undefined;
    return await prettier.format(output, options);
  } catch {
    return undefined; // a formatter failure never costs the rewrite
  }
}
