// Per-index bookkeeping of parallel calls: scratch slots handed to tasks,
// tasks in flight (the index must not be written meanwhile) and the queue
// that runs parallel builds one at a time.

import { SmallworldError } from '../errors.js';
import { MAX_THREADS } from '../layout.js';

let nextIndexId = 1;

export class ParallelState {
  /** Names the index to the workers (they cache their attachment per id). */
  readonly id = nextIndexId++;
  /** Worker tasks in flight on this index (builds and searches). */
  activeTasks = 0;
  /** Insert tasks among them: searches take the node locks only while some run. */
  insertTasks = 0;
  /** Parallel builds started and not finished (queued ones included). */
  builds = 0;
  /** Settles when the last queued build finishes. */
  lastBuild: Promise<void> = Promise.resolve();
  /** 1 where a scratch slot is used by a running task; slot 0 is the main thread's. */
  private readonly slots = new Uint8Array(MAX_THREADS);
  private idleWaiters: (() => void)[] = [];

  /**
   * Takes up to `wanted` free scratch slots (at least one) for a call's tasks.
   * Every slot belongs to one running task, so no two threads share scratch.
   */
  claimSlots(wanted: number): number[] {
    const claimed: number[] = [];
    for (let slot = 1; slot < MAX_THREADS && claimed.length < wanted; slot++) {
      if (this.slots[slot] === 0) {
        this.slots[slot] = 1;
        claimed.push(slot);
      }
    }
    if (claimed.length === 0) {
      throw new SmallworldError('INDEX_BUSY', `all ${MAX_THREADS - 1} worker slots of this index are in use by other parallel calls`);
    }
    return claimed;
  }

  releaseSlots(slots: readonly number[]): void {
    for (const slot of slots) this.slots[slot] = 0;
  }

  /** Records `n` tasks leaving / returning; wakes `whenNoTasks` waiters at zero. */
  tasksStarted(n: number): void {
    this.activeTasks += n;
  }

  tasksEnded(n: number): void {
    this.activeTasks -= n;
    if (this.activeTasks === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once no task of this index runs on a worker. */
  async whenNoTasks(): Promise<void> {
    while (this.activeTasks > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once no parallel build of this index is running or queued (one queued meanwhile is waited for too). */
  async whenNoBuilds(): Promise<void> {
    while (this.builds > 0) await this.lastBuild;
  }

  /**
   * Throws unless no parallel build is in flight: a copy taken now would hold
   * a graph mid-insert (new nodes half linked, reused slots without their
   * vectors), and the damage would stay in every index loaded from it.
   */
  assertNoBuild(operation: string): void {
    if (this.builds > 0) {
      throw new SmallworldError('INDEX_BUSY',
        `cannot ${operation} while addBatchParallel runs on this index: await it first (save and saveHnswlib wait by themselves)`);
    }
  }

  /**
   * Throws unless nothing parallel runs or is queued on this index: for the
   * calls that rewrite ids and buffers (hard deletes, compaction, reorder).
   */
  assertExclusive(operation: string): void {
    this.assertNoBuild(operation);
    this.assertWritable(operation);
  }

  /** Throws unless the index may be written on this thread now. */
  assertWritable(operation: string): void {
    if (this.activeTasks > 0) {
      throw new SmallworldError('INDEX_BUSY',
        `cannot ${operation} while addBatchParallel or searchBatchParallel runs on this index: await it first`);
    }
  }
}
