// FaceDatabase for the browser: photos (Files, Blobs, URLs) as face descriptors in an
// HnswIndex, kept on the device in OPFS or IndexedDB through the engine's toBytes/fromBytes.

import { CorruptFileError, HnswIndex, METRICS, SmallworldTypeError } from '@smallworld/hnsw';
import { checkInteger, checkKnownKeys, describeValue } from '../check.js';
import type { FileRecord } from '../db-file.js';
import { FaceRangeError, FaceTypeError } from '../errors.js';
import { FACE_MODEL } from '../model.js';
import { DESCRIPTOR_DIM, checkSameSignature, type EmbedderSignature, type FaceBox } from '../pipeline.js';
import { resizeToRgb } from '../resize.js';
import { DEFAULT_THRESHOLD, checkThreshold } from '../verify.js';
import { describeBrowserInput, type BrowserImageInput } from './decode.js';
import { FaceEmbedder } from './embedder.js';
import { openStore, type BrowserStorageKind, type ByteStore } from './store.js';

/** Name of the metadata file of a browser database (written last on every save). */
export const BROWSER_DB_META_FILE = 'faces.json';
/** Base name of the index file; each save writes a new generation (`faces.g000002.hnsw`). */
export const BROWSER_DB_INDEX_FILE = 'faces.hnsw';
const BROWSER_DB_FORMAT = 'smallworld-face-db-browser';
const BROWSER_DB_VERSION = 1;

/** A photo to add: a `File` (its `webkitRelativePath` or `name` names it), or a name with any browser input. */
export type PhotoSource = File | {
  /** The photo's name in the database (unique: a second photo of the same name replaces the first). */
  name: string;
  /** The photo. */
  image: BrowserImageInput;
  /** Size and modification time, if known: a photo seen before with both unchanged is skipped. */
  size?: number;
  /** Modification time in ms (as `File.lastModified`). */
  lastModified?: number;
};

/** Options of `FaceDatabase.open`. */
export interface BrowserOpenOptions {
  /** Embeds photos and queries. Required (it knows where the weights are served). */
  embedder: FaceEmbedder;
  /** 'auto' (default): OPFS where the browser has it, else IndexedDB. */
  storage?: 'auto' | BrowserStorageKind;
  /** For a new database: 'largest' (default) or 'all' faces of each photo. */
  faces?: 'largest' | 'all';
  /** Euclidean distance at or under which `find` marks a match `verified`. Default 0.6. */
  threshold?: number;
  /**
   * For a new database: long side, px, of the JPEG thumbnail kept per photo
   * (so a page can show matches after a reload, when the photos are gone);
   * 0 keeps none. Default 0. About 5 kB a photo at 160.
   */
  thumbnailSide?: number;
}

/** Options of `addPhotos`. */
export interface AddPhotosOptions {
  /** Called after each photo. */
  progress?: (event: { done: number; total: number; name: string; status: BrowserFileStatus; elapsedMs: number }) => void;
  /** Stops after the photo being embedded. */
  signal?: AbortSignal;
  /** Saves after the run (default true). */
  save?: boolean;
}

/** What `addPhotos` did with one photo. */
export type BrowserFileStatus = 'indexed' | 'no-face' | 'error' | 'unchanged';

/** One photo's line in `addPhotos`' report. */
export interface BrowserFileResult {
  /** The photo's name. */
  name: string;
  /** What happened to it. */
  status: BrowserFileStatus;
  /** Faces indexed (or known, when unchanged). */
  faces: number;
  /** Why it could not be read (status 'error'), or the detector found no face. */
  error?: string;
  /** The error's code ('UNREADABLE_IMAGE', ...). */
  errorCode?: string;
  /** Decode + inference, ms. */
  ms?: number;
}

/** A match of `find`. */
export interface BrowserFaceMatch {
  /** The photo's name. */
  name: string;
  /** Euclidean distance between the query face and this photo's face. */
  distance: number;
  /** `distance <= threshold`: the same person. */
  verified: boolean;
  /** Where that face is in the photo (original pixels). */
  box: FaceBox;
}

interface BrowserRecord extends FileRecord {
  /** JPEG data URL, long side `thumbnailSide`. */
  thumbnail?: string;
  /** The photo's size (after EXIF rotation), pixels: what face boxes are relative to. */
  width?: number;
  height?: number;
}

interface BrowserMetadata {
  format: typeof BROWSER_DB_FORMAT;
  version: number;
  generation: number;
  signature: EmbedderSignature | null;
  faces: 'largest' | 'all';
  threshold: number;
  thumbnailSide: number;
  index: { file: string; bytes: number };
  nextLabel: number;
  files: Record<string, BrowserRecord>;
}

/**
 * Face search in the browser over photos the user picks: `addPhotos` embeds
 * them into an HNSW index, `find` returns the photos nearest a query face,
 * and the database lives on the device (OPFS, or IndexedDB) under its name,
 * saved after each `addPhotos` and found again by `FaceDatabase.open` after
 * a reload. Nothing is uploaded.
 *
 * @example
 * const embedder = new FaceEmbedder({ modelUrl: '/models/' });
 * const db = await FaceDatabase.open('my-photos', { embedder });
 * await db.addPhotos(folderInput.files);
 * const matches = await db.find(queryFile);   // [{ name, distance, verified, box }]
 */
export class FaceDatabase {
  /** Computes the descriptors. */
  readonly embedder: FaceEmbedder;
  /** The database's name in storage. */
  readonly name: string;
  /** 'largest': one face per photo; 'all': every face. */
  readonly faces: 'largest' | 'all';
  /** Euclidean distance at or below which a match is verified. */
  readonly threshold: number;
  /** Long side of the stored thumbnails, px (0: none). */
  readonly thumbnailSide: number;
  private index: HnswIndex;
  private signatureValue: EmbedderSignature | null = null;
  private nextLabel = 0;
  private generation = 0;
  private readonly records = new Map<string, BrowserRecord>();
  private readonly labelToName = new Map<number, string>();
  private readonly store: ByteStore;

  private constructor(name: string, store: ByteStore, options: BrowserOpenOptions) {
    this.name = name;
    this.store = store;
    this.embedder = options.embedder;
    this.faces = options.faces ?? 'largest';
    this.threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
    this.thumbnailSide = checkInteger('thumbnailSide', options.thumbnailSide ?? 0, 0);
    this.index = newIndex();
  }

  /**
   * The database saved under `name`, or a new empty one when there is none
   * (it is stored on the first `save`). Throws `CorruptFileError` when the
   * stored files do not belong together or are damaged.
   */
  static async open(name: string, options: BrowserOpenOptions): Promise<FaceDatabase> {
    if (typeof name !== 'string' || !/^[\w.-]{1,100}$/.test(name)) {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`name\` must be 1-100 letters, digits, '.', '_' or '-' (got ${describeValue(name)})`);
    }
    checkKnownKeys('FaceDatabase.open', options, ['embedder', 'storage', 'faces', 'threshold', 'thumbnailSide']);
    if (!(options.embedder instanceof FaceEmbedder)) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`embedder\` must be a FaceEmbedder (got ${describeValue(options.embedder)})`);
    }
    const storage = options.storage ?? 'auto';
    if (!['auto', 'opfs', 'indexeddb'].includes(storage)) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`storage\` must be 'auto', 'opfs' or 'indexeddb' (got ${describeValue(storage)})`);
    }
    if (options.faces !== undefined && options.faces !== 'largest' && options.faces !== 'all') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`faces\` must be 'largest' or 'all' (got ${describeValue(options.faces)})`);
    }
    const store = await openStore(name, storage);
    const metaBytes = await store.read(BROWSER_DB_META_FILE);
    if (metaBytes === undefined) return new FaceDatabase(name, store, options);
    const where = `face database ${JSON.stringify(name)} (${store.kind})`;
    const meta = parseMetadata(metaBytes, where);
    const db = new FaceDatabase(name, store, {
      ...options, faces: meta.faces, thumbnailSide: meta.thumbnailSide, threshold: options.threshold ?? meta.threshold,
    });
    const bytes = await store.read(meta.index.file);
    if (bytes === undefined || bytes.byteLength !== meta.index.bytes) {
      throw new CorruptFileError(`${where}: ${meta.index.file} is ${bytes === undefined ? 'missing' : `${bytes.byteLength} bytes, ${BROWSER_DB_META_FILE} says ${meta.index.bytes}`}`);
    }
    db.index = HnswIndex.fromBytes(bytes);
    if (db.index.dim !== DESCRIPTOR_DIM || db.index.space !== FACE_MODEL.space) {
      throw new CorruptFileError(`${where}: ${meta.index.file} is not an ${FACE_MODEL.space} index of ${DESCRIPTOR_DIM}-D face descriptors`);
    }
    for (const [file, record] of Object.entries(meta.files)) {
      db.records.set(file, record);
      for (const face of record.faces) {
        if (!db.index.has(face.label) || db.labelToName.has(face.label)) {
          throw new CorruptFileError(`${where}: face label ${face.label} of ${file} is not in the index, or listed twice`);
        }
        db.labelToName.set(face.label, file);
      }
    }
    if (db.labelToName.size !== db.index.size) {
      throw new CorruptFileError(`${where}: the index holds ${db.index.size} faces, ${BROWSER_DB_META_FILE} names ${db.labelToName.size}`);
    }
    db.signatureValue = meta.signature;
    db.nextLabel = meta.nextLabel;
    db.generation = meta.generation;
    db.savedBytes = bytes.byteLength;
    db.savedMetaBytes = metaBytes.byteLength;
    return db;
  }

  /** Removes the database stored under `name` (OPFS or IndexedDB as `storage` says). */
  static async delete(name: string, storage: 'auto' | BrowserStorageKind = 'auto'): Promise<void> {
    await (await openStore(name, storage)).clear();
  }

  /** Faces in the index. */
  get size(): number {
    return this.index.size;
  }

  /** Where the database is kept: 'opfs' or 'indexeddb'. */
  get storage(): BrowserStorageKind {
    return this.store.kind;
  }

  /** Decoder, model and backend of the descriptors (null while empty and never used). */
  get signature(): EmbedderSignature | null {
    return this.signatureValue;
  }

  /** Photos the database knows, with their status and faces. */
  photos(): {
    /** The photo's name. */
    name: string;
    /** 'indexed', 'no-face' or 'error'. */
    status: FileRecord['status'];
    /** Faces of the photo in the index. */
    faces: number;
    /** Why the photo could not be read (status 'error'). */
    error?: string;
  }[] {
    return [...this.records].map(([name, r]) => ({ name, status: r.status, faces: r.faces.length, error: r.error }));
  }

  /**
   * The stored thumbnail of a photo, if thumbnails are kept: a JPEG data URL,
   * and the photo's own size (face boxes are in its pixels: scale them by
   * the thumbnail's width / `width`).
   */
  thumbnail(name: string): {
    /** `data:image/jpeg;base64,...`, long side `thumbnailSide`. */
    url: string;
    /** The photo's width, pixels (after EXIF rotation). */
    width: number;
    /** The photo's height, pixels. */
    height: number;
  } | undefined {
    const record = this.records.get(name);
    if (record?.thumbnail === undefined) return undefined;
    return { url: record.thumbnail, width: record.width ?? 0, height: record.height ?? 0 };
  }

  /** The indexed descriptors of a photo, largest face first; empty if none. */
  descriptorsOf(name: string): Float32Array[] {
    return this.records.get(name)?.faces.map((f) => this.index.getVector(f.label)) ?? [];
  }

  /** Bytes of the index as last saved (0 before the first save). */
  get savedIndexBytes(): number {
    return this.savedBytes;
  }

  private savedBytes = 0;

  /**
   * Embeds the photos not seen before (or whose size or modification time
   * changed) and indexes their faces, then saves (unless `save: false`). A
   * photo with no face or an unreadable file gets its own result; none stops
   * the run.
   */
  async addPhotos(photos: Iterable<PhotoSource> | ArrayLike<PhotoSource>, options: AddPhotosOptions = {}): Promise<{
    /** One result per photo, in the order given. */
    files: BrowserFileResult[];
    /** Faces added. */
    facesAdded: number;
    /** True when `signal` stopped the run early. */
    interrupted: boolean;
  }> {
    checkKnownKeys('addPhotos', options, ['progress', 'signal', 'save']);
    const list = Array.from(photos as Iterable<PhotoSource>, toSource);
    await this.checkEmbedder();
    const results: BrowserFileResult[] = [];
    const started = performance.now();
    let facesAdded = 0;
    let interrupted = false;
    for (const photo of list) {
      if (options.signal?.aborted === true) {
        interrupted = true;
        break;
      }
      const known = this.records.get(photo.name);
      if (known !== undefined && photo.size !== undefined && known.size === photo.size && known.mtimeMs === photo.lastModified) {
        results.push({ name: photo.name, status: 'unchanged', faces: known.faces.length });
      } else {
        const result = await this.addOne(photo);
        facesAdded += result.faces;
        results.push(result);
      }
      const last = results[results.length - 1]!;
      options.progress?.({ done: results.length, total: list.length, name: photo.name, status: last.status, elapsedMs: performance.now() - started });
    }
    if (options.save !== false) await this.save();
    return { files: results, facesAdded, interrupted };
  }

  private async addOne(photo: { name: string; image: BrowserImageInput; size?: number; lastModified?: number }): Promise<BrowserFileResult> {
    this.forget(photo.name);
    const started = performance.now();
    const record: BrowserRecord = { size: photo.size ?? -1, mtimeMs: photo.lastModified ?? -1, status: 'indexed', faces: [] };
    try {
      const { faces, pixels } = await this.embedder.detectWithPixels(photo.image, this.faces === 'all');
      if (faces.length === 0) record.status = 'no-face';
      for (const face of faces) {
        const label = this.nextLabel++;
        this.index.add(face.descriptor, label);
        this.labelToName.set(label, photo.name);
        record.faces.push({ label, box: face.box, score: face.score });
      }
      record.width = pixels.originalWidth;
      record.height = pixels.originalHeight;
      if (this.thumbnailSide > 0) record.thumbnail = await thumbnail(pixels, this.thumbnailSide);
    } catch (error) {
      if (!(error instanceof FaceTypeError || error instanceof FaceRangeError)) throw error;
      record.status = 'error';
      record.error = error.message;
    }
    this.records.set(photo.name, record);
    return {
      name: photo.name, status: record.status, faces: record.faces.length, error: record.error,
      errorCode: record.status === 'error' ? 'UNREADABLE_IMAGE' : undefined, ms: performance.now() - started,
    };
  }

  /** Removes a photo's faces and record; true when it was there. Saved by the next `save`. */
  remove(name: string): boolean {
    const had = this.records.has(name);
    this.forget(name);
    return had;
  }

  /**
   * The `k` photos nearest the largest face of `image`, nearest first, with
   * Euclidean distances. Throws `FaceRangeError` 'NO_FACE' when the query
   * photo has no face.
   */
  async find(image: BrowserImageInput, options: { k?: number; threshold?: number; efSearch?: number } = {}): Promise<BrowserFaceMatch[]> {
    checkKnownKeys('find', options, ['k', 'threshold', 'efSearch']);
    await this.checkEmbedder();
    const [face] = await this.embedder.represent(image);
    if (face === undefined) throw new FaceRangeError('NO_FACE', `no face found in ${describeBrowserInput(image)}`);
    return this.findDescriptor(face.descriptor, options);
  }

  /** `find` for a descriptor already computed (by an embedder with this database's signature). */
  findDescriptor(descriptor: Float32Array, options: { k?: number; threshold?: number; efSearch?: number } = {}): BrowserFaceMatch[] {
    checkKnownKeys('find', options, ['k', 'threshold', 'efSearch']);
    const k = checkInteger('k', options.k ?? 5, 1);
    const threshold = checkThreshold(options.threshold ?? this.threshold);
    if (this.index.size === 0) return [];
    const fetch = Math.min(this.index.size, this.faces === 'all' ? k * 4 : k);
    const searchOptions = options.efSearch === undefined ? {} : { efSearch: checkInteger('efSearch', options.efSearch, 1) };
    const { labels, distances } = this.index.search(descriptor, fetch, searchOptions);
    const matches: BrowserFaceMatch[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < labels.length && matches.length < k; i++) {
      const name = this.labelToName.get(labels[i]!)!;
      if (seen.has(name)) continue;
      seen.add(name);
      const distance = METRICS[this.index.space].edgeDistance(distances[i]!);
      const box = this.records.get(name)!.faces.find((f) => f.label === labels[i])!.box;
      matches.push({ name, distance, verified: distance <= threshold, box });
    }
    return matches;
  }

  /**
   * Stores the database under its name: the index as a new generation file,
   * then the metadata that names it (the commit point), then the old
   * generation is removed. A crash in between leaves the previous save.
   */
  async save(): Promise<void> {
    const generation = this.generation + 1;
    const bytes = this.index.toBytes();
    const file = indexFileName(generation);
    const meta: BrowserMetadata = {
      format: BROWSER_DB_FORMAT, version: BROWSER_DB_VERSION, generation, signature: this.signatureValue,
      faces: this.faces, threshold: this.threshold, thumbnailSide: this.thumbnailSide,
      index: { file, bytes: bytes.byteLength }, nextLabel: this.nextLabel, files: Object.fromEntries(this.records),
    };
    const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
    await this.store.write([{ name: file, bytes }, { name: BROWSER_DB_META_FILE, bytes: metaBytes }]);
    if (this.generation > 0) await this.store.remove([indexFileName(this.generation)]);
    this.generation = generation;
    this.savedBytes = bytes.byteLength;
    this.savedMetaBytes = metaBytes.byteLength;
  }

  /** Bytes of the metadata as last saved (records, boxes, thumbnails). */
  get savedMetadataBytes(): number {
    return this.savedMetaBytes;
  }

  private savedMetaBytes = 0;

  private forget(name: string): void {
    const record = this.records.get(name);
    if (record === undefined) return;
    for (const face of record.faces) {
      this.index.markDeleted(face.label);
      this.labelToName.delete(face.label);
    }
    this.records.delete(name);
  }

  private async checkEmbedder(): Promise<void> {
    const signature = await this.embedder.ready();
    if (this.signatureValue === null) {
      this.signatureValue = signature;
      return;
    }
    checkSameSignature(this.signatureValue, signature, `face database ${JSON.stringify(this.name)}`);
  }
}

/** `faces.g000002.hnsw`: the index file of a generation (the names Node's generation files have). */
function indexFileName(generation: number): string {
  return BROWSER_DB_INDEX_FILE.replace(/\.hnsw$/, `.g${String(generation).padStart(6, '0')}.hnsw`);
}

function newIndex(): HnswIndex {
  return new HnswIndex({
    space: FACE_MODEL.space, dim: DESCRIPTOR_DIM, m: 16, efConstruction: 200, efSearch: 64, allowReplaceDeleted: true,
  });
}

function toSource(photo: PhotoSource): { name: string; image: BrowserImageInput; size?: number; lastModified?: number } {
  if (typeof File !== 'undefined' && photo instanceof File) {
    return { name: photo.webkitRelativePath || photo.name, image: photo, size: photo.size, lastModified: photo.lastModified };
  }
  const source = photo as Exclude<PhotoSource, File>;
  if (typeof source !== 'object' || source === null || typeof source.name !== 'string' || source.image === undefined) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `each photo must be a File or { name, image } (got ${describeValue(photo)})`);
  }
  return source;
}

function parseMetadata(bytes: Uint8Array, where: string): BrowserMetadata {
  let meta: Partial<BrowserMetadata>;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes)) as Partial<BrowserMetadata>;
  } catch {
    throw new CorruptFileError(`${where}: ${BROWSER_DB_META_FILE} is not valid JSON`);
  }
  if (meta?.format !== BROWSER_DB_FORMAT || meta.version !== BROWSER_DB_VERSION) {
    throw new CorruptFileError(`${where}: ${BROWSER_DB_META_FILE} is not a ${BROWSER_DB_FORMAT} file of version ${BROWSER_DB_VERSION}`);
  }
  const counts = [meta.generation, meta.nextLabel, meta.index?.bytes, meta.thumbnailSide];
  if (!counts.every((n) => Number.isSafeInteger(n) && n! >= 0) || typeof meta.index?.file !== 'string'
    || (meta.faces !== 'largest' && meta.faces !== 'all') || typeof meta.files !== 'object' || meta.files === null) {
    throw new CorruptFileError(`${where}: ${BROWSER_DB_META_FILE} is damaged (a field is missing or of the wrong type)`);
  }
  return meta as BrowserMetadata;
}

/** A JPEG data URL of `pixels` with its long side at most `side`. */
async function thumbnail(pixels: { data: Uint8Array; width: number; height: number }, side: number): Promise<string> {
  const small = resizeToRgb(pixels.data, pixels.width, pixels.height, 3, side);
  const rgba = new Uint8ClampedArray(small.width * small.height * 4);
  for (let i = 0, o = 0; i < small.data.length; i += 3, o += 4) {
    rgba[o] = small.data[i]!;
    rgba[o + 1] = small.data[i + 1]!;
    rgba[o + 2] = small.data[i + 2]!;
    rgba[o + 3] = 255;
  }
  const canvas = new OffscreenCanvas(small.width, small.height);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, small.width, small.height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/jpeg;base64,${btoa(binary)}`;
}
