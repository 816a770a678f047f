// `pnpm bench params`: how M, efConstruction and efSearch trade recall, speed
// and memory, measured on one data set with this code (docs/parameters.md).

import { BruteForceIndex, HnswIndex } from '@smallworld/hnsw';
import { generateSynthetic } from '@smallworld/datasets';
import { recallQpsSpec, writePlot, type PlotFiles } from './plot.js';
import { log, median, recallAtK, timeSeconds } from './stats.js';

export interface ParamsRow {
  m: number;
  efConstruction: number;
  efSearch: number;
  buildS: number;
  /** Bytes per point: vector row, level-0 links, upper-level links, per-node arrays. */
  bytesPerPoint: number;
  recall: number;
  qps: number;
}

export interface ParamsOptions {
  n: number;
  dim: number;
  queries: number;
  ms: number[];
  efConstructions: number[];
  efSearches: number[];
}

/** Bytes an index holds per point, from its buffers (not the JS heap around them). */
function bytesPerPoint(index: HnswIndex): number {
  const s = index.store;
  const perNode = s.vectors.rowBytes + 4 * s.stride0 + 4 /* upper offset */ + 1 /* level */ + 8 /* label */ + 1 /* deleted */ + 4; /* lock */
  return perNode + (4 * s.upperUsed) / s.count;
}

/**
 * Builds one index per M (at the middle efConstruction) and per
 * efConstruction (at M 16), then measures recall@10 and QPS at every efSearch.
 */
export function runParams(options: ParamsOptions): ParamsRow[] {
  const { n, dim, queries } = options;
  log(`params: ${n} x ${dim} clustered vectors, ${queries} queries, k 10`);
  const set = generateSynthetic({ count: n + queries, dim, seed: 7, generator: 'clustered' });
  const base = set.data.subarray(0, n * dim);
  const query = set.data.subarray(n * dim);
  const exact = new BruteForceIndex({ space: 'l2', dim, capacity: n });
  exact.addBatch(base);
  const truth = exact.searchBatch(query, 10).labels;
  const midEf = options.efConstructions[Math.floor(options.efConstructions.length / 2)];
  const configs = [
    ...options.ms.map((m) => ({ m, efConstruction: midEf })),
    ...options.efConstructions.filter((ef) => ef !== midEf).map((efConstruction) => ({ m: 16, efConstruction })),
  ];
  const rows: ParamsRow[] = [];
  for (const { m, efConstruction } of configs) {
    const index = new HnswIndex({ space: 'l2', dim, m, efConstruction, capacity: n });
    const buildS = timeSeconds(() => index.addBatch(base));
    index.searchBatch(query, 10, { efSearch: options.efSearches[0] });
    for (const efSearch of options.efSearches) {
      let labels!: Float64Array;
      const times = [0, 1, 2, 3, 4].map(() => timeSeconds(() => { labels = index.searchBatch(query, 10, { efSearch }).labels; }));
      rows.push({ m, efConstruction, efSearch, buildS, bytesPerPoint: bytesPerPoint(index), recall: recallAtK(labels, truth, queries, 10), qps: queries / median(times) });
    }
    log(`  M ${m}, efConstruction ${efConstruction}: build ${buildS.toFixed(2)} s`);
  }
  return rows;
}

/** Markdown tables of `rows`: one block for M, one for efConstruction. */
export function formatParams(rows: ParamsRow[]): string {
  const lines: string[] = [];
  const header = '| M | efConstruction | build s | bytes/point | ' + [...new Set(rows.map((r) => r.efSearch))].map((ef) => `ef ${ef}: recall / QPS`).join(' | ') + ' |';
  lines.push(header, header.replace(/[^|]+/g, ' --- '));
  const keys = [...new Set(rows.map((r) => `${r.m}/${r.efConstruction}`))];
  for (const key of keys) {
    const group = rows.filter((r) => `${r.m}/${r.efConstruction}` === key);
    const g = group[0];
    lines.push(`| ${g.m} | ${g.efConstruction} | ${g.buildS.toFixed(2)} | ${Math.round(g.bytesPerPoint)} | ` +
      group.map((r) => `${r.recall.toFixed(3)} / ${Math.round(r.qps)}`).join(' | ') + ' |');
  }
  return lines.join('\n');
}

/**
 * Writes two recall/QPS plots under `dir`: one line per M
 * (`params-m.svg/.png`) and one per efConstruction (`params-ef-construction.svg/.png`).
 */
export async function plotParams(rows: ParamsRow[], dir: string, midEf: number): Promise<PlotFiles[]> {
  const byM = rows.filter((r) => r.efConstruction === midEf)
    .map((r) => ({ lib: `M ${String(r.m).padStart(2)}`, efSearch: r.efSearch, recall: r.recall, qps: r.qps }));
  const byEf = rows.filter((r) => r.m === 16)
    .map((r) => ({ lib: `efConstruction ${String(r.efConstruction).padStart(3)}`, efSearch: r.efSearch, recall: r.recall, qps: r.qps }));
  return [
    await writePlot(recallQpsSpec(byM, `recall vs QPS by M (efConstruction ${midEf})`, 10), `${dir}/params-m`),
    await writePlot(recallQpsSpec(byEf, 'recall vs QPS by efConstruction (M 16)', 10), `${dir}/params-ef-construction`),
  ];
}
