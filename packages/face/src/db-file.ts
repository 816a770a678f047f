// The saved form of a FaceDatabase: faces.json (the manifest: format, generation,
// records) checked field by field on open, photo paths relative to the folder,
// and the folder's lock.

import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  acquireFolderLock, CorruptFileError, SmallworldError, SmallworldTypeError, describeValue, type FolderLock,
} from '@smallworld/hnsw';
import type { EmbedderSignature, FaceBox } from './embedder.js';
import { FaceError } from './errors.js';

/** File name of the metadata inside a database folder: the manifest, renamed last on every save (JSON). */
export const DB_META_FILE = 'faces.json';
/**
 * Base name of the HNSW index inside a database folder (smallworld's native
 * format). Each save writes it as a new generation, `faces.g000001.hnsw`,
 * ... (see `generationFileName` of `@smallworld/hnsw`), which faces.json names;
 * databases saved before generations have a plain `faces.hnsw`, still read.
 */
export const DB_INDEX_FILE = 'faces.hnsw';
/** Name of the lock file a writer holds in the database folder. */
export const DB_LOCK_FILE = '.faces.lock';

export const DB_FORMAT = 'smallworld-face-db';
/** 1: absolute photo paths, one `faces.hnsw`. 2: generations, paths relative to the folder where near. */
export const DB_VERSION = 2;

/** What the database remembers of a file. */
export interface FileRecord {
  size: number;
  mtimeMs: number;
  status: 'indexed' | 'no-face' | 'error';
  faces: { label: number; box: FaceBox; score: number }[];
  error?: string;
  /**
   * Faces of this photo taken out by `removePerson` (their descriptors
   * erased): the photo is not embedded again while it is unchanged. Status
   * 'no-face' once none is left.
   */
  erased?: number;
}

/** An `addFolder` run that stopped before its end (interrupted, or a checkpoint). */
export interface UnfinishedRun {
  /** The folder being added (stored like a photo path). */
  folder: string;
  /** Photos embedded by the run so far (now recorded: a rerun skips them). */
  embedded: number;
  /** Photos the run had to embed. */
  total: number;
}

/** faces.json. */
export interface Metadata {
  format: typeof DB_FORMAT;
  version: number;
  /** The generation of the index file (0: a version 1 database). */
  generation: number;
  signature: EmbedderSignature | null;
  faces: 'largest' | 'all';
  threshold: number;
  index: { file: string; bytes: number; m: number; efConstruction: number; efSearch: number };
  nextLabel: number;
  files: Record<string, FileRecord>;
  unfinished?: UnfinishedRun;
}

const STATUSES = new Set(['indexed', 'no-face', 'error']);

/**
 * Checks every field of a parsed faces.json and each record's shape;
 * throws `CorruptFileError` naming `metaPath` and the first problem.
 * (The labels against the index are checked by `checkLabels`.)
 */
export function checkMetadata(value: unknown, metaPath: string): Metadata {
  const fail = (problem: string): never => {
    throw new CorruptFileError(`${metaPath} is damaged: ${problem}`);
  };
  if (!isObject(value)) return fail(`expected a JSON object (got ${describeValue(value)})`);
  if (value.format !== DB_FORMAT || (value.version !== 1 && value.version !== DB_VERSION)) {
    throw new CorruptFileError(`${metaPath} is not a ${DB_FORMAT} file of version 1 or ${DB_VERSION}`);
  }
  const meta = value as Partial<Metadata>;
  if (meta.version === 1) meta.generation ??= 0;
  if (!isCount(meta.generation)) fail(`\`generation\` must be a non-negative integer (got ${describeValue(meta.generation)})`);
  const signature = meta.signature;
  if (signature !== null && !(isObject(signature) && ['decoder', 'model', 'backend'].every((k) => typeof signature[k] === 'string'))) {
    fail('`signature` must be null or { decoder, model, backend } strings');
  }
  if (meta.faces !== 'largest' && meta.faces !== 'all') fail(`\`faces\` must be "largest" or "all" (got ${describeValue(meta.faces)})`);
  if (typeof meta.threshold !== 'number' || !(meta.threshold > 0) || !Number.isFinite(meta.threshold)) {
    fail(`\`threshold\` must be a finite number > 0 (got ${describeValue(meta.threshold)})`);
  }
  const index = meta.index;
  if (!isObject(index) || typeof index.file !== 'string' || index.file === '' || path.basename(index.file) !== index.file) {
    fail('`index.file` must be the name of a file in the folder');
  }
  for (const key of ['bytes', 'm', 'efConstruction', 'efSearch'] as const) {
    if (!isCount(index![key])) fail(`\`index.${key}\` must be a non-negative integer (got ${describeValue(index![key])})`);
  }
  if (!isCount(meta.nextLabel)) fail(`\`nextLabel\` must be a non-negative integer (got ${describeValue(meta.nextLabel)})`);
  if (!isObject(meta.files)) fail(`\`files\` must be an object of file records (got ${describeValue(meta.files)})`);
  for (const [file, record] of Object.entries(meta.files!)) checkRecord(file, record, meta.faces!, fail);
  const unfinished = meta.unfinished;
  if (unfinished !== undefined
    && !(isObject(unfinished) && typeof unfinished.folder === 'string' && isCount(unfinished.embedded) && isCount(unfinished.total))) {
    fail('`unfinished` must be { folder, embedded, total }');
  }
  return meta as Metadata;
}

function checkRecord(file: string, record: unknown, faces: 'largest' | 'all', fail: (problem: string) => never): void {
  const where = `the record of ${JSON.stringify(file)}`;
  if (!isObject(record)) fail(`${where} must be an object (got ${describeValue(record)})`);
  const r = record as Partial<FileRecord>;
  if (typeof r.size !== 'number' || typeof r.mtimeMs !== 'number') fail(`${where} needs numbers \`size\` and \`mtimeMs\``);
  if (!STATUSES.has(r.status as string)) fail(`${where} has status ${describeValue(r.status)} (expected "indexed", "no-face" or "error")`);
  if (r.error !== undefined && typeof r.error !== 'string') fail(`${where} has an \`error\` that is not a string`);
  if (r.erased !== undefined && !isCount(r.erased)) fail(`${where} has an \`erased\` that is not a count (got ${describeValue(r.erased)})`);
  if (!Array.isArray(r.faces)) return fail(`${where} has no \`faces\` list`);
  if ((r.status === 'indexed') !== (r.faces.length > 0)) fail(`${where} has status ${r.status} and ${r.faces.length} faces`);
  if (faces === 'largest' && r.faces.length > 1) fail(`${where} has ${r.faces.length} faces in a database of the largest face per photo`);
  r.faces.forEach((face: unknown, i) => {
    const f = face as Partial<FileRecord['faces'][number]> | null;
    if (!isObject(f) || !isCount(f.label)) fail(`face ${i} of ${where} has no valid \`label\` (got ${isObject(f) ? describeValue(f.label) : describeValue(f)})`);
    const box = f!.box as unknown;
    if (!isObject(box) || !['x', 'y', 'width', 'height'].every((k) => Number.isFinite(box[k]))) fail(`face ${i} of ${where} has no valid \`box\``);
    if (!Number.isFinite(f!.score)) fail(`face ${i} of ${where} has no valid \`score\``);
  });
}

/**
 * Checks the records' labels against the index: each face label belongs to
 * exactly one photo, is a live point of the index and is under `nextLabel`,
 * and every live point of the index is some photo's face.
 */
export function checkLabels(
  meta: Metadata, records: ReadonlyMap<string, FileRecord>, index: { has(label: number): boolean; labels(): Float64Array; nextDefaultLabel: number },
  metaPath: string,
): void {
  const fail = (problem: string): never => {
    throw new CorruptFileError(`${metaPath} does not match ${meta.index.file}: ${problem}`);
  };
  const owner = new Map<number, string>();
  for (const [file, record] of records) {
    for (const { label } of record.faces) {
      const other = owner.get(label);
      if (other !== undefined) fail(`face label ${label} is listed for both ${other} and ${file}`);
      owner.set(label, file);
      if (label >= meta.nextLabel) fail(`face label ${label} of ${file} is not below \`nextLabel\` ${meta.nextLabel}`);
      if (!index.has(label)) fail(`face label ${label} of ${file} is not in the index`);
    }
  }
  for (const label of index.labels()) {
    if (!owner.has(label)) fail(`face label ${label} of the index belongs to no photo`);
  }
  if (meta.nextLabel < index.nextDefaultLabel) {
    fail(`\`nextLabel\` ${meta.nextLabel} is not above every label the index has used (up to ${index.nextDefaultLabel - 1})`);
  }
}

/**
 * How a photo path is stored: relative to the database folder (with `/`)
 * when the photo is inside the folder or inside the folder's parent (photos
 * beside the database), so the two move together; absolute otherwise.
 */
export function storedPath(folder: string, file: string): string {
  const relative = path.relative(folder, file);
  if (path.isAbsolute(relative)) return file; // Another drive (Windows).
  const parts = relative.split(path.sep);
  const up = parts.filter((part) => part === '..').length;
  return up <= 1 ? parts.join('/') : file;
}

/** The absolute path of a stored photo path (relative ones from the database folder). */
export function resolveStoredPath(folder: string, stored: string): string {
  return path.resolve(folder, stored);
}

/** The generation faces.json in `folder` names: -1 when there is none (or it cannot be read as a database). */
export async function currentGeneration(folder: string): Promise<number> {
  try {
    const meta = JSON.parse(await readFile(path.join(folder, DB_META_FILE), 'utf8')) as Partial<Metadata>;
    return meta.version === 1 ? 0 : isCount(meta.generation) ? meta.generation : -1;
  } catch {
    return -1;
  }
}

/**
 * Makes the database folder (and its parents) and takes its lock: the
 * checks a long indexing run makes before its first photo. Throws
 * `FaceError` 'DATABASE_BUSY' when another process holds the lock, a
 * `SmallworldTypeError` when `folder` is a file, and the file system's error
 * (EACCES, EROFS, ...), its message naming `folder`, when it cannot be made
 * or written.
 */
export async function lockDatabase(folder: string): Promise<FolderLock> {
  const info = await stat(folder).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `a face database is a folder: ${folder} is a file`);
  }
  try {
    await mkdir(folder, { recursive: true });
    return await acquireFolderLock(folder, DB_LOCK_FILE);
  } catch (error) {
    if (error instanceof SmallworldError && error.code === 'INDEX_BUSY') {
      throw new FaceError('DATABASE_BUSY', `face database ${error.message}`, { cause: error });
    }
    if (error instanceof Error) error.message = `cannot write the face database ${folder}: ${error.message}`;
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
