// Node.js only: the one place in the project that writes a file atomically
// (temporary file, fsync, rename, folder fsync), in a bytes, a streaming and
// a sync form, and the generation-plus-manifest commit of a folder of files.

import { randomBytes } from 'node:crypto';
import {
  closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SmallworldRangeError } from '../errors.js';

/** Receives a file's bytes in order, for the streaming form of `writeFileAtomic`. */
export interface AtomicSink {
  /** Appends `chunk`; resolves once the bytes are handed to the file. */
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
}

/** The sync twin of `AtomicSink`. */
export interface AtomicSinkSync {
  /** Appends `chunk`. */
  write(chunk: Uint8Array): void;
  /** Bytes written so far. */
  readonly bytesWritten: number;
}

/** A whole file's bytes, or a function that writes them to a sink in order. */
export type AtomicSource = Uint8Array | ((sink: AtomicSink) => Promise<void>);
/** A whole file's bytes, or a function that writes them to a sync sink in order. */
export type AtomicSourceSync = Uint8Array | ((sink: AtomicSinkSync) => void);

/** A unique temporary name beside `path` (same folder, so the rename stays on one file system). */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Makes an error about the temporary file name the path the caller gave instead. */
function namePath(error: unknown, temp: string, path: string): unknown {
  if (error instanceof Error) {
    error.message = error.message.split(temp).join(path);
    const withPath = error as Error & { path?: string };
    if (withPath.path === temp) withPath.path = path;
  }
  return error;
}

/**
 * Writes a file atomically: into a temporary file in the same folder,
 * written in full and fsynced, then renamed over `path`, and the folder
 * fsynced so the rename itself survives a crash. A crash, a full disk or a
 * throwing `source` midway leaves the old file (or no file) intact; the
 * temporary file is removed. Errors name `path`, never the temporary file.
 *
 * `source` is the whole file, or a function that streams it through
 * `sink.write` (files of any size, never one buffer for the whole).
 */
export async function writeFileAtomic(path: string, source: AtomicSource): Promise<void> {
  const temp = temporaryPath(path);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      if (source instanceof Uint8Array) {
        // writeFile on a handle loops until every byte is written (files over 2 GiB included).
        await handle.writeFile(source);
      } else {
        let bytesWritten = 0;
        await source({
          async write(chunk: Uint8Array): Promise<void> {
            for (let at = 0; at < chunk.length;) {
              const { bytesWritten: n } = await handle.write(chunk, at, chunk.length - at);
              at += n;
            }
            bytesWritten += chunk.length;
          },
          get bytesWritten() {
            return bytesWritten;
          },
        });
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncFolder(dirname(path));
  } catch (error) {
    throw namePath(error, temp, path);
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
}

/** `writeFileAtomic` on the calling thread (for sync APIs such as hnswlib-node's `writeIndexSync`). */
export function writeFileAtomicSync(path: string, source: AtomicSourceSync): void {
  const temp = temporaryPath(path);
  let renamed = false;
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      let bytesWritten = 0;
      const write = (chunk: Uint8Array): void => {
        for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
        bytesWritten += chunk.length;
      };
      if (source instanceof Uint8Array) write(source);
      else source({ write, get bytesWritten() { return bytesWritten; } });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    renamed = true;
    syncFolderSync(dirname(path));
  } catch (error) {
    throw namePath(error, temp, path);
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // Never created, or already gone.
      }
    }
  }
}

/** fsyncs a folder so a rename in it is durable; platforms that cannot open folders (Windows) skip it. */
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

function syncFolderSync(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // As in syncFolder.
  } finally {
    closeSync(fd);
  }
}

/** The whole file as a Uint8Array (a Buffer, offset 0 for files over Node's 4 KiB pool size). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}

/** One data file of a generation: its base name (`faces.hnsw`) and its content. */
export interface GenerationFile {
  /** The base name; written as `<stem>.g<generation><ext>`, e.g. `faces.g000012.hnsw`. */
  name: string;
  /** Its bytes, or a function that streams them (see `writeFileAtomic`). */
  source: AtomicSource;
}

/** Largest generation number (fits the 6+ digit name and stays a safe integer). */
const MAX_GENERATION = Number.MAX_SAFE_INTEGER;

/** The name the data file `name` has in generation `generation` (`faces.hnsw`, 12 -> `faces.g000012.hnsw`). */
export function generationFileName(name: string, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `\`generation\` must be a non-negative safe integer (got ${String(generation)})`);
  }
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${stem}.g${String(generation).padStart(6, '0')}${ext}`;
}

/** Whether `file` is a generation file of `name` (any generation). */
function isGenerationOf(file: string, name: string): boolean {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  if (!file.startsWith(`${stem}.g`) || !file.endsWith(ext)) return false;
  return /^\d{6,}$/.test(file.slice(stem.length + 2, file.length - ext.length));
}

/**
 * Commits a folder of files that must change together (a database's index
 * and metadata, a sharded index's shards): writes each data file of
 * `generation` atomically under its generation name, then the manifest
 * (`manifestName`, the caller's bytes, which should record `generation`)
 * atomically last: the rename of the manifest is the commit point. A crash
 * before it leaves the previous manifest pointing at the previous
 * generation's files, which are still there; after it, earlier generations'
 * files of the same names are removed. Readers open the manifest first and
 * then the files of the generation it names (`generationFileName`).
 *
 * The caller picks `generation` (one more than its manifest's current one)
 * and keeps writers out of the folder meanwhile (a lock file).
 */
export async function commitGeneration(
  folder: string, generation: number, files: readonly GenerationFile[], manifestName: string, manifest: AtomicSource,
): Promise<void> {
  const keep = new Set(files.map((file) => generationFileName(file.name, generation)));
  for (const file of files) await writeFileAtomic(join(folder, generationFileName(file.name, generation)), file.source);
  await writeFileAtomic(join(folder, manifestName), manifest);
  for (const entry of await readdir(folder)) {
    if (keep.has(entry)) continue;
    if (files.some((file) => isGenerationOf(entry, file.name))) await unlink(join(folder, entry)).catch(() => {});
  }
}
