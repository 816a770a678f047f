// FaceDatabase: a folder of photos as face descriptors in an HnswIndex, with
// per-file records for incremental re-runs, and a saved form (index + metadata JSON).

import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CorruptFileError, HnswIndex, METRICS, SmallworldRangeError, SmallworldTypeError, type ErrorCode,
} from '@smallworld/hnsw';
import { checkBoolean, checkInteger, checkKnownKeys, describeValue } from './check.js';
import { describeInput, type ImageInput } from './decode.js';
import { DESCRIPTOR_DIM, FaceEmbedder, type EmbedderSignature, type FaceBox } from './embedder.js';
import { embedPhoto, isImageFile, listFiles } from './photos.js';
import { progressReporter, type ProgressOption } from './progress.js';
import { DEFAULT_THRESHOLD, checkThreshold } from './verify.js';

/** File name of the HNSW index inside a database folder (smallworld's native format). */
export const DB_INDEX_FILE = 'faces.hnsw';
/** File name of the metadata inside a database folder (photos, labels, embedder signature; JSON). */
export const DB_META_FILE = 'faces.json';
const DB_FORMAT = 'smallworld-face-db';
const DB_VERSION = 1;

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
  /** The error's code, e.g. 'UNREADABLE_IMAGE'. */
  errorCode?: ErrorCode | string;
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

/** What the database remembers of a file. */
interface FileRecord {
  size: number;
  mtimeMs: number;
  status: 'indexed' | 'no-face' | 'error';
  faces: { label: number; box: FaceBox; score: number }[];
  error?: string;
}

/** The metadata JSON (faces.json). */
interface Metadata {
  format: typeof DB_FORMAT;
  version: number;
  signature: EmbedderSignature | null;
  faces: 'largest' | 'all';
  threshold: number;
  index: { file: string; bytes: number; m: number; efConstruction: number; efSearch: number };
  nextLabel: number;
  files: Record<string, FileRecord>;
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
      space: 'l2',
      dim: DESCRIPTOR_DIM,
      m: options.m ?? DEFAULT_DB_M,
      efConstruction: options.efConstruction ?? DEFAULT_DB_EF_CONSTRUCTION,
      efSearch: options.efSearch ?? DEFAULT_DB_EF_SEARCH,
      // Changed and removed photos leave deleted slots: reuse them.
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
   * stops the run.
   */
  async addFolder(dir: string, options: AddFolderOptions = {}): Promise<AddFolderReport> {
    checkKnownKeys('addFolder', options, ['recursive', 'progress']);
    const recursive = checkBoolean('recursive', options.recursive, true);
    if (typeof dir !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dir\` must be a folder path (got ${describeValue(dir)})`);
    await this.checkEmbedder();
    const root = path.resolve(dir);
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

    const report = progressReporter(options.progress, 'indexing');
    const started = performance.now();
    let facesAdded = 0;
    for (let i = 0; i < toEmbed.length; i++) {
      const { file, size, mtimeMs } = toEmbed[i]!;
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
      results.push({
        path: file, status: record.status, faces: record.faces.length, detected: photo.detected,
        error: photo.error, errorCode: photo.errorCode, ms: photo.ms,
      });
      report?.({ done: i + 1, total: toEmbed.length, path: file, status: record.status, elapsedMs: performance.now() - started });
    }

    results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const counts: Record<FileStatus, number> = { indexed: 0, 'no-face': 0, error: 0, unchanged: 0, removed: 0, skipped: 0 };
    for (const r of results) counts[r.status]++;
    return { files: results, counts, facesAdded };
  }

  /**
   * The `k` indexed photos nearest the largest face of `image`, nearest
   * first, with Euclidean distances. Throws a `SmallworldRangeError` with
   * code `NO_FACE` when the query photo has no face.
   */
  async find(image: ImageInput, options: FindOptions = {}): Promise<FaceMatch[]> {
    checkKnownKeys('find', options, ['k', 'threshold', 'efSearch']);
    await this.checkEmbedder();
    const [face] = await this.embedder.represent(image);
    if (face === undefined) throw new SmallworldRangeError('NO_FACE', `no face found in ${describeInput(image)}`);
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
   * Writes the database into folder `dir` (created if needed): the index in
   * smallworld's native format (`faces.hnsw`) and the metadata (`faces.json`:
   * decoder, model, backend, per-file records). Each file is written to a
   * temporary name and renamed, so a crash never leaves a half-written file.
   */
  async save(dir: string): Promise<void> {
    if (typeof dir !== 'string') throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dir\` must be a folder path (got ${describeValue(dir)})`);
    await mkdir(dir, { recursive: true });
    const bytes = this.index.toBytes();
    const metadata: Metadata = {
      format: DB_FORMAT,
      version: DB_VERSION,
      signature: this.signatureValue,
      faces: this.faces,
      threshold: this.threshold,
      index: {
        file: DB_INDEX_FILE, bytes: bytes.byteLength, m: this.index.m, efConstruction: this.index.efConstruction, efSearch: this.index.efSearch,
      },
      nextLabel: this.nextLabel,
      files: Object.fromEntries(this.records),
    };
    await writeAtomic(path.join(dir, DB_INDEX_FILE), bytes);
    await writeAtomic(path.join(dir, DB_META_FILE), JSON.stringify(metadata, null, 1) + '\n');
  }

  /**
   * A database saved by `save`. Throws `CorruptFileError` when the folder's
   * files are missing, of another format, or do not agree with each other.
   * The embedder is checked against the saved signature on first use.
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<FaceDatabase> {
    checkKnownKeys('FaceDatabase.open', options, ['embedder']);
    const metaPath = path.join(dir, DB_META_FILE);
    let metadata: Metadata;
    try {
      metadata = JSON.parse(await readFile(metaPath, 'utf8')) as Metadata;
    } catch (error) {
      throw new CorruptFileError(`cannot open face database ${dir}: ${DB_META_FILE} is ${(error as { code?: string }).code === 'ENOENT' ? 'missing' : 'not valid JSON'}`);
    }
    if (metadata?.format !== DB_FORMAT || metadata.version !== DB_VERSION) {
      throw new CorruptFileError(`${metaPath} is not a ${DB_FORMAT} version ${DB_VERSION} file`);
    }
    if (typeof metadata.index?.file !== 'string' || path.basename(metadata.index.file) !== metadata.index.file
      || !Number.isSafeInteger(metadata.nextLabel) || typeof metadata.files !== 'object' || metadata.files === null
      || (metadata.faces !== 'largest' && metadata.faces !== 'all')) {
      throw new CorruptFileError(`${metaPath} is damaged: missing or invalid index, nextLabel, faces or files fields`);
    }
    const bytes = await readFile(path.join(dir, metadata.index.file)).catch(() => {
      throw new CorruptFileError(`cannot open face database ${dir}: ${metadata.index.file} is missing`);
    });
    if (bytes.byteLength !== metadata.index.bytes) {
      throw new CorruptFileError(`${metadata.index.file} has ${bytes.byteLength} bytes, ${DB_META_FILE} says ${metadata.index.bytes}: the two files do not belong together`);
    }
    const db = new FaceDatabase({
      embedder: options.embedder, faces: metadata.faces, threshold: metadata.threshold,
      m: metadata.index.m, efConstruction: metadata.index.efConstruction, efSearch: metadata.index.efSearch,
    });
    // The loaded index replaces the empty one made by the constructor.
    db.index = HnswIndex.fromBytes(bytes);
    if (db.index.dim !== DESCRIPTOR_DIM || db.index.space !== 'l2') {
      throw new CorruptFileError(`${metadata.index.file} is not an l2 index of ${DESCRIPTOR_DIM}-D face descriptors`);
    }
    db.signatureValue = metadata.signature;
    db.nextLabel = metadata.nextLabel;
    for (const [file, record] of Object.entries(metadata.files)) {
      if (!Array.isArray(record?.faces)) throw new CorruptFileError(`${DB_META_FILE} has no face list for ${file}`);
      db.records.set(file, record);
      for (const face of record.faces) {
        if (!db.index.has(face.label)) throw new CorruptFileError(`${DB_META_FILE} lists face ${face.label} of ${file}, absent from the index`);
        db.labelToPath.set(face.label, file);
      }
    }
    return db;
  }

  /** Deletes a file's faces from the index and its record. */
  private forget(file: string): void {
    const record = this.records.get(file);
    if (record === undefined) return;
    for (const face of record.faces) {
      this.index.markDeleted(face.label);
      this.labelToPath.delete(face.label);
    }
    this.records.delete(file);
  }

  /** Adopts the embedder's signature when empty; refuses an embedder that would mix descriptors. */
  private async checkEmbedder(): Promise<void> {
    const signature = await this.embedder.ready();
    if (this.signatureValue === null) {
      this.signatureValue = signature;
      return;
    }
    for (const key of ['decoder', 'model', 'backend'] as const) {
      if (this.signatureValue[key] !== signature[key]) {
        throw new SmallworldTypeError('INCOMPATIBLE_EMBEDDER',
          `this face database holds descriptors made with ${key} ${JSON.stringify(this.signatureValue[key])}; `
          + `the embedder uses ${JSON.stringify(signature[key])}: descriptors would not be comparable (re-index into a new database)`);
      }
    }
  }
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}
