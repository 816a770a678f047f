// Node.js only: the one place in the project that writes a file atomically
// (temporary file, fsync, rename, folder fsync), in a bytes, a streaming, a
// several-calls and a sync form, and the generation-plus-manifest commit of a
// folder of files.

import { randomBytes } from 'node:crypto';
import {
  closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SmallworldRangeError, SmallworldTypeError, describeValue } from '../errors.js';

/** Receives a file's bytes in order, for the streaming form of `writeFileAtomic`. */
export interface AtomicSink {
  /** Appends `chunk`; resolves once the bytes are handed to the file. */
  write(chunk: Uint8Array): Promise<void>;
  /** Writes `chunk` at byte `position` without moving the append position (a header filled in once the checksums are known). */
  writeAt(chunk: Uint8Array, position: number): Promise<void>;
  /** Bytes appended so far. */
  readonly bytesWritten: number;
}

/** The sync twin of `AtomicSink`. */
export interface AtomicSinkSync {
  /** Appends `chunk`. */
  write(chunk: Uint8Array): void;
  /** Writes `chunk` at byte `position` without moving the append position. */
  writeAt(chunk: Uint8Array, position: number): void;
  /** Bytes appended so far. */
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

/** Bytes handed to one write call at most: larger buffers go in pieces (Node refuses lengths past 2 GiB). */
const MAX_WRITE_BYTES = 2 ** 30;

/**
 * A file being written atomically over several calls (a streaming writer
 * whose rows arrive one chunk at a time): `commit` puts it in place,
 * `abort` drops it. Until `commit` returns, `path` is untouched.
 */
export interface AtomicFile {
  /** The path the file takes at `commit`. */
  readonly path: string;
  /**
   * The temporary file (same folder as `path`). A library that writes a file
   * by name (h5wasm) may write there; `commit` fsyncs and renames it all the same.
   */
  readonly temporaryPath: string;
  /** Bytes appended by `write` so far. */
  readonly bytesWritten: number;
  /** Appends `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Writes `chunk` at byte `position` without moving the append position (a header filled in once the counts are known). */
  writeAt(chunk: Uint8Array, position: number): Promise<void>;
  /** fsyncs and closes the file, renames it over `path`, fsyncs the folder. On failure the temporary file is removed. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; `path` is untouched. Does nothing after `commit`. */
  abort(): Promise<void>;
}

/**
 * Opens a temporary file beside `path` for `AtomicFile`'s calls (see
 * `writeFileAtomic` for the guarantees). Errors name `path`, never the
 * temporary file.
 */
export async function openFileAtomic(path: string): Promise<AtomicFile> {
  const temp = temporaryPath(path);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx', 0o644);
  } catch (error) {
    throw namePath(error, temp, path);
  }
  let bytesWritten = 0;
  let state: 'open' | 'committed' | 'dropped' = 'open';
  const assertOpen = (): void => {
    if (state !== 'open') throw new SmallworldTypeError('INVALID_ARGUMENT', `${path}: the file is already ${state}, it takes no more calls`);
  };
  const writeAll = async (chunk: Uint8Array, position: number | null): Promise<void> => {
    assertOpen();
    for (let at = 0; at < chunk.length;) {
      const length = Math.min(chunk.length - at, MAX_WRITE_BYTES);
      const { bytesWritten: n } = await handle.write(chunk, at, length, position === null ? null : position + at);
      at += n;
    }
  };
  const drop = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'dropped';
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
  };
  return {
    path,
    temporaryPath: temp,
    get bytesWritten() {
      return bytesWritten;
    },
    async write(chunk: Uint8Array): Promise<void> {
      try {
        await writeAll(chunk, null);
      } catch (error) {
        throw namePath(error, temp, path);
      }
      bytesWritten += chunk.length;
    },
    async writeAt(chunk: Uint8Array, position: number): Promise<void> {
      try {
        await writeAll(chunk, position);
      } catch (error) {
        throw namePath(error, temp, path);
      }
    },
    async commit(): Promise<void> {
      assertOpen();
      try {
        await handle.sync();
        await handle.close();
        await rename(temp, path);
        state = 'committed';
        await syncFolder(dirname(path));
      } catch (error) {
        await drop();
        throw namePath(error, temp, path);
      }
    },
    abort: drop,
  };
}

/**
 * Writes a file atomically: into a temporary file in the same folder,
 * written in full and fsynced, then renamed over `path`, and the folder
 * fsynced so the rename itself survives a crash. A crash, a full disk or a
 * throwing `source` midway leaves the old file (or no file) intact; the
 * temporary file is removed. Errors name `path`, never the temporary file.
 *
 * `source` is the whole file, or a function that streams it through
 * `sink.write` (files of any size, never one buffer for the whole). For a
 * file written over several calls, see `openFileAtomic`.
 */
export async function writeFileAtomic(path: string, source: AtomicSource): Promise<void> {
  const file = await openFileAtomic(path);
  try {
    if (source instanceof Uint8Array) await file.write(source);
    else {
      await source({
        write: (chunk) => file.write(chunk),
        writeAt: (chunk, position) => file.writeAt(chunk, position),
        get bytesWritten() { return file.bytesWritten; },
      });
    }
    await file.commit();
  } catch (error) {
    await file.abort();
    throw namePath(error, file.temporaryPath, path);
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
      const writeAt = (chunk: Uint8Array, position: number | null): void => {
        for (let at = 0; at < chunk.length;) {
          at += writeSync(fd, chunk, at, Math.min(chunk.length - at, MAX_WRITE_BYTES), position === null ? null : position + at);
        }
      };
      const write = (chunk: Uint8Array): void => {
        writeAt(chunk, null);
        bytesWritten += chunk.length;
      };
      if (source instanceof Uint8Array) write(source);
      else source({ write, writeAt, get bytesWritten() { return bytesWritten; } });
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

/** One data file of a generation: its base name (`faces.hnsw`) and its content. */
export interface GenerationFile {
  /** The base name; written as `<stem>.g<generation><ext>`, e.g. `faces.g000012.hnsw`. */
  name: string;
  /** Its bytes, or a function that streams them (see `writeFileAtomic`). */
  source?: AtomicSource;
  /**
   * Instead of `source`: a function that writes the file at `path`
   * atomically itself, such as an index's `save` (which streams it and
   * waits for the index's builds).
   */
  save?: (path: string) => Promise<void>;
}

/** Largest generation number (fits the 6+ digit name and stays a safe integer). */
const MAX_GENERATION = Number.MAX_SAFE_INTEGER;

/** The name the data file `name` has in generation `generation` (`faces.hnsw`, 12 -> `faces.g000012.hnsw`). */
export function generationFileName(name: string, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `\`generation\` must be a non-negative safe integer (got ${describeValue(generation)})`);
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
 * Whether `entry` is a temporary file `temporaryPath` made for one of these
 * names (any generation): one a crashed commit left behind. The caller holds
 * the folder's lock, so no live writer owns it.
 */
function isTemporaryOf(entry: string, files: readonly GenerationFile[], manifestName: string): boolean {
  const match = /^\.(.+)\.\d+\.[0-9a-f]{12}\.tmp$/.exec(entry);
  if (match === null) return false;
  return match[1] === manifestName || files.some((file) => isGenerationOf(match[1], file.name));
}

/**
 * @internal Tests only: called at each step of `commitGeneration` with its
 * name (`file:<i>` once data file i is in place, `manifest` before the
 * manifest is written, `committed` once it is renamed, `cleanup:<j>` once the
 * j-th old file is removed), so a test can end a child process at every
 * point of a commit in turn.
 */
export const commitTestHooks: { onStep: ((step: string) => void) | undefined } = { onStep: undefined };

/**
 * Commits a folder of files that must change together (a database's index
 * and metadata, a sharded index's shards): writes each data file of
 * `generation` atomically under its generation name, then the manifest
 * (`manifestName`, the caller's bytes, which should record `generation`)
 * atomically last: the rename of the manifest is the commit point. A crash
 * before it leaves the previous manifest pointing at the previous
 * generation's files, which are still there; after it, earlier generations'
 * files of the same names are removed, and so are temporary files a crashed
 * commit left behind. Readers open the manifest first and
 * then the files of the generation it names (`generationFileName`).
 *
 * The caller picks `generation` (one more than its manifest's current one)
 * and keeps writers out of the folder meanwhile (a lock file).
 */
export async function commitGeneration(
  folder: string, generation: number, files: readonly GenerationFile[], manifestName: string, manifest: AtomicSource,
): Promise<void> {
  const keep = new Set(files.map((file) => generationFileName(file.name, generation)));
  const step = commitTestHooks.onStep;
  for (const file of files) {
    if ((file.source === undefined) === (file.save === undefined)) {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `generation file ${describeValue(file.name)} must have a \`source\` or a \`save\`, one of the two`);
    }
  }
  for (const [i, file] of files.entries()) {
    const path = join(folder, generationFileName(file.name, generation));
    if (file.save !== undefined) await file.save(path);
    else await writeFileAtomic(path, file.source!);
    step?.(`file:${i}`);
  }
  step?.('manifest');
  await writeFileAtomic(join(folder, manifestName), manifest);
  step?.('committed');
  let removed = 0;
  for (const entry of await readdir(folder)) {
    if (keep.has(entry)) continue;
    if (files.some((file) => isGenerationOf(entry, file.name)) || isTemporaryOf(entry, files, manifestName)) {
      await unlink(join(folder, entry)).catch(() => {});
      step?.(`cleanup:${removed++}`);
    }
  }
}
