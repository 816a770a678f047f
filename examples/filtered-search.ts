// Filtered search and deletes: restrict a query to labels that pass a
// predicate or belong to an allow-list, and remove points from the results.
// Run: pnpm --filter @smallworld/examples exec tsx filtered-search.ts

import { BruteForceIndex, HnswIndex } from '@smallworld/hnsw';
import { check, makeVectors } from './shared.js';

const dim = 16;
const data = makeVectors(4_050, dim, 7);
const vectors = data.subarray(0, 4_000 * dim);
const queries = data.subarray(4_000 * dim);
const k = 10;

// Labels are the caller's keys (non-negative safe integers): here product
// ids 1000, 1001, ... so a label can be looked up in the caller's records.
const labels = Float64Array.from({ length: 4_000 }, (_, i) => 1_000 + i);
const index = new HnswIndex({ space: 'cosine', dim, efConstruction: 100 });
index.addBatch(vectors, { labels });
const exact = new BruteForceIndex({ space: 'cosine', dim });
exact.addBatch(vectors, { labels });

/** How many of the exact k nearest (under the same filter) the index found. */
function overlap(found: Float64Array, expected: Float64Array): number {
  const truth = new Set(expected);
  let hits = 0;
  for (const label of found) if (truth.has(label)) hits++;
  return hits;
}

// 1. A predicate: only even labels (say, the products in stock). The graph
// search walks through rejected points but never returns them.
const inStock = (label: number): boolean => label % 2 === 0;
const predicate = index.searchBatch(queries, k, { filter: inStock, efSearch: 100 });
const predicateTruth = exact.searchBatch(queries, k, { filter: inStock });
let hits = 0;
for (let q = 0; q < predicate.length; q++) {
  const found = predicate.get(q).labels;
  check(found.length === k, `query ${q}: ${found.length} results with the predicate, expected ${k}`);
  for (const label of found) check(inStock(label), `label ${label} fails the predicate`);
  hits += overlap(found, predicateTruth.get(q).labels);
}
const predicateRecall = hits / (predicate.length * k);
console.log(`predicate filter (half the labels): recall@${k} ${predicateRecall.toFixed(3)}`);
check(predicateRecall >= 0.9, `recall with the predicate ${predicateRecall} is below 0.9`);

// 2. An allow-list: an array, typed array or Set of labels. A small one
// (<= 2% of the points, EXACT_FILTER_FRACTION) is scanned exactly, so the
// result is the true nearest among the allowed labels.
const allowed = new Set<number>();
for (let label = 1_000; label < 5_000; label += 97) allowed.add(label);   // 42 labels, ~1%
const listed = index.search(queries.subarray(0, dim), 5, { filter: allowed });
const listedTruth = exact.search(queries.subarray(0, dim), 5, { filter: allowed });
console.log(`allow-list of ${allowed.size} labels: nearest`, Array.from(listed.labels));
check(listed.labels.length === 5, `allow-list search returned ${listed.labels.length} results, expected 5`);
for (const label of listed.labels) check(allowed.has(label), `label ${label} is not in the allow-list`);
check(overlap(listed.labels, listedTruth.labels) === 5, 'a small allow-list must give the exact result');

// 3. Deletes: a deleted point stays in the graph as a waypoint (so the
// graph stays navigable) but is never returned; unmarkDeleted restores it.
const query = queries.subarray(dim, 2 * dim);
const before = index.search(query, k).labels;
const removed = [before[0], before[1], before[2]];
for (const label of removed) index.markDeleted(label);
console.log(`deleted ${removed.join(', ')}: size ${index.size}, deletedCount ${index.deletedCount}`);
check(index.deletedCount === 3 && index.size === 3_997, 'size and deletedCount do not reflect the deletes');
check(index.isDeleted(removed[0]) && !index.has(removed[0]), 'a deleted label still counts as present');
const after = index.search(query, k).labels;
for (const label of removed) check(!after.includes(label), `deleted label ${label} was returned`);
check(after[0] === before[3], `after deleting the 3 nearest, the 4th (${before[3]}) should come first (got ${after[0]})`);
index.unmarkDeleted(removed[0]);
check(index.search(query, 1).labels[0] === removed[0], 'an undeleted label is not found again');
console.log('filtered-search: ok');
