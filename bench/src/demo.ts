// `pnpm demo`: the main job at a size that runs in a minute: build an index
// over generated vectors, query it, check recall against brute force, and
// print a summary.

import { BruteForceIndex, HnswIndex } from '@smallworld/hnsw';
import { generateSynthetic } from '@smallworld/datasets';
import { log, recallAtK, timeSeconds } from './stats.js';

export interface DemoOptions {
  n: number;
  dim: number;
  queries: number;
  json: boolean;
}

export function runDemo({ n, dim, queries, json }: DemoOptions): Record<string, number | string> {
  log(`generating ${n} + ${queries} vectors of dim ${dim} (clustered, seed 7) ...`);
  const set = generateSynthetic({ count: n + queries, dim, seed: 7, generator: 'clustered' });
  const base = set.data.subarray(0, n * dim);
  const query = set.data.subarray(n * dim);
  const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 100, capacity: n });
  log('building the HNSW index (M 16, efConstruction 100, one thread) ...');
  const buildS = timeSeconds(() => index.addBatch(base));
  const exact = new BruteForceIndex({ space: 'l2', dim, capacity: n });
  exact.addBatch(base);
  let truth!: Float64Array;
  const bruteS = timeSeconds(() => { truth = exact.searchBatch(query, 10).labels; });
  let found!: Float64Array;
  const queryS = timeSeconds(() => { found = index.searchBatch(query, 10, { efSearch: 64 }).labels; });
  const summary = {
    n, dim, kernel: index.kernel, buildS: +buildS.toFixed(3),
    queryMs: +((queryS / queries) * 1000).toFixed(4), bruteForceMs: +((bruteS / queries) * 1000).toFixed(3),
    speedup: +(bruteS / queryS).toFixed(1), recall: +recallAtK(found, truth, queries, 10).toFixed(4), efSearch: 64,
  };
  if (!json) {
    console.log(`smallworld demo: ${n} x ${dim} clustered vectors, ${summary.kernel} kernel`);
    console.log(`  build       ${summary.buildS} s (M 16, efConstruction 100, one thread)`);
    console.log(`  query       ${summary.queryMs} ms per query (k 10, efSearch 64)`);
    console.log(`  brute force ${summary.bruteForceMs} ms per query (${summary.speedup}x slower)`);
    console.log(`  recall@10   ${summary.recall}`);
  }
  return summary;
}
