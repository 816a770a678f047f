// The browser example's script: builds a small HNSW index in the page,
// queries it and checks the answers against BruteForceIndex (exact search).

import { BruteForceIndex, HnswIndex } from '@smallworld/hnsw';
import { mulberry32 } from './random.js';

const status = document.getElementById('status');
const output = document.getElementById('result');

function run() {
  const dim = 32;
  const n = 2_000;
  const queryCount = 50;
  const k = 10;
  const random = mulberry32(5);
  const data = Float32Array.from({ length: (n + queryCount) * dim }, () => random());
  const vectors = data.subarray(0, n * dim);
  const queries = data.subarray(n * dim);

  const started = performance.now();
  const index = new HnswIndex({ space: 'l2', dim, efConstruction: 100 });
  index.addBatch(vectors);
  const buildMs = performance.now() - started;

  const exact = new BruteForceIndex({ space: 'l2', dim });
  exact.addBatch(vectors);
  const approximate = index.searchBatch(queries, k, { efSearch: 100 });
  const truth = exact.searchBatch(queries, k);
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const expected = new Set(truth.get(q).labels);
    for (const label of approximate.get(q).labels) if (expected.has(label)) hits++;
  }
  const recall = hits / (queryCount * k);
  const first = index.search(queries.subarray(0, dim), 3);
  const firstExact = exact.search(queries.subarray(0, dim), 3);

  const report = {
    points: index.size,
    kernel: index.kernel,
    sharedMemory: typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true,
    buildMs: Math.round(buildMs),
    recall,
    nearest: Array.from(first.labels),
    exactNearest: Array.from(firstExact.labels),
    distances: Array.from(first.distances, (d) => Number(d.toFixed(4))),
  };
  const ok = report.points === n && recall >= 0.9
    && report.nearest.length === 3 && report.nearest[0] === report.exactNearest[0];
  return { ok, report };
}

try {
  const { ok, report } = run();
  output.textContent = JSON.stringify(report, null, 2);
  status.textContent = ok ? `pass: recall@10 ${report.recall.toFixed(3)}` : 'fail: wrong search result';
  status.dataset.state = ok ? 'pass' : 'fail';
} catch (error) {
  output.textContent = String(error?.stack ?? error);
  status.textContent = `fail: ${error?.message ?? error}`;
  status.dataset.state = 'fail';
}
