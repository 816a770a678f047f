import { describe, expect, it } from 'vitest';
import { BruteForceIndex, METRICS, SPACES, distance, normalize, simdSupported, type Space } from '../src/index.js';
import { seededRandom } from './helpers/data.js';

/** float32 sums of up to 784 terms: compare with a relative tolerance. */
function expectClose(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
}

/** The space's distance written out (vectors as stored: unit length where the space normalises). */
function naive(space: Space, a: Float32Array, b: Float32Array): number {
  const unit = (v: Float32Array) => {
    const copy = v.slice();
    if (METRICS[space].normalize) normalize(copy, 0, copy.length);
    return copy;
  };
  const [x, y] = [unit(a), unit(b)];
  let s = 0;
  if (space === 'l2') for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  else for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return space === 'l2' ? s : 1 - s;
}

describe('distance kernels', () => {
  it('has WebAssembly SIMD on Node 20', () => {
    expect(simdSupported(true)).toBe(true);
    expect(simdSupported(false)).toBe(true);
  });

  for (const dim of [1, 3, 7, 8, 9, 17, 128, 784]) {
    for (const space of SPACES) {
      it(`SIMD and JS kernels agree with a naive loop (${space}, dim ${dim})`, () => {
        const rnd = seededRandom(dim);
        const n = 300;
        const data = Float32Array.from({ length: n * dim }, () => rnd() * 2 - 1);
        const q = Float32Array.from({ length: dim }, () => rnd() * 2 - 1);
        const simd = new BruteForceIndex({ space, dim, kernel: 'simd' });
        const js = new BruteForceIndex({ space, dim, kernel: 'js' });
        simd.addBatch(data);
        js.addBatch(data);
        expect(simd.kernel).toBe('simd');
        expect(js.kernel).toBe('js');
        const a = simd.search(q, n);
        const b = js.search(q, n);
        for (let i = 0; i < n; i++) {
          const label = a.labels[i];
          const want = naive(space, q, data.subarray(label * dim, (label + 1) * dim));
          expectClose(a.distances[i], want);
          if (!METRICS[space].normalize) expectClose(distance(space, q, data.subarray(label * dim, (label + 1) * dim)), want);
        }
        for (let i = 0; i < n; i++) {
          const label = b.labels[i];
          expectClose(b.distances[i], naive(space, q, data.subarray(label * dim, (label + 1) * dim)));
        }
        // Same ordering up to float rounding: compare the sets of the 10 nearest.
        expect(new Set(a.labels.subarray(0, 10))).toEqual(new Set(b.labels.subarray(0, 10)));
      });
    }
  }
});

describe('BruteForceIndex', () => {
  it('is exact: same neighbours as a naive sort, ties by lower label first', () => {
    const dim = 4;
    const rows = [[0, 0, 0, 1], [0, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 0], [5, 5, 5, 5]];
    const index = new BruteForceIndex({ space: 'l2', dim });
    index.addBatch(rows);
    const r = index.search([0, 0, 0, 0], 5);
    expect([...r.labels]).toEqual([0, 1, 3, 2, 4]);
    expect([...r.distances]).toEqual([1, 1, 1, 4, 100]);
    index.markDeleted(1);
    expect([...index.search([0, 0, 0, 0], 2).labels]).toEqual([0, 3]);
  });

  it('scans across several kernel batches and grows', () => {
    const dim = 16;
    const rnd = seededRandom(3);
    const n = 5000;
    const data = Float32Array.from({ length: n * dim }, () => rnd());
    const index = new BruteForceIndex({ space: 'l2', dim, capacity: 10 });
    index.addBatch(data);
    const q = data.subarray(4321 * dim, 4322 * dim);
    const r = index.search(q, 3);
    expect(r.labels[0]).toBe(4321);
    const order = Array.from({ length: n }, (_, i) => i)
      .map((i) => [naive('l2', q, data.subarray(i * dim, (i + 1) * dim)), i])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect([...r.labels]).toEqual(order.slice(0, 3).map((x) => x[1]));
  });
});
