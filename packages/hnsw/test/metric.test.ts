import { describe, expect, it } from 'vitest';
import {
  BruteForceIndex, HnswIndex, METRICS, SPACES, distance, metricOfHnswlibName, metricOfNativeCode, metricOfNmslibName,
  readNativeHeader,
} from '../src/index.js';
import { simdModule } from '../src/kernels/simd-kernel.js';
import { seededRandom } from './helpers/data.js';

describe('the metric table', () => {
  it('has one entry per space, keyed by its own name, in native-code order', () => {
    expect(SPACES).toEqual(['l2', 'ip', 'cosine']);
    SPACES.forEach((space, i) => {
      expect(METRICS[space].space).toBe(space);
      expect(METRICS[space].nativeCode).toBe(i);
      expect(metricOfNativeCode(i)).toBe(METRICS[space]);
    });
    expect(metricOfNativeCode(SPACES.length)).toBeUndefined();
  });

  it('names every space as hnswlib, nmslib, ann-benchmarks and USearch do', () => {
    expect(SPACES.map((s) => METRICS[s].hnswlibName)).toEqual(['l2', 'ip', 'cosine']);
    expect(metricOfHnswlibName('cosine')).toBe(METRICS.cosine);
    expect(metricOfHnswlibName('cosinesimil')).toBeUndefined();
    expect(metricOfNmslibName('cosinesimil')).toBe(METRICS.cosine);
    expect(metricOfNmslibName('l2')).toBe(METRICS.l2);
    expect(metricOfNmslibName('negdotprod')).toBe(METRICS.ip);
    expect(METRICS.ip.nmslibDistance(0.25)).toBe(-0.75);
    expect(SPACES.map((s) => METRICS[s].annBenchmarksName)).toEqual(['euclidean', 'dot', 'angular']);
    expect(SPACES.map((s) => METRICS[s].usearchName)).toEqual(['l2sq', 'ip', 'cos']);
  });

  it('names SIMD exports the compiled kernel module has, for shared and unshared memories', () => {
    for (const shared of [true, false]) {
      const exported = new Set(WebAssembly.Module.exports(simdModule(shared)!).map((e) => e.name));
      for (const space of SPACES) {
        const { pair, ids, range } = METRICS[space].simd;
        expect([pair, ids, range].filter((name) => !exported.has(name))).toEqual([]);
      }
    }
  });

  it('gives batch distances equal to its pair distance, by ids and by range', () => {
    const dim = 19;
    const rowFloats = 24;
    const rnd = seededRandom(5);
    const rows = Float32Array.from({ length: 10 * rowFloats }, () => rnd() * 2 - 1);
    const query = Float64Array.from({ length: dim }, () => rnd() * 2 - 1);
    const ids = Int32Array.of(7, 2, 9);
    for (const space of SPACES) {
      const { pair, batch } = METRICS[space];
      const out = new Float32Array(4);
      batch(query, rows, rowFloats, dim, ids, 0, 3, out);
      expect([...out.subarray(0, 3)]).toEqual([...ids].map((id) => Math.fround(pair(query, 0, rows, id * rowFloats, dim))));
      batch(query, rows, rowFloats, dim, null, 4, 4, out);
      expect([...out]).toEqual([4, 5, 6, 7].map((id) => Math.fround(pair(query, 0, rows, id * rowFloats, dim))));
    }
  });

  it('is what the public distance() computes', () => {
    const a = [1, 2, 3];
    const b = [0.5, -1, 4];
    expect(distance('l2', a, b)).toBe(0.25 + 9 + 1);
    expect(distance('ip', a, b)).toBe(1 - (0.5 - 2 + 12));
    expect(distance('cosine', a, b)).toBe(distance('ip', a, b));
  });

  it('derives the user-facing values: Euclidean for l2, similarity for ip and cosine', () => {
    expect(METRICS.l2.edgeDistance(9)).toBe(3);
    expect(METRICS.l2.similarity).toBeNull();
    for (const space of ['ip', 'cosine'] as const) {
      expect(METRICS[space].edgeDistance(0.25)).toBe(0.25);
      expect(METRICS[space].similarity!(0.25)).toBe(0.75);
    }
  });

  it('normalises vectors at insert exactly where it says so', () => {
    for (const space of SPACES) {
      const index = new BruteForceIndex({ space, dim: 2 });
      index.add([3, 4], 0);
      const stored = [...index.getVector(0)];
      expect(stored).toEqual(METRICS[space].normalize ? [Math.fround(0.6), Math.fround(0.8)] : [3, 4]);
    }
  });

  it('gives each space its native file code (header byte 17), read back as the same space', () => {
    for (const space of SPACES) {
      const index = new HnswIndex({ space, dim: 2, seed: 1 });
      index.add([1, 0]);
      const bytes = index.toBytes();
      expect(bytes[17]).toBe(METRICS[space].nativeCode);
      expect(readNativeHeader(bytes).space).toBe(space);
    }
  });
});
