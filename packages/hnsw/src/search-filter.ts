// The search filter: a predicate on labels, or an allow-list of labels turned
// into node-id marks and a list of the allowed node ids for the search loops.

import type { SearchContext } from './algorithms/context.js';
import { SmallworldTypeError, describeValue } from './errors.js';
import type { LabelTable } from './label-table.js';

/**
 * Restricts a search to some labels: a predicate on the label, or an
 * allow-list (an array, typed array or Set of labels). A small allow-list
 * is searched by scanning the allowed points; see `SearchOptions.filter`.
 */
export type SearchFilter = ((label: number) => boolean) | ArrayLike<number> | ReadonlySet<number>;

/** Throws unless `filter` is undefined, a function or an allow-list. */
export function checkFilter(filter: unknown): void {
  if (filter === undefined || typeof filter === 'function') return;
  if (filter instanceof Set || Array.isArray(filter) || ArrayBuffer.isView(filter)) return;
  throw new SmallworldTypeError('INVALID_OPTION',
    `\`filter\` must be a function of the label or an array/Set of labels (got ${describeValue(filter)})`);
}

/**
 * @internal The allowed live nodes of one allow-list, in two typed arrays
 * over node ids: `marks` (a byte per node, 1 = allowed) for the graph
 * search's membership test, and `ids` (the allowed ids, in the list's
 * order) for the exact scan and for clearing the marks in O(allowed).
 * Reused from call to call: between searches every mark is 0. A `shared`
 * list keeps both arrays in SharedArrayBuffers, which worker threads read
 * in place (`attachAllowList`), so reusing it costs no copy either.
 */
export class AllowList {
  marks: Uint8Array;
  ids: Int32Array;
  count = 0;

  constructor(private readonly shared = false) {
    this.marks = new Uint8Array(this.buffer(0));
    this.ids = new Int32Array(this.buffer(0));
  }

  private buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /**
   * Marks the live nodes of the labels in `filter` (unknown and deleted
   * labels are skipped, repeats counted once); returns how many.
   */
  mark(filter: ArrayLike<number> | ReadonlySet<number>, table: LabelTable, deleted: Uint8Array, capacity: number): number {
    if (this.marks.length < capacity) this.marks = new Uint8Array(this.buffer(capacity));
    const size = filter instanceof Set ? filter.size : (filter as ArrayLike<number>).length;
    const most = Math.min(size, capacity);
    if (this.ids.length < most) this.ids = new Int32Array(this.buffer(4 * Math.max(most, this.ids.length * 2)));
    const { marks, ids } = this;
    let count = 0;
    // A Set is walked once into the id list's order; the loop body is the same for both shapes.
    const add = (label: number): void => {
      const node = table.find(label);
      if (node !== undefined && marks[node] === 0 && deleted[node] === 0) {
        marks[node] = 1;
        ids[count++] = node;
      }
    };
    if (filter instanceof Set) for (const label of filter) add(label);
    else {
      const list = filter as ArrayLike<number>;
      for (let i = 0; i < list.length; i++) add(list[i]);
    }
    this.count = count;
    return count;
  }

  /** Clears the marks by the id list: O(allowed), not O(capacity). */
  clear(): void {
    const { marks, ids } = this;
    for (let i = 0; i < this.count; i++) marks[ids[i]] = 0;
    this.count = 0;
  }
}

/** Points `ctx`'s filter at an allow-list. */
export function useAllowList(ctx: SearchContext, list: AllowList): void {
  ctx.allowedNodes = list.marks;
  ctx.allowedIds = list.ids;
  ctx.allowedIdCount = list.count;
  ctx.filterStamp++;
}

/**
 * Points `ctx`'s filter at the arrays of a `shared` allow-list, as a worker
 * thread receives them (`count` allowed ids), or at none.
 */
export function attachAllowList(
  ctx: SearchContext, marks: SharedArrayBuffer | null, ids: SharedArrayBuffer | null, count: number,
): void {
  if (marks === null || ids === null) {
    clearContextFilter(ctx);
    return;
  }
  ctx.allowedNodes = new Uint8Array(marks);
  ctx.allowedIds = new Int32Array(ids);
  ctx.allowedIdCount = count;
  ctx.filterStamp++;
}

/** Removes any filter from `ctx` (the marks themselves are cleared by their owner). */
export function clearContextFilter(ctx: SearchContext): void {
  ctx.allowedNodes = null;
  ctx.allowedIds = null;
  ctx.allowedIdCount = 0;
  ctx.allowedLabel = null;
}
