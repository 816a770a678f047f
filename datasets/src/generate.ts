// Seeded synthetic vectors: the seed article's N(-0.35, 0.48) per coordinate,
// a clustered Gaussian mixture and uniform points on the unit sphere. Rows are
// produced block by block (see random.ts), so a data set is the same bytes
// whatever the chunking, and never has to exist whole in memory.

import { MAX_DIM, SmallworldRangeError } from '@smallworld/hnsw';
import { BLOCK_ROWS, Xoshiro128 } from './random.js';
import { checkChoice, checkInteger, checkKnownKeys, checkNumber } from './checks.js';
import type { VectorSet } from './vectors.js';

/** The synthetic distributions. */
export type GeneratorName = 'normal' | 'clustered' | 'sphere';

/** All generator names, for validation and help text. */
export const GENERATORS: readonly GeneratorName[] = ['normal', 'clustered', 'sphere'];

/** The seed article's coordinate mean. */
export const DEFAULT_MEAN = -0.35;
/** The seed article's coordinate standard deviation. */
export const DEFAULT_SD = 0.48;
/** Default seed (the one of the example command). */
export const DEFAULT_SEED = 7;
/** Default number of mixture components of the 'clustered' generator. */
export const DEFAULT_CLUSTERS = 100;
/** Default per-coordinate standard deviation of a point around its cluster centre. */
export const DEFAULT_CLUSTER_SD = 0.2;

/** Options of `generateSynthetic` / `SyntheticGenerator` / `writeSynthetic`. */
export interface SyntheticOptions {
  /** Number of vectors (rows). Required. */
  count: number;
  /** Dimension of each vector. Required, 1 to `MAX_DIM` of @smallworld/hnsw (65536). */
  dim: number;
  /** Seed, a non-negative safe integer (default 7). Same seed, same bytes. */
  seed?: number;
  /**
   * 'normal' (default): every coordinate i.i.d. N(mean, sd), the seed
   * article's set: no structure, the hardest case for a graph index.
   * 'clustered': `clusters` centres drawn N(mean, sd), each point a uniformly
   * chosen centre plus N(0, clusterSd) per coordinate, closer to real
   * embeddings (identities, topics). 'sphere': uniform on the unit sphere
   * (normalised N(0, 1) vectors), for the 'ip' and 'cosine' spaces.
   */
  generator?: GeneratorName;
  /** Coordinate mean of 'normal', and of the centres of 'clustered' (default -0.35). */
  mean?: number;
  /** Coordinate standard deviation of 'normal', and of the centres of 'clustered' (default 0.48). */
  sd?: number;
  /** Mixture components of 'clustered' (default 100). */
  clusters?: number;
  /** Standard deviation of a 'clustered' point around its centre, per coordinate (default 0.2). */
  clusterSd?: number;
}

/** Fully resolved options: what a sidecar records so a set can be made again. */
export interface SyntheticParameters {
  /** Number of vectors. */
  count: number;
  /** Dimension of each vector. */
  dim: number;
  /** Seed of the generator. */
  seed: number;
  /** 'normal', 'clustered' or 'sphere' (see `SyntheticOptions.generator`). */
  generator: GeneratorName;
  /** Coordinate mean ('normal', and the centres of 'clustered'). */
  mean: number;
  /** Coordinate standard deviation ('normal', and the centres of 'clustered'). */
  sd: number;
  /** Mixture components of 'clustered'. */
  clusters: number;
  /** Standard deviation of a 'clustered' point around its centre, per coordinate. */
  clusterSd: number;
}

const OPTION_KEYS = ['count', 'dim', 'seed', 'generator', 'mean', 'sd', 'clusters', 'clusterSd'] as const;

/** Validates `options` and fills in the defaults. */
export function resolveSyntheticOptions(options: SyntheticOptions): SyntheticParameters {
  checkKnownKeys('synthetic', options, OPTION_KEYS);
  return {
    count: checkInteger('count', options.count, 0),
    dim: checkInteger('dim', options.dim, 1, MAX_DIM),
    seed: checkInteger('seed', options.seed ?? DEFAULT_SEED, 0),
    generator: checkChoice('generator', options.generator ?? 'normal', GENERATORS),
    mean: checkNumber('mean', options.mean ?? DEFAULT_MEAN),
    sd: checkNumber('sd', options.sd ?? DEFAULT_SD, true),
    clusters: checkInteger('clusters', options.clusters ?? DEFAULT_CLUSTERS, 1, 1 << 24),
    clusterSd: checkNumber('clusterSd', options.clusterSd ?? DEFAULT_CLUSTER_SD, true),
  };
}

// Stream ids: rows, and the cluster centres (drawn once from their own stream).
const ROW_STREAM = 0;
const CENTRE_STREAM = 1;

/**
 * Produces the rows of one synthetic data set, in any order and any chunking.
 *
 * @example
 * const gen = new SyntheticGenerator({ count: 1_000_000, dim: 128, seed: 7 });
 * const chunk = new Float32Array(4096 * 128);
 * gen.fill(0, 4096, chunk); // rows 0..4095
 */
export class SyntheticGenerator {
  /** The resolved options. */
  readonly params: SyntheticParameters;
  private readonly random = new Xoshiro128();
  private readonly centres: Float64Array | null;
  /** Scratch for the rows of a block before the requested range (and for 'sphere'). */
  private readonly scratch: Float64Array;

  constructor(options: SyntheticOptions) {
    this.params = resolveSyntheticOptions(options);
    const { dim, clusters, generator, seed, mean, sd } = this.params;
    this.scratch = new Float64Array(dim);
    if (generator === 'clustered') {
      this.centres = new Float64Array(clusters * dim);
      const r = new Xoshiro128(seed, CENTRE_STREAM, 0);
      for (let i = 0; i < this.centres.length; i++) this.centres[i] = mean + sd * r.nextGaussian();
    } else {
      this.centres = null;
    }
  }

  /** Number of rows of the set. */
  get count(): number {
    return this.params.count;
  }

  /** Dimension of the set. */
  get dim(): number {
    return this.params.dim;
  }

  /**
   * Writes rows [first, first + rows) into `out` (from index 0). Cheapest
   * when `first` is a multiple of BLOCK_ROWS (1024): otherwise the rows of
   * the block before `first` are generated and dropped.
   */
  fill(first: number, rows: number, out: Float32Array): void {
    const { count, dim } = this.params;
    checkInteger('first', first, 0, count);
    checkInteger('rows', rows, 0, count - first);
    if (out.length < rows * dim) {
      throw new SmallworldRangeError('INVALID_ARGUMENT', `\`out\` must hold rows x dim = ${rows * dim} floats (got ${out.length})`);
    }
    let row = first;
    const end = first + rows;
    while (row < end) {
      const block = Math.floor(row / BLOCK_ROWS);
      const blockStart = block * BLOCK_ROWS;
      const blockEnd = Math.min(blockStart + BLOCK_ROWS, end);
      this.random.reseed(this.params.seed, ROW_STREAM, block);
      for (let skip = blockStart; skip < row; skip++) this.nextRow(this.scratch, null, 0);
      for (; row < blockEnd; row++) this.nextRow(null, out, (row - first) * dim);
    }
  }

  /** Draws one row into `f64` (when given) or `out[at..]`. */
  private nextRow(f64: Float64Array | null, out: Float32Array | null, at: number): void {
    const { dim, generator, mean, sd, clusterSd } = this.params;
    const r = this.random;
    if (generator === 'normal') {
      if (out === null) {
        for (let i = 0; i < dim; i++) r.nextGaussian();
      } else {
        for (let i = 0; i < dim; i++) out[at + i] = mean + sd * r.nextGaussian();
      }
    } else if (generator === 'clustered') {
      const centres = this.centres!;
      const c = r.nextBelow(this.params.clusters) * dim;
      if (out === null) {
        for (let i = 0; i < dim; i++) r.nextGaussian();
      } else {
        for (let i = 0; i < dim; i++) out[at + i] = centres[c + i] + clusterSd * r.nextGaussian();
      }
    } else {
      const v = f64 ?? this.scratch;
      let norm = 0;
      for (let i = 0; i < dim; i++) {
        const g = r.nextGaussian();
        v[i] = g;
        norm += g * g;
      }
      if (out !== null) {
        // A zero draw has probability 0; the guard keeps it finite all the same.
        const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let i = 0; i < dim; i++) out[at + i] = v[i] * scale;
      }
    }
  }
}

/**
 * Generates a whole synthetic set in memory (count x dim float32). For sets
 * larger than memory, stream them to disk with `writeSynthetic`.
 */
export function generateSynthetic(options: SyntheticOptions): VectorSet {
  const gen = new SyntheticGenerator(options);
  const data = new Float32Array(gen.count * gen.dim);
  gen.fill(0, gen.count, data);
  return { dtype: 'float32', data, count: gen.count, dim: gen.dim };
}
