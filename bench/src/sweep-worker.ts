// One library's part of a sweep, in a child process of its own so its
// resident-memory growth is its alone: build, then time every efSearch.
// Started by sweep.ts through `cli.ts sweep-worker`; talks over IPC only.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptFileError, SmallworldError } from '@smallworld/hnsw';
import { loadPeer, type LibraryName } from './peers.js';
import { collectGarbage, rssBytes, timeSeconds, timeSecondsAsync } from './stats.js';

/** What the parent sends: where the vectors are and what to measure. */
export interface SweepJob {
  lib: LibraryName;
  /** Raw little-endian float32 files written by the parent. */
  basePath: string;
  queriesPath: string;
  dim: number;
  k: number;
  m: number;
  efConstruction: number;
  threads: number;
  efSearch: number[];
  rounds: number;
  /** smallworld's vector storage ('int8': with re-ranking). */
  quantization: 'none' | 'int8';
}

/** What the child answers. */
export type SweepReply =
  | { type: 'skipped'; reason: string }
  | { type: 'progress'; done: number; total: number }
  | {
    type: 'done';
    buildS: number;
    /** Resident set before and after the build (after a full GC each time), bytes. */
    rssBefore: number;
    rssAfter: number;
    /** Vectors and vectors + graph bytes per vector, when the library tells. */
    bytesPerVector?: { vectors: number; total: number };
    runs: { efSearch: number; seconds: number[]; labels: Float64Array }[];
  };

function readFloats(path: string): Float32Array {
  // Read straight into the array's own buffer: a transient Buffer copy freed
  // later would shrink the resident set during the build and hide memory.
  const fd = openSync(path, 'r');
  try {
    const out = new Float32Array(fstatSync(fd).size / 4);
    const bytes = new Uint8Array(out.buffer);
    for (let offset = 0; offset < bytes.length;) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) throw new CorruptFileError(`${path}: file ended early`);
      offset += read;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Runs `job` and returns the reply (also used in-process by tests). */
export async function runSweepJob(job: SweepJob, onProgress?: (done: number, total: number) => void): Promise<SweepReply> {
  const peer = await loadPeer(job.lib, job.quantization);
  if (peer === null) return { type: 'skipped', reason: `${job.lib} is not installed (a devDependency of bench: pnpm install)` };
  const base = readFloats(job.basePath);
  const queries = readFloats(job.queriesPath);
  const nq = queries.length / job.dim;
  collectGarbage();
  const rssBefore = rssBytes();
  const buildS = await timeSecondsAsync(async () => {
    await peer.build(base, job.dim, { m: job.m, efConstruction: job.efConstruction, space: 'l2', threads: job.threads, onProgress });
  });
  collectGarbage();
  const rssAfter = rssBytes();
  const out = new Float64Array(nq * job.k);
  // Warm-up so JIT tiers and caches are settled before timing: at least two passes and 0.5 s.
  const warmStart = performance.now();
  for (let pass = 0; pass < 2 || (performance.now() - warmStart < 500 && pass < 50); pass++) {
    peer.searchAll(queries, job.k, job.efSearch[pass % job.efSearch.length], out);
  }
  const runs: { efSearch: number; seconds: number[]; labels: Float64Array }[] = [];
  for (const ef of job.efSearch) {
    const seconds: number[] = [];
    for (let round = 0; round < job.rounds; round++) seconds.push(timeSeconds(() => peer.searchAll(queries, job.k, ef, out)));
    runs.push({ efSearch: ef, seconds, labels: out.slice() });
  }
  const bytesPerVector = peer.bytesPerVector?.();
  await peer.close?.();
  return { type: 'done', buildS, rssBefore, rssAfter, runs, ...(bytesPerVector ? { bytesPerVector } : {}) };
}

/** Child-process entry: one job from the parent, replies, then exits. */
export function serveSweepJob(): void {
  if (process.send === undefined) throw new SmallworldError('UNSUPPORTED', 'sweep-worker is started by `pnpm bench sweep`, not by hand');
  process.once('message', (job: SweepJob) => {
    let last = 0;
    const progress = (done: number, total: number) => {
      const now = performance.now();
      if (now - last < 200 && done < total) return;
      last = now;
      process.send!({ type: 'progress', done, total } satisfies SweepReply);
    };
    runSweepJob(job, progress).then(
      (reply) => process.send!(reply, () => process.disconnect()),
      (error: unknown) => {
        process.stderr.write(`${job.lib}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        process.exitCode = 1;
        process.disconnect();
      },
    );
  });
}
