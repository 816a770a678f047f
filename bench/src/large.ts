// `pnpm bench large`: an index as large as the machine holds, as a
// ShardedIndex: seed-distribution vectors generated in chunks straight into
// the index, recall@10 against exact ground truth, save, then load and search
// again in a fresh child process (its peak memory is the loading's own).

import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { freemem, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProgressBar, SyntheticGenerator } from '@smallworld/datasets';
import { BruteForceIndex, ShardedIndex, SmallworldError, type BatchSearchResult, type ShardedIndexOptions } from '@smallworld/hnsw';
import { DATA_SEED } from './data.js';
import { collectGarbage, cpuSecondsSince, log, median, recallAtK, round, rssBytes, timeSecondsAsync } from './stats.js';

/** Settings of one `large` run. */
export interface LargeOptions {
  n: number;
  dim: number;
  /** Shard counts: one index per count, all on the same data (QPS timed interleaved when several). */
  shards: number[];
  m: number;
  efConstruction: number;
  efSearch: number;
  /** 'int8' codes (passed to the index as `quantization`), or undefined for f32. */
  quantization: 'int8' | undefined;
  threads: number;
  /** Queries (recall@10 against exact ground truth). */
  queries: number;
  /** Timed passes of the queries (the median is reported). */
  rounds: number;
  /** Rows generated and added per call. */
  chunk: number;
  /** Folder for the saved indexes (default: a fresh one in the system's temporary folder, removed after). */
  dir?: string;
  /** Receives each result as it is measured. */
  onRow?: (row: LargeRow) => void;
}

/** One index's figures. */
export interface LargeRow {
  n: number;
  dim: number;
  shards: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  quantization: string | null;
  threads: number;
  /** Wall seconds of the build (generation of the data included: it is a small part). */
  buildS: number;
  /** CPU seconds of the build, every thread of the process. */
  buildCpuS: number;
  /** Queries per second of `searchBatchParallel` on `threads` threads (median of the rounds). */
  qps: number;
  /** Queries per second of `searchBatch` on the calling thread (median of the rounds). */
  qps1: number;
  /** Mean recall@10 against the exact neighbours. */
  recall: number;
  /** Bytes of the saved folder's files. */
  fileBytes: number;
  saveS: number;
  /** Load time in the fresh child process. */
  loadS: number;
  /** Peak resident memory of the loading child process. */
  peakRssBytes: number;
  /** Resident memory of this process once the index was built. */
  builtRssBytes: number;
  simdOnEveryShard: boolean;
  /** Same labels and distances from `searchBatch` before saving and after loading. */
  identicalAfterLoad: boolean;
  /** Recall of the loaded index in the child. */
  recallAfterLoad: number;
  /** 1-minute load average at the start (the machine is shared). */
  load: number;
}

/** What the parent sends the child. */
export interface LargeChildJob {
  dir: string;
  queries: Float32Array;
  k: number;
  efSearch: number;
}

/** What the child answers. */
export type LargeChildReply =
  | { type: 'done'; loadS: number; labels: Float64Array; distances: Float32Array; peakRssBytes: number; simdOnEveryShard: boolean }
  | { type: 'failed'; message: string };

const K = 10;
const CLI = resolve(import.meta.dirname, 'cli.ts');
const REPOSITORY = resolve(import.meta.dirname, '../..');

/** The child side (`pnpm bench large-child`, started by `runLarge`): load, search once, report. */
export function serveLargeChild(): void {
  process.once('message', (job: LargeChildJob) => {
    void (async () => {
      try {
        let index!: ShardedIndex;
        const loadS = await timeSecondsAsync(async () => { index = await ShardedIndex.load(job.dir); });
        const result = index.searchBatch(job.queries, job.k, { efSearch: job.efSearch });
        const peakRssBytes = process.resourceUsage().maxRSS * 1024;
        const reply: LargeChildReply = {
          type: 'done', loadS, labels: result.labels, distances: result.distances, peakRssBytes,
          simdOnEveryShard: index.shards.every((shard) => shard.kernel === 'simd'),
        };
        process.send!(reply, () => process.exit(0));
      } catch (error) {
        process.send!({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1));
      }
    })();
  });
}

function loadInChild(job: LargeChildJob): Promise<Extract<LargeChildReply, { type: 'done' }>> {
  return new Promise((done, fail) => {
    const child = fork(CLI, ['large-child'], {
      cwd: REPOSITORY, execArgv: ['--conditions=source', '--import', 'tsx'], serialization: 'advanced',
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
    });
    let reply: LargeChildReply | null = null;
    child.on('message', (message: LargeChildReply) => (reply = message));
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (reply?.type === 'done') done(reply);
      else fail(new SmallworldError('WORKER_FAILED', `loading ${job.dir}: ${reply?.message ?? `the child ended without a result (${signal ?? `exit code ${code}`})`}`));
    });
    child.send(job);
  });
}

/**
 * The exact k nearest of `queries` among rows seen chunk by chunk (never the
 * whole set in memory): each chunk scanned by a BruteForceIndex (the
 * engine's exact index, on the SIMD kernel), its answers merged into the
 * running best by (distance, id). `scan` yields to the event loop between
 * queries, so worker threads building the same chunk are not held up.
 */
class TruthScan {
  private readonly bestD: Float32Array;
  private readonly bestI: Int32Array;
  private readonly candD = new Float32Array(2 * K);
  private readonly candI = new Int32Array(2 * K);
  private readonly order = Array.from({ length: 2 * K }, (_, i) => i);

  constructor(private readonly queries: Float32Array, private readonly dim: number) {
    const nq = queries.length / dim;
    this.bestD = new Float32Array(nq * K).fill(Infinity);
    this.bestI = new Int32Array(nq * K).fill(-1);
  }

  /** Merges in rows `first`.. of `rows` (count x dim). */
  async scan(rows: Float32Array, first: number, count: number): Promise<void> {
    const { dim, queries, bestD, bestI, candD, candI, order } = this;
    const exact = new BruteForceIndex({ space: 'l2', dim, capacity: count });
    exact.addBatch(rows.subarray(0, count * dim), { labels: Float64Array.from({ length: count }, (_, i) => first + i) });
    for (let q = 0; q < queries.length / dim; q++) {
      const part = exact.search(queries.subarray(q * dim, (q + 1) * dim), K);
      for (let j = 0; j < K; j++) {
        candD[j] = bestD[q * K + j];
        candI[j] = bestI[q * K + j];
        candD[K + j] = j < part.labels.length ? part.distances[j] : Infinity;
        candI[K + j] = j < part.labels.length ? part.labels[j] : -1;
      }
      for (let j = 0; j < 2 * K; j++) order[j] = j;
      order.sort((a, b) => (candD[a] - candD[b]) || (candI[a] - candI[b]));
      for (let j = 0; j < K; j++) {
        bestD[q * K + j] = candD[order[j]];
        bestI[q * K + j] = candI[order[j]];
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The ids found, K per query. */
  get neighbors(): Int32Array {
    return this.bestI;
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir)) total += statSync(join(dir, entry)).size;
  return total;
}

function sameResults(a: BatchSearchResult, labels: Float64Array, distances: Float32Array): boolean {
  return a.labels.every((v, i) => v === labels[i]) && a.distances.every((v, i) => Object.is(v, distances[i]));
}

/** Builds, measures, saves and reloads one index per shard count; returns a row per index. */
export async function runLarge(options: LargeOptions): Promise<LargeRow[]> {
  const { n, dim, m, efConstruction, efSearch, threads, chunk } = options;
  const load = loadavg()[0];
  log(`large: ${n} x ${dim}, shards ${options.shards.join(',')}, M ${m}, efConstruction ${efConstruction}, ${threads} threads; `
    + `load ${load.toFixed(2)}, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`);
  const gen = new SyntheticGenerator({ count: n, dim, seed: DATA_SEED, generator: 'normal' });
  const queryGen = new SyntheticGenerator({ count: options.queries, dim, seed: DATA_SEED + 1, generator: 'normal' });
  const queries = new Float32Array(options.queries * dim);
  queryGen.fill(0, options.queries, queries);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'smallworld-large-'));
  const rows: LargeRow[] = [];
  try {
    // With one shard count the exact scan runs on this thread while the workers build the same chunk (the
    // data is generated once, and the build's time includes the scan); with several it runs first, alone,
    // so every build is timed alike.
    const scan = new TruthScan(queries, dim);
    const scanDuringBuild = options.shards.length === 1;
    if (!scanDuringBuild) {
      const truthStart = performance.now();
      const rows = new Float32Array(Math.min(chunk, n) * dim);
      const bar = new ProgressBar({ label: 'exact neighbours', unit: 'vectors' });
      for (let first = 0; first < n; first += chunk) {
        const count = Math.min(chunk, n - first);
        gen.fill(first, count, rows);
        await scan.scan(rows, first, count);
        bar.update(first + count, n);
      }
      bar.finish();
      log(`large: exact neighbours of ${options.queries} queries in ${round((performance.now() - truthStart) / 1000, 1)} s`);
    }
    const truth = scan.neighbors;
    const built: { shards: number; index: ShardedIndex; row: Partial<LargeRow> }[] = [];
    for (const shards of options.shards) {
      const indexOptions = { shards, space: 'l2', dim, m, efConstruction, efSearch, capacity: n } as ShardedIndexOptions;
      if (options.quantization !== undefined) (indexOptions as unknown as Record<string, unknown>).quantization = options.quantization;
      const index = new ShardedIndex(indexOptions);
      const data = new Float32Array(Math.min(chunk, n) * dim);
      const bar = new ProgressBar({ label: `build ${shards} shard${shards > 1 ? 's' : ''}`, unit: 'vectors' });
      const cpu = process.cpuUsage();
      const buildS = await timeSecondsAsync(async () => {
        for (let first = 0; first < n; first += chunk) {
          const count = Math.min(chunk, n - first);
          gen.fill(first, count, data);
          const building = index.addBatchParallel(data.subarray(0, count * dim), { threads });
          if (scanDuringBuild) await scan.scan(data, first, count);
          await building;
          bar.update(first + count, n);
        }
      });
      bar.finish();
      const buildCpuS = cpuSecondsSince(cpu);
      const before = index.searchBatch(queries, K, { efSearch });
      const recall = recallAtK(before.labels, truth, options.queries, K);
      log(`large: ${shards} shard(s) built in ${round(buildS, 1)} s, recall@10 ${round(recall, 4)} at efSearch ${efSearch}`);
      built.push({ shards, index, row: { buildS: round(buildS, 2), buildCpuS: round(buildCpuS, 1), recall: round(recall, 4), builtRssBytes: rssBytes() } });
      (built.at(-1)!.row as { before?: BatchSearchResult }).before = before;
    }
    // QPS: the indexes' timed passes interleaved round by round, so a change in the machine's load hits them all alike.
    const parallelS = built.map(() => [] as number[]);
    const serialS = built.map(() => [] as number[]);
    for (let round_ = 0; round_ < options.rounds; round_++) {
      for (const [i, { index }] of built.entries()) {
        parallelS[i].push(await timeSecondsAsync(() => index.searchBatchParallel(queries, K, { efSearch, threads })));
        serialS[i].push(await timeSecondsAsync(async () => index.searchBatch(queries, K, { efSearch })));
      }
    }
    for (const [i, entry] of built.entries()) {
      const { shards } = entry;
      const folder = join(dir, `shards-${shards}`);
      const saveS = await timeSecondsAsync(() => entry.index.save(folder));
      const fileBytes = folderBytes(folder);
      const simdOnEveryShard = entry.index.shards.every((shard) => shard.kernel === 'simd');
      const before = (entry.row as { before?: BatchSearchResult }).before!;
      // Drop this index before the child loads its copy (no variable may still hold it): the two together
      // would need twice the memory.
      await entry.index.close();
      built[i].index = null as unknown as ShardedIndex;
      collectGarbage();
      log(`large: saved ${shards} shard(s), ${(fileBytes / 2 ** 30).toFixed(2)} GiB in ${round(saveS, 1)} s; loading in a child process`);
      const child = await loadInChild({ dir: folder, queries, k: K, efSearch });
      const row: LargeRow = {
        n, dim, shards, m, efConstruction, efSearch, quantization: options.quantization ?? null, threads,
        buildS: entry.row.buildS!, buildCpuS: entry.row.buildCpuS!,
        qps: round(options.queries / median(parallelS[i]), 1), qps1: round(options.queries / median(serialS[i]), 1),
        recall: entry.row.recall!, fileBytes, saveS: round(saveS, 2), loadS: round(child.loadS, 2), peakRssBytes: child.peakRssBytes,
        builtRssBytes: entry.row.builtRssBytes!, simdOnEveryShard: simdOnEveryShard && child.simdOnEveryShard,
        identicalAfterLoad: sameResults(before, child.labels, child.distances),
        recallAfterLoad: round(recallAtK(child.labels, truth, options.queries, K), 4), load: round(load, 2),
      };
      rows.push(row);
      options.onRow?.(row);
    }
    return rows;
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a table. */
export function formatLarge(rows: readonly LargeRow[]): string {
  const gib = (b: number) => (b / 2 ** 30).toFixed(2);
  const lines = ['shards  build s  recall@10  QPS (T threads)  QPS (1)  file GiB  save s  load s  peak RSS GiB (load)  SIMD  identical'];
  for (const r of rows) {
    lines.push(`${String(r.shards).padStart(6)}  ${String(r.buildS).padStart(7)}  ${String(r.recall).padStart(9)}  ${String(r.qps).padStart(15)}  `
      + `${String(r.qps1).padStart(7)}  ${gib(r.fileBytes).padStart(8)}  ${String(r.saveS).padStart(6)}  ${String(r.loadS).padStart(6)}  `
      + `${gib(r.peakRssBytes).padStart(19)}  ${r.simdOnEveryShard ? 'yes ' : 'NO  '}  ${r.identicalAfterLoad ? 'yes' : 'NO'}`);
  }
  return lines.join('\n');
}
