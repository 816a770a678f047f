// The distance functions in plain TypeScript: the reference the SIMD kernels
// are tested against, the fallback where WebAssembly SIMD is missing, and the
// readable version. Smaller is always closer. Which space uses which function
// is said once, in metric.ts.
//
// Eight independent accumulators let V8 overlap the floating-point adds (it
// cannot vectorise); the query is a Float64Array copy, which measured faster
// than mixing Float32Array reads on both sides.

/** Squared Euclidean distance between a[aOff..aOff+dim) and b[bOff..bOff+dim). */
export function squaredL2(
  a: Float64Array | Float32Array, aOff: number, b: Float32Array | Float64Array, bOff: number, dim: number,
): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    const d0 = a[aOff + i] - b[bOff + i];
    const d1 = a[aOff + i + 1] - b[bOff + i + 1];
    const d2 = a[aOff + i + 2] - b[bOff + i + 2];
    const d3 = a[aOff + i + 3] - b[bOff + i + 3];
    const d4 = a[aOff + i + 4] - b[bOff + i + 4];
    const d5 = a[aOff + i + 5] - b[bOff + i + 5];
    const d6 = a[aOff + i + 6] - b[bOff + i + 6];
    const d7 = a[aOff + i + 7] - b[bOff + i + 7];
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i] - b[bOff + i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3 + (s4 + s5 + s6 + s7);
}

/** Dot product of a[aOff..aOff+dim) and b[bOff..bOff+dim). */
export function dot(
  a: Float64Array | Float32Array, aOff: number, b: Float32Array | Float64Array, bOff: number, dim: number,
): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
    s4 += a[aOff + i + 4] * b[bOff + i + 4];
    s5 += a[aOff + i + 5] * b[bOff + i + 5];
    s6 += a[aOff + i + 6] * b[bOff + i + 6];
    s7 += a[aOff + i + 7] * b[bOff + i + 7];
  }
  for (; i < dim; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3 + (s4 + s5 + s6 + s7);
}

/**
 * Scales `v[off..off+dim)` to unit length in place (cosine space). A zero
 * vector stays zero, as in hnswlib, rather than becoming NaN.
 */
export function normalize(v: Float32Array, off: number, dim: number): void {
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[off + i] * v[off + i];
  const scale = 1 / (Math.sqrt(norm) + 1e-30);
  for (let i = 0; i < dim; i++) v[off + i] *= scale;
}
