// Embedding many photos: folder listing, one result per photo (faces, no face,
// or the error), so one bad file never stops a run; the folder-to-descriptors helper.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkBoolean, checkKnownKeys } from './check.js';
import { DESCRIPTOR_DIM, FaceEmbedder, type EmbedderSignature, type Face } from './embedder.js';
import { progressReporter, type ProgressOption } from './progress.js';

/** File extensions read as photos (case-insensitive); other files are listed as skipped. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg', '.jpeg', '.png', '.webp', '.avif', '.heic', '.heif', '.gif', '.tif', '.tiff',
];

/** What happened to one photo. */
export type PhotoStatus = 'ok' | 'no-face' | 'error';

/** The outcome for one photo. */
export interface PhotoResult {
  /** The photo's file path. */
  path: string;
  /** 'ok', 'no-face' or 'error'. */
  status: PhotoStatus;
  /** The faces described, largest first (only the largest unless `all`); empty unless `status` is 'ok'. */
  faces: Face[];
  /** Faces the detector found: above `faces.length` when a group photo gave only its largest. */
  detected: number;
  /** Why the photo could not be read (status 'error'). */
  error?: string;
  /** The error's code: a `FaceErrorCode` such as 'UNREADABLE_IMAGE', an engine `ErrorCode`, or a system one ('EACCES'). */
  errorCode?: string;
  /** Decode + inference time, ms. */
  ms: number;
}

/** Options of `embedPhotos` and `embedFolder`. */
export interface EmbedPhotosOptions {
  /** The embedder to use. Default: a new `FaceEmbedder()` (backend 'auto'). */
  embedder?: FaceEmbedder;
  /** Every face of each photo instead of the largest. Default false. */
  all?: boolean;
  /** Progress on stderr (`true`, the default), a callback, or `false`. */
  progress?: ProgressOption;
}

/** `embedFolder`'s answer: one descriptor row per face found, and every photo's outcome. */
export interface EmbeddedFolder {
  /** `paths[i]` is the photo of descriptor row i (a photo repeats with `all`). */
  paths: string[];
  /** Row-major, `paths.length` x 128. */
  descriptors: Float32Array;
  /** One result per photo listed, in listing order. */
  photos: PhotoResult[];
  /** What produced the descriptors (decoder, model, backend). */
  signature: EmbedderSignature;
}

/** Whether a file name has one of `IMAGE_EXTENSIONS`. */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Every file under `dir` (absolute paths, sorted, recursive unless told
 * otherwise), skipping hidden files and folders (names starting with '.').
 */
export async function listFiles(dir: string, recursive = true): Promise<string[]> {
  const root = path.resolve(dir);
  const out: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (recursive) await walk(full);
      } else if (entry.isFile()) {
        out.push(full);
      } else if (entry.isSymbolicLink()) {
        // A link to a file is followed; links to folders are not (no loops).
        // A dangling link is listed: it fails as unreadable, visibly.
        const target = await stat(full).catch(() => undefined);
        if (target === undefined || target.isFile()) out.push(full);
      }
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Embeds one photo, catching every failure into the result: a caller
 * running over many photos never needs a try/catch.
 */
export async function embedPhoto(embedder: FaceEmbedder, file: string, all = false): Promise<PhotoResult> {
  const started = performance.now();
  try {
    const { faces, detected } = await embedder.detect(file, all);
    return { path: file, status: faces.length > 0 ? 'ok' : 'no-face', faces, detected, ms: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    return {
      path: file, status: 'error', faces: [], detected: 0, error: message,
      errorCode: typeof code === 'string' ? code : undefined, ms: performance.now() - started,
    };
  }
}

/** Embeds each photo in `files` in order (see `embedPhoto`), reporting progress. */
export async function embedPhotos(files: readonly string[], options: EmbedPhotosOptions = {}): Promise<PhotoResult[]> {
  checkKnownKeys('embedPhotos', options, ['embedder', 'all', 'progress']);
  const embedder = options.embedder ?? new FaceEmbedder();
  const all = checkBoolean('all', options.all, false);
  await embedder.ready();
  const report = progressReporter(options.progress, 'embedding');
  const started = performance.now();
  const results: PhotoResult[] = [];
  for (const file of files) {
    const result = await embedPhoto(embedder, file, all);
    results.push(result);
    report?.({ done: results.length, total: files.length, path: file, status: result.status, elapsedMs: performance.now() - started });
  }
  return results;
}

/**
 * The descriptors of every photo in a folder (image extensions only,
 * recursive): the largest face of each (every face with `all`), as one
 * n x 128 matrix with the photo of each row. Photos with no face or that
 * cannot be read give no row and are listed in `photos`.
 */
export async function embedFolder(dir: string, options: EmbedPhotosOptions = {}): Promise<EmbeddedFolder> {
  const files = (await listFiles(dir)).filter(isImageFile);
  const embedder = options.embedder ?? new FaceEmbedder();
  const photos = await embedPhotos(files, { ...options, embedder });
  const paths: string[] = [];
  for (const photo of photos) for (let i = 0; i < photo.faces.length; i++) paths.push(photo.path);
  const descriptors = new Float32Array(paths.length * DESCRIPTOR_DIM);
  let row = 0;
  for (const photo of photos) {
    for (const face of photo.faces) descriptors.set(face.descriptor, DESCRIPTOR_DIM * row++);
  }
  return { paths, descriptors, photos, signature: (await embedder.ready()) };
}
