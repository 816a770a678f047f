// The worker pool shared by every index of the process: piscina, started
// lazily, its idle workers unref'd so they never keep the process alive, and
// held by each parallel call while it runs, so closing it never cuts one short.

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { SmallworldError, SmallworldRangeError, SmallworldTypeError, describeValue } from '../errors.js';
import { MAX_THREADS } from '../layout.js';
import type { ParallelTask } from './protocol.js';

/** Most threads one call may use: scratch slot 0 is the main thread's. */
export const MAX_WORKER_THREADS = MAX_THREADS - 1;
/** An idle worker exits after this long (its attachments to indexes go with it). */
const IDLE_TIMEOUT_MS = 2000;

let pool: Piscina<ParallelTask, number> | null = null;
/** Parallel calls running on `pool` (its users): it is closed only when none is. */
let users = 0;
/** Set by `closePool` while users remain: the last one to finish closes the pool, then settles this. */
let pendingClose: { promise: Promise<void>; resolve: () => void } | null = null;

/** Threads a parallel call uses unless told: the cores Node may use (os.availableParallelism()). */
export function defaultThreads(): number {
  return Math.min(MAX_WORKER_THREADS, Math.max(1, availableParallelism()));
}

/** Checks a `threads` option; returns the thread count to use. */
export function checkThreads(threads: unknown): number {
  if (threads === undefined) return defaultThreads();
  if (typeof threads !== 'number') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`threads\` must be an integer in [1, ${MAX_WORKER_THREADS}] (got ${describeValue(threads)})`);
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKER_THREADS) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`threads\` must be an integer in [1, ${MAX_WORKER_THREADS}] (got ${threads})`);
  }
  return threads;
}

/**
 * The worker entry next to this file: worker.js in the build; worker.ts when
 * running from the TypeScript sources (tests, tsx), which the worker can only
 * load with tsx's loader, so it gets `--import tsx` too.
 */
function workerEntry(): { filename: string; execArgv: string[] | undefined } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  if (!fromSource) return { filename, execArgv: undefined };
  let tsx = 'tsx';
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    // Left to Node's resolution from the working directory.
  }
  return { filename, execArgv: ['--import', tsx] };
}

function getPool(): Piscina<ParallelTask, number> {
  if (pool === null) {
    const { filename, execArgv } = workerEntry();
    pool = new Piscina<ParallelTask, number>({
      filename,
      execArgv,
      minThreads: 0,
      maxThreads: MAX_WORKER_THREADS,
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    // A worker that fails outside a task has nothing to reject; its tasks (if any) are rejected by piscina.
    pool.on('error', () => {});
  }
  return pool;
}

/**
 * Runs tasks that work together on one index (at most one per worker at a
 * time) and resolves with their results. The call holds the pool while it
 * runs: `closePool` waits for it. If one task fails (a worker died or
 * threw), the pool is torn down, because the others may wait forever on a
 * lock the dead worker held; the call then rejects with a `SmallworldError`
 * ('WORKER_FAILED') once every task has stopped.
 */
export async function runTasks(tasks: ParallelTask[]): Promise<number[]> {
  const current = getPool();
  users++;
  let failure: unknown = null;
  try {
    const settled = await Promise.all(tasks.map((task) => current.run(task).catch((error: unknown) => {
      if (failure === null) {
        failure = error;
        if (pool === current) pool = null;
        current.destroy().catch(() => {});
      }
      return -1;
    })));
    if (failure !== null) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      throw new SmallworldError('WORKER_FAILED', `a worker thread failed during a parallel call: ${reason}`, { cause: failure });
    }
    return settled;
  } finally {
    users--;
    if (users === 0 && pendingClose !== null) void closeNow();
  }
}

/** Closes the pool (no user holds it) and settles a pending `closePool`. */
async function closeNow(): Promise<void> {
  const current = pool;
  const waiting = pendingClose;
  pool = null;
  pendingClose = null;
  try {
    if (current !== null) await current.close();
  } finally {
    waiting?.resolve();
  }
}

/**
 * Stops the worker threads shared by all indexes of the process (they also
 * stop by themselves after 2 s idle and never keep the process alive).
 *
 * The pool is reference-counted by the parallel calls running on it: if
 * any is running (this index's or another library's), they all finish
 * normally and the pool closes when the last one ends; the promise resolves
 * then. Calls started meanwhile share the same pool and are waited for too.
 * With no call running, it closes at once. The next parallel call after
 * that starts a new pool.
 */
export async function closePool(): Promise<void> {
  if (users === 0) return closeNow();
  if (pendingClose === null) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    pendingClose = { promise, resolve };
  }
  return pendingClose.promise;
}
