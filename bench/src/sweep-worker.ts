// One library's part of a sweep, in a child process of its own so its
// resident-memory growth and its garbage collector are its alone: build when
// asked, then one timed pass over the queries each time the parent asks, so the
// parent can make the libraries take turns. Started by sweep.ts through
// `cli.ts sweep-worker`; talks over IPC only.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptFileError, SmallworldError } from '@smallworld/hnsw';
import { loadPeer, type BytesPerVector, type LibraryName, type Peer } from './peers.js';
import { collectGarbage, rssBytes, timeSeconds, timeSecondsAsync } from './stats.js';
import type { TimedPass } from './sweep-summary.js';

/** What the parent sends first: where the vectors are and how to build. */
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
  /** The efSearch values the warm-up cycles through. */
  efSearch: number[];
  /** smallworld's vector storage ('int8': with re-ranking). */
  quantization: 'none' | 'int8';
}

/** What the parent asks, in this order: one `build`, any number of `pass`, one `close`. */
export type SweepRequest =
  | { type: 'build'; job: SweepJob }
  | { type: 'pass'; efSearch: number; labels: boolean }
  | { type: 'close' };

/** What the child answers: progress while building, then one reply per request (`failed` ends the child). */
export type SweepReply =
  | { type: 'skipped'; reason: string }
  | { type: 'progress'; done: number; total: number }
  | {
    type: 'built';
    buildS: number;
    /** Resident set before and after the build (after a full GC each time), bytes. */
    rssBefore: number;
    rssAfter: number;
    /** Bytes per vector of the index, vectors alone and with the graph (smallworld only: the others do not say). */
    bytesPerVector?: BytesPerVector;
  }
  | ({ type: 'passed' } & TimedPass)
  | { type: 'closed' }
  | { type: 'failed'; message: string };

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

/** A library built in this process, answering timed passes. */
export interface BuiltLibrary {
  /** One timed pass over every query at `efSearch` (getting ready for a new efSearch is not timed). */
  pass(efSearch: number, withLabels: boolean): TimedPass;
  close(): Promise<void>;
}

/**
 * Builds the job's library (timed, with the resident-set growth over the
 * build), then warms it up; the `built` reply and the library, or a
 * `skipped` reply when it is not installed. The child process runs this; tests may call it in-process.
 */
export async function buildLibrary(
  job: SweepJob, onProgress?: (done: number, total: number) => void,
): Promise<{ reply: Extract<SweepReply, { type: 'built' }>; library: BuiltLibrary } | { reply: Extract<SweepReply, { type: 'skipped' }>; library: null }> {
  const peer = await loadPeer(job.lib, job.quantization);
  if (peer === null) return { reply: { type: 'skipped', reason: `${job.lib} is not installed (a devDependency of bench: pnpm install)` }, library: null };
  const base = readFloats(job.basePath);
  const queries = readFloats(job.queriesPath);
  const out = new Float64Array((queries.length / job.dim) * job.k);
  collectGarbage();
  const rssBefore = rssBytes();
  const buildS = await timeSecondsAsync(async () => {
    await peer.build(base, job.dim, { m: job.m, efConstruction: job.efConstruction, space: 'l2', threads: job.threads, onProgress });
  });
  collectGarbage();
  const rssAfter = rssBytes();
  // Warm-up so JIT tiers and caches are settled before timing: at least two passes and 0.5 s.
  const warmStart = performance.now();
  for (let pass = 0; pass < 2 || (performance.now() - warmStart < 500 && pass < 50); pass++) {
    peer.searchAll(queries, job.k, job.efSearch[pass % job.efSearch.length], out);
  }
  const library: BuiltLibrary = {
    pass(efSearch, withLabels) {
      peer.prepare?.(efSearch);
      const seconds = timeSeconds(() => peer.searchAll(queries, job.k, efSearch, out));
      return withLabels ? { seconds, labels: out.slice() } : { seconds };
    },
    async close() {
      await peer.close?.();
    },
  };
  const bytesPerVector = peer.bytesPerVector?.();
  return { reply: { type: 'built', buildS, rssBefore, rssAfter, ...(bytesPerVector !== undefined ? { bytesPerVector } : {}) }, library };
}

/** Child-process entry: builds on `build`, times a pass on each `pass`, exits on `close`. */
export function serveSweepJob(): void {
  if (process.send === undefined) throw new SmallworldError('UNSUPPORTED', 'sweep-worker is started by `pnpm bench sweep`, not by hand');
  const send = (reply: SweepReply, then: () => void = () => {}) => process.send!(reply, then);
  let library: BuiltLibrary | null = null;
  let lib = 'sweep-worker';
  const fail = (error: unknown) => {
    process.stderr.write(`${lib}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }, () => process.disconnect());
  };
  const handle = async (request: SweepRequest) => {
    switch (request.type) {
      case 'build': {
        lib = request.job.lib;
        let last = 0;
        const built = await buildLibrary(request.job, (done, total) => {
          const now = performance.now();
          if (now - last < 200 && done < total) return;
          last = now;
          send({ type: 'progress', done, total });
        });
        library = built.library;
        send(built.reply);
        return;
      }
      case 'pass':
        if (library === null) throw new SmallworldError('UNSUPPORTED', 'sweep-worker: a pass was asked before a build');
        send({ type: 'passed', ...library.pass(request.efSearch, request.labels) });
        return;
      case 'close':
        await library?.close();
        send({ type: 'closed' }, () => process.disconnect());
        return;
    }
  };
  process.on('message', (request: SweepRequest) => {
    handle(request).catch(fail);
  });
}
