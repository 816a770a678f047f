// FaceDatabase: a folder of photos as face descriptors in an HnswIndex, with
// per-file records for incremental re-runs, and a saved form (index + metadata JSON).

import { readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  CorruptFileError, HnswIndex, METRICS, SmallworldTypeError, commitGeneration, generationFileName, type FolderLock,
} from '@smallworld/hnsw';
import { checkBoolean, checkInteger, checkKnownKeys, checkPositive, describeValue } from './check.js';
import {
  DB_FORMAT, DB_INDEX_FILE, DB_META_FILE, DB_VERSION, checkLabels, checkMetadata, currentGeneration, lockDatabase,
  resolveStoredPath, storedPath, type FileRecord, type Metadata, type UnfinishedRun,
} from './db-file.js';
import { describeInput, type ImageInput } from './decode.js';
import { DESCRIPTOR_DIM, FaceEmbedder, type EmbedderSignature, type FaceBox } from './embedder.js';
import { FaceError, FaceRangeError } from './errors.js';
import { FACE_MODEL } from './model.js';
import { checkSameSignature } from './pipeline.js';
import { embedPhoto, isImageFile, listFiles } from './photos.js';
import { progressReporter, type ProgressOption } from './progress.js';
import { DEFAULT_THRESHOLD, checkThreshold, euclideanDistance } from './verify.js';

export { DB_INDEX_FILE, DB_LOCK_FILE, DB_META_FILE } from './db-file.js';

/** Default of `saveEvery.photos`: a checkpoint at least every 25 photos embedded. */
export const DEFAULT_SAVE_EVERY_PHOTOS = 25;
/** Default of `saveEvery.seconds`: a checkpoint at least every 60 s of embedding. */
export const DEFAULT_SAVE_EVERY_SECONDS = 60;

/** Default HNSW parameters: a photo collection is small next to what they handle. Default `m`: 16. */
export const DEFAULT_DB_M = 16;
/** Default `efConstruction` of a database's index: 200. */
export const DEFAULT_DB_EF_CONSTRUCTION = 200;
/** Default `efSearch` of a database's index: 64. */
export const DEFAULT_DB_EF_SEARCH = 64;
/** Default number of matches `find` returns. */
export const DEFAULT_K = 5;

/** Options of `new FaceDatabase(...)`. */
export interface FaceDatabaseOptions {
  /** Embeds photos and queries. Default: a new `FaceEmbedder()`. Its decoder, model and backend must match the database's. */
  embedder?: FaceEmbedder;
  /**
   * 'largest' indexes the largest face of each photo (portraits: one entry
   * per photo); 'all' indexes every face (group photos: find a person in a
   * crowd, at the cost of more entries). Fixed at creation. Default 'largest'.
   */
  faces?: 'largest' | 'all';
  /** Euclidean distance at or under which `find` marks a match `verified`. Default 0.6. */
  threshold?: number;
  /** HNSW `M` (see `HnswIndexOptions.m`). Default 16. */
  m?: number;
  /** HNSW `efConstruction`. Default 200. */
  efConstruction?: number;
  /** HNSW `efSearch` of `find`. Default 64. */
  efSearch?: number;
}

/** Options of `FaceDatabase.open`. */
export interface OpenOptions {
  /** As `FaceDatabaseOptions.embedder`; it must match the saved decoder, model and backend. */
  embedder?: FaceEmbedder;
}

/** Options of `addFolder`. */
export interface AddFolderOptions {
  /** Descend into sub-folders (hidden ones and links to folders excepted). Default true. */
  recursive?: boolean;
  /** Progress on stderr (`true`, the default), a callback per photo embedded, or `false`. */
  progress?: ProgressOption;
  /**
   * A database folder to save into as the run goes: it is made and locked
   * before the first photo (so a bad path or a busy database fails at once),
   * saved at every checkpoint (`saveEvery`) and at the end, also when
   * `signal` stops the run. A rerun after a crash or an interruption embeds
   * only the photos not saved yet. Default: none (call `save` yourself).
   */
  saveTo?: string;
  /** Checkpoints of `saveTo`: after so many photos or seconds of embedding, whichever comes first. */
  saveEvery?: SaveEvery;
  /** Stops the run after the photo being embedded (for Ctrl-C): the report says `interrupted`. */
  signal?: AbortSignal;
}

/** When `addFolder` saves into `saveTo` during a run (besides at its end). */
export interface SaveEvery {
  /** After this many photos embedded since the last save. Default 25. */
  photos?: number;
  /** After this many seconds since the last save. Default 60. */
  seconds?: number;
}

/** Options of `find`. */
export interface FindOptions {
  /** Number of photos to return (nearest first). Default 5. */
  k?: number;
  /** Overrides the database's threshold for `verified`. */
  threshold?: number;
  /** HNSW search breadth (higher: better recall, slower). Default: the database's `efSearch`. */
  efSearch?: number;
}

/** What `addFolder` did with one file. */
export type FileStatus =
  | 'indexed' // faces found and added (or re-added: the file changed)
  | 'no-face' // readable, no face: recorded, not re-tried until it changes
  | 'error' // unreadable, not an image, too large: recorded with the reason
  | 'unchanged' // same size and modification time as when last seen: skipped
  | 'removed' // gone from the folder: its faces were deleted from the index
  | 'skipped'; // not an image file name (see IMAGE_EXTENSIONS): ignored

/** One file's line in `addFolder`'s report. */
export interface FileResult {
  /** The photo's path. */
  path: string;
  /** What happened to the file in this run. */
  status: FileStatus;
  /** Faces indexed (status 'indexed'), or known (status 'unchanged'). */
  faces: number;
  /** Faces the detector found (photos embedded in this run): above `faces` for a group photo in a 'largest' database. */
  detected?: number;
  /** Why the photo could not be read (status 'error'). */
  error?: string;
  /** The error's code: a `FaceErrorCode` such as 'UNREADABLE_IMAGE', an engine `ErrorCode`, or a system one. */
  errorCode?: string;
  /** Decode + inference, ms (files embedded in this run). */
  ms?: number;
}

/** `addFolder`'s report: every file's result, and totals by status. */
export interface AddFolderReport {
  /** One result per file looked at, in listing order. */
  files: FileResult[];
  /** Files per status. */
  counts: Record<FileStatus, number>;
  /** Faces added in this run. */
  facesAdded: number;
  /** True when `signal` stopped the run before every photo was embedded (what was done is kept, and saved with `saveTo`). */
  interrupted: boolean;
  /**
   * Photos an earlier, unfinished run of this folder had embedded and
   * saved, skipped now (counted as 'unchanged' too); 0 when the last run
   * of this database finished.
   */
  resumed: number;
}

/** A match of `find`. */
export interface FaceMatch {
  /** The photo (absolute path, as indexed). */
  path: string;
  /** Euclidean distance between the query face and this photo's face. */
  distance: number;
  /** `distance <= threshold`: the same person. */
  verified: boolean;
  /** Where that face is in the photo. */
  box: FaceBox;
}

/** What `removePhoto` and `removePerson` took out of a database. */
export interface RemoveReport {
  /** Each photo that lost faces, and how many. */
  photos: {
    /** The photo (absolute path). */
    path: string;
    /** Faces of it removed. */
    faces: number;
  }[];
  /** Faces removed in all: their descriptors are erased from the index (in memory now, on disk at the next `save`). */
  faces: number;
}

/** Options of `removePerson`. */
export interface RemovePersonOptions {
  /** Euclidean distance at or under which an indexed face is the person's. Default: the database's threshold (0.6). */
  threshold?: number;
}

const OPTION_KEYS = ['embedder', 'faces', 'threshold', 'm', 'efConstruction', 'efSearch'] as const;

/**
 * Face search over photo folders: `addFolder` embeds new and changed photos
 * into an HNSW index, `find` returns the photos nearest a query face,
 * `save`/`FaceDatabase.open` persist it. Descriptors from another decoder,
 * model or backend are refused (they would not be comparable).
 *
 * @example
 * const db = new FaceDatabase();
 * await db.addFolder('photos/');
 * await db.save('photos.facedb');
 * const matches = await db.find('target.jpg', { k: 5 });  // [{ path, distance, verified, box }]
 */
export class FaceDatabase {
  /** Computes the descriptors of the photos added and searched. */
  readonly embedder: FaceEmbedder;
  /** 'largest': one face per photo (its largest); 'all': every face found. */
  readonly faces: 'largest' | 'all';
  /** Euclidean distance at or below which a match is verified. */
  readonly threshold: number;
  private index: HnswIndex;
  private signatureValue: EmbedderSignature | null = null;
  private nextLabel = 0;
  private readonly records = new Map<string, FileRecord>();
  private readonly labelToPath = new Map<number, string>();
  /** The folder this database was opened from or last saved to, and the generation it holds there. */
  private home: { folder: string; generation: number } | undefined;
  /** The unfinished run recorded in the database (absolute folder), until a run of that folder finishes. */
  private unfinished: UnfinishedRun | undefined;

  constructor(options: FaceDatabaseOptions = {}) {
    checkKnownKeys('FaceDatabase', options, OPTION_KEYS);
    if (options.embedder !== undefined && !(options.embedder instanceof FaceEmbedder)) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`embedder\` must be a FaceEmbedder (got ${describeValue(options.embedder)})`);
    }
    if (options.faces !== undefined && options.faces !== 'largest' && options.faces !== 'all') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`faces\` must be 'largest' or 'all' (got ${describeValue(options.faces)})`);
    }
    this.embedder = options.embedder ?? new FaceEmbedder();
    this.faces = options.faces ?? 'largest';
    this.threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
    this.index = new HnswIndex({
      space: FACE_MODEL.space,
      dim: DESCRIPTOR_DIM,
      m: options.m ?? DEFAULT_DB_M,
      efConstruction: options.efConstruction ?? DEFAULT_DB_EF_CONSTRUCTION,
      efSearch: options.efSearch ?? DEFAULT_DB_EF_SEARCH,
      // Databases saved before faces were removed for good hold deleted slots: reuse them.
      allowReplaceDeleted: true,
    });
  }

  /** Faces in the index (deleted ones excluded). */
  get size(): number {
    return this.index.size;
  }

  /** Photos the database knows, with their status ('indexed', 'no-face' or 'error'). */
  photos(): {
    /** The photo's path. */
    path: string;
    /** 'indexed', 'no-face' or 'error'. */
    status: FileRecord['status'];
    /** Faces of the photo in the index. */
    faces: number;
    /** Why the photo could not be read (status 'error'). */
    error?: string;
  }[] {
    return [...this.records].map(([file, r]) => ({ path: file, status: r.status, faces: r.faces.length, error: r.error }));
  }

  /** Decoder, model and backend of the descriptors (null while empty and never used). */
  get signature(): EmbedderSignature | null {
    return this.signatureValue;
  }

  /**
   * @internal The index and each live face's photo and box, for
   * `exportFacesToPgvector`: read them, never change them.
   */
  exportView(): { index: HnswIndex; faceOf: (label: number) => { path: string; box: FaceBox } } {
    return {
      index: this.index,
      faceOf: (label) => {
        const file = this.labelToPath.get(label)!;
        return { path: file, box: this.records.get(file)!.faces.find((f) => f.label === label)!.box };
      },
    };
  }

  /** The indexed descriptors of a photo (absolute path), largest face first; empty if none. */
  descriptorsOf(file: string): Float32Array[] {
    const record = this.records.get(path.resolve(file));
    return record === undefined ? [] : record.faces.map((f) => this.index.getVector(f.label));
  }

  /**
   * Embeds the photos of `dir` that are new or changed since the last run
   * (size or modification time differ), deletes the faces of changed and
   * vanished ones, and reports every file. A photo with no face, an
   * unreadable or non-image file, or a huge image gets its own result; none
   * stops the run. With `saveTo`, the run saves as it goes and resumes where
   * an earlier one stopped; it throws `FaceError` 'DATABASE_BUSY' (before
   * any photo) when another process is writing that folder.
   */
  async addFolder(dir: string, options: AddFolderOptions = {}): Promise<AddFolderReport> {
    checkKnownKeys('addFolder', options, ['recursive', 'progress', 'saveTo', 'saveEvery', 'signal']);
    const recursive = checkBoolean('recursive', options.recursive, true);
    if (typeof dir !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dir\` must be a folder path (got ${describeValue(dir)})`);
    const saveTo = options.saveTo;
    if (saveTo !== undefined && typeof saveTo !== 'string') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`saveTo\` must be a folder path (got ${describeValue(saveTo)})`);
    }
    checkKnownKeys('saveEvery', options.saveEvery ?? {}, ['photos', 'seconds']);
    const everyPhotos = checkInteger('saveEvery.photos', options.saveEvery?.photos ?? DEFAULT_SAVE_EVERY_PHOTOS, 1);
    const everySeconds = options.saveEvery?.seconds ?? DEFAULT_SAVE_EVERY_SECONDS;
    checkPositive('saveEvery.seconds', everySeconds);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`signal\` must be an AbortSignal (got ${describeValue(signal)})`);
    }
    // The database folder first: a path that cannot be written, or a database
    // another process is writing, must fail before hours of embedding.
    const folder = saveTo === undefined ? undefined : path.resolve(saveTo);
    const lock = folder === undefined ? undefined : await lockDatabase(folder);
    try {
      if (folder !== undefined) await this.checkNotChanged(folder);
      await this.checkEmbedder();
      return await this.addFolderLocked(path.resolve(dir), recursive, options.progress, { folder, everyPhotos, everySeconds, signal });
    } finally {
      await lock?.release();
    }
  }

  private async addFolderLocked(
    root: string, recursive: boolean, progress: ProgressOption | undefined,
    { folder: saveTo, everyPhotos, everySeconds, signal }: { folder?: string; everyPhotos: number; everySeconds: number; signal?: AbortSignal },
  ): Promise<AddFolderReport> {
    const listed = await listFiles(root, recursive);
    const results: FileResult[] = [];
    const toEmbed: { file: string; size: number; mtimeMs: number }[] = [];
    for (const file of listed) {
      if (!isImageFile(file)) {
        results.push({ path: file, status: 'skipped', faces: 0 });
        continue;
      }
      const info = await stat(file).catch(() => undefined);
      const size = info?.size ?? -1;
      const mtimeMs = info?.mtimeMs ?? -1;
      const known = this.records.get(file);
      if (known !== undefined && known.size === size && known.mtimeMs === mtimeMs) {
        results.push({ path: file, status: 'unchanged', faces: known.faces.length });
      } else {
        toEmbed.push({ file, size, mtimeMs });
      }
    }

    const present = new Set(listed);
    const prefix = root + path.sep;
    for (const file of [...this.records.keys()]) {
      const inside = file.startsWith(prefix) && (recursive || path.dirname(file) === root);
      if (inside && !present.has(file)) {
        this.forget(file);
        results.push({ path: file, status: 'removed', faces: 0 });
      }
    }

    // Resuming: the unfinished run of this folder embedded these; they are 'unchanged' now.
    const resumed = this.unfinished?.folder === root ? this.unfinished.embedded : 0;
    const report = progressReporter(progress, 'indexing');
    const started = performance.now();
    let facesAdded = 0;
    let done = 0;
    let savedAt = { done: 0, ms: started };
    for (const { file, size, mtimeMs } of toEmbed) {
      if (signal?.aborted === true) break;
      this.forget(file);
      const photo = await embedPhoto(this.embedder, file, this.faces === 'all');
      const record: FileRecord = {
        size, mtimeMs, status: photo.status === 'ok' ? 'indexed' : photo.status, faces: [], error: photo.error,
      };
      for (const face of photo.faces) {
        const label = this.nextLabel++;
        this.index.add(face.descriptor, label);
        this.labelToPath.set(label, file);
        record.faces.push({ label, box: face.box, score: face.score });
      }
      facesAdded += record.faces.length;
      this.records.set(file, record);
      done++;
      results.push({
        path: file, status: record.status, faces: record.faces.length, detected: photo.detected,
        error: photo.error, errorCode: photo.errorCode, ms: photo.ms,
      });
      report?.({ done, total: toEmbed.length, path: file, status: record.status, elapsedMs: performance.now() - started });
      const now = performance.now();
      if (saveTo !== undefined && done < toEmbed.length && (done - savedAt.done >= everyPhotos || now - savedAt.ms >= everySeconds * 1000)) {
        this.unfinished = { folder: root, embedded: resumed + done, total: resumed + toEmbed.length };
        await this.commit(saveTo);
        savedAt = { done, ms: performance.now() };
      }
    }
    const interrupted = done < toEmbed.length;
    this.unfinished = interrupted ? { folder: root, embedded: resumed + done, total: resumed + toEmbed.length } : undefined;
    if (saveTo !== undefined) await this.commit(saveTo);

    results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const counts: Record<FileStatus, number> = { indexed: 0, 'no-face': 0, error: 0, unchanged: 0, removed: 0, skipped: 0 };
    for (const r of results) counts[r.status]++;
    return { files: results, counts, facesAdded, interrupted, resumed };
  }

  /**
   * The `k` indexed photos nearest the largest face of `image`, nearest
   * first, with Euclidean distances. Throws a `FaceRangeError` with
   * code `NO_FACE` when the query photo has no face.
   */
  async find(image: ImageInput, options: FindOptions = {}): Promise<FaceMatch[]> {
    checkKnownKeys('find', options, ['k', 'threshold', 'efSearch']);
    await this.checkEmbedder();
    const [face] = await this.embedder.represent(image);
    if (face === undefined) throw new FaceRangeError('NO_FACE', `no face found in ${describeInput(image)}`);
    return this.findDescriptor(face.descriptor, options);
  }

  /** `find` for a descriptor already computed (by an embedder with this database's signature). */
  findDescriptor(descriptor: Float32Array, options: FindOptions = {}): FaceMatch[] {
    checkKnownKeys('find', options, ['k', 'threshold', 'efSearch']);
    const k = checkInteger('k', options.k ?? DEFAULT_K, 1);
    const threshold = checkThreshold(options.threshold ?? this.threshold);
    if (this.index.size === 0) return [];
    // With every face indexed, one photo can hold several of the nearest
    // faces: fetch more and keep each photo's nearest face.
    const fetch = Math.min(this.index.size, this.faces === 'all' ? k * 4 : k);
    const searchOptions = options.efSearch === undefined ? {} : { efSearch: checkInteger('efSearch', options.efSearch, 1) };
    const { labels, distances } = this.index.search(descriptor, fetch, searchOptions);
    const matches: FaceMatch[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < labels.length && matches.length < k; i++) {
      const label = labels[i]!;
      const file = this.labelToPath.get(label)!;
      if (seen.has(file)) continue;
      seen.add(file);
      // The index's 'l2' space gives squared distances: Euclidean here, at the edge.
      const distance = METRICS[this.index.space].edgeDistance(distances[i]!);
      const box = this.records.get(file)!.faces.find((f) => f.label === label)!.box;
      matches.push({ path: file, distance, verified: distance <= threshold, box });
    }
    return matches;
  }

  /**
   * Removes the photo `file` (a path, resolved against the working folder)
   * from the database: its faces leave the index for good (their
   * descriptors are overwritten in memory, see `HnswIndex.removeBatch`) and
   * its record leaves the metadata; `save` writes files that hold neither.
   * The database forgets the photo: left in an indexed folder, the file is
   * embedded again by the next `addFolder` of that folder (delete or move
   * it first). Throws `FaceRangeError` 'UNKNOWN_PHOTO' for a photo the
   * database does not know.
   */
  removePhoto(file: string): RemoveReport {
    if (typeof file !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`file\` must be a photo path (got ${describeValue(file)})`);
    const resolved = path.resolve(file);
    const record = this.records.get(resolved);
    if (record === undefined) throw new FaceRangeError('UNKNOWN_PHOTO', `\`file\` ${resolved} is not a photo of this face database`);
    const faces = record.faces.length;
    this.forget(resolved);
    return { photos: faces > 0 ? [{ path: resolved, faces }] : [], faces };
  }

  /**
   * Removes every face of one person from every photo (the answer to a
   * right-to-erasure request): each indexed face within `threshold` of the
   * largest face of `image`, a photo of that person, leaves the index for
   * good and its entry leaves the photo's record. The scan is exact (every
   * face is compared, not the approximate search), so no face within the
   * threshold is missed. The photos' records stay, with the count of faces
   * erased, so an unchanged photo is not embedded again by `addFolder`.
   * Call `save` to write files without the descriptors. Throws a
   * `FaceRangeError` 'NO_FACE' when `image` shows no face.
   */
  async removePerson(image: ImageInput, options: RemovePersonOptions = {}): Promise<RemoveReport> {
    checkKnownKeys('removePerson', options, ['threshold']);
    await this.checkEmbedder();
    const [face] = await this.embedder.represent(image);
    if (face === undefined) throw new FaceRangeError('NO_FACE', `no face found in ${describeInput(image)}`);
    return this.removeDescriptor(face.descriptor, options);
  }

  /** `removePerson` for a descriptor already computed (by an embedder with this database's signature). */
  removeDescriptor(descriptor: Float32Array, options: RemovePersonOptions = {}): RemoveReport {
    checkKnownKeys('removePerson', options, ['threshold']);
    const threshold = checkThreshold(options.threshold ?? this.threshold);
    const labels: number[] = [];
    const byPhoto = new Map<string, number>();
    for (const [label, file] of this.labelToPath) {
      if (euclideanDistance(descriptor, this.index.getVector(label)) > threshold) continue;
      labels.push(label);
      byPhoto.set(file, (byPhoto.get(file) ?? 0) + 1);
    }
    if (labels.length === 0) return { photos: [], faces: 0 };
    this.index.removeBatch(labels);
    const gone = new Set(labels);
    for (const file of byPhoto.keys()) {
      const record = this.records.get(file)!;
      const left = record.faces.filter((f) => !gone.has(f.label));
      record.erased = (record.erased ?? 0) + record.faces.length - left.length;
      record.faces = left;
      if (left.length === 0) record.status = 'no-face';
    }
    for (const label of labels) this.labelToPath.delete(label);
    return { photos: [...byPhoto].map(([file, faces]) => ({ path: file, faces })), faces: labels.length };
  }

  /**
   * Writes the database into folder `dir` (created if needed), atomically as
   * a whole: the index goes to a new generation file (`faces.g000002.hnsw`,
   * smallworld's native format), then the metadata (`faces.json`: that
   * generation, decoder, model, backend, per-file records) replaces the old
   * one by a rename, the commit point; the previous generation is removed
   * after. Each file is fsynced. A crash at any point leaves the old
   * database or the new one, never a mix.
   *
   * Photo paths are stored relative to `dir` when the photos are inside it
   * or inside its parent folder (photos beside the database: move both
   * together and nothing is re-embedded), absolute otherwise.
   *
   * Throws `FaceError` 'DATABASE_BUSY' while another process holds the
   * folder's lock, or when the database there changed since this one was
   * opened from or saved to it (saving would drop the other's photos).
   */
  async save(dir: string): Promise<void> {
    if (typeof dir !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dir\` must be a folder path (got ${describeValue(dir)})`);
    const folder = path.resolve(dir);
    const lock: FolderLock = await lockDatabase(folder);
    try {
      await this.checkNotChanged(folder);
      await this.commit(folder);
    } finally {
      await lock.release();
    }
  }

  /** Refuses to save over a database another process saved since we read or wrote it. */
  private async checkNotChanged(folder: string): Promise<void> {
    if (this.home?.folder !== folder) return;
    const onDisk = await currentGeneration(folder);
    if (onDisk !== this.home.generation) {
      throw new FaceError('DATABASE_BUSY',
        `face database ${folder} was saved by another process since this one opened it (generation ${onDisk} on disk, ${this.home.generation} here): `
        + 'open it again and re-run (photos it already has are not embedded again)');
    }
  }

  /** Writes the next generation into `folder` (the caller holds its lock). */
  private async commit(folder: string): Promise<void> {
    const onDisk = await currentGeneration(folder);
    const generation = Math.max(onDisk, this.home?.folder === folder ? this.home.generation : 0) + 1;
    // Databases saved before faces were removed for good hold soft-deleted descriptors: erase them.
    if (this.index.deletedCount > 0) this.index.compact();
    const bytes = this.index.toBytes();
    const files: Record<string, FileRecord> = {};
    for (const [file, record] of this.records) files[storedPath(folder, file)] = record;
    const metadata: Metadata = {
      format: DB_FORMAT,
      version: DB_VERSION,
      generation,
      signature: this.signatureValue,
      faces: this.faces,
      threshold: this.threshold,
      index: {
        file: generationFileName(DB_INDEX_FILE, generation), bytes: bytes.byteLength,
        m: this.index.m, efConstruction: this.index.efConstruction, efSearch: this.index.efSearch,
      },
      nextLabel: this.nextLabel,
      files,
      ...(this.unfinished === undefined ? {} : { unfinished: { ...this.unfinished, folder: storedPath(folder, this.unfinished.folder) } }),
    };
    const text = new TextEncoder().encode(JSON.stringify(metadata, null, 1) + '\n');
    await commitGeneration(folder, generation, [{ name: DB_INDEX_FILE, source: bytes }], DB_META_FILE, text);
    // A version 1 database's index had the plain name: the new faces.json no longer names it.
    await unlink(path.join(folder, DB_INDEX_FILE)).catch(() => {});
    this.home = { folder, generation };
  }

  /**
   * A database saved by `save` (or by a version without generations).
   * Throws `CorruptFileError` naming the file and the first problem when the
   * folder's files are missing, of another format, or do not agree with each
   * other: every face label of `faces.json` must be a live point of the index
   * and belong to one photo, every point of the index must be a photo's face,
   * and `nextLabel` must be above every label. The embedder is checked
   * against the saved signature on first use.
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<FaceDatabase> {
    checkKnownKeys('FaceDatabase.open', options, ['embedder']);
    if (typeof dir !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dir\` must be a folder path (got ${describeValue(dir)})`);
    const folder = path.resolve(dir);
    const metaPath = path.join(folder, DB_META_FILE);
    const { metadata, bytes } = await readDatabaseFiles(folder);
    const indexPath = path.join(folder, metadata.index.file);
    if (bytes.byteLength !== metadata.index.bytes) {
      throw new CorruptFileError(`${indexPath} has ${bytes.byteLength} bytes, ${DB_META_FILE} says ${metadata.index.bytes}: the two files do not belong together`);
    }
    const db = new FaceDatabase({
      embedder: options.embedder, faces: metadata.faces, threshold: metadata.threshold,
      m: metadata.index.m, efConstruction: metadata.index.efConstruction, efSearch: metadata.index.efSearch,
    });
    // The loaded index replaces the empty one made by the constructor.
    try {
      db.index = HnswIndex.fromBytes(bytes);
    } catch (error) {
      if (error instanceof CorruptFileError) error.message = `${indexPath}: ${error.message}`;
      throw error;
    }
    if (db.index.dim !== DESCRIPTOR_DIM || db.index.space !== FACE_MODEL.space) {
      throw new CorruptFileError(`${indexPath} is not an ${FACE_MODEL.space} index of ${DESCRIPTOR_DIM}-D face descriptors`);
    }
    for (const [stored, record] of Object.entries(metadata.files)) {
      const file = resolveStoredPath(folder, stored);
      if (db.records.has(file)) throw new CorruptFileError(`${metaPath} is damaged: two records name the photo ${file}`);
      db.records.set(file, record);
    }
    checkLabels(metadata, db.records, db.index, metaPath);
    for (const [file, record] of db.records) for (const face of record.faces) db.labelToPath.set(face.label, file);
    db.signatureValue = metadata.signature;
    db.nextLabel = metadata.nextLabel;
    db.home = { folder, generation: metadata.generation };
    db.unfinished = metadata.unfinished === undefined ? undefined
      : { ...metadata.unfinished, folder: resolveStoredPath(folder, metadata.unfinished.folder) };
    return db;
  }

  /** Removes a file's faces from the index for good (descriptors erased) and its record. */
  private forget(file: string): void {
    const record = this.records.get(file);
    if (record === undefined) return;
    this.index.removeBatch(record.faces.map((f) => f.label));
    for (const face of record.faces) this.labelToPath.delete(face.label);
    this.records.delete(file);
  }

  /** Adopts the embedder's signature when empty; refuses an embedder that would mix descriptors. */
  private async checkEmbedder(): Promise<void> {
    const signature = await this.embedder.ready();
    if (this.signatureValue === null) {
      this.signatureValue = signature;
      return;
    }
    checkSameSignature(this.signatureValue, signature, 'this face database');
  }
}

/**
 * Reads faces.json and the index file it names. A writer that commits in
 * between removes that file: read faces.json again (its new generation).
 */
async function readDatabaseFiles(folder: string): Promise<{ metadata: Metadata; bytes: Uint8Array }> {
  const metaPath = path.join(folder, DB_META_FILE);
  for (let attempt = 0; ; attempt++) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(metaPath, 'utf8'));
    } catch (error) {
      throw new CorruptFileError(`cannot open face database ${folder}: ${DB_META_FILE} is ${(error as { code?: string }).code === 'ENOENT' ? 'missing' : 'not valid JSON'}`);
    }
    const metadata = checkMetadata(parsed, metaPath);
    const bytes = await readFile(path.join(folder, metadata.index.file)).catch(() => undefined);
    if (bytes !== undefined) return { metadata, bytes };
    if (attempt >= 2 || (await currentGeneration(folder)) === metadata.generation) {
      throw new CorruptFileError(`cannot open face database ${folder}: ${metadata.index.file}, named by ${DB_META_FILE}, is missing`);
    }
  }
}
