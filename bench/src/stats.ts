// Small measuring helpers shared by the benchmark commands.

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Seconds taken by `fn` (wall clock). */
export function timeSeconds(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
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

/** Writes a one-line progress report to stderr (overwritten in a terminal). */
export function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) {
    if (done === total) process.stderr.write(`${label}: ${total}/${total}\n`);
    return;
  }
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

/** A log line on stderr (stdout is kept for results and JSON). */
export function log(message: string): void {
  process.stderr.write(message + '\n');
}
