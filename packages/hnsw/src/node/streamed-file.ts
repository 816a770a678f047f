// Node.js only: runs a format's write plan into a file through the atomic
// writer, and a format's decoder over a file read in chunks, sync or async,
// so files of any size never sit in one buffer.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { decodingFile } from '../errors.js';
import { truncatedAt, type FileDecoder, type FilePlan, type ReadStep } from '../format/file-steps.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

/** Writes `plan` to `path` atomically (see `writeFileAtomic`), a step at a time. */
export async function writePlan(path: string, plan: FilePlan): Promise<void> {
  await writeFileAtomic(path, async (sink) => {
    for (const step of plan.steps) {
      if (step.at === null) await sink.write(step.bytes);
      else await sink.writeAt(step.bytes, step.at);
    }
  });
}

/** `writePlan` on the calling thread. */
export function writePlanSync(path: string, plan: FilePlan): void {
  writeFileAtomicSync(path, (sink) => {
    for (const step of plan.steps) {
      if (step.at === null) sink.write(step.bytes);
      else sink.writeAt(step.bytes, step.at);
    }
  });
}

/**
 * Runs the decoder `decode(fileLength)` over the file at `path`, reading
 * each step straight into the array it names. A `CorruptFileError` names
 * `path` first (see `decodingFile`); a file that shrinks while it is read is
 * one too, naming the section. `format` names the format in that message.
 */
export async function readDecoded<T>(path: string, format: string, decode: (fileLength: number) => FileDecoder<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const fileLength = (await handle.stat()).size;
    const decoder = decode(fileLength);
    for (let next = decodingFile(path, () => decoder.next()); ; next = decodingFile(path, () => decoder.next())) {
      if (next.done === true) return next.value;
      const step = next.value;
      for (let done = 0; done < step.into.length;) {
        const { bytesRead } = await handle.read(step.into, done, step.into.length - done, step.at + done);
        if (bytesRead === 0) decodingFile(path, () => truncatedAt(step, step.at + done, format));
        done += bytesRead;
      }
    }
  } finally {
    await handle.close();
  }
}

/** `readDecoded` on the calling thread. */
export function readDecodedSync<T>(path: string, format: string, decode: (fileLength: number) => FileDecoder<T>): T {
  const fd = openSync(path, 'r');
  try {
    const decoder = decode(fstatSync(fd).size);
    for (let next = decodingFile(path, () => decoder.next()); ; next = decodingFile(path, () => decoder.next())) {
      if (next.done === true) return next.value;
      readStepSync(fd, next.value, path, format);
    }
  } finally {
    closeSync(fd);
  }
}

function readStepSync(fd: number, step: ReadStep, path: string, format: string): void {
  for (let done = 0; done < step.into.length;) {
    const bytesRead = readSync(fd, step.into, done, step.into.length - done, step.at + done);
    if (bytesRead === 0) decodingFile(path, () => truncatedAt(step, step.at + done, format));
    done += bytesRead;
  }
}
