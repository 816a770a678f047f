// Worker thread of `computeGroundTruth`: claims blocks of queries from a
// shared counter until none are left, writing results into shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import { QUERY_BLOCK, ScanScratch, scanBlock, type ScanJob } from './ground-truth-scan.js';

interface WorkerData extends ScanJob {
  /** [next unclaimed query, queries finished]. */
  control: Int32Array;
}

const job = workerData as WorkerData;
const total = job.queries.length / job.dim;
const scratch = new ScanScratch(job.dim, job.k);
try {
  for (;;) {
    const first = Atomics.add(job.control, 0, QUERY_BLOCK);
    if (first >= total) break;
    const count = Math.min(QUERY_BLOCK, total - first);
    scanBlock(job, scratch, first, count);
    Atomics.add(job.control, 1, count);
  }
  parentPort!.postMessage({ ok: true });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).stack ?? String(err) });
}
