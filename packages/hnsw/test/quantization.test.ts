import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex } from '../src/index.node.js';
import { SmallworldError } from '../src/errors.js';
import { METRICS, SPACES, type Space } from '../src/metric.js';
import { CODE_MAX, TRAIN_MIN_ROWS, decodeRow, encodeRow, trainRanges } from '../src/quantization.js';
import { clustered, exactTopK, recallAt, seededRandom } from './helpers/data.js';

const dim = 24;
const n = 3000;
const data = clustered(n, dim, 1);
const queries = clustered(100, dim, 2);

function int8Index(space: Space, extra: Record<string, unknown> = {}): HnswIndex {
  return new HnswIndex({ space, dim, m: 12, efConstruction: 80, quantization: 'int8', ...extra });
}

describe('int8 codes: the maths', () => {
  it('one scale for every dimension: code-to-code squared L2 is scale^2 x the integer distance, within the rounding', () => {
    const ranges = trainRanges(data, n, dim, false);
    const a = new Int8Array(dim);
    const b = new Int8Array(dim);
    expect(encodeRow(data, 0, dim, ranges, a, 0)).toBe(0);
    expect(encodeRow(data, dim, dim, ranges, b, 0)).toBe(0);
    const da = new Float32Array(dim);
    const db = new Float32Array(dim);
    decodeRow(a, 0, dim, ranges, da, 0);
    decodeRow(b, 0, dim, ranges, db, 0);
    let codes = 0;
    for (let d = 0; d < dim; d++) {
      codes += (a[d] - b[d]) ** 2;
      expect(Math.abs(da[d] - data[d])).toBeLessThanOrEqual(ranges.scale / 2 + 1e-6);
    }
    expect(ranges.scale ** 2 * codes).toBeCloseTo(METRICS.l2.pair(da, 0, db, 0, dim), 3);
  });

  it('clamps outside the trained range and counts the components', () => {
    const ranges = trainRanges(Float32Array.of(-1, 0, 1, 2), 2, 2, true);
    const out = new Int8Array(2);
    expect(encodeRow(Float32Array.of(-10, 10), 0, 2, ranges, out, 0)).toBe(2);
    expect([...out]).toEqual([-CODE_MAX, CODE_MAX]);
  });
});

describe("HnswIndex({ quantization: 'int8' })", () => {
  for (const space of SPACES) {
    it(`${space}: the SIMD and the TypeScript kernels give the same graph and results; recall near float32's, and back with rerank`, () => {
      const truth = exactTopK(space, dim, data, queries, 10);
      const simd = int8Index(space);
      const js = int8Index(space, { kernel: 'js' });
      simd.addBatch(data);
      js.addBatch(data);
      expect(simd.kernel).toBe('simd');
      expect(js.kernel).toBe('js');
      const a = simd.searchBatch(queries, 10, { efSearch: 64 });
      const b = js.searchBatch(queries, 10, { efSearch: 64 });
      expect([...a.labels]).toEqual([...b.labels]);
      for (let i = 0; i < a.distances.length; i++) expect(a.distances[i]).toBeCloseTo(b.distances[i], 4);
      expect(recallAt(a, truth)).toBeGreaterThan(0.8);
      const reranked = int8Index(space, { rerank: true });
      reranked.addBatch(data);
      const r = reranked.searchBatch(queries, 10, { efSearch: 64 });
      const plain = new HnswIndex({ space, dim, m: 12, efConstruction: 80 });
      plain.addBatch(data);
      const f = plain.searchBatch(queries, 10, { efSearch: 64 });
      expect(recallAt(r, truth)).toBeGreaterThanOrEqual(recallAt(f, truth) - 0.02);
      // Re-ranked distances are the exact ones.
      expect(r.distances[0]).toBeCloseTo(truth.distances[0], 4);
    });
  }
});
