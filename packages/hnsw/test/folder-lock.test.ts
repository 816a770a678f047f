// The folder lock: one writer per folder, a clear INDEX_BUSY for the second,
// stale locks of dead processes taken over, nothing left behind.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFolderLock, LOCK_FILE_NAME, SmallworldError } from '../src/index.node.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'smallworld-lock-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireFolderLock', () => {
  it('holds the folder until released: a second writer gets INDEX_BUSY naming the holder', async () => {
    const lock = await acquireFolderLock(folder);
    expect(lock.path).toBe(join(folder, LOCK_FILE_NAME));
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    const second = acquireFolderLock(folder);
    await expect(second).rejects.toBeInstanceOf(SmallworldError);
    await expect(second).rejects.toMatchObject({ code: 'INDEX_BUSY', message: expect.stringContaining(`locked by process ${process.pid}`) });
    await lock.release();
    await lock.release();
    const third = await acquireFolderLock(folder);
    await third.release();
    expect(await readdir(folder)).toEqual([]);
  });

  it('takes over the lock of a process that has died, and a file that is not a lock', async () => {
    const pid = deadPid();
    await writeFile(join(folder, LOCK_FILE_NAME), JSON.stringify({ pid, host: hostname() }));
    const lock = await acquireFolderLock(folder);
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    await writeFile(join(folder, LOCK_FILE_NAME), '{"pid":');
    await (await acquireFolderLock(folder)).release();
    expect(await readdir(folder)).toEqual([]);
  });

  it("respects another host's lock, and names the host", async () => {
    await writeFile(join(folder, LOCK_FILE_NAME), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}` }));
    await expect(acquireFolderLock(folder)).rejects.toMatchObject({ code: 'INDEX_BUSY', message: expect.stringContaining(`on not-${hostname()}`) });
    expect(await readdir(folder)).toEqual([LOCK_FILE_NAME]);
  });

  it('uses the lock name given, and throws the file system error for a missing folder', async () => {
    const lock = await acquireFolderLock(folder, 'manifest.lock');
    expect(await readdir(folder)).toEqual(['manifest.lock']);
    await lock.release();
    await expect(acquireFolderLock(join(folder, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
