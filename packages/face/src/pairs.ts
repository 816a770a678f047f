// Verification over labelled pairs (deepface's master.csv layout: file_x,file_y,Decision):
// accuracy and the confusion counts at a threshold, plus per-photo timing.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SmallworldRangeError } from '@smallworld/hnsw';
import { checkKnownKeys } from './check.js';
import { parseCsv } from './csv.js';
import { FaceEmbedder } from './embedder.js';
import { embedPhotos, type PhotoResult } from './photos.js';
import type { ProgressOption } from './progress.js';
import { DEFAULT_THRESHOLD, checkThreshold, euclideanDistance } from './verify.js';

/** One labelled pair. */
export interface LabelledPair {
  /** The first photo's file name. */
  fileX: string;
  /** The second photo's file name. */
  fileY: string;
  /** True when the CSV says 'Yes' (the same person). */
  same: boolean;
}

/** Confusion counts and accuracy at a threshold. */
export interface PairScore {
  /** Pairs scored. */
  pairs: number;
  /** (tp + tn) / pairs. */
  accuracy: number;
  /** The Euclidean distance at or below which a pair is verified. */
  threshold: number;
  /** Same person, verified. */
  tp: number;
  /** Different people, not verified. */
  tn: number;
  /** Different people, verified. */
  fp: number;
  /** Same person, not verified (including pairs where a photo has no face). */
  fn: number;
}

/** `verifyPairs`' report: `PairScore` plus the photos' outcomes. */
export interface PairsReport extends PairScore {
  /** Photos of the pairs with no face (or unreadable): their pairs count as "not verified". */
  noFace: number;
  /** Median decode + inference time per photo, ms. */
  msPerPhoto: number;
  /** Each distinct photo's outcome. */
  photos: PhotoResult[];
}

/** Options of `verifyPairs`. */
export interface VerifyPairsOptions {
  /** The embedder to use. Default: a new `FaceEmbedder` with its defaults. */
  embedder?: FaceEmbedder;
  /** Euclidean distance at or under which a pair is verified. Default: the model's, 0.6. */
  threshold?: number;
  /** Progress on stderr (default true), a callback, or false. */
  progress?: ProgressOption;
}

/**
 * Parses a pairs CSV (RFC 4180: quoted file names may hold commas and `""`;
 * LF or CRLF line ends; blank lines skipped): a header naming `file_x`,
 * `file_y` and `Decision` (any order, other columns ignored), then one pair
 * a record, `Yes` meaning the same person. Throws `SmallworldRangeError`
 * (code INVALID_ARGUMENT) naming the line (as an editor counts it) of a
 * malformed record.
 */
export function parsePairs(text: string, source = 'pairs CSV'): LabelledPair[] {
  // Whitespace around cells is trimmed: hand-edited files carry it, file names rarely do.
  const records = parseCsv(text, source)
    .map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }))
    .filter((r) => r.cells.some((c) => c !== ''));
  const header = records[0]?.cells ?? [];
  const ix = header.indexOf('file_x');
  const iy = header.indexOf('file_y');
  const id = header.indexOf('Decision');
  if (ix < 0 || iy < 0 || id < 0) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `${source} must have a header with file_x,file_y,Decision (got ${JSON.stringify(header.join(','))})`);
  }
  return records.slice(1).map(({ cells, line }) => {
    const decision = cells[id];
    if (cells.length < header.length || (decision !== 'Yes' && decision !== 'No') || cells[ix] === '' || cells[iy] === '') {
      throw new SmallworldRangeError('INVALID_ARGUMENT', `${source} line ${line}: expected file_x,file_y,Yes|No (got ${JSON.stringify(cells.join(','))})`);
    }
    return { fileX: cells[ix]!, fileY: cells[iy]!, same: decision === 'Yes' };
  });
}

/**
 * Scores pairs at `threshold` given each photo's descriptor (`undefined` for
 * a photo with no face: its pairs are predicted "different").
 */
export function scorePairs(
  pairs: readonly LabelledPair[], descriptorOf: (file: string) => Float32Array | undefined, threshold = DEFAULT_THRESHOLD,
): PairScore {
  checkThreshold(threshold);
  let tp = 0, tn = 0, fp = 0, fn = 0;
  for (const pair of pairs) {
    const a = descriptorOf(pair.fileX);
    const b = descriptorOf(pair.fileY);
    const verified = a !== undefined && b !== undefined && euclideanDistance(a, b) <= threshold;
    if (pair.same) verified ? tp++ : fn++;
    else verified ? fp++ : tn++;
  }
  return { pairs: pairs.length, accuracy: pairs.length === 0 ? 0 : (tp + tn) / pairs.length, threshold, tp, tn, fp, fn };
}

/** The median of a list of numbers (0 when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Verifies every pair of a CSV (see `parsePairs`) with photos from
 * `imagesDir`: each distinct photo is embedded once (largest face).
 */
export async function verifyPairs(csvPath: string, imagesDir: string, options: VerifyPairsOptions = {}): Promise<PairsReport> {
  checkKnownKeys('verifyPairs', options, ['embedder', 'threshold', 'progress']);
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  const pairs = parsePairs(await readFile(csvPath, 'utf8'), csvPath);
  const files = [...new Set(pairs.flatMap((p) => [p.fileX, p.fileY]))];
  const photos = await embedPhotos(files.map((f) => path.resolve(imagesDir, f)), {
    embedder: options.embedder, progress: options.progress,
  });
  const byName = new Map<string, PhotoResult>();
  files.forEach((file, i) => byName.set(file, photos[i]!));
  const score = scorePairs(pairs, (file) => byName.get(file)?.faces[0]?.descriptor, threshold);
  return {
    ...score,
    noFace: photos.filter((p) => p.status !== 'ok').length,
    msPerPhoto: median(photos.map((p) => p.ms)),
    photos,
  };
}
