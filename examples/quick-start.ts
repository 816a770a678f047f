// Quick start: build an HNSW index, query it one query at a time and in a
// batch, and measure its recall against exact search (BruteForceIndex).
// Run: pnpm --filter @smallworld/examples exec tsx quick-start.ts

import { BruteForceIndex, HnswIndex } from '@smallworld/hnsw';
import { check, makeVectors } from './shared.js';

const dim = 32;
// 5,100 points around the same centres, flat n x dim: 5,000 to index, 100 as queries.
const data = makeVectors(5_100, dim, 1);
const vectors = data.subarray(0, 5_000 * dim);
const queries = data.subarray(5_000 * dim);

// 'l2' distances are squared Euclidean (as hnswlib). m and efConstruction
// trade build time and memory for graph quality; these are the defaults
// apart from efConstruction (default 200).
const index = new HnswIndex({ space: 'l2', dim, m: 16, efConstruction: 100 });
index.addBatch(vectors);                        // labels 0..4999 by default
console.log(`indexed ${index.size} points (kernel: ${index.kernel})`);

// One query: labels and distances come back as typed arrays, nearest first.
const query = queries.subarray(0, dim);
const { labels, distances } = index.search(query, 5);
console.log('nearest 5 labels:', Array.from(labels));
console.log('their distances:', Array.from(distances, (d) => d.toFixed(3)));
check(labels.length === 5, `search returned ${labels.length} results, expected 5`);
for (let i = 1; i < distances.length; i++) check(distances[i - 1] <= distances[i], 'distances are not sorted');

// The distance reported is the distance to the stored vector.
const nearest = index.getVector(labels[0]);
let squared = 0;
for (let d = 0; d < dim; d++) squared += (nearest[d] - query[d]) ** 2;
check(Math.abs(squared - distances[0]) < 1e-3, `distance ${distances[0]} does not match the vector (${squared})`);

// A batch: one flat result; get(i) gives query i's labels and distances.
const k = 10;
const approximate = index.searchBatch(queries, k, { efSearch: 64 });

// Recall@10: the share of the true 10 nearest that HNSW found.
const exact = new BruteForceIndex({ space: 'l2', dim });
exact.addBatch(vectors);
const truth = exact.searchBatch(queries, k);
let found = 0;
for (let q = 0; q < approximate.length; q++) {
  const expected = new Set(truth.get(q).labels);
  for (const label of approximate.get(q).labels) if (expected.has(label)) found++;
}
const recall = found / (approximate.length * k);
console.log(`recall@${k} at efSearch 64: ${recall.toFixed(3)}`);
check(recall >= 0.95, `recall ${recall} is below 0.95`);
console.log('quick-start: ok');
