// `pnpm bench filter`: filtered search under allow-lists of several sizes:
// latency and recall@k (against an exact filtered brute force) of the
// engine's own choice, of the graph search alone and of the exact scan of
// the allowed points, optionally beside another commit's engine in the same
// process, to place EXACT_FILTER_FRACTION.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BruteForceIndex, EXACT_FILTER_FRACTION, HnswIndex, SmallworldError, type SearchFilter } from '@smallworld/hnsw';
import { generateSynthetic, Xoshiro128 } from '@smallworld/datasets';
import { DATA_SEED } from './data.js';
import { machineInfo, type MachineInfo } from './sweep.js';
import { buildInChunks, log, median, recallAtK, round, timeSeconds } from './stats.js';

/** Options of `runFilter`. */
export interface FilterOptions {
  n: number;
  dim: number;
  queries: number;
  k: number;
  m: number;
  efConstruction: number;
  /** Build threads. */
  threads: number;
  efSearch: number;
  /** Allow-list sizes as fractions of n. */
  fractions: number[];
  rounds: number;
  /** A native index file: loaded when present, else the built index is saved there (the build is the slow part). */
  index?: string;
  /**
   * The `src` folder of another commit's engine (e.g. `git archive` of
   * packages/hnsw/src, with its generated kernel file): its `HnswIndex`
   * loads the same index and is timed in the same rounds, as 'before'.
   */
  baselineSrc?: string;
  onRow?: (row: FilterRow) => void;
}

/**
 * One way of answering a filtered query: 'engine' `search` with the
 * allow-list (the engine picks graph or scan), 'before' the same on the
 * baseline engine, 'graph' the graph search with the same set as a
 * predicate (never the allow-list scan; a scan of every point when it finds
 * fewer than k), 'scan' a BruteForceIndex of the allowed points only (the
 * cost of scanning them, at any fraction).
 */
export type FilterMethod = 'engine' | 'before' | 'graph' | 'scan';

/** One method at one fraction: the JSON line of `--json`. */
export interface FilterRow {
  fraction: number;
  allowed: number;
  method: FilterMethod;
  /** Median over rounds of the mean time of one `search` call (one query), milliseconds. */
  msPerQuery: number;
  recall: number;
}

export interface FilterResults {
  data: { name: 'seed'; n: number; dim: number; queries: number; k: number };
  parameters: { m: number; efConstruction: number; efSearch: number; buildThreads: number; exactFilterFraction: number };
  buildS: number | null;
  machine: MachineInfo;
  rows: FilterRow[];
}

/** The seeded choice of `count` distinct labels out of [0, n), in random order (partial Fisher-Yates). */
function sampleLabels(n: number, count: number, seed: number): Float64Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const random = new Xoshiro128(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const j = i + random.nextBelow(n - i);
    const swap = pool[i];
    pool[i] = pool[j];
    pool[j] = swap;
    out[i] = pool[i];
  }
  return out;
}

interface Searcher {
  search(query: Float32Array, k: number, options?: { efSearch?: number; filter?: SearchFilter }): { labels: Float64Array };
}

/** Runs every query through `search`; returns seconds and the k labels per query (-1 = none). */
function timeQueries(queries: Float32Array, dim: number, k: number, search: (q: Float32Array) => Float64Array): { seconds: number; labels: Float64Array } {
  const count = queries.length / dim;
  const labels = new Float64Array(count * k).fill(-1);
  const seconds = timeSeconds(() => {
    for (let i = 0; i < count; i++) labels.set(search(queries.subarray(i * dim, (i + 1) * dim)), i * k);
  });
  return { seconds, labels };
}

export async function runFilter(o: FilterOptions): Promise<FilterResults> {
  const set = generateSynthetic({ count: o.n + o.queries, dim: o.dim, seed: DATA_SEED, generator: 'normal' });
  const base = set.data.subarray(0, o.n * o.dim);
  const queries = set.data.subarray(o.n * o.dim);

  let index: HnswIndex;
  let buildS: number | null = null;
  if (o.index !== undefined && existsSync(o.index)) {
    log(`loading ${o.index}`);
    index = await HnswIndex.load(o.index);
    if (index.size !== o.n || index.dim !== o.dim) throw new SmallworldError('INVALID_OPTION', `${o.index} holds ${index.size} x ${index.dim}, not ${o.n} x ${o.dim}: remove it or pass another --index`);
  } else {
    index = new HnswIndex({ space: 'l2', dim: o.dim, m: o.m, efConstruction: o.efConstruction, capacity: o.n });
    buildS = (await buildInChunks(index, base, o.threads, 100_000, 'build')).seconds;
    log(`built ${o.n} x ${o.dim} in ${round(buildS, 1)} s`);
    if (o.index !== undefined) await index.save(o.index);
  }

  let before: Searcher | null = null;
  if (o.baselineSrc !== undefined) {
    const engine = await import(pathToFileURL(join(o.baselineSrc, 'index.ts')).href) as { HnswIndex: { fromBytes(bytes: Uint8Array): Searcher } };
    before = engine.HnswIndex.fromBytes(o.index !== undefined ? await readFile(o.index) : index.toBytes());
  }

  const { k, dim, efSearch } = o;
  const rows: FilterRow[] = [];
  for (const fraction of o.fractions) {
    const allowed = Math.max(1, Math.round(fraction * o.n));
    const list = sampleLabels(o.n, allowed, 1000 + allowed);
    const member = new Uint8Array(o.n);
    for (const label of list) member[label] = 1;
    const predicate = (label: number): boolean => member[label] === 1;
    const scan = new BruteForceIndex({ space: 'l2', dim, capacity: allowed });
    const subset = new Float32Array(allowed * dim);
    for (let i = 0; i < allowed; i++) subset.set(base.subarray(list[i] * dim, (list[i] + 1) * dim), i * dim);
    scan.addBatch(subset, { labels: list });
    const truth = scan.searchBatch(queries, k).labels;

    const methods: [FilterMethod, (q: Float32Array) => Float64Array][] = [
      ['engine', (q) => index.search(q, k, { efSearch, filter: list }).labels],
      ['graph', (q) => index.search(q, k, { efSearch, filter: predicate }).labels],
      ['scan', (q) => scan.search(q, k).labels],
    ];
    if (before !== null) {
      const b = before;
      methods.splice(1, 0, ['before', (q) => b.search(q, k, { efSearch, filter: list }).labels]);
    }
    const seconds = new Map<FilterMethod, number[]>(methods.map(([name]) => [name, []]));
    const recall = new Map<FilterMethod, number>();
    // An untimed warm-up pass (JIT, caches), then rounds that interleave the
    // methods, so a change in the machine's load hits them alike.
    for (const [, search] of methods) timeQueries(queries.subarray(0, Math.min(o.queries, 20) * dim), dim, k, search);
    for (let r = 0; r < o.rounds; r++) {
      for (const [name, search] of methods) {
        const run = timeQueries(queries, dim, k, search);
        seconds.get(name)!.push(run.seconds);
        recall.set(name, recallAtK(run.labels, truth, o.queries, k));
      }
    }
    for (const [name] of methods) {
      const row: FilterRow = {
        fraction, allowed, method: name,
        msPerQuery: round(median(seconds.get(name)!) * 1000 / o.queries, 4), recall: round(recall.get(name)!, 4),
      };
      rows.push(row);
      o.onRow?.(row);
    }
    log(`fraction ${fraction}: done`);
  }
  return {
    data: { name: 'seed', n: o.n, dim, queries: o.queries, k },
    parameters: { m: o.m, efConstruction: o.efConstruction, efSearch, buildThreads: o.threads, exactFilterFraction: EXACT_FILTER_FRACTION },
    buildS, machine: machineInfo(), rows,
  };
}

/** A table of the rows: one line per fraction, ms/query and recall per method. */
export function formatFilter(results: FilterResults): string {
  const methods = [...new Set(results.rows.map((r) => r.method))];
  const { data, parameters, machine } = results;
  const lines = [
    `filtered search: ${data.n} x ${data.dim} (seed-like N(-0.35, 0.48)), ${data.queries} queries, k ${data.k}, ` +
      `M ${parameters.m}, efConstruction ${parameters.efConstruction}, efSearch ${parameters.efSearch}, ` +
      `EXACT_FILTER_FRACTION ${parameters.exactFilterFraction}; load ${machine.loadAverage.join(' ')}`,
    ['fraction', 'allowed', ...methods.map((m) => `${m} ms`), ...methods.map((m) => `${m} recall`)].join('\t'),
  ];
  for (const fraction of [...new Set(results.rows.map((r) => r.fraction))]) {
    const at = results.rows.filter((r) => r.fraction === fraction);
    const get = (m: FilterMethod) => at.find((r) => r.method === m)!;
    lines.push([fraction, at[0].allowed, ...methods.map((m) => get(m).msPerQuery), ...methods.map((m) => get(m).recall)].join('\t'));
  }
  return lines.join('\n');
}
