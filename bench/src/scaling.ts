// `pnpm bench scaling`: smallworld's build time against the number of threads
// (1..N, fixed n) and against n (fixed threads), with recall@10 of each
// graph so speed is never bought with quality; plots of both.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HnswIndex, SmallworldError, writeFileAtomicSync } from '@smallworld/hnsw';
import { ProgressBar } from '@smallworld/datasets';
import { exactNeighbours, loadBenchData, type DataName } from './data.js';
import { bytesPerVectorText, indexBytesPerVector, loadHnswlibNode, quantizationOptions, type BytesPerVector } from './peers.js';
import { scalingSpec, writePlot, type PlotFiles, type ScalingPoint } from './plot.js';
import { machineInfo, type MachineInfo } from './sweep.js';
import { buildInChunks, cpuSecondsSince, log, median, recallAtK, round, timeSeconds, timeSecondsAsync } from './stats.js';

/** Options of `runScaling`. */
export interface ScalingOptions {
  data: DataName;
  dim: number;
  /** n of the threads series. */
  n: number;
  /** Highest thread count of the threads series (1..maxThreads); also the threads of the n series. */
  maxThreads: number;
  /** The n values of the n series. */
  sizes: number[];
  m: number;
  efConstruction: number;
  /** efSearch at which each graph's recall@10 is measured. */
  efSearch: number;
  queries: number;
  /** Also time hnswlib-node (one thread) at each n. */
  compare: boolean;
  /** smallworld's vector storage: 'int8' builds int8 codes with re-ranking. */
  quantization: 'none' | 'int8';
  out: string;
  onRow?: (row: ScalingRow) => void;
}

/** One build: the JSON line of `--json`. */
export interface ScalingRow {
  series: 'threads' | 'n';
  lib: string;
  n: number;
  threads: number;
  buildS: number;
  /** Build time of 1 thread / this build, same n (threads series only). */
  speedup?: number;
  recall: number;
  /**
   * CPU seconds the process spent during the build (all threads). On an idle
   * machine about buildS x threads; much less means other processes had the cores.
   */
  cpuS: number;
  /** Threads series: queries per second of `searchBatch` (one thread) and of `searchBatchParallel` with `threads` workers. */
  qps?: number;
  qpsParallel?: number;
  /** smallworld: bytes per vector of the index, vectors alone and with the graph. */
  bytesPerVector?: BytesPerVector;
}

/** The contents of scaling.json. */
export interface ScalingResults {
  data: { name: string; dim: number; queries: number };
  parameters: { m: number; efConstruction: number; efSearch: number; quantization: 'none' | 'int8' };
  machine: MachineInfo;
  rows: ScalingRow[];
  plots: PlotFiles[];
}

async function buildOnce(base: Float32Array, dim: number, threads: number, options: ScalingOptions, label: string): Promise<{ index: HnswIndex; seconds: number; cpuS: number }> {
  const n = base.length / dim;
  const index = new HnswIndex({
    space: 'l2', dim, m: options.m, efConstruction: options.efConstruction, capacity: n, ...quantizationOptions(options.quantization),
  });
  const { seconds, cpuS } = await buildInChunks(index, base, threads, Math.max(5_000, Math.ceil(n / 20)), label);
  return { index, seconds, cpuS: round(cpuS, 3) };
}

/** Median QPS over 3 passes of `searchBatch` and of `searchBatchParallel` (after one warm-up pass of each). */
async function searchSpeed(index: HnswIndex, queries: Float32Array, threads: number, efSearch: number): Promise<{ qps: number; qpsParallel: number }> {
  const nq = queries.length / index.dim;
  index.searchBatch(queries, 10, { efSearch });
  await index.searchBatchParallel(queries, 10, { efSearch, threads });
  const sequential: number[] = [];
  const parallel: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    sequential.push(timeSeconds(() => index.searchBatch(queries, 10, { efSearch })));
    parallel.push(await timeSecondsAsync(() => index.searchBatchParallel(queries, 10, { efSearch, threads })));
  }
  return { qps: round(nq / median(sequential), 1), qpsParallel: round(nq / median(parallel), 1) };
}

/** Runs both series; writes scaling.json and the plots into `options.out`. */
export async function runScaling(options: ScalingOptions): Promise<ScalingResults> {
  mkdirSync(options.out, { recursive: true });
  const largest = Math.max(options.n, ...options.sizes);
  const all = await loadBenchData(options.data, largest, options.dim, options.queries, 10);
  const dim = all.dim;
  const rows: ScalingRow[] = [];
  const push = (row: ScalingRow) => {
    rows.push(row);
    log(`  ${row.series} series: ${row.lib}, n ${row.n}, ${row.threads} thread(s): ${row.buildS} s${row.speedup ? ` (${row.speedup}x)` : ''}, recall@10 ${row.recall}` +
      `, CPU ${row.cpuS} s` + (row.qps ? `, ${Math.round(row.qps)} QPS one thread, ${Math.round(row.qpsParallel!)} QPS on ${row.threads} worker(s)` : ''));
    options.onRow?.(row);
  };
  // Every n uses a prefix of the largest base set and the same queries.
  const truthFor = async (n: number) => (n === largest ? all.truth : exactNeighbours(all.base.subarray(0, n * all.dim), all.queries, all.dim, 10));
  const recallOf = (index: HnswIndex, truth: Float64Array) =>
    round(recallAtK(index.searchBatch(all.queries, 10, { efSearch: options.efSearch }).labels, truth, options.queries, 10), 4);

  const base = all.base.subarray(0, options.n * dim);
  // Untimed warm-up: JIT tiers and the worker pool start before the first timed build.
  log('warm-up builds (not timed) ...');
  const warm = all.base.subarray(0, Math.min(options.n, 5_000) * dim);
  let last: HnswIndex | null = null;
  for (const threads of new Set([1, options.maxThreads])) last = (await buildOnce(warm, dim, threads, options, `warm-up ${threads} thread(s)`)).index;

  log(`threads series: n ${options.n}, threads 1..${options.maxThreads}`);
  const truthN = await truthFor(options.n);
  let single = 0;
  for (let threads = 1; threads <= options.maxThreads; threads++) {
    const { index, seconds, cpuS } = await buildOnce(base, dim, threads, options, `build ${threads} thread(s)`);
    if (threads === 1) single = seconds;
    const { qps, qpsParallel } = await searchSpeed(index, all.queries, threads, options.efSearch);
    push({
      series: 'threads', lib: 'smallworld', n: options.n, threads, buildS: round(seconds, 3), speedup: round(single / seconds, 2),
      recall: recallOf(index, truthN), cpuS, qps, qpsParallel, bytesPerVector: indexBytesPerVector(index),
    });
    last = index;
  }

  log(`n series: n ${options.sizes.join(', ')}, ${options.maxThreads} thread(s)${options.compare ? ', and hnswlib-node on 1 thread' : ''}`);
  const peer = options.compare ? await loadHnswlibNode() : null;
  if (options.compare && peer === null) throw new SmallworldError('UNSUPPORTED', '--compare hnswlib-node: hnswlib-node is not installed');
  for (const n of options.sizes) {
    const subset = all.base.subarray(0, n * dim);
    const truth = await truthFor(n);
    const { index, seconds, cpuS } = await buildOnce(subset, dim, options.maxThreads, options, `build n=${n}`);
    push({
      series: 'n', lib: 'smallworld', n, threads: options.maxThreads, buildS: round(seconds, 3), recall: recallOf(index, truth), cpuS,
      bytesPerVector: indexBytesPerVector(index),
    });
    last = index;
    if (peer !== null) {
      const bar = new ProgressBar({ label: `build hnswlib-node n=${n}`, unit: 'vectors' });
      const cpu = process.cpuUsage();
      const peerSeconds = await timeSecondsAsync(async () => {
        await peer.build(subset, dim, { m: options.m, efConstruction: options.efConstruction, space: 'l2', onProgress: (d, t) => bar.update(d, t) });
      });
      bar.finish();
      const out = new Float64Array(options.queries * 10);
      peer.searchAll(all.queries, 10, options.efSearch, out);
      const cpuS = round(cpuSecondsSince(cpu), 3);
      push({ series: 'n', lib: 'hnswlib-node', n, threads: 1, buildS: round(peerSeconds, 3), recall: round(recallAtK(out, truth, options.queries, 10), 4), cpuS });
    }
  }

  // The worker pool is shared by every index: closing one stops it, so the process can exit.
  await last?.close();

  const title = `${all.name} ${dim}-D, M=${options.m}, efC=${options.efConstruction}`;
  const threadPoints: ScalingPoint[] = rows.filter((r) => r.series === 'threads').map((r) => ({ series: `smallworld, n=${r.n}`, x: r.threads, seconds: r.buildS }));
  const sizePoints: ScalingPoint[] = rows.filter((r) => r.series === 'n').map((r) => ({ series: `${r.lib}, ${r.threads} thread(s)`, x: r.n, seconds: r.buildS }));
  const plots = [
    await writePlot(scalingSpec(threadPoints, `build time vs threads (${title})`, 'threads', false), join(options.out, 'scaling-threads')),
    await writePlot(scalingSpec(sizePoints, `build time vs n (${title})`, 'n (vectors)', true), join(options.out, 'scaling-n')),
  ];
  const results: ScalingResults = {
    data: { name: all.name, dim, queries: options.queries },
    parameters: { m: options.m, efConstruction: options.efConstruction, efSearch: options.efSearch, quantization: options.quantization },
    machine: machineInfo(), rows, plots,
  };
  writeFileAtomicSync(join(options.out, 'scaling.json'), new TextEncoder().encode(JSON.stringify(results, null, 2) + '\n'));
  return results;
}

/** A Markdown table of the scaling runs. */
export function formatScaling(results: ScalingResults): string {
  const lines = [
    '| series | library | n | threads | build (s) | CPU (s) | build speedup vs 1 thread | recall@10 | QPS searchBatch | QPS searchBatchParallel | bytes per vector (vectors / + graph) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results.rows) {
    const bytes = r.bytesPerVector ? bytesPerVectorText(r.bytesPerVector) : '';
    lines.push(`| ${r.series} | ${r.lib} | ${r.n} | ${r.threads} | ${r.buildS} | ${r.cpuS} | ${r.speedup ?? ''} | ${r.recall} | ${r.qps ?? ''} | ${r.qpsParallel ?? ''} | ${bytes} |`);
  }
  lines.push('', `plots: ${results.plots.map((p) => `${p.svg}, ${p.png}`).join('; ')}`);
  return lines.join('\n');
}
