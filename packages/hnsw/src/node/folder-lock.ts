// Node.js only: a lock file that keeps a second process from writing a folder
// of files (a face database, a sharded index) while one is committing to it.

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SmallworldError } from '../errors.js';

/** Default name of the lock file inside the folder. */
export const LOCK_FILE_NAME = '.lock';

/** A held lock: `release` removes the lock file (idempotent). */
export interface FolderLock {
  /** The lock file's path. */
  readonly path: string;
  /** Removes the lock file; later calls do nothing. */
  release(): Promise<void>;
}

/** What a lock file says about its holder (one JSON line). */
interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Takes the lock of `folder` (which must exist) by creating `lockName`
 * exclusively in it, holding this process's id and host name. Throws a `SmallworldError`
 * with code 'INDEX_BUSY' naming the folder and the holder's pid while another
 * live process (or this one, through another lock) holds it. A lock left by
 * a process that has died (same host, pid gone) is taken over, and so is a
 * file there that is not a lock this function wrote. Other errors
 * (a read-only folder, no such folder) are thrown as they come.
 *
 * Locks are advisory: they guard against our own writers, on one machine
 * (a lock from another host is always respected, never taken over).
 */
export async function acquireFolderLock(folder: string, lockName = LOCK_FILE_NAME): Promise<FolderLock> {
  const path = join(folder, lockName);
  const me: LockOwner = { pid: process.pid, host: hostname() };
  // The lock appears under its name complete (written aside, then hard-linked,
  // which fails if the name exists): a reader never sees a half-written one.
  const draft = join(folder, `${lockName}.${process.pid}.${randomBytes(6).toString('hex')}`);
  await writeFile(draft, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
  try {
    // Each pass either takes the lock or removes a stale one; a racing
    // process can make us loop, never for long.
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        await link(draft, path);
        return heldLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // Released meanwhile: try again.
      const owner = parseOwner(text);
      if (owner !== undefined && (owner.host !== me.host || isAlive(owner.pid))) {
        throw new SmallworldError('INDEX_BUSY',
          `${folder} is locked by process ${owner.pid}${owner.host === me.host ? '' : ` on ${owner.host}`} (lock file ${path}): `
          + 'another writer is using it; wait for it to finish (a lock of a process that has died is taken over)');
      }
      // Stale (its process is gone, or not a lock we wrote): remove it only if
      // it is still the file we read, then race to link ours.
      const again = await readFile(path, 'utf8').catch(() => undefined);
      if (again === text) await unlink(path).catch(() => {});
    }
    throw new SmallworldError('INDEX_BUSY', `${folder}: could not take its lock file ${path} (other processes keep taking it)`);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

function heldLock(path: string): FolderLock {
  let released = false;
  return {
    path,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await unlink(path).catch(() => {});
    },
  };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(owner.pid) && owner.pid! > 0 && typeof owner.host === 'string') return owner as LockOwner;
  } catch {
    // Not JSON: not a lock of ours.
  }
  return undefined;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
