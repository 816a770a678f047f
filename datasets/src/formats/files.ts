// File plumbing shared by the binary formats: exact positioned reads that
// report truncation. (Writes go through the engine's atomic writer, openFileAtomic.)

import type { FileHandle } from 'node:fs/promises';
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

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
