import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex, fromHnswlibBytes, toHnswlibBytes } from '../src/index.node.js';
import { crc32 } from '../src/format/crc32.js';
import { METRICS, SPACES, type Space } from '../src/metric.js';
import { CODE_MAX, TRAIN_MIN_ROWS, codeDot, codeSquaredL2, decodeRow, encodeRow, trainRanges } from '../src/quantization.js';
import { simdModule } from '../src/kernels/simd-kernel.js';
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

describe('int8 SIMD kernels (assembly/int8.ts)', () => {
  it('equal the TypeScript integer sums, rows padded to 16 codes, up to 65536 extreme codes without overflow', () => {
    const memory = new WebAssembly.Memory({ initial: 8, maximum: 65536 });
    const exports = new WebAssembly.Instance(simdModule(false)!, { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
    const random = seededRandom(5);
    for (const len of [1, 15, 16, 17, 128, 784, 65536]) {
      const bytes = Math.ceil(len / 16) * 16;
      const a = new Int8Array(memory.buffer, 0, bytes);
      const b = new Int8Array(memory.buffer, bytes, bytes);
      a.fill(0);
      b.fill(0);
      for (let i = 0; i < len; i++) {
        a[i] = len === 65536 ? CODE_MAX : Math.round(random() * 254) - 127;
        b[i] = len === 65536 ? -CODE_MAX : Math.round(random() * 254) - 127;
      }
      const l2 = codeSquaredL2(a, 0, b, 0, len);
      const dot = codeDot(a, 0, b, 0, len);
      expect(exports.l2i8(0, bytes, bytes, 1)).toBe(Math.fround(l2));
      expect(exports.ipi8(0, bytes, bytes, 0.5)).toBe(Math.fround(1 - 0.5 * Math.fround(dot)));
      const ids = new Int32Array(memory.buffer, 2 * bytes, 1);
      ids[0] = 1;
      exports.l2i8Ids(0, 2 * bytes, 1, 0, bytes, 2, 2 * bytes + 16);
      expect(new Float32Array(memory.buffer, 2 * bytes + 16, 1)[0]).toBe(Math.fround(2 * Math.fround(l2)));
    }
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

describe('int8 options', () => {
  it('refuses an unknown quantization, rerank or oversample without int8, naming the option', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ quantization: 'int4' }, /`quantization` must be 'none' or 'int8' \(got "int4"\)/],
      [{ quantization: 'none', rerank: true }, /`rerank` needs `quantization: 'int8'`/],
      [{ rerank: 'yes', quantization: 'int8' }, /`rerank` must be a boolean/],
      [{ quantization: 'int8', oversample: 3 }, /`oversample` needs `rerank: true`/],
      [{ quantization: 'int8', rerank: true, oversample: 0 }, /`oversample` must be an integer in \[1, 100\] \(got 0\)/],
    ];
    for (const [extra, message] of bad) {
      expect(() => new HnswIndex({ space: 'l2', dim: 4, ...extra } as never)).toThrow(message);
      expect(() => new BruteForceIndex({ space: 'l2', dim: 4, ...extra } as never)).toThrow(message);
    }
    const codesOnly = int8Index('l2');
    codesOnly.addBatch(data);
    expect(() => codesOnly.search(queries.subarray(0, dim), 1, { rerank: true })).toThrow(/`rerank` needs an index built with/);
    expect(() => codesOnly.search(queries.subarray(0, dim), 1, { oversample: 2 })).toThrow(/`oversample` needs an index built with/);
    const plain = new HnswIndex({ space: 'l2', dim: 4 });
    expect(plain.quantization).toBe('none');
    expect(plain.trained).toBe(true);
    expect(() => plain.train(new Float32Array(4))).toThrow(/`train` needs an index with `quantization: 'int8'`/);
  });
});

describe('int8 training', () => {
  it(`holds single adds as float32 until ${TRAIN_MIN_ROWS} have arrived, then trains on them and links them`, () => {
    const index = int8Index('l2');
    for (let i = 0; i < TRAIN_MIN_ROWS - 1; i++) index.add(data.subarray(i * dim, (i + 1) * dim));
    expect(index.trained).toBe(false);
    expect(index.size).toBe(TRAIN_MIN_ROWS - 1);
    expect([...index.getVector(5)]).toEqual([...data.subarray(5 * dim, 6 * dim)]);
    index.add(data.subarray((TRAIN_MIN_ROWS - 1) * dim, TRAIN_MIN_ROWS * dim));
    expect(index.trained).toBe(true);
    expect(index.clampedVectors).toBe(0);
    expect(index.search(data.subarray(7 * dim, 8 * dim), 1).labels[0]).toBe(7);
  });

  it('trains at the first search on the rows held, and counts vectors added outside the range later', () => {
    const index = int8Index('l2');
    index.addBatch(data.subarray(0, 50 * dim));
    expect(index.trained).toBe(false);
    expect(index.search(data.subarray(3 * dim, 4 * dim), 1).labels[0]).toBe(3);
    expect(index.trained).toBe(true);
    expect(() => index.train(data)).toThrow(/trained already: its ranges are fixed \(build a new index to re-train\)/);
    const far = new Float32Array(dim).fill(100);
    index.add(far);
    index.add(far.map(() => -100));
    expect(index.clampedVectors).toBe(2);
  });

  it('train(sample) sets the ranges before any add; codes-only getVector is the decoded vector, within half a step', () => {
    const index = int8Index('l2');
    expect(() => index.train(new Float32Array(0))).toThrow(/`sample` must have at least one row/);
    index.train(data.subarray(0, 200 * dim));
    expect(index.trained).toBe(true);
    index.add(data.subarray(0, dim), 42);
    const decoded = index.getVector(42);
    const step = (index.store.vectors as unknown as { scale: number }).scale;
    for (let d = 0; d < dim; d++) expect(Math.abs(decoded[d] - data[d])).toBeLessThanOrEqual(step / 2 + 1e-6);
    const kept = int8Index('l2', { rerank: true });
    kept.addBatch(data);
    expect([...kept.getVector(9)]).toEqual([...data.subarray(9 * dim, 10 * dim)]);
  });
});

describe('int8 with rerank', () => {
  it('BruteForceIndex over codes re-ranked deeply returns the float32 exact result', () => {
    for (const space of SPACES) {
      const exact = new BruteForceIndex({ space, dim });
      const codes = new BruteForceIndex({ space, dim, quantization: 'int8', rerank: true, oversample: 10 });
      exact.addBatch(data);
      codes.addBatch(data);
      const a = exact.searchBatch(queries, 10);
      const b = codes.searchBatch(queries, 10);
      expect([...b.labels]).toEqual([...a.labels]);
      for (let i = 0; i < a.distances.length; i++) expect(Math.abs(b.distances[i] - a.distances[i])).toBeLessThan(1e-6 * (1 + Math.abs(a.distances[i])));
      // rerank: false per search gives code distances (not the exact ones).
      expect(codes.searchBatch(queries, 10, { rerank: false }).distances[0]).not.toBe(a.distances[0]);
    }
  });

  it('deletes, updates and filters work over codes', () => {
    const index = int8Index('l2', { rerank: true });
    index.addBatch(data);
    const q = data.subarray(11 * dim, 12 * dim);
    expect(index.search(q, 1).labels[0]).toBe(11);
    index.markDeleted(11);
    expect(index.search(q, 1).labels[0]).not.toBe(11);
    index.add(data.subarray(20 * dim, 21 * dim), 11);
    expect(index.isDeleted(11)).toBe(false);
    expect(index.search(data.subarray(20 * dim, 21 * dim), 2).labels).toContain(11);
    const allowed = [100, 200, 300];
    expect([...index.search(q, 3, { filter: allowed }).labels].sort()).toEqual(allowed);
  });

  it('addBatchParallel and searchBatchParallel give what addBatch and searchBatch give', async () => {
    const index = int8Index('cosine', { rerank: true });
    await index.addBatchParallel(data, { threads: 2 });
    const sequential = index.searchBatch(queries, 10, { efSearch: 40 });
    const parallel = await index.searchBatchParallel(queries, 10, { efSearch: 40, threads: 2 });
    expect([...parallel.labels]).toEqual([...sequential.labels]);
    const shallow = await index.searchBatchParallel(queries, 10, { efSearch: 40, threads: 2, oversample: 1 });
    expect([...shallow.labels]).toEqual([...index.searchBatch(queries, 10, { efSearch: 40, oversample: 1 }).labels]);
    await index.close();
  });
});

describe('int8 files (native format version 2)', () => {
  for (const rerank of [false, true]) {
    it(`round-trips codes, ranges${rerank ? ', originals' : ''} and the clamp count; with { vectors: false } the vectors are checked at reattach`, () => {
      const index = int8Index('l2', { rerank, ...(rerank ? { oversample: 4 } : {}) });
      index.addBatch(data);
      index.add(new Float32Array(dim).fill(50));
      const bytes = index.toBytes();
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      expect(view.getUint32(8, true)).toBe(2);
      const loaded = HnswIndex.fromBytes(bytes);
      expect(loaded.quantization).toBe('int8');
      expect(loaded.rerank).toBe(rerank);
      expect(loaded.oversample).toBe(rerank ? 4 : 2);
      expect(loaded.clampedVectors).toBe(1);
      expect([...loaded.searchBatch(queries, 10).labels]).toEqual([...index.searchBatch(queries, 10).labels]);
      expect(loaded.toBytes()).toEqual(bytes);

      const graphOnly = index.toBytes({ vectors: false });
      expect(graphOnly.length).toBeLessThan(bytes.length);
      const rows = new Float32Array((n + 1) * dim);
      rows.set(data);
      rows.fill(50, n * dim);
      const reattached = HnswIndex.fromBytes(graphOnly, { vectors: rows });
      expect([...reattached.searchBatch(queries, 10).labels]).toEqual([...index.searchBatch(queries, 10).labels]);
      rows[0] += 1;
      expect(() => HnswIndex.fromBytes(graphOnly, { vectors: rows })).toThrow(/checksum mismatch/);
    });
  }

  it('float32 indexes still write version 1; an empty untrained int8 index loads untrained', () => {
    const plain = new BruteForceIndex({ space: 'l2', dim });
    plain.addBatch(data.subarray(0, 10 * dim));
    expect(new DataView(plain.toBytes().buffer).getUint32(8, true)).toBe(1);
    const empty = new BruteForceIndex({ space: 'l2', dim, quantization: 'int8' });
    const loaded = BruteForceIndex.fromBytes(empty.toBytes());
    expect(loaded.trained).toBe(false);
    loaded.addBatch(data);
    expect(loaded.trained).toBe(true);
  });

  it('refuses a version-2 file with a code of -128 or a bad scale', () => {
    const index = new BruteForceIndex({ space: 'l2', dim, quantization: 'int8' });
    index.addBatch(data.subarray(0, 20 * dim));
    expect(() => BruteForceIndex.fromBytes(corruptSection(index.toBytes(), 7, (b) => { b[0] = 0x80; }))).toThrow(/code -128 of node 0/);
    expect(() => BruteForceIndex.fromBytes(corruptSection(index.toBytes(), 8, (b) => { new DataView(b.buffer, b.byteOffset).setFloat64(0, -1, true); })))
      .toThrow(/int8 scale -1 is not a positive finite number/);
  });
});

describe("exports of an int8 index's vectors", () => {
  it("hnswlib's .bin gets the originals, or with codes only is refused unless decodedVectors: true", () => {
    const codesOnly = int8Index('l2');
    codesOnly.addBatch(data.subarray(0, 1200 * dim));
    expect(() => toHnswlibBytes(codesOnly)).toThrow(/this int8 index keeps codes only \(no originals\): pass `decodedVectors: true`/);
    expect(() => toHnswlibBytes(codesOnly, { decodedVectors: 'yes' as never })).toThrow(/`decodedVectors` must be a boolean/);
    const decoded = fromHnswlibBytes(toHnswlibBytes(codesOnly, { decodedVectors: true }), { space: 'l2', dim });
    expect([...decoded.getVector(3)]).toEqual([...codesOnly.getVector(3)]);
    const kept = int8Index('l2', { rerank: true });
    kept.addBatch(data.subarray(0, 1200 * dim));
    const originals = fromHnswlibBytes(toHnswlibBytes(kept), { space: 'l2', dim });
    expect([...originals.getVector(3)]).toEqual([...data.subarray(3 * dim, 4 * dim)]);
  });
});

/** `bytes` with section s changed by `change`, its CRC and the header's CRC fixed up. */
function corruptSection(bytes: Uint8Array, s: number, change: (section: Uint8Array) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const entry = 88 + s * 24;
  const offset = Number(view.getBigUint64(entry + 8, true));
  const length = Number(view.getBigUint64(entry + 16, true));
  const section = bytes.subarray(offset, offset + length);
  change(section);
  view.setUint32(entry + 4, crc32(section), true);
  const headerBytes = view.getUint32(12, true);
  view.setUint32(headerBytes - 8, crc32(bytes.subarray(0, headerBytes - 8)), true);
  return bytes;
}
