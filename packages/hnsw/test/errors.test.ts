import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BruteForceIndex, CorruptFileError, DimensionMismatchError, HnswIndex, SmallworldError, SmallworldRangeError,
  SmallworldTypeError,
} from '../src/index.js';
import { HnswIndex as NodeHnswIndex, generationFileName } from '../src/index.node.js';

function expectError(fn: () => unknown, type: Function, code: string, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    expect((error as { code: string }).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}

describe('bad options', () => {
  it('names the option and the value', () => {
    expectError(() => new HnswIndex({ space: 'l1' as 'l2', dim: 4 }), TypeError, 'INVALID_OPTION', /`space` .*got "l1"/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 0 }), RangeError, 'INVALID_OPTION', /`dim` .*got 0/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 2.5 }), RangeError, 'INVALID_OPTION', /`dim` .*got 2.5/);
    expectError(() => new HnswIndex({ space: 'l2', dim: '4' as unknown as number }), TypeError, 'INVALID_OPTION', /`dim` .*got "4"/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, m: 1 }), RangeError, 'INVALID_OPTION', /`m` .*got 1/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, efConstruction: 0 }), RangeError, 'INVALID_OPTION', /`efConstruction`/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, efSearch: -1 }), RangeError, 'INVALID_OPTION', /`efSearch`/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, seed: 1.5 }), RangeError, 'INVALID_OPTION', /`seed`/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, kernel: 'gpu' as 'js' }), TypeError, 'INVALID_OPTION', /`kernel`/);
    expectError(() => new HnswIndex({ space: 'l2', dim: 4, efconstruction: 5 } as never), TypeError, 'INVALID_OPTION', /unknown HnswIndex option `efconstruction`/);
    expectError(() => new BruteForceIndex({ space: 'l2', dim: 4, m: 5 } as never), TypeError, 'INVALID_OPTION', /unknown BruteForceIndex option `m`/);
    const index = new HnswIndex({ space: 'l2', dim: 4 });
    expectError(() => { index.efSearch = 0; }, RangeError, 'INVALID_OPTION', /`efSearch` must be an integer in \[1, 2147483647\] \(got 0\)/);
  });
});

describe('bad input leaves the index unchanged', () => {
  const make = () => {
    const index = new HnswIndex({ space: 'l2', dim: 3, seed: 1 });
    index.addBatch([[1, 2, 3], [4, 5, 6]]);
    return index;
  };
  const snapshot = (index: HnswIndex) => ({
    size: index.size,
    labels: [...index.labels()],
    links: index.store.links0.slice(),
    vectors: [...index.labels()].map((label) => [...index.getVector(label)]),
    rng: index.random.getState(),
  });

  const cases: [string, (index: HnswIndex) => unknown, Function, string, RegExp][] = [
    ['wrong dimension', (i) => i.add([1, 2]), DimensionMismatchError, 'DIMENSION_MISMATCH', /`vector` must have dimension 3 \(got 2\)/],
    ['wrong row dimension', (i) => i.addBatch([[1, 2, 3], [1, 2]]), DimensionMismatchError, 'DIMENSION_MISMATCH', /`vectors\[1\]` must have dimension 3 \(got 2\)/],
    ['flat length', (i) => i.addBatch(new Float32Array(7)), RangeError, 'DIMENSION_MISMATCH', /multiple of dim 3 \(got 7\)/],
    ['NaN', (i) => i.addBatch([[1, 2, 3], [1, NaN, 3]]), RangeError, 'NON_FINITE_VALUE', /row 1, component 1 must be finite \(got NaN\)/],
    ['Infinity', (i) => i.add([1, Infinity, 3]), RangeError, 'NON_FINITE_VALUE', /component 1 must be finite \(got Infinity\)/],
    ['non-integer label', (i) => i.add([1, 2, 3], 1.5), RangeError, 'INVALID_LABEL', /`label` .*got 1.5/],
    ['negative label', (i) => i.addBatch([[1, 2, 3]], { labels: [-1] }), RangeError, 'INVALID_LABEL', /`labels\[0\]` .*got -1/],
    ['string label', (i) => i.addBatch([[1, 2, 3]], { labels: ['a' as unknown as number] }), TypeError, 'INVALID_LABEL', /`labels\[0\]` .*got "a"/],
    ['label count', (i) => i.addBatch([[1, 2, 3]], { labels: [1, 2] }), RangeError, 'INVALID_LABEL', /one label per vector: 1 \(got 2\)/],
    ['label twice in a batch', (i) => i.addBatch([[1, 2, 3], [3, 2, 1], [0, 0, 0]], { labels: [7, 8, 7] }), RangeError, 'DUPLICATE_LABEL', /label 7 twice \(at index 2\)/],
    ['not a vector', (i) => i.add('abc' as never), TypeError, 'INVALID_ARGUMENT', /`vector` must be/],
    ['k = 0', (i) => i.search([1, 2, 3], 0), RangeError, 'INVALID_OPTION', /`k` must be an integer in \[1, 2147483647\] \(got 0\)/],
    ['k negative', (i) => i.searchBatch([[1, 2, 3]], -2), RangeError, 'INVALID_OPTION', /`k` .*got -2/],
    ['k not a number', (i) => i.search([1, 2, 3], '3' as never), TypeError, 'INVALID_OPTION', /`k` .*got "3"/],
    ['efSearch 0', (i) => i.search([1, 2, 3], 1, { efSearch: 0 }), RangeError, 'INVALID_OPTION', /`efSearch` .*got 0/],
    ['unknown search option', (i) => i.search([1, 2, 3], 1, { ef: 5 } as never), TypeError, 'INVALID_OPTION', /unknown search option `ef`/],
    ['bad filter', (i) => i.search([1, 2, 3], 1, { filter: 5 as never }), TypeError, 'INVALID_OPTION', /`filter` .*got 5/],
    ['query NaN', (i) => i.search([1, NaN, 3], 1), RangeError, 'NON_FINITE_VALUE', /`query` component 1/],
    ['unknown label', (i) => i.markDeleted(99), RangeError, 'UNKNOWN_LABEL', /`label` 99 is not in the index/],
    ['getVector unknown', (i) => i.getVector(99), RangeError, 'UNKNOWN_LABEL', /99/],
  ];
  for (const [name, call, type, code, message] of cases) {
    it(name, () => {
      const index = make();
      const before = snapshot(index);
      expectError(() => call(index), type, code, message);
      expect(snapshot(index)).toEqual(before);
    });
  }

  it('errors are SmallworldTypeError/SmallworldRangeError subclasses', () => {
    const index = make();
    expect(() => index.add([1])).toThrow(SmallworldRangeError);
    expect(() => index.add({} as never)).toThrow(SmallworldTypeError);
  });
});

describe('one error family', () => {
  it('every error class is instanceof SmallworldError, and keeps its built-in class', () => {
    const errors = [
      new SmallworldTypeError('INVALID_OPTION', 'a'),
      new SmallworldRangeError('INVALID_OPTION', 'b'),
      new DimensionMismatchError('v', 3, 2),
      new CorruptFileError('c'),
      new SmallworldError('NOT_READY', 'd'),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(SmallworldError);
      expect(error).toBeInstanceOf(Error);
    }
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(errors[1]).toBeInstanceOf(RangeError);
    expect(errors[2]).toBeInstanceOf(RangeError);
    expect(errors[2]).toBeInstanceOf(SmallworldRangeError);
    expect(errors[3].code).toBe('CORRUPT_FILE');
    // Subclasses still test their own chain.
    expect(errors[0]).not.toBeInstanceOf(SmallworldRangeError);
    expect(errors[1]).not.toBeInstanceOf(DimensionMismatchError);
    expect(errors[4]).not.toBeInstanceOf(CorruptFileError);
    expect(new Error('plain')).not.toBeInstanceOf(SmallworldError);
    expect(new RangeError('plain')).not.toBeInstanceOf(SmallworldError);
    expect(null).not.toBeInstanceOf(SmallworldError);
  });

  it('errors thrown by the index are recognised as SmallworldError', () => {
    const index = new HnswIndex({ space: 'l2', dim: 3 });
    const calls = [
      () => index.add([1]), () => index.add({} as never), () => HnswIndex.fromBytes(new Uint8Array(4)),
      () => generationFileName('faces.hnsw', -1),
    ];
    for (const call of calls) {
      expect(call).toThrow(SmallworldError);
    }
  });

  it('another package defines its own codes on the same classes', () => {
    type FaceCode = 'NO_FACE' | 'UNREADABLE_IMAGE';
    const error = new SmallworldRangeError<FaceCode>('NO_FACE', 'no face found');
    const code: FaceCode = error.code;
    expect(code).toBe('NO_FACE');
    expect(error).toBeInstanceOf(SmallworldError);
    class FaceError extends SmallworldError<FaceCode> {}
    const own = new FaceError('UNREADABLE_IMAGE', 'x');
    expect(own).toBeInstanceOf(SmallworldError);
    expect(own).toBeInstanceOf(FaceError);
    expect(new SmallworldError('NOT_READY', 'y')).not.toBeInstanceOf(FaceError);
  });

  it('a corrupt file read by load names the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-errors-'));
    try {
      const path = join(dir, 'broken.hnsw');
      writeFileSync(path, new Uint8Array(300));
      await expect(NodeHnswIndex.load(path)).rejects.toMatchObject({
        code: 'CORRUPT_FILE', message: `${path}: native index: bad magic: not a smallworld index file`,
      });
      await expect(NodeHnswIndex.loadHnswlib(path, { space: 'l2', dim: 3 })).rejects.toMatchObject({
        code: 'CORRUPT_FILE', message: expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `)),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
