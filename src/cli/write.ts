/**
 * @fileoverview Atomic file replacement: the new text goes to a temporary file next to the original (same
 * directory, so same file system), which gets the original's permission bits, is flushed to disk, and is then
 * renamed over the original. A reader sees the old file or the new one, never half of one; on any error the
 * temporary file is removed and the original is left as it was.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Room left in a 255-byte file name for `<name>` after `.` `.<pid>.<random>.tmp`. */
const MAX_NAME_BYTES = 200;

/**
 * The temporary file name used for `file`: `.<name>.<pid>.<random>.tmp` in the same directory, `<name>` shortened
 * when needed so that a file whose own name is near the 255-byte limit can still be replaced.
 */
export function tempNameFor(file: string): string {
  let name = path.basename(file);
  while (Buffer.byteLength(name) > MAX_NAME_BYTES) name = name.slice(0, -1);
  return path.join(path.dirname(file), `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Replaces the contents of `file` with `text` (UTF-8) atomically. A symbolic link is kept: its target is replaced. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const target = await realpath(file);
  const mode = (await stat(target)).mode & 0o7777;
  const temp = tempNameFor(target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode); // open() applied the umask; restore the exact bits
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(target));
}

/** Makes the rename itself durable where the platform allows it (not on Windows); best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here: the data itself is already flushed
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
