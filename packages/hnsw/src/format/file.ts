// Node.js only: atomic file writes and whole-file reads for the index formats.
// Imported by src/node/ alone, so the portable entry never pulls in node:fs.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder
 * (same file system, so the rename is atomic), written in full, fsynced,
 * then renamed over `path`, and the folder fsynced so the rename itself
 * survives a crash. A crash or a full disk midway leaves the old file
 * intact; the temporary file is removed on error.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  let renamed = false;
  try {
    try {
      // writeFile on a handle loops until every byte is written (files over 2 GiB included).
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncFolder(dirname(path));
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
}

/** fsyncs a folder so a rename in it is durable; some platforms (Windows) cannot open folders: skipped there. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without folder fsync: the file itself is synced.
  } finally {
    await handle.close();
  }
}

/** The whole file as a Uint8Array (a Buffer, offset 0 for files over Node's 4 KiB pool size). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}
