// `pnpm bench churn`: cycles of deleting a fraction of the points at random and
// inserting as many new ones, three ways (soft delete reusing slots, remove,
// soft delete with compact every few cycles), each against a fresh build of
// the same live set: recall@10, QPS, index memory and file size per cycle.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Xoshiro128, generateSynthetic } from '@smallworld/datasets';
import { BruteForceIndex, HnswIndex, NATIVE_HEADER_BYTES, crc32, writeFileAtomicSync } from '@smallworld/hnsw';
import { DATA_SEED } from './data.js';
import { churnSpec, writePlot, type ChurnPoint, type PlotFiles } from './plot.js';
import { machineInfo, type MachineInfo } from './sweep.js';
import { log, recallAtK, round, timeSeconds, timeSecondsAsync } from './stats.js';

/** The three ways of churning an index. */
export const CHURN_MODES = ['replace', 'remove', 'compact'] as const;
export type ChurnMode = (typeof CHURN_MODES)[number];

/** Options of `runChurn`. */
export interface ChurnOptions {
  n: number;
  dim: number;
  cycles: number;
  /** Fraction of the live points deleted (and as many inserted) per cycle. */
  fraction: number;
  /** The compact mode compacts after every `compactEvery`-th cycle. */
  compactEvery: number;
  /** A fresh build of the live points after cycle 0, every `freshEvery`-th cycle and the last. */
  freshEvery: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  queries: number;
  threads: number;
  out: string;
  onRow?: (row: ChurnRow) => void;
}

/** One mode after one cycle: the JSON line of `--json`. */
export interface ChurnRow {
  cycle: number;
  mode: ChurnMode;
  /** recall@10 at `efSearch` against the exact neighbours among the live points. */
  recall: number;
  /** The same for a fresh build of the live points (the latest: after cycle `freshCycle`). */
  freshRecall: number;
  /** The cycle whose live points the fresh figures are of (see `freshEvery`). */
  freshCycle: number;
  /** Queries per second of `searchBatch` (one thread). */
  qps: number;
  freshQps: number;
  /** Bytes of the index's buffers (vector memory, links, labels: what it holds whether used or not). */
  memoryBytes: number;
  freshMemoryBytes: number;
  /** Bytes of `toBytes()` (the native file). */
  fileBytes: number;
  freshFileBytes: number;
  /** Seconds of this cycle's deletes and inserts (and compaction, in the compact mode). */
  churnS: number;
  /** Seconds of `compact()` when the compact mode compacted this cycle. */
  compactS?: number;
}

/** compact() on n points with `fraction` of them soft-deleted, beside the build of those n points. */
export interface CompactTiming {
  n: number;
  deleted: number;
  compactS: number;
  /** The initial build of the n points (`addBatchParallel` on `threads`). */
  freshBuildS: number;
  threads: number;
  /** compactS / freshBuildS. */
  ratio: number;
}

/** The contents of churn.json. */
export interface ChurnResults {
  parameters: Omit<ChurnOptions, 'onRow' | 'out'>;
  machine: MachineInfo;
  compactTiming: CompactTiming;
  rows: ChurnRow[];
  plots: PlotFiles[];
}

/**
 * A copy of `index` with `allowReplaceDeleted` on: its native file with the
 * flag set in the header (byte 20, bit 2) and the header's CRC-32 redone, so
 * the soft-delete mode starts from the same graph without a second build.
 */
function withReplaceDeleted(index: HnswIndex): HnswIndex {
  const bytes = index.toBytes();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(20, view.getUint32(20, true) | 2, true);
  view.setUint32(NATIVE_HEADER_BYTES - 8, crc32(bytes.subarray(0, NATIVE_HEADER_BYTES - 8)), true);
  return HnswIndex.fromBytes(bytes);
}

/** Rows `labels` of `pool` (dim floats each), in order. */
function gather(pool: Float32Array, dim: number, labels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(labels.length * dim);
  for (let i = 0; i < labels.length; i++) out.set(pool.subarray(labels[i] * dim, (labels[i] + 1) * dim), i * dim);
  return out;
}

/** Runs the cycles; writes churn.json and the plots into `options.out`. */
export async function runChurn(options: ChurnOptions): Promise<ChurnResults> {
  mkdirSync(options.out, { recursive: true });
  const { n, dim, cycles, threads } = options;
  const perCycle = Math.max(1, Math.round(n * options.fraction));
  const total = n + cycles * perCycle;
  log(`churn: ${n} x ${dim} clustered, ${cycles} cycles of ${perCycle} deletes and inserts, modes ${CHURN_MODES.join(', ')}`);
  const set = generateSynthetic({ count: total + options.queries, dim, seed: DATA_SEED, generator: 'clustered' });
  const pool = set.data.subarray(0, total * dim);
  const queries = set.data.subarray(total * dim);
  const params = { space: 'l2' as const, dim, m: options.m, efConstruction: options.efConstruction, efSearch: options.efSearch };

  const build = async (labels: Float64Array): Promise<{ index: HnswIndex; seconds: number }> => {
    const index = new HnswIndex({ ...params, capacity: labels.length });
    const data = gather(pool, dim, labels);
    const start = performance.now();
    await index.addBatchParallel(data, { labels, threads });
    return { index, seconds: (performance.now() - start) / 1000 };
  };
  const measure = (index: HnswIndex, truth: Float64Array) => {
    let found!: Float64Array;
    const seconds = timeSeconds(() => { found = index.searchBatch(queries, 10).labels; });
    return {
      recall: round(recallAtK(found, truth, options.queries, 10), 4), qps: round(options.queries / seconds, 1),
      memoryBytes: index.memoryBytes, fileBytes: index.toBytes().byteLength,
    };
  };
  const exactTruth = (labels: Float64Array): Float64Array => {
    const exact = new BruteForceIndex({ space: 'l2', dim, capacity: labels.length });
    exact.addBatch(gather(pool, dim, labels), { labels });
    return exact.searchBatch(queries, 10).labels;
  };

  let live = Float64Array.from({ length: n }, (_, i) => i);
  log('initial build ...');
  const first = await build(live);
  const indexes: Record<ChurnMode, HnswIndex> = {
    replace: withReplaceDeleted(first.index),
    remove: first.index,
    compact: HnswIndex.fromBytes(first.index.toBytes()),
  };

  // The target: compact() on n points with `fraction` of them deleted, against the build of the n.
  const random = new Xoshiro128(DATA_SEED + 1);
  const pick = (from: Float64Array, count: number): { gone: Float64Array; kept: Float64Array } => {
    const a = from.slice();
    for (let i = 0; i < count; i++) {
      const j = i + random.nextBelow(a.length - i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return { gone: a.slice(0, count), kept: a.slice(count).sort() };
  };
  const probe = HnswIndex.fromBytes(first.index.toBytes());
  for (const label of pick(live, perCycle).gone) probe.markDeleted(label);
  const compactS = await timeSecondsAsync(() => probe.compactParallel({ threads }));
  const compactTiming: CompactTiming = {
    n, deleted: perCycle, compactS: round(compactS, 3), freshBuildS: round(first.seconds, 3), threads,
    ratio: round(compactS / first.seconds, 3),
  };
  log(`compact() of ${n} with ${perCycle} deleted: ${compactTiming.compactS} s; the build of the ${n} on ${threads} thread(s): ${compactTiming.freshBuildS} s (ratio ${compactTiming.ratio})`);

  const rows: ChurnRow[] = [];
  let fresh: ({ cycle: number } & ReturnType<typeof measure>) | undefined;
  let results: ChurnResults | undefined;
  let next = n;
  for (let cycle = 0; cycle <= cycles; cycle++) {
    const churnS: Record<ChurnMode, number> = { replace: 0, remove: 0, compact: 0 };
    let compacted: number | undefined;
    if (cycle > 0) {
      const { gone, kept } = pick(live, perCycle);
      const added = Float64Array.from({ length: perCycle }, (_, i) => next + i);
      next += perCycle;
      const data = gather(pool, dim, added);
      for (const mode of CHURN_MODES) {
        const index = indexes[mode];
        const start = performance.now();
        if (mode === 'remove') index.removeBatch(gone);
        else for (const label of gone) index.markDeleted(label);
        await index.addBatchParallel(data, { labels: added, threads });
        if (mode === 'compact' && cycle % options.compactEvery === 0) compacted = await timeSecondsAsync(() => index.compactParallel({ threads }));
        churnS[mode] = (performance.now() - start) / 1000;
      }
      live = Float64Array.from([...kept, ...added]);
    }
    const truth = exactTruth(live);
    if (cycle === 0 || cycle % options.freshEvery === 0 || cycle === cycles) {
      fresh = { cycle, ...measure(cycle === 0 ? first.index : (await build(live)).index, truth) };
    }
    const f = fresh!;
    for (const mode of CHURN_MODES) {
      const index = indexes[mode];
      const m = measure(index, truth);
      const row: ChurnRow = {
        cycle, mode, recall: m.recall, freshRecall: f.recall, freshCycle: f.cycle, qps: m.qps, freshQps: f.qps,
        memoryBytes: m.memoryBytes, freshMemoryBytes: f.memoryBytes, fileBytes: m.fileBytes, freshFileBytes: f.fileBytes,
        churnS: round(churnS[mode], 3), ...(mode === 'compact' && compacted !== undefined ? { compactS: round(compacted, 3) } : {}),
      };
      rows.push(row);
      log(`  cycle ${cycle} ${mode}: recall ${row.recall} (fresh ${row.freshRecall}), file ${(row.fileBytes / 1e6).toFixed(1)} MB (fresh ${(row.freshFileBytes / 1e6).toFixed(1)}), memory ${(row.memoryBytes / 1e6).toFixed(1)} MB (fresh ${(row.freshMemoryBytes / 1e6).toFixed(1)}), ${Math.round(row.qps)} QPS, churn ${row.churnS} s`);
      options.onRow?.(row);
    }
    if (f.cycle === cycle) results = await writeResults(options, compactTiming, rows);
  }
  await indexes.remove.close();
  return results!;
}

/** Writes churn.json and the three plots of the rows so far (after every fresh build, so a long run leaves results as it goes). */
async function writeResults(options: ChurnOptions, compactTiming: CompactTiming, rows: ChurnRow[]): Promise<ChurnResults> {
  const { n, dim } = options;
  const title = `${n} x ${dim} clustered, ${Math.round(options.fraction * 100)}% churn per cycle, M=${options.m}, efC=${options.efConstruction}, ef=${options.efSearch}`;
  const points = (field: 'recall' | 'fileBytes' | 'memoryBytes'): ChurnPoint[] => {
    const freshField = field === 'recall' ? 'freshRecall' : field === 'fileBytes' ? 'freshFileBytes' : 'freshMemoryBytes';
    const scale = (v: number) => (field === 'recall' ? v : v / 1e6);
    const out: ChurnPoint[] = rows.map((r) => ({ series: r.mode, cycle: r.cycle, value: scale(r[field]) }));
    for (const r of rows.filter((row) => row.mode === 'remove' && row.freshCycle === row.cycle)) {
      out.push({ series: 'fresh build', cycle: r.cycle, value: scale(r[freshField]) });
    }
    return out;
  };
  const plots = [
    await writePlot(churnSpec(points('recall'), `recall@10 under churn (${title})`, 'recall@10'), join(options.out, 'churn-recall')),
    await writePlot(churnSpec(points('fileBytes'), `file size under churn (${title})`, 'file size (MB)'), join(options.out, 'churn-file')),
    await writePlot(churnSpec(points('memoryBytes'), `index memory under churn (${title})`, 'index buffers (MB)'), join(options.out, 'churn-memory')),
  ];
  const { onRow: _, out: __, ...parameters } = options;
  const results: ChurnResults = { parameters, machine: machineInfo(), compactTiming, rows, plots };
  writeFileAtomicSync(join(options.out, 'churn.json'), new TextEncoder().encode(JSON.stringify(results, null, 2) + '\n'));
  return results;
}

/** A Markdown table of the last cycle of each mode, and the compact timing. */
export function formatChurn(results: ChurnResults): string {
  const last = Math.max(...results.rows.map((r) => r.cycle));
  const lines = [
    `| mode | cycle | recall@10 | fresh | QPS | fresh QPS | memory (MB) | fresh (MB) | file (MB) | fresh (MB) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  for (const r of results.rows.filter((row) => row.cycle === last)) {
    lines.push(`| ${r.mode} | ${r.cycle} | ${r.recall} | ${r.freshRecall} | ${r.qps} | ${r.freshQps} | ${mb(r.memoryBytes)} | ${mb(r.freshMemoryBytes)} | ${mb(r.fileBytes)} | ${mb(r.freshFileBytes)} |`);
  }
  const t = results.compactTiming;
  lines.push('', `compact() of ${t.n} points with ${t.deleted} deleted: ${t.compactS} s; their build on ${t.threads} thread(s): ${t.freshBuildS} s (ratio ${t.ratio})`);
  lines.push('', `plots: ${results.plots.map((p) => `${p.svg}, ${p.png}`).join('; ')}`);
  return lines.join('\n');
}
