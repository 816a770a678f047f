// The HNSW hot loop in AssemblyScript: SEARCH-LAYER (Algorithm 2), the greedy
// descent, SELECT-NEIGHBORS (Algorithms 3 and 4), INSERT (Algorithm 1) and
// K-NN-SEARCH (Algorithm 5), over the index's memory as src/layout.ts lays it
// out. It mirrors src/algorithms/ step for step (same heaps, same visit and
// push order), so both loops give identical graphs and results; the
// TypeScript files are the commented reference, this is the fast twin.

import { ipi8, ipi8Ids, l2i8, l2i8Ids } from './int8';
import { ip, ipIds, l2, l2Ids } from './kernels';

// Layout header at HEADER (src/layout.ts HEADER_FIELDS, same order).
const HEADER: usize = 256;
const H_LINKS0 = 0;
const H_STRIDE0 = 1;
const H_UPPER_OFFSETS = 2;
const H_UPPER_LINKS = 3;
const H_STRIDE_UPPER = 4;
const H_LEVELS = 5;
const H_DELETED = 6;
const H_LOCKS = 7;
const H_META = 8;
const H_VECTOR_BASE = 9;
const H_ROW_BYTES = 10;
const H_ENCODING = 11;
const H_M = 12;
const H_M0 = 13;
const H_CAPACITY = 14;
const H_SCRATCH_BASE = 15;
const H_SLOT_BYTES = 16;
const H_SLOT_VISITED = 17;
const H_SLOT_ALLOW = 18;
const H_SLOT_C_KEYS = 19;
const H_SLOT_C_VALUES = 20;
const H_SLOT_W_KEYS = 21;
const H_SLOT_W_VALUES = 22;
// meta (src/layout.ts META_*), in i32s.
const META_ENTRY_POINT = 0;
const META_MAX_LEVEL = 1;
const META_COUNT = 2;
const META_GLOBAL_LOCK = 3;
// A search slot's header: its visited epoch, then (from byte 64) the selection buffers.
const SLOT_EPOCH: usize = 0;
const SLOT_HEADER_BYTES: usize = 64;
// Filter modes of a search: none, skip deleted, skip deleted and nodes not in the allow bits.
const FILTER_DELETED = 1;
const FILTER_ALLOWED = 2;

// Set once per instance (a thread's loop over one index) by `configure`.
let slotIndex: i32 = 0;
let metric: i32 = 0;
// int8 codes: the scale squared (the one factor of every code distance), passed at every call.
let scale2: f32 = 1;
// Re-read from the header at every call: growth relocates the regions.
let links0: usize = 0;
let stride0: usize = 0;
let upperOffsets: usize = 0;
let upperLinks: usize = 0;
let strideUpper: usize = 0;
let levels: usize = 0;
let deleted: usize = 0;
let locks: usize = 0;
let meta: usize = 0;
let vectorBase: usize = 0;
let rowBytes: usize = 0;
let encoding: i32 = 0;
let M: i32 = 0;
let M0: i32 = 0;
let capacity: i32 = 0;
let slot: usize = 0;
let visited: usize = 0;
let allow: usize = 0;
let cKeys: usize = 0;
let cValues: usize = 0;
let wKeys: usize = 0;
let wValues: usize = 0;
// Selection buffers of M0 + 2 entries: R, R's distances, the new node's links, a batch of ids.
let rIds: usize = 0;
let rDists: usize = 0;
let linkIds: usize = 0;
let batch: usize = 0;
let wSize: i32 = 0;
let epoch: u16 = 0;
let concurrent: bool = false;
let heuristic: bool = true;
// Output of the greedy descent and of connectNewNode.
let epNode: i32 = -1;
let epDist: f32 = 0;

@inline
function header(field: i32): usize {
  return <usize>load<i32>(HEADER + (<usize>field << 2));
}

/** Makes this instance the loop of scratch slot `slotId` for a metric (0 = l2, 1 = ip, over f32 rows or int8 codes: src/kernels/wasm-loop.ts). */
export function configure(slotId: i32, metricId: i32): void {
  slotIndex = slotId;
  metric = metricId;
}

function begin(isConcurrent: bool, scaleSquared: f32): void {
  scale2 = scaleSquared;
  links0 = header(H_LINKS0);
  stride0 = header(H_STRIDE0);
  upperOffsets = header(H_UPPER_OFFSETS);
  upperLinks = header(H_UPPER_LINKS);
  strideUpper = header(H_STRIDE_UPPER);
  levels = header(H_LEVELS);
  deleted = header(H_DELETED);
  locks = header(H_LOCKS);
  meta = header(H_META);
  vectorBase = header(H_VECTOR_BASE);
  rowBytes = header(H_ROW_BYTES);
  encoding = <i32>header(H_ENCODING);
  M = <i32>header(H_M);
  M0 = <i32>header(H_M0);
  capacity = <i32>header(H_CAPACITY);
  slot = header(H_SCRATCH_BASE) + <usize>slotIndex * header(H_SLOT_BYTES);
  visited = slot + header(H_SLOT_VISITED);
  allow = slot + header(H_SLOT_ALLOW);
  cKeys = slot + header(H_SLOT_C_KEYS);
  cValues = slot + header(H_SLOT_C_VALUES);
  wKeys = slot + header(H_SLOT_W_KEYS);
  wValues = slot + header(H_SLOT_W_VALUES);
  const selection = <usize>(4 * (M0 + 2));
  rIds = slot + SLOT_HEADER_BYTES;
  rDists = rIds + selection;
  linkIds = rDists + selection;
  batch = linkIds + selection;
  concurrent = isConcurrent;
}

/** Byte address of slot `slotId`'s result arrays: W's keys (f32) then values (i32), for JS views. */
export function resultKeysAddress(slotId: i32): usize {
  return header(H_SCRATCH_BASE) + <usize>slotId * header(H_SLOT_BYTES) + header(H_SLOT_W_KEYS);
}

export function resultValuesAddress(slotId: i32): usize {
  return header(H_SCRATCH_BASE) + <usize>slotId * header(H_SLOT_BYTES) + header(H_SLOT_W_VALUES);
}

/** Byte address of slot `slotId`'s allow-list bits (a bit per node). */
export function allowAddress(slotId: i32): usize {
  return header(H_SCRATCH_BASE) + <usize>slotId * header(H_SLOT_BYTES) + header(H_SLOT_ALLOW);
}

// ---- distances: one small switch on the store's encoding (src/vector-store.ts VECTOR_ENCODING_IDS)

@inline
function row(node: i32): usize {
  return vectorBase + <usize>node * rowBytes;
}

// Loads that only warm the cache (WebAssembly has no prefetch): their sum goes
// to a global so no optimiser drops them.
let touched: u32 = 0;

@inline
function touch(at: usize, bytes: usize): u32 {
  // Every 64-byte line: touching every other one, for an adjacent-line
  // prefetcher to fetch its pair, measured 15-20% fewer queries per second
  // here (AMD EPYC, clustered 100k x 128, efSearch 40-160). Four lines a step
  // (a 128-D f32 row is two steps), so the loads go out with a quarter of the
  // counting and branching between them (see searchLayer).
  let sum: u32 = 0;
  let p = at;
  const end = at + bytes;
  for (; p + 256 <= end; p += 256) sum += load<u32>(p) + load<u32>(p, 64) + load<u32>(p, 128) + load<u32>(p, 192);
  for (; p < end; p += 64) sum += load<u32>(p);
  return sum;
}

@inline
function distance(a: usize, b: usize): f32 {
  return distanceOf(encoding, metric, a, b, rowBytes);
}

/** `distance` with the store's encoding, the metric and the row size passed in (from a hot loop's locals). */
@inline
function distanceOf(enc: i32, met: i32, a: usize, b: usize, bytes: usize): f32 {
  switch (enc) {
    case 0: return met == 0 ? l2(a, b, bytes) : ip(a, b, bytes); // f32
    // int8 codes (the query encoded with the same ranges): the kernels of Int8SimdKernel, so both loops agree.
    case 1: return met == 0 ? l2i8(a, b, bytes, scale2) : ipi8(a, b, bytes, scale2);
    default: unreachable();
  }
  return 0;
}

/** `distanceOf` from `q` to the `count` rows named by the i32 ids at `ids`, into the f32s at `out`: one call for a whole list. */
@inline
function distancesOf(enc: i32, met: i32, q: usize, ids: usize, count: i32, base: usize, bytes: usize, out: usize): void {
  switch (enc) {
    case 0:
      if (met == 0) l2Ids(q, ids, count, base, bytes, out);
      else ipIds(q, ids, count, base, bytes, out);
      break;
    case 1:
      if (met == 0) l2i8Ids(q, ids, count, base, bytes, scale2, out);
      else ipi8Ids(q, ids, count, base, bytes, scale2, out);
      break;
    default: unreachable();
  }
}

// ---- locks: the protocol of src/locks.ts (0 free, 1 held, 2 held with waiters) on the same words

function acquire(word: usize): void {
  if (atomic.cmpxchg<i32>(word, 0, 1) == 0) return;
  for (let spin = 0; spin < 64; spin++) {
    if (atomic.load<i32>(word) == 0 && atomic.cmpxchg<i32>(word, 0, 1) == 0) return;
  }
  while (atomic.xchg<i32>(word, 2) != 0) atomic.wait<i32>(word, 2, -1);
}

function release(word: usize): void {
  if (atomic.sub<i32>(word, 1) != 1) {
    atomic.store<i32>(word, 0);
    atomic.notify(word, 1);
  }
}

@inline
function lockOf(node: i32): usize {
  return locks + (<usize>node << 2);
}

// ---- link lists

/** Byte address of the count word of `node`'s list at `level`. */
@inline
function linksAt(node: i32, level: i32): usize {
  if (level == 0) return links0 + ((<usize>node * stride0) << 2);
  const offset = <usize>load<i32>(upperOffsets + (<usize>node << 2));
  return upperLinks + ((offset + <usize>(level - 1) * strideUpper) << 2);
}

// ---- visited set: epoch-tagged u16 per node (src/visited.ts)

function resetVisited(): void {
  let next = load<u32>(slot + SLOT_EPOCH) + 1;
  if (next == 65536) {
    memory.fill(visited, 0, <usize>capacity << 1);
    next = 1;
  }
  store<u32>(slot + SLOT_EPOCH, next);
  epoch = <u16>next;
}

@inline
function visit(node: i32): bool {
  return visitIn(visited, epoch, node);
}

/** `visit` over the set at `seen` with epoch `tag` (from a hot loop's locals): false if `node` was marked already. */
@inline
function visitIn(seen: usize, tag: u16, node: i32): bool {
  const at = seen + (<usize>node << 1);
  if (load<u16>(at) == tag) return false;
  store<u16>(at, tag);
  return true;
}

@inline
function accepts(node: i32, filter: i32): bool {
  if (load<u8>(deleted + <usize>node) != 0) return false;
  if (filter == FILTER_ALLOWED) return (load<u8>(allow + (<usize>node >> 3)) & (1 << (node & 7))) != 0;
  return true;
}

// ---- heaps: the binary heaps of src/heap.ts, keys f32 (the kernels' distances), values i32.
// One body for both: `max` is a constant at every (inlined) call, so the branch folds away.

/** `a` belongs above `b`: nearer in the min-heap C, further in the max-heap W. */
@inline
function above(a: f32, b: f32, max: bool): bool {
  return max ? a > b : a < b;
}

/** Pushes into the heap at keys/values holding `size` entries (size becomes size + 1). */
@inline
function heapPush(keys: usize, values: usize, size: i32, key: f32, value: i32, max: bool): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pk = load<f32>(keys + (<usize>parent << 2));
    if (!above(key, pk, max)) break;
    store<f32>(keys + (<usize>i << 2), pk);
    store<i32>(values + (<usize>i << 2), load<i32>(values + (<usize>parent << 2)));
    i = parent;
  }
  store<f32>(keys + (<usize>i << 2), key);
  store<i32>(values + (<usize>i << 2), value);
}

/** Removes the top of the heap of `n + 1` entries (n after the pop). */
@inline
function heapPop(keys: usize, values: usize, n: i32, max: bool): void {
  if (n == 0) return;
  const key = load<f32>(keys + (<usize>n << 2));
  const value = load<i32>(values + (<usize>n << 2));
  let i = 0;
  while (true) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && above(load<f32>(keys + (<usize>(child + 1) << 2)), load<f32>(keys + (<usize>child << 2)), max)) child++;
    const ck = load<f32>(keys + (<usize>child << 2));
    if (!above(ck, key, max)) break;
    store<f32>(keys + (<usize>i << 2), ck);
    store<i32>(values + (<usize>i << 2), load<i32>(values + (<usize>child << 2)));
    i = child;
  }
  store<f32>(keys + (<usize>i << 2), key);
  store<i32>(values + (<usize>i << 2), value);
}

function wPush(key: f32, value: i32): void {
  heapPush(wKeys, wValues, wSize++, key, value, true);
}

function wPop(): void {
  heapPop(wKeys, wValues, --wSize, true);
}

/**
 * Empties W in place into its own arrays, nearest first (a heap sort: each
 * popped top goes to the entry the pop freed); returns the count. The same
 * order as MaxHeap.drainAscending.
 */
function drainW(): i32 {
  const n = wSize;
  for (let i = n - 1; i >= 0; i--) {
    const key = load<f32>(wKeys);
    const value = load<i32>(wValues);
    wPop();
    store<f32>(wKeys + (<usize>i << 2), key);
    store<i32>(wValues + (<usize>i << 2), value);
  }
  return n;
}

// ---- Algorithm 2: SEARCH-LAYER (src/algorithms/search-layer.ts)

// The hottest loop of all, written for the machine code V8 makes of it. Three
// changes, measured together against the loop before them (same process,
// seed-data 100k x 128, roles swapped): 0.79-0.82x of the build time and
// 1.16-1.52x the queries per second; callgrind, 10k rows: the loop's own
// instructions 3.6 G down to 2.7 G. Each one undone alone, against all three:
// - Every region, size and flag it uses is read into a local once (a global is
//   a load from the instance at every use, and the heap sizes were stores):
//   the rest of the gain.
// - The distances of one expansion are one call (l2Ids and its kin), not one a
//   neighbour: undone, 1.02-1.08x the build time, 0.95-0.98x the QPS.
// - `touch` takes four lines a step: undone, 1.05-1.07x and 0.85-0.95x.
function searchLayer(q: usize, ep: i32, epD: f32, ef: i32, level: i32, filter: i32): void {
  resetVisited();
  const tag = epoch;
  const seen = visited;
  const base = vectorBase;
  const bytes = rowBytes;
  const enc = encoding;
  const met = metric;
  const ck = cKeys;
  const cv = cValues;
  const wk = wKeys;
  const wv = wValues;
  const ids = batch;
  // R's distances are free during a layer search (SELECT-NEIGHBORS fills them after it).
  const dists = rDists;
  const locked = concurrent;
  let cs = 0;
  let ws = 0;
  visitIn(seen, tag, ep);
  heapPush(ck, cv, cs++, epD, ep, false);
  let furthest: f32 = Infinity;
  if (filter == 0 || accepts(ep, filter)) {
    heapPush(wk, wv, ws++, epD, ep, true);
    furthest = epD;
  }
  while (cs > 0) {
    const cDist = load<f32>(ck);
    if (cDist > furthest && (ws >= ef || filter == 0)) break;
    const c = load<i32>(cv);
    heapPop(ck, cv, --cs, false);

    const at = linksAt(c, level);
    if (locked) acquire(lockOf(c));
    const degree = load<i32>(at);
    let n = 0;
    let warm: u32 = 0;
    for (let j = 1; j <= degree; j++) {
      const e = load<i32>(at + (<usize>j << 2));
      if (visitIn(seen, tag, e)) {
        // Every row's lines start loading now, while the others are gathered and computed.
        warm += touch(base + <usize>e * bytes, bytes);
        store<i32>(ids + (<usize>(n++) << 2), e);
      }
    }
    if (locked) release(lockOf(c));
    // So does the link list of the candidate likely expanded next.
    if (cs > 0) warm += load<u32>(linksAt(load<i32>(cv), level));
    touched += warm;

    distancesOf(enc, met, q, ids, n, base, bytes, dists);
    for (let j = 0; j < n; j++) {
      const e = load<i32>(ids + (<usize>j << 2));
      const eDist = load<f32>(dists + (<usize>j << 2));
      if (ws < ef || eDist < furthest) {
        heapPush(ck, cv, cs++, eDist, e, false);
        if (filter == 0 || accepts(e, filter)) {
          heapPush(wk, wv, ws++, eDist, e, true);
          if (ws > ef) heapPop(wk, wv, --ws, true);
          furthest = load<f32>(wk);
        }
      }
    }
  }
  wSize = ws;
}

// ---- the greedy descent (src/algorithms/greedy-search.ts)

function greedy(q: usize, ep: i32, epD: f32, fromLevel: i32, toLevel: i32): void {
  let cur = ep;
  let curDist = epD;
  for (let lc = fromLevel; lc > toLevel; lc--) {
    let changed = true;
    while (changed) {
      changed = false;
      const at = linksAt(cur, lc);
      if (concurrent) acquire(lockOf(cur));
      const count = load<i32>(at);
      for (let j = 0; j < count; j++) store<i32>(batch + (<usize>j << 2), load<i32>(at + (<usize>(j + 1) << 2)));
      if (concurrent) release(lockOf(cur));
      // One kernel call for the list, as in searchLayer (R's distances are free here).
      distancesOf(encoding, metric, q, batch, count, vectorBase, rowBytes, rDists);
      for (let j = 0; j < count; j++) {
        const e = load<i32>(batch + (<usize>j << 2));
        const d = load<f32>(rDists + (<usize>j << 2));
        if (d < curDist) {
          curDist = d;
          cur = e;
          changed = true;
        }
      }
    }
  }
  epNode = cur;
  epDist = curDist;
}

// ---- Algorithms 3 and 4: SELECT-NEIGHBORS (src/algorithms/select-neighbors.ts)

/** Algorithm 4's test: none of the `size` nodes whose ids are at `ids` is nearer than `eDist` to the row at `eRow`. */
@inline
function diverse(eRow: usize, eDist: f32, ids: usize, size: i32): bool {
  for (let r = 0; r < size; r++) if (distance(eRow, row(load<i32>(ids + (<usize>r << 2)))) < eDist) return false;
  return true;
}

/** From `count` candidates sorted nearest first (ids, f32 distances), writes R to rIds/rDists; returns |R|. */
function selectNeighbors(ids: usize, dists: usize, count: i32, m: i32): i32 {
  if (!heuristic || count <= m) {
    const size = count < m ? count : m;
    for (let i = 0; i < size; i++) {
      store<i32>(rIds + (<usize>i << 2), load<i32>(ids + (<usize>i << 2)));
      store<f32>(rDists + (<usize>i << 2), load<f32>(dists + (<usize>i << 2)));
    }
    return size;
  }
  let size = 0;
  for (let i = 0; i < count && size < m; i++) {
    const e = load<i32>(ids + (<usize>i << 2));
    const eDist = load<f32>(dists + (<usize>i << 2));
    if (diverse(row(e), eDist, rIds, size)) {
      store<i32>(rIds + (<usize>size << 2), e);
      store<f32>(rDists + (<usize>size << 2), eDist);
      size++;
    }
  }
  return size;
}

// ---- Algorithm 1: INSERT (src/algorithms/insert.ts)

function setEntryPoint(node: i32, level: i32): void {
  atomic.store<i32>(meta + (META_ENTRY_POINT << 2), node);
  atomic.store<i32>(meta + (META_MAX_LEVEL << 2), level);
}

/**
 * Links node `q` (vector and level stored) into the graph; with
 * `isConcurrent`, under the locks of src/algorithms/insert.ts.
 */
export function insert(q: i32, efConstruction: i32, useHeuristic: bool, isConcurrent: bool, scaleSquared: f32): void {
  begin(isConcurrent, scaleSquared);
  heuristic = useHeuristic;
  const l = <i32>load<u8>(levels + <usize>q);
  const globalLock = meta + (META_GLOBAL_LOCK << 2);
  let holdsGlobal = false;
  if (concurrent) {
    acquire(globalLock);
    if (l > atomic.load<i32>(meta + (META_MAX_LEVEL << 2))) holdsGlobal = true;
    else release(globalLock);
    acquire(lockOf(q));
  }
  const L = atomic.load<i32>(meta + (META_MAX_LEVEL << 2));
  let ep = atomic.load<i32>(meta + (META_ENTRY_POINT << 2));
  if (ep < 0) {
    setEntryPoint(q, l);
  } else {
    const qRow = row(q);
    let d = distance(qRow, row(ep));
    if (L > l) {
      greedy(qRow, ep, d, L, l);
      ep = epNode;
      d = epDist;
    }
    for (let lc = L < l ? L : l; lc >= 0; lc--) {
      searchLayer(qRow, ep, d, efConstruction, lc, 0);
      ep = connectNewNode(q, lc, false);
      d = epDist;
    }
    if (l > L) setEntryPoint(q, l);
  }
  if (concurrent) release(lockOf(q));
  if (holdsGlobal) release(globalLock);
}

/** connectNewNode of src/algorithms/insert.ts; with `isUpdate`, q is skipped where a list has it already. */
function connectNewNode(q: i32, lc: i32, isUpdate: bool): i32 {
  const found = drainW();
  const nearest = load<i32>(wValues);
  epDist = load<f32>(wKeys);
  const count = dropDeleted(found);
  const size = selectNeighbors(wValues, wKeys, count, M);
  memory.copy(linkIds, rIds, <usize>size << 2);
  const at = linksAt(q, lc);
  // A concurrent insert holds q's lock already; an update does not.
  const lockQ = concurrent && isUpdate;
  if (lockQ) acquire(lockOf(q));
  for (let i = 0; i < size; i++) store<i32>(at + (<usize>(i + 1) << 2), load<i32>(linkIds + (<usize>i << 2)));
  store<i32>(at, size);
  if (lockQ) release(lockOf(q));
  const mMax = lc == 0 ? M0 : M;
  for (let i = 0; i < size; i++) addLink(load<i32>(linkIds + (<usize>i << 2)), q, lc, mMax, isUpdate);
  return nearest;
}

/** dropDeleted of src/algorithms/insert.ts: the soft-deleted among W's sorted `count` left out, unless all are. */
function dropDeleted(count: i32): i32 {
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(wValues + (<usize>i << 2));
    if (load<u8>(deleted + <usize>id) != 0) continue;
    store<i32>(wValues + (<usize>kept << 2), id);
    store<f32>(wKeys + (<usize>kept << 2), load<f32>(wKeys + (<usize>i << 2)));
    kept++;
  }
  return kept > 0 ? kept : count;
}

/** addLink of src/algorithms/insert.ts: q joins e's list, shrunk by SELECT-NEIGHBORS when full. */
function addLink(e: i32, q: i32, lc: i32, mMax: i32, isUpdate: bool): void {
  const at = linksAt(e, lc);
  if (concurrent) acquire(lockOf(e));
  const count = load<i32>(at);
  let present = false;
  if (isUpdate) {
    for (let j = 1; j <= count; j++) if (load<i32>(at + (<usize>j << 2)) == q) present = true;
  }
  if (present) {
    // q is linked from e already.
  } else if (count < mMax) {
    store<i32>(at + (<usize>(count + 1) << 2), q);
    store<i32>(at, count + 1);
  } else {
    for (let j = 0; j < count; j++) store<i32>(batch + (<usize>j << 2), load<i32>(at + (<usize>(j + 1) << 2)));
    store<i32>(batch + (<usize>count << 2), q);
    const eRow = row(e);
    wSize = 0;
    for (let j = 0; j <= count; j++) {
      const id = load<i32>(batch + (<usize>j << 2));
      wPush(distance(eRow, row(id)), id);
    }
    const sorted = drainW();
    const size = selectNeighbors(wValues, wKeys, sorted, mMax);
    for (let j = 0; j < size; j++) store<i32>(at + (<usize>(j + 1) << 2), load<i32>(rIds + (<usize>j << 2)));
    store<i32>(at, size);
  }
  if (concurrent) release(lockOf(e));
}

// ---- moving a point (src/algorithms/update.ts)

/** The repair of `update` in src/algorithms/update.ts around node `q`, whose vector was overwritten. Single-threaded. */
export function update(q: i32, efConstruction: i32, useHeuristic: bool, scaleSquared: f32): void {
  begin(false, scaleSquared);
  heuristic = useHeuristic;
  const ep = load<i32>(meta + (META_ENTRY_POINT << 2));
  if (ep < 0 || load<i32>(meta + (META_COUNT << 2)) == 1) return;
  const level = <i32>load<u8>(levels + <usize>q);
  for (let lc = 0; lc <= level; lc++) reselectNeighborsOfNeighbors(q, lc, efConstruction);
  relinkNode(q, efConstruction);
}

/** relinkNode of src/algorithms/update.ts: `q` linked again as if inserted, from the entry point. */
function relinkNode(q: i32, efConstruction: i32): void {
  const level = <i32>load<u8>(levels + <usize>q);
  const qRow = row(q);
  let cur = load<i32>(meta + (META_ENTRY_POINT << 2));
  let curDist = distance(qRow, row(cur));
  const L = load<i32>(meta + (META_MAX_LEVEL << 2));
  if (level < L) {
    greedy(qRow, cur, curDist, L, level);
    cur = epNode;
    curDist = epDist;
  }
  for (let lc = level; lc >= 0; lc--) {
    searchLayer(qRow, cur, curDist, efConstruction, lc, 0);
    removeFromResults(q);
    if (wSize == 0) continue;
    cur = connectNewNode(q, lc, true);
    curDist = epDist;
  }
}

/** Drops `q` from W, as update.ts: drained nearest first, then pushed back in that order without q. */
function removeFromResults(q: i32): void {
  let found = false;
  for (let i = 0; i < wSize; i++) if (load<i32>(wValues + (<usize>i << 2)) == q) found = true;
  if (!found) return;
  const count = drainW();
  // C is free here: it holds the sorted copy while W is refilled.
  memory.copy(cKeys, wKeys, <usize>count << 2);
  memory.copy(cValues, wValues, <usize>count << 2);
  for (let i = 0; i < count; i++) {
    const id = load<i32>(cValues + (<usize>i << 2));
    if (id != q) wPush(load<f32>(cKeys + (<usize>i << 2)), id);
  }
}

/** Step 1 of `update` at layer `lc`: each neighbour of q re-selects its links among q's two-hop neighbourhood. */
function reselectNeighborsOfNeighbors(q: i32, lc: i32, efConstruction: i32): void {
  const qAt = linksAt(q, lc);
  const oneHop = load<i32>(qAt);
  if (oneHop == 0) return;
  // The candidates (distinct nodes, so at most the node count) go in C's values, q's neighbours in C's keys.
  const candidates = cValues;
  const neighbors = cKeys;
  resetVisited();
  let n = 0;
  store<i32>(candidates, q);
  n++;
  visit(q);
  for (let i = 1; i <= oneHop; i++) {
    const e = load<i32>(qAt + (<usize>i << 2));
    if (visit(e)) store<i32>(candidates + (<usize>(n++) << 2), e);
    const eAt = linksAt(e, lc);
    const degree = load<i32>(eAt);
    for (let j = 1; j <= degree; j++) {
      const f = load<i32>(eAt + (<usize>j << 2));
      if (visit(f)) store<i32>(candidates + (<usize>(n++) << 2), f);
    }
  }
  for (let i = 0; i < oneHop; i++) store<i32>(neighbors + (<usize>i << 2), load<i32>(qAt + (<usize>(i + 1) << 2)));
  const mMax = lc == 0 ? M0 : M;
  for (let i = 0; i < oneHop; i++) {
    const neighbor = load<i32>(neighbors + (<usize>i << 2));
    const nRow = row(neighbor);
    wSize = 0;
    for (let j = 0; j < n; j++) {
      const c = load<i32>(candidates + (<usize>j << 2));
      if (c == neighbor) continue;
      const d = distance(nRow, row(c));
      if (wSize < efConstruction) wPush(d, c);
      else if (d < load<f32>(wKeys)) {
        wPop();
        wPush(d, c);
      }
    }
    const count = drainW();
    const size = selectNeighbors(wValues, wKeys, count, mMax);
    const at = linksAt(neighbor, lc);
    for (let j = 0; j < size; j++) store<i32>(at + (<usize>(j + 1) << 2), load<i32>(rIds + (<usize>j << 2)));
    store<i32>(at, size);
  }
}

// ---- hard deletes (src/algorithms/remove.ts): the removed nodes are the slot's allow bits

@inline
function isRemoved(node: i32): bool {
  return (load<u8>(allow + (<usize>node >> 3)) & (1 << (node & 7))) != 0;
}

/**
 * Step 2 of `repairRemoved` in src/algorithms/remove.ts for every list of
 * the surviving nodes among [0, count): the removed ones have their allow
 * bit set. Single-threaded.
 */
export function repairLists(count: i32, expandTimes: i32, useHeuristic: bool, scaleSquared: f32): void {
  begin(false, scaleSquared);
  heuristic = useHeuristic;
  for (let p = 0; p < count; p++) {
    if (isRemoved(p)) continue;
    const level = <i32>load<u8>(levels + <usize>p);
    for (let lc = 0; lc <= level; lc++) repairList(p, lc, expandTimes);
  }
}

/** repairList of src/algorithms/remove.ts: node p's list at layer lc. */
function repairList(p: i32, lc: i32, expandTimes: i32): void {
  const at = linksAt(p, lc);
  const degree = load<i32>(at);
  let touched = false;
  for (let j = 1; j <= degree; j++) {
    if (isRemoved(load<i32>(at + (<usize>j << 2)))) {
      touched = true;
      break;
    }
  }
  if (!touched) return;

  // C is free here: the removed nodes to expand go in its keys (as i32), the candidates in its values,
  // each capped as remove.ts's RepairScratch.
  const expand = cKeys;
  const candidates = cValues;
  const cap = M0 * (M0 + 1);
  resetVisited();
  visit(p);
  let kept = 0;
  let queued = 0;
  for (let j = 1; j <= degree; j++) {
    const e = load<i32>(at + (<usize>j << 2));
    visit(e);
    if (isRemoved(e)) store<i32>(expand + (<usize>(queued++) << 2), e);
    else store<i32>(at + (<usize>(1 + kept++) << 2), e);
  }
  store<i32>(at, kept);

  const mMax = lc == 0 ? M0 : M;
  const direct = queued;
  let n = 0;
  for (let i = 0; i < queued && (i < direct || n < expandTimes * mMax); i++) {
    const dAt = linksAt(load<i32>(expand + (<usize>i << 2)), lc);
    const dDegree = load<i32>(dAt);
    for (let j = 1; j <= dDegree; j++) {
      const f = load<i32>(dAt + (<usize>j << 2));
      if (!visit(f)) continue;
      if (!isRemoved(f)) {
        if (n < cap) store<i32>(candidates + (<usize>(n++) << 2), f);
      } else if (queued < cap) {
        store<i32>(expand + (<usize>(queued++) << 2), f);
      }
    }
  }
  if (n == 0 || kept >= mMax) return;

  // The candidates nearest to p first, in W's arrays.
  const pRow = row(p);
  wSize = 0;
  for (let i = 0; i < n; i++) {
    const c = load<i32>(candidates + (<usize>i << 2));
    wPush(distance(pRow, row(c)), c);
  }
  const sorted = drainW();

  // Algorithm 4's test against every link in the list; the candidates it turns away go to C's values, in order.
  let size = kept;
  let rejected = 0;
  for (let i = 0; i < sorted && size < mMax; i++) {
    const e = load<i32>(wValues + (<usize>i << 2));
    const eDist = load<f32>(wKeys + (<usize>i << 2));
    if (!heuristic || diverse(row(e), eDist, at + 4, size)) store<i32>(at + (<usize>(1 + size++) << 2), e);
    else store<i32>(candidates + (<usize>(rejected++) << 2), e);
  }
  // Back to the degree the list had: the nearest candidates the test turned away.
  for (let i = 0; i < rejected && size < degree; i++) store<i32>(at + (<usize>(1 + size++) << 2), load<i32>(candidates + (<usize>i << 2)));
  store<i32>(at, size);
}

/** relinkNode of src/algorithms/update.ts for node `q`: step 3 of a hard delete's repair. Single-threaded. */
export function relink(q: i32, efConstruction: i32, useHeuristic: bool, scaleSquared: f32): void {
  begin(false, scaleSquared);
  heuristic = useHeuristic;
  relinkNode(q, efConstruction);
}

// ---- Algorithm 5: K-NN-SEARCH (src/algorithms/knn-search.ts)

/**
 * The k nearest nodes to the row at byte address `q`, left in the slot's
 * result arrays nearest first (`resultKeysAddress`); returns how many.
 * `filter`: 0 none, 1 skip deleted, 2 skip deleted and nodes without an
 * allow bit.
 */
export function knnSearch(q: usize, k: i32, ef: i32, filter: i32, isConcurrent: bool, scaleSquared: f32): i32 {
  begin(isConcurrent, scaleSquared);
  wSize = 0;
  const L = atomic.load<i32>(meta + (META_MAX_LEVEL << 2));
  const ep = atomic.load<i32>(meta + (META_ENTRY_POINT << 2));
  if (ep < 0) return 0;
  const epLevel = <i32>load<u8>(levels + <usize>ep);
  greedy(q, ep, distance(q, row(ep)), L < epLevel ? L : epLevel, 0);
  searchLayer(q, epNode, epDist, ef > k ? ef : k, 0, filter);
  while (wSize > k) wPop();
  return drainW();
}
