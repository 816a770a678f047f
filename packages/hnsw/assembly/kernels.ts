// Distance kernels in AssemblyScript, compiled to WebAssembly SIMD (f32x4).
// Pointers are byte offsets into the index's memory; every row is padded with
// zeros to a multiple of 8 floats (32 bytes), so the loops need no tail.
// Which space uses which exports is said in src/metric.ts (`simd`).

// The sum of the four lanes of `s`.
@inline
function sumLanes(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
    f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// Squared L2 distance between the rows at `a` and `b` (`bytes` = padded row
// size). Four accumulators keep four independent add chains in flight; each
// 128-byte step adds two products to each (summed off the chain first), which
// halves the loop's counting and branching against 64-byte steps (callgrind:
// 231 instructions a 128-D distance, against 260). A row ends with at most
// one 64-byte and one 32-byte step.
@inline
function l2At(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 128 <= bytes; i += 128) {
    const d0 = f32x4.sub(v128.load(a + i), v128.load(b + i));
    const d1 = f32x4.sub(v128.load(a + i, 16), v128.load(b + i, 16));
    const d2 = f32x4.sub(v128.load(a + i, 32), v128.load(b + i, 32));
    const d3 = f32x4.sub(v128.load(a + i, 48), v128.load(b + i, 48));
    const d4 = f32x4.sub(v128.load(a + i, 64), v128.load(b + i, 64));
    const d5 = f32x4.sub(v128.load(a + i, 80), v128.load(b + i, 80));
    const d6 = f32x4.sub(v128.load(a + i, 96), v128.load(b + i, 96));
    const d7 = f32x4.sub(v128.load(a + i, 112), v128.load(b + i, 112));
    s0 = f32x4.add(s0, f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d4, d4)));
    s1 = f32x4.add(s1, f32x4.add(f32x4.mul(d1, d1), f32x4.mul(d5, d5)));
    s2 = f32x4.add(s2, f32x4.add(f32x4.mul(d2, d2), f32x4.mul(d6, d6)));
    s3 = f32x4.add(s3, f32x4.add(f32x4.mul(d3, d3), f32x4.mul(d7, d7)));
  }
  if (i + 64 <= bytes) {
    const d0 = f32x4.sub(v128.load(a + i), v128.load(b + i));
    const d1 = f32x4.sub(v128.load(a + i, 16), v128.load(b + i, 16));
    const d2 = f32x4.sub(v128.load(a + i, 32), v128.load(b + i, 32));
    const d3 = f32x4.sub(v128.load(a + i, 48), v128.load(b + i, 48));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    s2 = f32x4.add(s2, f32x4.mul(d2, d2));
    s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    i += 64;
  }
  if (i < bytes) {
    const d0 = f32x4.sub(v128.load(a + i), v128.load(b + i));
    const d1 = f32x4.sub(v128.load(a + i, 16), v128.load(b + i, 16));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    s1 = f32x4.add(s1, f32x4.mul(d1, d1));
  }
  return sumLanes(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

// Dot product of the rows at `a` and `b`, in the steps of `l2At`.
@inline
function dotAt(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 128 <= bytes; i += 128) {
    s0 = f32x4.add(s0, f32x4.add(f32x4.mul(v128.load(a + i), v128.load(b + i)), f32x4.mul(v128.load(a + i, 64), v128.load(b + i, 64))));
    s1 = f32x4.add(s1, f32x4.add(f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)), f32x4.mul(v128.load(a + i, 80), v128.load(b + i, 80))));
    s2 = f32x4.add(s2, f32x4.add(f32x4.mul(v128.load(a + i, 32), v128.load(b + i, 32)), f32x4.mul(v128.load(a + i, 96), v128.load(b + i, 96))));
    s3 = f32x4.add(s3, f32x4.add(f32x4.mul(v128.load(a + i, 48), v128.load(b + i, 48)), f32x4.mul(v128.load(a + i, 112), v128.load(b + i, 112))));
  }
  if (i + 64 <= bytes) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a + i, 32), v128.load(b + i, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a + i, 48), v128.load(b + i, 48)));
    i += 64;
  }
  if (i < bytes) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)));
  }
  return sumLanes(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

/** Squared L2 between two rows. */
export function l2(a: usize, b: usize, bytes: usize): f32 {
  return l2At(a, b, bytes);
}

/** Inner-product distance (1 - dot) between two rows. */
export function ip(a: usize, b: usize, bytes: usize): f32 {
  return 1 - dotAt(a, b, bytes);
}

/**
 * Squared L2 from the row at `q` to `count` rows named by the i32 ids at `ids`,
 * row `id` starting at `base + id * bytes`; writes f32 distances to `out`.
 */
export function l2Ids(q: usize, ids: usize, count: i32, base: usize, bytes: usize, out: usize): void {
  for (let j = 0; j < count; j++) {
    const id = <usize>load<i32>(ids + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), l2At(q, base + id * bytes, bytes));
  }
}

/** Inner-product distances (1 - dot) from `q` to the rows named by `ids`. */
export function ipIds(q: usize, ids: usize, count: i32, base: usize, bytes: usize, out: usize): void {
  for (let j = 0; j < count; j++) {
    const id = <usize>load<i32>(ids + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), 1 - dotAt(q, base + id * bytes, bytes));
  }
}

/** Squared L2 from `q` to `count` consecutive rows starting at `first` (brute force). */
export function l2Range(q: usize, first: usize, count: i32, bytes: usize, out: usize): void {
  for (let j = 0; j < count; j++) {
    store<f32>(out + (<usize>j << 2), l2At(q, first + <usize>j * bytes, bytes));
  }
}

/** Inner-product distances from `q` to `count` consecutive rows starting at `first`. */
export function ipRange(q: usize, first: usize, count: i32, bytes: usize, out: usize): void {
  for (let j = 0; j < count; j++) {
    store<f32>(out + (<usize>j << 2), 1 - dotAt(q, first + <usize>j * bytes, bytes));
  }
}

// The int8 kernels live in their own file (codes, not floats).
export { l2i8, ipi8, l2i8Ids, ipi8Ids, l2i8Range, ipi8Range } from './int8';
