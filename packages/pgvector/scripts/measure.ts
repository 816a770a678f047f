// The figures of docs/pgvector.md, in one process: build a smallworld index,
// export it to pgvector, build pgvector's HNSW index, compare both at several
// efSearch against exact neighbours, import the table back.
// Run: node --conditions=source --import tsx packages/pgvector/scripts/measure.ts
//        [--data clustered|mnist] [--n 100000] [--dim 128] [--queries 1000] [--m 16] [--ef-construction 100]
//        [--ef-search 10,20,40,100,200] [--maintenance-work-mem 512MB] [--url postgres://...] [--threads 2] [--mnist-dir DIR]

import { computeGroundTruth, generateSynthetic, readMnist, MNIST_BASE_COUNT } from '@smallworld/datasets';
import { HnswIndex, closePool } from '@smallworld/hnsw';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { comparePgvector, createPglite, exportToPgvector, importFromPgvector, type PgvectorDatabase } from '../src/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'clustered' }, n: { type: 'string', default: '100000' }, dim: { type: 'string', default: '128' },
    queries: { type: 'string', default: '1000' }, m: { type: 'string', default: '16' }, 'ef-construction': { type: 'string', default: '100' },
    'ef-search': { type: 'string', default: '10,20,40,100,200' }, 'maintenance-work-mem': { type: 'string' }, url: { type: 'string' },
    threads: { type: 'string', default: '2' }, 'mnist-dir': { type: 'string' },
  },
});
const log = (message: string): void => { process.stderr.write(`${message}\n`); };
const k = 10;
const threads = Number(values.threads);
let base: Float32Array;
let queries: Float32Array;
let dim = Number(values.dim);
if (values.data === 'mnist') {
  const { images } = await readMnist(values['mnist-dir']);
  dim = images.dim;
  base = images.data.slice(0, MNIST_BASE_COUNT * dim);
  queries = images.data.slice(MNIST_BASE_COUNT * dim);
} else {
  const n = Number(values.n);
  const nq = Number(values.queries);
  const set = generateSynthetic({ count: n + nq, dim, seed: 7, generator: 'clustered' });
  base = set.data.slice(0, n * dim);
  queries = set.data.slice(n * dim);
}
const n = base.length / dim;
log(`data ${values.data}: ${n} x ${dim}, ${queries.length / dim} queries; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const truth = await computeGroundTruth(base, queries, { k, dim, threads });

const index = new HnswIndex({ space: 'l2', dim, m: Number(values.m), efConstruction: Number(values['ef-construction']), capacity: n });
let started = performance.now();
await index.addBatchParallel(base, { threads });
const smallworldBuildMs = performance.now() - started;
log(`smallworld build: ${(smallworldBuildMs / 1000).toFixed(1)} s on ${threads} threads`);

let db: PgvectorDatabase;
let close: () => Promise<void>;
if (values.url !== undefined) {
  const client = new pg.Client({ connectionString: values.url });
  await client.connect();
  db = client;
  close = () => client.end();
} else {
  const lite = await createPglite();
  db = lite;
  close = () => lite.close();
}
const table = `measure_${values.data}`;
const exported = await exportToPgvector(index, db, {
  table, replace: true, onProgress: ({ rows, total }) => { if (rows % 50_000 === 0 || rows === total) log(`copied ${rows} / ${total}`); },
  ...(values['maintenance-work-mem'] === undefined ? {} : { maintenanceWorkMem: values['maintenance-work-mem'] }),
});
log(`export: ${JSON.stringify(exported)}`);

const sweep = [];
for (const efSearch of values['ef-search']!.split(',').map(Number)) {
  const result = await comparePgvector(index, db, queries, { table, k, efSearch, groundTruth: truth.neighbors, groundTruthK: k });
  sweep.push(result);
  log(`efSearch ${efSearch}: agreement ${result.agreement.toFixed(4)}, recall smallworld ${result.smallworld.recall!.toFixed(4)} ` +
    `pgvector ${result.pgvector.recall!.toFixed(4)}, ms/query ${result.smallworld.medianMs.toFixed(3)} / ${result.pgvector.medianMs.toFixed(3)}, ` +
    `QPS ${result.smallworld.qps.toFixed(0)} / ${result.pgvector.qps.toFixed(0)}`);
}

started = performance.now();
const back = await importFromPgvector(db, { table, threads });
const importMs = performance.now() - started;
log(`import: ${back.size} vectors in ${(importMs / 1000).toFixed(1)} s`);
await close();
await closePool();
process.stdout.write(JSON.stringify({
  data: values.data, n, dim, queries: queries.length / dim, m: index.m, efConstruction: index.efConstruction, threads,
  smallworldBuildMs, export: exported, sweep, importMs, load: loadavg(),
}) + '\n');
