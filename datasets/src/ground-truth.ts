// Exact k nearest neighbours of every query (the "ground truth" recall is
// measured against), in parallel over worker threads that share the base
// vectors through SharedArrayBuffers. Same answer as BruteForceIndex (see
// ground-truth-scan.ts), whatever the thread count.

import { METRICS, normalize, SmallworldError, SmallworldRangeError, SPACES, type Space } from '@smallworld/hnsw';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { checkChoice, checkInteger, checkKnownKeys } from './checks.js';
import { QUERY_BLOCK, ScanScratch, scanBlock, type ScanJob } from './ground-truth-scan.js';
import { toVectorSet, type VectorSet, type VectorsInput } from './vectors.js';

/** Options of `computeGroundTruth`. */
export interface GroundTruthOptions {
  /** Neighbours per query (default 100, ann-benchmarks' count). Must not exceed the base size. */
  k?: number;
  /** 'l2' (squared Euclidean, default), 'ip' (1 - dot) or 'cosine' (1 - dot of the normalised vectors). */
  space?: Space;
  /**
   * Worker threads (default: the machine's available parallelism). 1 runs on
   * the calling thread with no worker start-up, best for small sets.
   */
  threads?: number;
  /** Dimension, needed only when `base` and `queries` are flat arrays. */
  dim?: number;
  /** Called now and then with the number of queries done, and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The exact neighbours: `k` per query, nearest first. */
export interface GroundTruth {
  /** Base row ids, queries x k, row-major. */
  neighbors: Int32Array;
  /** Their distances in the space (squared L2, or 1 - dot), float32 like the indexes' results. */
  distances: Float32Array;
  /** Number of queries. */
  count: number;
  /** Neighbours per query. */
  k: number;
  /** The space the distances were computed in. */
  space: Space;
}

const OPTION_KEYS = ['k', 'space', 'threads', 'dim', 'onProgress'] as const;

/** Default neighbours per query. */
export const DEFAULT_GROUND_TRUTH_K = 100;

/** A copy of `set` over a SharedArrayBuffer (unless it already is shared and needs no normalising). */
function sharedCopy(set: VectorSet, unit: boolean): Float32Array {
  if (!unit && set.data.buffer instanceof SharedArrayBuffer) return set.data;
  const out = new Float32Array(new SharedArrayBuffer(set.data.byteLength));
  out.set(set.data);
  if (unit) for (let i = 0; i < set.count; i++) normalize(out, i * set.dim, set.dim);
  return out;
}

/** Throws naming the argument, row and component of the first non-finite value. */
function checkFinite(argument: string, set: VectorSet): void {
  const data = set.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new SmallworldRangeError('NON_FINITE_VALUE',
        `\`${argument}\` row ${Math.floor(i / set.dim)}, component ${i % set.dim} must be finite (got ${v})`);
    }
  }
}

/**
 * Starts a worker on ground-truth-worker: the compiled .js normally; under
 * tsx or vitest (this module is .ts) the .ts source through tsx's require
 * hook, because Node 20 does not apply ESM loader hooks (`--import tsx`) to a
 * worker's entry module.
 */
function startWorker(workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./ground-truth-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry, { workerData });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const source = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(fileURLToPath(entry))});`;
  return new Worker(source, { eval: true, workerData, execArgv: ['--conditions=source'] });
}

/**
 * Exact k-NN of each query among the base vectors, identical to
 * `BruteForceIndex` (same kernels, float64 sums, float32 results, ties to the
 * lower id). O(queries x base x dim), about 0.55 billion components per
 * core-second: 10,000 queries against 1M x 128 take about 40 core-minutes.
 * With workers, base and queries are copied once into shared memory
 * (normalised for 'cosine'); inputs must be finite.
 *
 * @example
 * const truth = await computeGroundTruth(base, queries, { k: 100, space: 'l2', threads: 4 });
 * truth.neighbors.subarray(0, 100); // ids of query 0's 100 nearest base vectors
 */
export async function computeGroundTruth(
  base: VectorsInput, queries: VectorsInput, options: GroundTruthOptions = {},
): Promise<GroundTruth> {
  checkKnownKeys('computeGroundTruth', options, OPTION_KEYS);
  const dim = options.dim === undefined ? undefined : checkInteger('dim', options.dim, 1);
  const space = checkChoice('space', options.space ?? 'l2', SPACES);
  const threads = checkInteger('threads', options.threads ?? availableParallelism(), 1, 256);
  const b = toVectorSet('base', base, dim);
  const q = toVectorSet('queries', queries, b.dim);
  const k = checkInteger('k', options.k ?? DEFAULT_GROUND_TRUTH_K, 1, Math.max(1, b.count));
  if (b.count === 0) throw new SmallworldRangeError('INVALID_ARGUMENT', '`base` must hold at least one vector');
  if (b.count > 0x7fffffff) throw new SmallworldRangeError('INVALID_ARGUMENT', `\`base\` has ${b.count} vectors, above int32 ids`);
  checkFinite('base', b);
  checkFinite('queries', q);
  const onProgress = options.onProgress;
  // Normalised as an index of the space would store them (its metric says whether).
  const unit = METRICS[space].normalize;
  const useWorkers = threads > 1 && q.count > QUERY_BLOCK;
  const job: ScanJob = {
    base: useWorkers || unit ? sharedCopy(b, unit) : b.data,
    queries: useWorkers || unit ? sharedCopy(q, unit) : q.data,
    dim: b.dim,
    k,
    space,
    neighbors: new Int32Array(new SharedArrayBuffer(q.count * k * 4)),
    distances: new Float32Array(new SharedArrayBuffer(q.count * k * 4)),
  };
  if (useWorkers) {
    await runWorkers(job, Math.min(threads, Math.ceil(q.count / QUERY_BLOCK)), q.count, onProgress);
  } else {
    const scratch = new ScanScratch(b.dim, k);
    for (let first = 0; first < q.count; first += QUERY_BLOCK) {
      const count = Math.min(QUERY_BLOCK, q.count - first);
      scanBlock(job, scratch, first, count);
      onProgress?.(first + count, q.count);
    }
  }
  return { neighbors: job.neighbors, distances: job.distances, count: q.count, k, space };
}

/** Runs the scan on `threads` workers; resolves when all are done, rejects on the first failure. */
async function runWorkers(
  job: ScanJob, threads: number, total: number, onProgress: ((done: number, total: number) => void) | undefined,
): Promise<void> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const workers: Worker[] = [];
  const timer = onProgress === undefined ? undefined : setInterval(() => onProgress(Atomics.load(control, 1), total), 250);
  try {
    await Promise.all(Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
      const worker = startWorker({ ...job, control });
      workers.push(worker);
      worker.once('message', (m: { ok: boolean; message?: string }) => {
        if (m.ok) resolve();
        else reject(new SmallworldError('WORKER_FAILED', `ground-truth worker failed: ${m.message}`));
      });
      worker.once('error', reject);
      // Node delivers a worker's last messages before 'exit': no message by then is a failure.
      worker.once('exit', (code) => reject(new SmallworldError('WORKER_FAILED', `ground-truth worker exited (code ${code}) before finishing`)));
    })));
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  onProgress?.(total, total);
}
