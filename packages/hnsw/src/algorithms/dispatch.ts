// Which loop runs an insert or a search: the WebAssembly twin of these
// algorithms (assembly/search.ts, one call per insert or per query) when the
// thread's context has one and the graph is in the wasm memory, else the
// TypeScript algorithms of this folder, the readable reference.

import { LOOP_FILTER_ALLOWED, LOOP_FILTER_DELETED, LOOP_FILTER_NONE, type WasmLoop } from '../kernels/wasm-loop.js';
import type { SearchContext } from './context.js';
import { insert } from './insert.js';
import { knnSearch } from './knn-search.js';
import { update } from './update.js';

/** The thread's WebAssembly loop when it has one and the graph is in the wasm memory, else null. */
export function activeLoop(ctx: SearchContext): WasmLoop | null {
  return ctx.store.graphMemory !== null ? ctx.loop : null;
}

/** Algorithm 1 for node `q`, in WebAssembly when available (see `insert`). */
export function insertNode(ctx: SearchContext, q: number, efConstruction: number): void {
  const loop = activeLoop(ctx);
  if (loop !== null) loop.insert(q, efConstruction, ctx.heuristic, ctx.concurrent);
  else insert(ctx, q, efConstruction);
}

/** The repair after node `q`'s vector changed, in WebAssembly when available (see `update`). */
export function updateNode(ctx: SearchContext, q: number, efConstruction: number): void {
  const loop = activeLoop(ctx);
  if (loop !== null) loop.update(q, efConstruction, ctx.heuristic);
  else update(ctx, q, efConstruction);
}

/**
 * Algorithm 5 (see `knnSearch`): leaves the k nearest in W (`ctx.results`)
 * and returns the count. A predicate filter (a JS function of the label)
 * runs the TypeScript loop: calling back into JavaScript from the loop would
 * cost more than the loop saves. Allow-lists and deletes stay in WebAssembly.
 */
export function nearestNodes(ctx: SearchContext, k: number, ef: number, filtered: boolean): number {
  const loop = activeLoop(ctx);
  if (loop === null || ctx.allowedLabel !== null) return knnSearch(ctx, k, ef, filtered);
  let filter = LOOP_FILTER_NONE;
  if (filtered) {
    filter = LOOP_FILTER_DELETED;
    if (ctx.allowedIds !== null) {
      filter = LOOP_FILTER_ALLOWED;
      if (loop.allowStamp !== ctx.filterStamp) loop.setAllowList(ctx.allowedIds, ctx.allowedIdCount, ctx.filterStamp);
    }
  }
  const found = loop.knn(k, ef, filter, ctx.concurrent);
  // The k nearest, back into W for the caller (writing a result row drains W).
  const W = ctx.results;
  W.clear();
  W.reserve(found + 1);
  const keys = loop.resultKeys;
  const ids = loop.resultIds;
  for (let i = 0; i < found; i++) W.push(keys[i], ids[i]);
  return found;
}
