// The seed article's NMSLIB script, ported to smallworld's nmslib-style
// facade: a face descriptor hidden among random 128-D vectors drawn from
// N(-0.35, 0.48), found again by HNSW and checked against brute force.
// The article used a million points; N (argument or env) scales it up.
// Run: pnpm --filter @smallworld/examples exec tsx nmslib-port.ts [N]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '@smallworld/datasets';
import { nmslib } from '@smallworld/hnsw';
import { check } from './shared.js';

const n = Number(process.argv[2] ?? process.env.N ?? 10_000);
const dim = 128;
const threads = 2;

const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(3);

// The article's data: random vectors standing in for a million faces, and
// one real face descriptor hidden among them at a known position.
// N(-0.35, 0.48) per coordinate: the datasets generator's 'normal' set, seeded.
const data = generateSynthetic({ count: n, dim, seed: 2018, mean: -0.35, sd: 0.48 }).data;
const targetId = Math.floor(n / 3);
const target = data.slice(targetId * dim, (targetId + 1) * dim);
// Another photo of the same face: the descriptor moves a little.
const jitter = generateSynthetic({ count: 2, dim, seed: 7, mean: 0, sd: 0.01 }).data;
const query = target.map((x, i) => x + jitter[i]);

// index = nmslib.init(method='hnsw', space='l2')
let t = performance.now();
const index = nmslib.init({ method: 'hnsw', space: 'l2', dim });
console.log(`init: ${seconds(t)} s`);

// index.addDataPointBatch(data)
t = performance.now();
index.addDataPointBatch(data);
console.log(`addDataPointBatch: ${n} points in ${seconds(t)} s`);

// index.createIndex({'M': 15, 'efConstruction': 100, 'indexThreadQty': 4})
t = performance.now();
await index.createIndex({ M: 15, efConstruction: 100, indexThreadQty: threads });
console.log(`createIndex (M 15, efConstruction 100, ${threads} threads): ${seconds(t)} s`);

// index.setQueryTimeParams({'efSearch': ...})
index.setQueryTimeParams({ efSearch: 100 });

// ids, distances = index.knnQuery(target, k=3)
// The build ran on worker threads, so this thread's search code is still
// cold: one query first, so the timing shows a query, not the JIT compiler.
index.knnQuery(data.subarray(0, dim), 3);
t = performance.now();
const [ids, distances] = index.knnQuery(query, 3);
const queryMs = performance.now() - t;
console.log(`knnQuery k=3: ids ${Array.from(ids).join(', ')}, distances ${Array.from(distances, (d) => d.toFixed(3)).join(', ')} `
  + `in ${queryMs.toFixed(2)} ms`);
check(ids[0] === targetId, `the hidden face (id ${targetId}) is not the nearest (got ${ids[0]})`);

// The article's brute force: every distance, then the 3 smallest.
t = performance.now();
const all = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += (data[i * dim + d] - query[d]) ** 2;
  all[i] = Math.sqrt(sum);   // nmslib's 'l2' is the Euclidean distance, not squared
}
const order = Array.from(all.keys()).sort((a, b) => all[a] - all[b]).slice(0, 3);
const bruteMs = performance.now() - t;
console.log(`brute force: ids ${order.join(', ')} in ${bruteMs.toFixed(1)} ms (${(bruteMs / queryMs).toFixed(0)}x the HNSW query)`);
check(ids[0] === order[0] && Math.abs(distances[0] - all[order[0]]) < 1e-3,
  `HNSW nearest ${ids[0]} at ${distances[0]}, brute force ${order[0]} at ${all[order[0]]}`);
// The others are ordinary random points: HNSW is approximate (and a
// parallel build is not reproducible), so they may differ, but never beat exact search.
for (let i = 1; i < 3; i++) check(distances[i] >= all[order[i]] - 1e-3, `rank ${i}: distance ${distances[i]} beats exact search`);

// knnQueryBatch on worker threads: one [ids, distances] pair per query.
const again = target.map((x, i) => x + jitter[dim + i]);   // a third photo of the same face
const batch = await index.knnQueryBatch([query, again], 3, threads);
check(batch.length === 2, `knnQueryBatch returned ${batch.length} answers for 2 queries`);
check(batch[0][0][0] === targetId && batch[1][0][0] === targetId, 'knnQueryBatch does not find the hidden face');
check(batch[0][1][0] === distances[0], 'knnQueryBatch and knnQuery give different distances');
console.log(`knnQueryBatch: nearest ${batch.map(([found]) => found[0]).join(', ')}`);

const folder = await mkdtemp(join(tmpdir(), 'smallworld-nmslib-'));
try {
  // index.saveIndex('index.bin', save_data=True)
  const path = join(folder, 'index.bin');
  t = performance.now();
  await index.saveIndex(path, true);
  console.log(`saveIndex: ${seconds(t)} s`);

  // new_index = nmslib.init(method='hnsw', space='l2'); new_index.loadIndex('index.bin', load_data=True)
  t = performance.now();
  const loaded = nmslib.init({ method: 'hnsw', space: 'l2' });
  await loaded.loadIndex(path, true);
  console.log(`loadIndex: ${seconds(t)} s, ${loaded.size} points`);
  loaded.setQueryTimeParams({ efSearch: 100 });
  const [loadedIds, loadedDistances] = loaded.knnQuery(query, 3);
  check(loaded.size === n, `the loaded index holds ${loaded.size} points, expected ${n}`);
  check(loadedIds.every((id, i) => id === ids[i]) && loadedDistances.every((d, i) => d === distances[i]),
    'the loaded index answers differently from the saved one');

  // save_data=False: the file holds the graph only; the caller keeps the
  // vectors and adds them again, in the same order, before loading.
  const graphPath = join(folder, 'graph-only.bin');
  await index.saveIndex(graphPath, false);
  const graphOnly = nmslib.init({ method: 'hnsw', space: 'l2', dim });
  graphOnly.addDataPointBatch(data);
  await graphOnly.loadIndex(graphPath, false);
  check(graphOnly.knnQuery(query, 1)[0][0] === targetId, 'the graph-only file, loaded with its vectors, lost the hidden face');
  console.log('saveIndex(path, false) + loadIndex(path, false): ok');
} finally {
  await rm(folder, { recursive: true, force: true });
}
await index.close();
console.log('nmslib-port: ok');
