// Streaming statistics: chunked accumulation equals one pass, and `fileInfo`
// reports them for a file.

import { describe, expect, it } from 'vitest';
import { StatsAccumulator, computeStats, fileInfo, writeVectors } from '../src/index.js';
import { lcgFloats, tempDir } from './helpers.js';

const file = tempDir('stats');

describe('statistics', () => {
  it('match a direct float64 computation, however the rows are chunked', () => {
    const dim = 5;
    const data = lcgFloats(997 * dim, 7).map((v, i) => v * 3 + (i % dim));
    let sum = 0, min = Infinity, max = -Infinity, norms = 0;
    for (const v of data) { sum += v; min = Math.min(min, v); max = Math.max(max, v); }
    const mean = sum / data.length;
    let sq = 0;
    for (const v of data) sq += (v - mean) ** 2;
    for (let r = 0; r < 997; r++) {
      let n = 0;
      for (let c = 0; c < dim; c++) n += data[r * dim + c] ** 2;
      norms += Math.sqrt(n);
    }
    const acc = new StatsAccumulator(dim);
    for (const [a, b] of [[0, 1], [1, 400], [400, 401], [401, 997]]) acc.add(data.subarray(a * dim, b * dim));
    for (const s of [acc.result(), computeStats(data, dim)]) {
      expect(s.count).toBe(997);
      expect(s.mean).toBeCloseTo(mean, 12);
      expect(s.sd).toBeCloseTo(Math.sqrt(sq / data.length), 12);
      expect([s.min, s.max]).toEqual([min, max]);
      expect(s.meanNorm).toBeCloseTo(norms / 997, 10);
      expect(s.nonFinite).toBe(0);
    }
  });

  it('count non-finite values and leave them out of the moments', () => {
    const s = computeStats(Float32Array.of(1, NaN, 3, Infinity), 2);
    expect([s.count, s.nonFinite, s.mean, s.min, s.max]).toEqual([2, 2, 2, 1, 3]);
  });

  it('fileInfo reports format, shape and statistics', async () => {
    await writeVectors(file('x.bvecs'), Uint8Array.of(0, 10, 20, 30, 40, 50), 3);
    const info = await fileInfo(file('x.bvecs'));
    expect(info).toMatchObject({ format: 'bvecs', dtype: 'uint8', count: 2, dim: 3 });
    expect(info.stats.mean).toBe(25);
    expect(info.stats.max).toBe(50);
  });
});
