// The worker pool shared by every index of the process: piscina, started
// lazily, its idle workers unref'd so they never keep the process alive.

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
 * time) and resolves with their results. If one fails (a worker died or
 * threw), the pool is torn down, because the others may wait forever on a
 * lock the dead worker held; the call then rejects with a `SmallworldError`
 * ('WORKER_FAILED') once every task has stopped.
 */
export async function runTasks(tasks: ParallelTask[]): Promise<number[]> {
  const current = getPool();
  let failure: unknown = null;
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
}

/**
 * Stops the worker threads shared by all indexes (they also stop by
 * themselves after 2 s idle and never keep the process alive). Tasks in
 * flight finish first. The next parallel call starts a new pool.
 */
export async function closePool(): Promise<void> {
  const current = pool;
  pool = null;
  if (current !== null) await current.close();
}
