// The bounds of src/limits.ts: each is enforced where a value is set and where
// a file is read, the same in both, and the values just inside them work.

import { describe, expect, it } from 'vitest';
import {
  BatchSearchResult, BruteForceIndex, HnswIndex, LITTLE_ENDIAN, MAX_ABS_VALUE, MAX_COUNT, MAX_DIM, MAX_EF, MAX_SEED, M_MAX, M_MIN,
  crc32,
} from '../src/index.js';
import { nmslib } from '../src/index.node.js';
import { clustered } from './helpers/data.js';

/** Runs `fn`, expecting it to throw; returns the error. */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error');
}

function snapshot(index: HnswIndex): unknown {
  return {
    size: index.size, labels: [...index.labels()], links: index.store.links0.slice(),
    vectors: [...index.labels()].map((label) => [...index.getVector(label)]),
    rng: index.random.getState(), efSearch: index.efSearch,
  };
}

describe('the limits module', () => {
  it('exports each bound with the value the checks use', () => {
    expect([M_MIN, M_MAX, MAX_COUNT, MAX_DIM, MAX_EF, MAX_ABS_VALUE, MAX_SEED]).toEqual([2, 2048, 2 ** 31 - 1, 65536, 2 ** 31 - 1, 2 ** 54, 2 ** 32 - 1]);
    expect(thrown(() => new HnswIndex({ space: 'l2', dim: 4, seed: MAX_SEED + 1 })).message).toMatch(`in [0, ${MAX_SEED}]`);
    expect(LITTLE_ENDIAN).toBe(true);
    expect(thrown(() => new HnswIndex({ space: 'l2', dim: 4, m: M_MAX + 1 })).message).toMatch(`in [${M_MIN}, ${M_MAX}]`);
    expect(thrown(() => new HnswIndex({ space: 'l2', dim: MAX_DIM + 1 })).message).toMatch(`in [1, ${MAX_DIM}]`);
    expect(thrown(() => new HnswIndex({ space: 'l2', dim: 4, capacity: MAX_COUNT + 1 })).message).toMatch(`in [1, ${MAX_COUNT}]`);
    expect(thrown(() => nmslib.init({ dim: MAX_DIM + 1 })).message).toMatch(`in [1, ${MAX_DIM}]`);
  });
});

describe('efSearch and efConstruction (bounded by MAX_EF)', () => {
  const data = clustered(60, 8, 3);

  it('refuses a value past MAX_EF where it is set, and changes nothing', () => {
    for (const options of [{ efSearch: MAX_EF + 1 }, { efConstruction: 2 ** 40 }, { efSearch: 2 ** 32 }]) {
      const error = thrown(() => new HnswIndex({ space: 'l2', dim: 8, ...options }));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.message).toMatch(`in [1, ${MAX_EF}]`);
    }
    const index = new HnswIndex({ space: 'l2', dim: 8, seed: 1 });
    index.addBatch(data);
    const before = snapshot(index);
    expect(thrown(() => { index.efSearch = 2 ** 31; }).message).toBe(`\`efSearch\` must be an integer in [1, ${MAX_EF}] (got ${2 ** 31})`);
    expect(thrown(() => index.search(data.subarray(0, 8), 3, { efSearch: 2 ** 32 })).code).toBe('INVALID_OPTION');
    expect(thrown(() => index.searchBatch(data.subarray(0, 16), 3, { efSearch: 2 ** 31 })).code).toBe('INVALID_OPTION');
    expect(snapshot(index)).toEqual(before);
  });

  it('takes efSearch = MAX_EF: searches as with ef = the node count, saves, and loads back', () => {
    const index = new HnswIndex({ space: 'l2', dim: 8, seed: 1 });
    index.addBatch(data);
    const query = data.subarray(8, 16);
    const all = index.search(query, 10, { efSearch: 60 });
    index.efSearch = MAX_EF;
    const huge = index.search(query, 10);
    expect([...huge.labels]).toEqual([...all.labels]);
    const loaded = HnswIndex.fromBytes(index.toBytes());
    expect(loaded.efSearch).toBe(MAX_EF);
    expect([...loaded.search(query, 10).labels]).toEqual([...all.labels]);
  });

  it('takes efConstruction = MAX_EF: every insert completes and every point finds itself', () => {
    const index = new HnswIndex({ space: 'l2', dim: 8, efConstruction: MAX_EF, seed: 2 });
    for (let i = 0; i < 20; i++) index.add(data.subarray(i * 8, i * 8 + 8), i);
    expect(index.size).toBe(20);
    for (let i = 0; i < 20; i++) expect(index.search(data.subarray(i * 8, i * 8 + 8), 1).labels[0]).toBe(i);
    expect(HnswIndex.fromBytes(index.toBytes()).efConstruction).toBe(MAX_EF);
  });

  it('a native file with an ef past MAX_EF is refused as corrupt, the same bound as the setters', () => {
    const index = new HnswIndex({ space: 'l2', dim: 8, seed: 1 });
    index.addBatch(data);
    const withEf = (offset: number, value: number): Uint8Array => {
      const bytes = index.toBytes();
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      view.setUint32(offset, value, true);
      view.setUint32(256, crc32(bytes.subarray(0, 256)), true);
      return bytes;
    };
    expect(HnswIndex.fromBytes(withEf(40, MAX_EF)).efSearch).toBe(MAX_EF);
    expect(HnswIndex.fromBytes(withEf(36, MAX_EF)).efConstruction).toBe(MAX_EF);
    for (const offset of [36, 40]) {
      const error = thrown(() => HnswIndex.fromBytes(withEf(offset, MAX_EF + 1)));
      expect(error.code).toBe('CORRUPT_FILE');
      expect(error.message).toMatch(/efConstruction .* efSearch .* out of range/);
    }
  });
});

describe('k (bounded by MAX_COUNT and by what can be allocated)', () => {
  it('refuses k past MAX_COUNT, and a batch whose k x queries cannot be allocated, with a typed error', () => {
    const data = clustered(40, 8, 4);
    const index = new HnswIndex({ space: 'l2', dim: 8, seed: 1 });
    index.addBatch(data);
    const tooMany = thrown(() => index.search(data.subarray(0, 8), MAX_COUNT + 1));
    expect(tooMany.code).toBe('INVALID_OPTION');
    expect(tooMany.message).toBe(`\`k\` must be an integer in [1, ${MAX_COUNT}] (got ${MAX_COUNT + 1})`);
    // 3 x (2^31 - 1) slots exceed the largest typed array: refused before any search.
    const huge = thrown(() => index.searchBatch(data.subarray(0, 24), MAX_COUNT));
    expect(huge).toBeInstanceOf(RangeError);
    expect(huge.code).toBe('INVALID_ARGUMENT');
    expect(huge.message).toMatch(`\`k\` ${MAX_COUNT} for 3 queries`);
    // A k above the count still answers with every point.
    expect(index.search(data.subarray(0, 8), 100).labels.length).toBe(40);
  });
});

describe('vector values (bounded by MAX_ABS_VALUE)', () => {
  it('refuses a finite value whose square overflows float32, like NaN, and changes nothing', () => {
    const index = new HnswIndex({ space: 'l2', dim: 3, seed: 1 });
    index.addBatch([[1, 2, 3], [4, 5, 6]]);
    const before = snapshot(index);
    for (const [call, message] of [
      [() => index.add([1, 3e38, 3]), /`vector` component 1 must be within \+-18014398509481984 \(2\^54\).* \(got 3\.0000000054977558e\+38\)/],
      [() => index.addBatch([[1, 2, 3], [0, 0, -1e20]]), /`vectors` row 1, component 2 must be within/],
      [() => index.addBatch(Float32Array.of(1, 2, 3, MAX_ABS_VALUE * 2, 0, 0)), /`vectors` row 1, component 0/],
      [() => index.search([3e38, 0, 0], 1), /`query` component 0/],
    ] as const) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(RangeError);
      expect(error.code).toBe('VALUE_TOO_LARGE');
      expect(error.message).toMatch(message);
    }
    expect(thrown(() => index.add([1, NaN, 3])).code).toBe('NON_FINITE_VALUE');
    expect(snapshot(index)).toEqual(before);
  });

  it('keeps every distance finite at the bound, at the largest dimension, in every space and kernel', () => {
    const dim = MAX_DIM;
    const high = new Float32Array(dim).fill(MAX_ABS_VALUE);
    const low = new Float32Array(dim).fill(-MAX_ABS_VALUE);
    for (const kernel of ['simd', 'js'] as const) {
      for (const space of ['l2', 'ip', 'cosine'] as const) {
        const index = new BruteForceIndex({ space, dim, kernel: kernel === 'simd' ? 'auto' : 'js' });
        index.addBatch([high, low]);
        const result = index.search(low, 2);
        expect(result.labels.length).toBe(2);
        for (const d of result.distances) expect(Number.isFinite(d)).toBe(true);
      }
    }
  });
});

describe('errors', () => {
  it('a BatchSearchResult index out of range is a typed RangeError', () => {
    const error = thrown(() => new BatchSearchResult(2, 3).get(2));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('`i` must be an integer in [0, 1] (got 2)');
  });
});
