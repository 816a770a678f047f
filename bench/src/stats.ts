// Small measuring helpers shared by the benchmark commands: timing, recall,
// resident memory, logging on stderr.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HnswIndex } from '@smallworld/hnsw';
import { ProgressBar } from '@smallworld/datasets';

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of a non-empty list and its range: how a repeated measure is quoted. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, lowest and highest of a non-empty list. */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Seconds taken by `fn` (wall clock). */
export function timeSeconds(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

/** CPU seconds (user + system, every thread of the process) spent since `since`, a `process.cpuUsage()` reading. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Seconds taken by the async `fn`. */
export async function timeSecondsAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/**
 * Mean recall@k: for each query, the fraction of its exact k nearest
 * (`truth`, k per row) found among the k returned (`found`, k per row, -1 = none).
 */
export function recallAtK(found: ArrayLike<number>, truth: ArrayLike<number>, queries: number, k: number): number {
  let hits = 0;
  for (let i = 0; i < queries; i++) {
    const want = new Set<number>();
    for (let j = 0; j < k; j++) want.add(truth[i * k + j]);
    for (let j = 0; j < k; j++) if (want.has(found[i * k + j])) hits++;
  }
  return hits / (queries * k);
}

/** A log line on stderr (stdout is kept for results and JSON). */
export function log(message: string): void {
  process.stderr.write(message + '\n');
}

/** Resident set size of this process in bytes (native libraries' memory shows here, not in the JS heap). */
export function rssBytes(): number {
  return process.memoryUsage.rss();
}

let gcFunction: (() => void) | null | undefined;

/**
 * Runs a full garbage collection when possible, so memory figures are not
 * inflated by garbage of earlier steps. `--expose-gc` is turned on at run
 * time (a fresh context sees the flag), so no node flag is needed.
 */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    } catch {
      gcFunction = null;
    }
  }
  gcFunction?.();
}

/** `value` rounded to `digits` decimals, for tables and JSON (the CLIs' one rounding). */
export { round } from '@smallworld/hnsw/cli';

/**
 * Links `data` (n x dim, row-major) into `index` in chunks of `chunk` rows,
 * on `threads` worker threads (the main thread when 1), with a progress bar
 * on stderr; returns the wall and CPU seconds of the whole build.
 */
export async function buildInChunks(
  index: HnswIndex, data: Float32Array, threads: number, chunk: number, label: string,
): Promise<{ seconds: number; cpuS: number }> {
  const dim = index.dim;
  const n = data.length / dim;
  const bar = new ProgressBar({ label, unit: 'vectors' });
  const cpu = process.cpuUsage();
  const seconds = await timeSecondsAsync(async () => {
    for (let first = 0; first < n; first += chunk) {
      const rows = data.subarray(first * dim, Math.min(n, first + chunk) * dim);
      if (threads > 1) await index.addBatchParallel(rows, { threads });
      else index.addBatch(rows);
      bar.update(Math.min(n, first + chunk), n);
    }
  });
  bar.finish();
  return { seconds, cpuS: cpuSecondsSince(cpu) };
}
