// The label table: which node slot holds each of the caller's labels, which
// slots are deleted, and the next default label. It keeps the label map in
// step with the store's per-node `labels` and `deleted` arrays.

import { SmallworldRangeError, checkLabel } from './errors.js';
import type { GraphStore } from './layout.js';

/**
 * @internal What `LabelTable.plan` decided for each row of a batch: its
 * node, and whether that node is new (to be linked) or existing (to be
 * relinked: an update, a revived deleted label, or a reused deleted slot).
 */
export interface RowPlan {
  /** The row's node; for a new node, its id once `BaseIndex.allocateRows` has allocated it. */
  nodes: Int32Array;
  isNew: Uint8Array;
  /** New nodes have ids [firstNew, firstNew + newCount), in row order. */
  firstNew: number;
  newCount: number;
}

/** @internal The label -> node map, the deleted slots and the next default label of one index. */
export class LabelTable {
  private readonly store: GraphStore;
  /** label -> node id, deleted nodes included. */
  private readonly nodes = new Map<number, number>();
  /** Deleted node ids, oldest deletion first: the slots a new label may take. */
  private readonly deleted = new Set<number>();
  /** One past the largest label so far: the next default label; 2^53 once none is left. */
  private next = 0;

  constructor(store: GraphStore) {
    this.store = store;
  }

  /** Labels with a slot, deleted ones included. */
  get slotCount(): number {
    return this.nodes.size;
  }

  /** Labels marked deleted. */
  get deletedCount(): number {
    return this.deleted.size;
  }

  /** Live labels. */
  get liveCount(): number {
    return this.nodes.size - this.deleted.size;
  }

  /** The label `add` gives when none is passed (the file formats keep it). */
  get nextDefault(): number {
    return this.next;
  }

  /** Every label with a slot, deleted ones included, in no set order. */
  keys(): IterableIterator<number> {
    return this.nodes.keys();
  }

  /** The node of `label`, deleted or not; undefined when it has no slot. */
  find(label: number): number | undefined {
    return this.nodes.get(label);
  }

  /** The node of `label`, checked: throws for a bad or unknown label (`argument` names it). */
  nodeOf(argument: string, label: number): number {
    checkLabel(argument, label);
    const node = this.nodes.get(label);
    if (node === undefined) {
      throw new SmallworldRangeError('UNKNOWN_LABEL', `\`${argument}\` ${label} is not in the index`);
    }
    return node;
  }

  markDeleted(node: number): void {
    this.store.deleted[node] = 1;
    this.deleted.add(node);
  }

  unmarkDeleted(node: number): void {
    this.store.deleted[node] = 0;
    this.deleted.delete(node);
  }

  /**
   * The first of `rows` consecutive default labels. Throws when they would
   * pass Number.MAX_SAFE_INTEGER (labels past it are not stored exactly);
   * `argument` names what the caller must then pass.
   */
  defaultLabels(rows: number, argument: string): number {
    // Compared this way round: next + rows - 1 rounds once next nears 2^53.
    if (this.next > Number.MAX_SAFE_INTEGER - (rows - 1)) {
      const what = this.next > Number.MAX_SAFE_INTEGER
        ? `label ${Number.MAX_SAFE_INTEGER} is in use`
        : `${rows} labels from ${this.next} would pass it`;
      throw new SmallworldRangeError('INVALID_LABEL',
        `\`${argument}\` must be given: no default label is left (they stop at Number.MAX_SAFE_INTEGER, ${Number.MAX_SAFE_INTEGER}): ${what}`);
    }
    return this.next;
  }

  /**
   * Decides each row's node without changing anything: a label with a slot
   * keeps it (an update; a deleted label comes back to life), a new label
   * takes a deleted slot when `reuseDeleted` (never the slot of a label this
   * batch keeps), else a new node. `labels` are checked and distinct, or
   * undefined for default labels (see `defaultLabels`). New nodes get -1 here.
   */
  plan(labels: ArrayLike<number> | undefined, rows: number, reuseDeleted: boolean): RowPlan {
    const plan: RowPlan = { nodes: new Int32Array(rows), isNew: new Uint8Array(rows), firstNew: this.store.count, newCount: 0 };
    let kept: Set<number> | null = null;
    if (labels !== undefined) {
      for (let i = 0; i < rows; i++) {
        const node = this.nodes.get(labels[i]);
        plan.nodes[i] = node ?? -1;
        if (node !== undefined && reuseDeleted && this.deleted.has(node)) (kept ??= new Set()).add(node);
      }
    } else {
      plan.nodes.fill(-1);
    }
    const free = reuseDeleted ? this.deleted.values() : null;
    for (let i = 0; i < rows; i++) {
      if (plan.nodes[i] >= 0) continue;
      let slot = -1;
      if (free !== null) {
        for (let next = free.next(); !next.done; next = free.next()) {
          if (kept === null || !kept.has(next.value)) {
            slot = next.value;
            break;
          }
        }
      }
      if (slot >= 0) {
        plan.nodes[i] = slot;
      } else {
        plan.isNew[i] = 1;
        plan.newCount++;
      }
    }
    return plan;
  }

  /**
   * Applies row i of a plan once its new node (if any) is allocated: maps
   * `label` to `node`, forgetting the deleted label whose slot it takes.
   * The node's `deleted` mark stays until the row's vector is written.
   */
  assign(label: number, node: number, isNew: boolean): void {
    if (label >= this.next) this.next = label + 1;
    if (isNew) {
      this.store.labels[node] = label;
      this.nodes.set(label, node);
      return;
    }
    const previous = this.store.labels[node];
    this.deleted.delete(node);
    if (previous === label) return;
    this.nodes.delete(previous);
    this.store.labels[node] = label;
    this.nodes.set(label, node);
  }

  /**
   * For the loaders of src/format/, once the store holds a whole graph:
   * rebuilds the map and the deleted set from the store. Returns the first
   * node whose label repeats an earlier node's, else -1.
   */
  restore(nextLabel: number): number {
    const { labels, deleted, count } = this.store;
    this.nodes.clear();
    this.deleted.clear();
    for (let node = 0; node < count; node++) {
      if (this.nodes.has(labels[node])) return node;
      this.nodes.set(labels[node], node);
      if (deleted[node] !== 0) this.deleted.add(node);
    }
    this.next = nextLabel;
    return -1;
  }
}
