// File plumbing shared by the binary formats: exact positioned reads that
// report truncation, and writes that land atomically (temp file + rename).

import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { corrupt } from '../checks.js';

/** Reads exactly `length` bytes at `position` into `target`, or throws naming the file. */
export async function readExactly(
  handle: FileHandle, file: string, target: Uint8Array, position: number, what: string,
): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) {
      throw corrupt(file, `truncated: ${what} needs ${target.length} bytes at offset ${position}, the file ends after ${done}`);
    }
    done += bytesRead;
  }
}

/** Writes all of `bytes` at the handle's current position. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A file written under a temporary name and renamed over `path` once complete. */
export class AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  handle!: FileHandle;

  private constructor(path: string) {
    this.path = path;
    this.tempPath = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  }

  static async create(path: string): Promise<AtomicFile> {
    const file = new AtomicFile(path);
    file.handle = await open(file.tempPath, 'w');
    return file;
  }

  async commit(): Promise<void> {
    await this.handle.close();
    await rename(this.tempPath, this.path);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}
