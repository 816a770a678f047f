// int8 distance kernels (plain WebAssembly SIMD: Node 20 has no relaxed SIMD):
// each 16-byte step widens the codes to i16x8 and multiplies-and-adds pairs
// with i32x4.dot_i16x8_s. Rows are padded with zero codes to a multiple of 16
// bytes, so the loops need no tail. The codes are one scale for every
// dimension (see src/quantization.ts), so the integer sums are the distance
// up to the factor `scale2` (the scale squared) passed in by the caller.
//
// No overflow: a lane adds at most 2 x 254^2 = 129032 per step (l2) and rows
// hold at most 65536 codes (4096 steps), 5.3e8 < 2^31; the lanes are summed
// as f32.

// The sum of the lanes of two i32x4 accumulators, in f32.
@inline
function sumI32(a: v128, b: v128): f32 {
  const s = f32x4.add(f32x4.convert_i32x4_s(a), f32x4.convert_i32x4_s(b));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
    f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// Sum of squared code differences between the rows at `a` and `b`.
@inline
function l2i8At(a: usize, b: usize, bytes: usize): f32 {
  let s0 = i32x4.splat(0);
  let s1 = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const va = v128.load(a + i);
    const vb = v128.load(b + i);
    const dl = i16x8.sub(i16x8.extend_low_i8x16_s(va), i16x8.extend_low_i8x16_s(vb));
    const dh = i16x8.sub(i16x8.extend_high_i8x16_s(va), i16x8.extend_high_i8x16_s(vb));
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(dl, dl));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(dh, dh));
  }
  return sumI32(s0, s1);
}

// Dot product of the codes of the rows at `a` and `b`.
@inline
function dotI8At(a: usize, b: usize, bytes: usize): f32 {
  let s0 = i32x4.splat(0);
  let s1 = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const va = v128.load(a + i);
    const vb = v128.load(b + i);
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(va), i16x8.extend_low_i8x16_s(vb)));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(va), i16x8.extend_high_i8x16_s(vb)));
  }
  return sumI32(s0, s1);
}

/** Squared L2 between two code rows: scale2 x the sum of squared code differences. */
export function l2i8(a: usize, b: usize, bytes: usize, scale2: f32): f32 {
  return scale2 * l2i8At(a, b, bytes);
}

/** Inner-product distance between two code rows: 1 - scale2 x the code dot product. */
export function ipi8(a: usize, b: usize, bytes: usize, scale2: f32): f32 {
  return 1 - scale2 * dotI8At(a, b, bytes);
}

/** `l2i8` from the code row at `q` to the rows named by the i32 ids at `ids` (row `id` at `base + id * bytes`). */
export function l2i8Ids(q: usize, ids: usize, count: i32, base: usize, bytes: usize, scale2: f32, out: usize): void {
  for (let j = 0; j < count; j++) {
    const id = <usize>load<i32>(ids + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), scale2 * l2i8At(q, base + id * bytes, bytes));
  }
}

/** `ipi8` from the code row at `q` to the rows named by `ids`. */
export function ipi8Ids(q: usize, ids: usize, count: i32, base: usize, bytes: usize, scale2: f32, out: usize): void {
  for (let j = 0; j < count; j++) {
    const id = <usize>load<i32>(ids + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), 1 - scale2 * dotI8At(q, base + id * bytes, bytes));
  }
}

/** `l2i8` from `q` to `count` consecutive code rows starting at `first` (brute force). */
export function l2i8Range(q: usize, first: usize, count: i32, bytes: usize, scale2: f32, out: usize): void {
  for (let j = 0; j < count; j++) {
    store<f32>(out + (<usize>j << 2), scale2 * l2i8At(q, first + <usize>j * bytes, bytes));
  }
}

/** `ipi8` from `q` to `count` consecutive code rows starting at `first`. */
export function ipi8Range(q: usize, first: usize, count: i32, bytes: usize, scale2: f32, out: usize): void {
  for (let j = 0; j < count; j++) {
    store<f32>(out + (<usize>j << 2), 1 - scale2 * dotI8At(q, first + <usize>j * bytes, bytes));
  }
}
