// Summary statistics of a matrix file, streamed chunk by chunk in float64:
// what `info` prints.

import { chunkRowsFor, openMatrix, type ReadOptions } from './io.js';
import type { FormatName } from './formats/matrix-file.js';
import type { DType, MatrixData } from './vectors.js';

/** Running sums over values (and row norms) of a matrix. */
export interface MatrixStats {
  /** Rows seen. */
  count: number;
  /** Values per row. */
  dim: number;
  /** Mean of all values. */
  mean: number;
  /** Population standard deviation of all values. */
  sd: number;
  /** Smallest finite value. */
  min: number;
  /** Largest finite value. */
  max: number;
  /** Mean Euclidean norm of the rows. */
  meanNorm: number;
  /** Number of NaN or infinite values (0 for a usable vector set). */
  nonFinite: number;
}

/** Accumulates statistics chunk by chunk (Welford's update per chunk, no catastrophic cancellation). */
export class StatsAccumulator {
  private n = 0;
  private rows = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private normSum = 0;
  private nonFinite = 0;
  /** Values per row of the data added. */
  readonly dim: number;

  constructor(dim: number) {
    this.dim = dim;
  }

  /** Adds whole rows of `dim` values. */
  add(data: MatrixData): void {
    const dim = this.dim;
    let sum = 0;
    let count = 0;
    for (let r = 0; r * dim < data.length; r++) {
      let sq = 0;
      for (let c = 0; c < dim; c++) {
        const v = data[r * dim + c];
        if (v - v !== 0) {
          this.nonFinite++;
          continue;
        }
        sum += v;
        sq += v * v;
        count++;
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
      }
      this.normSum += Math.sqrt(sq);
      this.rows++;
    }
    if (count === 0) return;
    // Merge this chunk's mean and squared deviations into the running ones (Chan et al.).
    const chunkMean = sum / count;
    let chunkM2 = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v === 0) chunkM2 += (v - chunkMean) * (v - chunkMean);
    }
    const total = this.n + count;
    const delta = chunkMean - this.mean;
    this.mean += (delta * count) / total;
    this.m2 += chunkM2 + (delta * delta * this.n * count) / total;
    this.n = total;
  }

  /** The statistics of everything added so far. */
  result(): MatrixStats {
    return {
      count: this.rows,
      dim: this.dim,
      mean: this.n > 0 ? this.mean : NaN,
      sd: this.n > 0 ? Math.sqrt(this.m2 / this.n) : NaN,
      min: this.n > 0 ? this.min : NaN,
      max: this.n > 0 ? this.max : NaN,
      meanNorm: this.rows > 0 ? this.normSum / this.rows : NaN,
      nonFinite: this.nonFinite,
    };
  }
}

/** Statistics of in-memory values: `count` rows of `dim`. */
export function computeStats(data: MatrixData, dim: number): MatrixStats {
  const acc = new StatsAccumulator(dim);
  acc.add(data);
  return acc.result();
}

/** What `info` reports about a file. */
export interface FileInfo {
  /** The file described. */
  path: string;
  /** Its format, from the extension. */
  format: FormatName;
  /** Element type of its values. */
  dtype: DType;
  /** Rows in the file. */
  count: number;
  /** Values per row. */
  dim: number;
  /** Statistics of every value, read in chunks. */
  stats: MatrixStats;
}

/** Reads a whole file in chunks and returns its shape and statistics. */
export async function fileInfo(file: string, options: ReadOptions & { onProgress?: (done: number, total: number) => void } = {}): Promise<FileInfo> {
  const reader = await openMatrix(file, options);
  try {
    const { path, format, dtype, count, dim } = reader;
    const acc = new StatsAccumulator(dim);
    const step = chunkRowsFor(dim, dtype);
    for (let first = 0; first < count; first += step) {
      const rows = Math.min(step, count - first);
      acc.add(await reader.read(first, rows));
      options.onProgress?.(first + rows, count);
    }
    return { path, format, dtype, count, dim, stats: acc.result() };
  } finally {
    await reader.close();
  }
}
