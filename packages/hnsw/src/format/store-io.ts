// What both file formats share: checks on a decoded graph before it goes into
// an index, and the bulk copies between file sections and a GraphStore (the
// vectors go through the store's VectorStore, vector-store.ts).

import { CorruptFileError, SmallworldRangeError } from '../errors.js';
import { LITTLE_ENDIAN } from '../limits.js';
import { META_COUNT, META_ENTRY_POINT, META_MAX_LEVEL, type GraphStore } from '../layout.js';


/** Throws on a big-endian host, where the little-endian files would need per-element swaps. */
export function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new SmallworldRangeError('UNSUPPORTED', 'smallworld files are little-endian; this host is big-endian');
  }
}

/** Rounds up to a multiple of 8. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * The graph of a file, as views over its bytes (or arrays decoded from them),
 * before anything is allocated for the index.
 */
export interface GraphImage {
  count: number;
  dim: number;
  m: number;
  entryPoint: number;
  maxLevel: number;
  /** Level-0 lists, `count x (1 + 2m)` ints [count, ids...]; null when the caller fills them. */
  links0: Int32Array | null;
  upperOffsets: Int32Array;
  upperLinks: Int32Array;
  levels: Uint8Array;
  deleted: Uint8Array;
}

/**
 * Checks that a graph cannot send a search out of bounds: every list within
 * its degree bound, every id a node, every upper-level neighbour present at
 * that level, every upper record inside the arena, levels and entry point
 * consistent. Throws `CorruptFileError` naming the first problem.
 */
export function checkGraph(g: GraphImage, what: string): void {
  const { count, m, levels, upperOffsets, upperLinks, deleted } = g;
  const m0 = 2 * m;
  const stride0 = 1 + m0;
  const strideUpper = 1 + m;
  let top = -1;
  let upperTotal = 0;
  for (let node = 0; node < count; node++) {
    const level = levels[node];
    if (level > top) top = level;
    if (deleted[node] > 1) throw new CorruptFileError(`${what}: deleted flag of node ${node} is ${deleted[node]} (0 or 1)`);
    const offset = upperOffsets[node];
    if (level === 0) {
      if (offset !== -1) throw new CorruptFileError(`${what}: node ${node} has level 0 but upper offset ${offset} (must be -1)`);
      continue;
    }
    upperTotal += level * strideUpper;
    if (offset < 0 || offset % strideUpper !== 0 || offset + level * strideUpper > upperLinks.length) {
      throw new CorruptFileError(
        `${what}: node ${node} of level ${level} has upper offset ${offset}, outside the ${upperLinks.length}-int arena`);
    }
    for (let lc = 1; lc <= level; lc++) {
      const at = offset + (lc - 1) * strideUpper;
      const degree = upperLinks[at];
      if (degree < 0 || degree > m) {
        throw new CorruptFileError(`${what}: node ${node} has ${degree} links at level ${lc} (at most M = ${m})`);
      }
      for (let j = 1; j <= degree; j++) {
        const id = upperLinks[at + j];
        if (id < 0 || id >= count) {
          throw new CorruptFileError(`${what}: node ${node} links to node ${id} at level ${lc}; there are ${count} nodes`);
        }
        if (levels[id] < lc) {
          throw new CorruptFileError(`${what}: node ${node} links to node ${id} at level ${lc}, above its level ${levels[id]}`);
        }
      }
    }
  }
  if (upperTotal !== upperLinks.length) {
    throw new CorruptFileError(`${what}: the levels need ${upperTotal} upper-level ints, the arena has ${upperLinks.length}`);
  }
  if (g.links0 !== null) {
    const links0 = g.links0;
    for (let node = 0; node < count; node++) {
      const at = node * stride0;
      const degree = links0[at];
      if (degree < 0 || degree > m0) {
        throw new CorruptFileError(`${what}: node ${node} has ${degree} links at level 0 (at most M0 = ${m0})`);
      }
      for (let j = 1; j <= degree; j++) {
        const id = links0[at + j];
        if (id < 0 || id >= count) {
          throw new CorruptFileError(`${what}: node ${node} links to node ${id} at level 0; there are ${count} nodes`);
        }
      }
    }
  }
  if (count === 0) {
    if (g.entryPoint !== -1 || g.maxLevel !== -1) {
      throw new CorruptFileError(`${what}: an empty graph must have entry point -1 and top level -1 (got ${g.entryPoint}, ${g.maxLevel})`);
    }
    return;
  }
  if (g.entryPoint < 0 || g.entryPoint >= count) {
    throw new CorruptFileError(`${what}: entry point ${g.entryPoint} is not one of the ${count} nodes`);
  }
  if (g.maxLevel !== top || levels[g.entryPoint] !== top) {
    throw new CorruptFileError(
      `${what}: top level ${g.maxLevel} and entry point level ${levels[g.entryPoint]} must both equal the highest node level ${top}`);
  }
}

/**
 * Copies a checked graph into an index's empty store (capacity >= count):
 * bulk `set`s (memcpy) from the views, one per array. The links of level 0
 * are copied when `g.links0` is set.
 */
export function fillStore(store: GraphStore, g: GraphImage, labels: Float64Array): void {
  const count = g.count;
  if (g.links0 !== null) store.links0.set(g.links0);
  store.upperOffsets.set(g.upperOffsets);
  store.reserveUpper(g.upperLinks.length / store.strideUpper);
  store.upperLinks.set(g.upperLinks);
  store.levels.set(g.levels);
  store.labels.set(labels.subarray(0, count));
  store.deleted.set(g.deleted);
  setGraphState(store, g);
}

/** Makes a store whose arrays hold graph `g` (read in place, or copied by `fillStore`) an index of it: count, entry point, top level, arena use. */
export function setGraphState(store: GraphStore, g: GraphImage): void {
  store.upperUsed = g.upperLinks.length;
  store.meta[META_ENTRY_POINT] = g.entryPoint;
  store.meta[META_MAX_LEVEL] = g.maxLevel;
  store.meta[META_COUNT] = g.count;
}
