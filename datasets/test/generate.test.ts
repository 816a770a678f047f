// The synthetic generators: determinism (same seed, same bytes, pinned across
// machines and releases), chunk independence, the distributions' moments.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SmallworldError } from '@smallworld/hnsw';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_ROWS, SyntheticGenerator, computeStats, generateSynthetic, readVectors, writeSynthetic, type GeneratorName,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const file = tempDir('generate');

function sha256(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

describe('determinism', () => {
  // Pinned digests of 3000 x 16 at seed 7: a change here changes every data set ever generated.
  const GOLDEN: Record<GeneratorName, string> = {
    normal: 'ee51eb75c881a5447cdca9d41c61fddfb278f91de08d44bec2b414bda8a89c44',
    clustered: 'd84fef23e1e55f208c24788e07ed9a1f3e153fc8d64dea3a4ef28b74a17f4c43',
    sphere: '3208e79782cbbfd98b355baf6d9fb613f986c17bbc621a14386d2d9a2e7d1a05',
  };

  it.each(Object.keys(GOLDEN) as GeneratorName[])('%s: seed 7 gives the pinned bytes', (generator) => {
    expect(sha256(generateSynthetic({ count: 3000, dim: 16, seed: 7, generator }).data)).toBe(GOLDEN[generator]);
  });

  it('the same seed writes the same file bytes; another seed does not', async () => {
    const options = { count: 2500, dim: 12, seed: 42 };
    await writeSynthetic(file('a.fvecs'), options);
    await writeSynthetic(file('b.fvecs'), options);
    await writeSynthetic(file('c.fvecs'), { ...options, seed: 43 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readFile(file(`${n}.fvecs`))));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect((await readVectors(file('a.fvecs'))).data).toEqual(generateSynthetic(options).data);
  });

  it('rows do not depend on the chunking: any range equals the same rows of the whole', () => {
    const options = { count: 3 * BLOCK_ROWS + 17, dim: 5, seed: 9, generator: 'clustered' as const };
    const whole = generateSynthetic(options).data;
    const gen = new SyntheticGenerator(options);
    for (const [first, rows] of [[0, 1], [1000, 100], [BLOCK_ROWS - 1, 2], [2 * BLOCK_ROWS + 5, BLOCK_ROWS + 12]]) {
      const out = new Float32Array(rows * 5);
      gen.fill(first, rows, out);
      expect(out).toEqual(whole.subarray(first * 5, (first + rows) * 5));
    }
  });

  it('seeds above 2^32 are distinct', () => {
    const a = generateSynthetic({ count: 4, dim: 4, seed: 1 });
    const b = generateSynthetic({ count: 4, dim: 4, seed: 2 ** 32 + 1 });
    expect(a.data).not.toEqual(b.data);
  });
});

describe('distributions', () => {
  it('normal: every coordinate N(-0.35, 0.48) by default, per column too', () => {
    const set = generateSynthetic({ count: 4000, dim: 64, seed: 1 });
    const s = computeStats(set.data, set.dim);
    // 256,000 draws: the standard error of the mean is 0.001, of the sd under 0.001.
    expect(s.mean).toBeCloseTo(-0.35, 2);
    expect(s.sd).toBeCloseTo(0.48, 2);
    for (const c of [0, 17, 63]) {
      const col = Float32Array.from({ length: set.count }, (_, r) => set.data[r * set.dim + c]);
      const cs = computeStats(col, 1);
      expect(Math.abs(cs.mean + 0.35)).toBeLessThan(0.035);
      expect(Math.abs(cs.sd - 0.48)).toBeLessThan(0.025);
    }
    // Tails of a normal: about 4.55% beyond 2 sd.
    let beyond = 0;
    for (const v of set.data) if (Math.abs(v + 0.35) > 2 * 0.48) beyond++;
    expect(beyond / set.data.length).toBeCloseTo(0.0455, 2);
  });

  it('normal: the empirical CDF follows the normal one, tails included (ziggurat layers, wedges, tail)', () => {
    // Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, far below the tolerances here.
    const phi = (z: number) => {
      const x = Math.abs(z) / Math.SQRT2;
      const t = 1 / (1 + 0.3275911 * x);
      const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
      return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    };
    const set = generateSynthetic({ count: 8192, dim: 128, seed: 5, mean: 0, sd: 1 });
    const n = set.data.length;
    const sorted = Float64Array.from(set.data).sort();
    for (const z of [-4, -3.5, -3.44, -3, -2, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 2, 3, 3.44, 3.5, 4]) {
      let lo = 0, hi = n;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] <= z) lo = mid + 1; else hi = mid; }
      const p = phi(z);
      // Five standard errors of a binomial proportion over 1M draws.
      expect(Math.abs(lo / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-6);
    }
  });

  it('normal honours --mean and --sd', () => {
    const s = computeStats(generateSynthetic({ count: 2000, dim: 32, seed: 2, mean: 3, sd: 0.1 }).data, 32);
    expect(s.mean).toBeCloseTo(3, 2);
    expect(s.sd).toBeCloseTo(0.1, 3);
  });

  it('sphere: unit length, mean near 0', () => {
    const set = generateSynthetic({ count: 1000, dim: 24, seed: 3, generator: 'sphere' });
    for (let r = 0; r < set.count; r++) {
      let n = 0;
      for (let c = 0; c < set.dim; c++) n += set.data[r * set.dim + c] ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    }
    expect(Math.abs(computeStats(set.data, set.dim).mean)).toBeLessThan(0.01);
  });

  it('clustered: each point is within a few clusterSd of one of `clusters` centres', () => {
    const dim = 32;
    const set = generateSynthetic({ count: 2000, dim, seed: 4, generator: 'clustered', clusters: 5, clusterSd: 0.05 });
    // Greedy grouping: points of one cluster are ~0.05 * sqrt(2 * 32) = 0.4 apart, centres ~0.48 * 8 = 3.8.
    const reps: number[] = [];
    for (let r = 0; r < set.count; r++) {
      let found = false;
      for (const p of reps) {
        let d = 0;
        for (let c = 0; c < dim; c++) d += (set.data[r * dim + c] - set.data[p * dim + c]) ** 2;
        if (Math.sqrt(d) < 1.2) { found = true; break; }
      }
      if (!found) reps.push(r);
    }
    expect(reps.length).toBe(5);
  });
});

describe('options', () => {
  it('a fill buffer too small is a smallworld RangeError naming `out`', () => {
    const gen = new SyntheticGenerator({ count: 4, dim: 3 });
    const error = (() => {
      try {
        gen.fill(0, 2, new Float32Array(5));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RangeError);
    expect(error instanceof SmallworldError).toBe(true);
    expect((error as SmallworldError).code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toBe('`out` must hold rows x dim = 6 floats (got 5)');
  });

  it('are validated with the option name and the value received', () => {
    expect(() => generateSynthetic({ count: -1, dim: 4 })).toThrow(RangeError);
    expect(() => generateSynthetic({ count: -1, dim: 4 })).toThrow('`count` must be an integer >= 0 (got -1)');
    expect(() => generateSynthetic({ count: 1, dim: 0 })).toThrow('`dim` must be an integer in [1, 65536] (got 0)');
    expect(() => generateSynthetic({ count: 1, dim: 4, sd: 0 })).toThrow('`sd` must be a positive number (got 0)');
    expect(() => generateSynthetic({ count: 1, dim: 4, generator: 'uniform' as GeneratorName })).toThrow(/`generator` must be one of normal, clustered, sphere/);
    expect(() => generateSynthetic({ count: 1, dim: 4, seed: '7' as unknown as number })).toThrow(TypeError);
    expect(() => generateSynthetic({ count: 1, dim: 4, sed: 7 } as never)).toThrow(/unknown synthetic option `sed`/);
  });
});
