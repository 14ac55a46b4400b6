/**
 * @fileoverview Atomic file replacement: the new text goes to a temporary file next to the original (same
 * directory, so same file system), which gets the original's permission bits, owner and group, is flushed to disk,
 * and is then renamed over the original. A reader sees the old file or the new one, never half of one; on any error
 * the temporary file is removed and the original is left as it was. Files that a rewrite would harm are refused
 * before anything is written: read-only files, files with other hard links, and symbolic links that lead out of the
 * tree being transformed (a link inside it keeps being a link: its target is replaced).
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
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

/** A file the codemod will not rewrite, with the reason (it is left byte for byte as it was). */
export class WriteRefused extends Error {}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Replaces the contents of `file` with `text` (UTF-8) atomically, keeping its mode, owner and group. A symbolic link
 * is kept (its target is replaced) when the target lies under one of `within` (the real paths of the trees being
 * transformed); otherwise, and for read-only or hard-linked files, throws WriteRefused and writes nothing.
 */
export async function writeFileAtomic(file: string, text: string, within?: readonly string[]): Promise<void> {
  const target = await realpath(file);
  // Discovery hands over real paths: one outside every tree being transformed was reached through a symbolic link.
  if (within && !within.some((root) => isInside(root, target))) {
    const how = (await lstat(file)).isSymbolicLink() ? 'a symbolic link to' : 'reached through a symbolic link:';
    throw new WriteRefused(`${how} ${target}, outside the tree being transformed; left unchanged`);
  }
  const info = await stat(target);
  const mode = info.mode & 0o7777;
  if ((mode & 0o222) === 0) throw new WriteRefused('read-only; left unchanged (make it writable to let the codemod fix it)');
  if (info.nlink > 1) throw new WriteRefused(`has ${info.nlink - 1} other hard link(s), which a rewrite would separate from it; left unchanged`);
  const temp = tempNameFor(target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode); // open() applied the umask; restore the exact bits
    if (process.getuid && process.getgid && (info.uid !== process.getuid() || info.gid !== process.getgid())) {
      try {
        await handle.chown(info.uid, info.gid);
      } catch (error) {
        throw new WriteRefused(`its owner (${info.uid}:${info.gid}) could not be kept (${(error as NodeJS.ErrnoException).code ?? String(error)}); left unchanged`);
      }
    }
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
