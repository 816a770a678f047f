// The piscina worker: attaches to an index's shared buffers (once per index
// and buffer generation) and runs insert and search tasks over them in place.

import { SearchContext } from '../algorithms/context.js';
import { insertNode, nearestNodes } from '../algorithms/dispatch.js';
import { attachAllowList, clearContextFilter } from '../search-filter.js';
import { searchQueryInto, type QueryParams } from '../search-query.js';
import type { Kernel } from '../kernels/kernel.js';
import { createKernel, createLoop } from '../kernels/select.js';
import type { GraphStore } from '../layout.js';
import { attachStore, type InsertTask, type ParallelTask, type SearchTask, type StoreDescriptor } from './protocol.js';

/** Indexes a worker keeps attached; older ones are dropped so their buffers can be freed. */
const MAX_ATTACHED = 4;

interface Attached {
  generation: number;
  store: GraphStore;
  descriptor: StoreDescriptor;
  /** One context (kernel + scratch) per scratch slot used on this worker. */
  contexts: Map<number, SearchContext>;
}

const attached = new Map<number, Attached>();

/** The context of `slot` on the index of `d`, re-attaching when its buffers were replaced. */
function contextFor(d: StoreDescriptor, slot: number): SearchContext {
  let entry = attached.get(d.id);
  if (entry === undefined || entry.generation !== d.generation) {
    entry = { generation: d.generation, store: attachStore(d), descriptor: d, contexts: new Map() };
    attached.delete(d.id);
    attached.set(d.id, entry);
    if (attached.size > MAX_ATTACHED) attached.delete(attached.keys().next().value as number);
  }
  let ctx = entry.contexts.get(slot);
  if (ctx === undefined) {
    const kernel: Kernel = createKernel(entry.store, d.space, d.kernel, slot);
    ctx = new SearchContext(entry.store, kernel);
    if (d.loop) ctx.loop = createLoop(entry.store, d.space, kernel, slot);
    ctx.concurrent = true;
    ctx.heuristic = d.heuristic;
    entry.contexts.set(slot, ctx);
  }
  return ctx;
}

function runInsert(task: InsertTask): number {
  const ctx = contextFor(task.store, task.slot);
  const counter = new Int32Array(task.counter);
  const done = new Uint8Array(task.done);
  let linked = 0;
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= task.count) break;
    if (i === task.crashAt) process.exit(70);
    // Nodes the main thread linked alone before fanning out are marked done already.
    if (Atomics.load(done, i) === 1) continue;
    insertNode(ctx, task.first + i, task.efConstruction);
    Atomics.store(done, i, 1);
    linked++;
  }
  return linked;
}

function runSearch(task: SearchTask): number {
  const ctx = contextFor(task.store, task.slot);
  const d = task.store;
  const queries = new Float32Array(task.queries);
  const counter = new Int32Array(task.counter);
  const out = {
    k: task.k,
    labels: new Float64Array(task.labels),
    distances: new Float32Array(task.distances),
    counts: new Uint32Array(task.counts),
  };
  const params: QueryParams = {
    k: task.k, ef: task.ef, allowedCount: task.allowedCount, size: task.size, hasDeleted: task.hasDeleted,
    space: d.space, dim: d.buffers.dim, queryRow: new Float32Array(d.buffers.dim),
    nearest: (c, k, ef, filtered) => nearestNodes(c, k, ef, filtered),
  };
  attachAllowList(ctx, task.allowedMarks, task.allowedIds, task.allowedCount);
  ctx.concurrent = task.concurrent;
  let searched = 0;
  try {
    for (;;) {
      const begin = Atomics.add(counter, 0, task.chunk);
      if (begin >= task.rows) break;
      const end = Math.min(task.rows, begin + task.chunk);
      for (let i = begin; i < end; i++) searchQueryInto(ctx, params, queries, i * params.dim, out, i);
      searched += end - begin;
    }
  } finally {
    clearContextFilter(ctx);
    ctx.concurrent = true;
  }
  return searched;
}

/** Piscina's entry point: one task in, the number of points it handled out. */
export default function run(task: ParallelTask): number {
  return task.type === 'insert' ? runInsert(task) : runSearch(task);
}
