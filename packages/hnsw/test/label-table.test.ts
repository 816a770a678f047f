// The label table under adds, updates, deletes and slot reuse: regressions
// for a batch that revives a deleted label on a full store and for default
// labels past Number.MAX_SAFE_INTEGER, and a model-based property test that
// every call either does what a plain model says or throws and changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex, SmallworldRangeError, fromHnswlibBytes, toHnswlibBytes } from '../src/index.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

describe('allowReplaceDeleted on a full store', () => {
  for (const labels of [[0, 5], [5, 0]]) {
    it(`a batch [${labels.join(', ')}] reviving deleted label 0 and adding 5 grows the store`, () => {
      const index = new HnswIndex({ space: 'l2', dim: 2, capacity: 2, allowReplaceDeleted: true });
      index.addBatch([[0, 0], [1, 1]], { labels: [0, 1] });
      index.markDeleted(0);
      index.addBatch([[2, 2], [3, 3]], { labels });
      expect(index.store.count).toBe(3);
      expect(index.capacity).toBeGreaterThanOrEqual(3);
      expect(index.size).toBe(3);
      expect(index.deletedCount).toBe(0);
      for (const label of [0, 1, 5]) expect(index.has(label)).toBe(true);
      const at = labels.indexOf(0);
      expect([...index.getVector(0)]).toEqual([2 + at, 2 + at]);
      expect(checkGraphInvariants(index.store)).toEqual([]);
    });
  }

  it('a new label still takes the slot of a deleted label the batch does not name', () => {
    const index = new HnswIndex({ space: 'l2', dim: 2, capacity: 3, allowReplaceDeleted: true });
    index.addBatch([[0, 0], [1, 1], [2, 2]], { labels: [0, 1, 2] });
    index.markDeleted(0);
    index.markDeleted(1);
    index.addBatch([[3, 3], [4, 4]], { labels: [0, 7] });
    expect(index.store.count).toBe(3);
    expect(index.has(0) && index.has(7) && index.has(2)).toBe(true);
    expect(index.has(1) || index.isDeleted(1)).toBe(false);
  });
});

describe('default labels near Number.MAX_SAFE_INTEGER', () => {
  it('gives MAX_SAFE once, then refuses with INVALID_LABEL and changes nothing', () => {
    const index = new HnswIndex({ space: 'l2', dim: 2 });
    index.add([0, 0], MAX_SAFE - 1);
    expect(index.add([1, 1])).toBe(MAX_SAFE);
    for (const call of [() => index.add([2, 2]), () => index.addBatch([[2, 2]])]) {
      expect(call).toThrow(SmallworldRangeError);
      expect(call).toThrow(/no default label is left .*9007199254740991/);
      try {
        call();
      } catch (error) {
        expect((error as SmallworldRangeError).code).toBe('INVALID_LABEL');
      }
    }
    expect(index.size).toBe(2);
    expect(index.store.count).toBe(2);
    expect([...index.labels()]).toEqual([MAX_SAFE - 1, MAX_SAFE]);
    // Explicit labels still work.
    index.add([3, 3], 7);
    expect(index.has(7)).toBe(true);
  });

  it('refuses a default batch that would pass MAX_SAFE, before writing any row', () => {
    const index = new BruteForceIndex({ space: 'l2', dim: 1 });
    index.add([0], MAX_SAFE - 2);
    expect(() => index.addBatch([[1], [2], [3]])).toThrow(/`labels` must be given.*3 labels from 9007199254740990/);
    expect(index.size).toBe(1);
    index.addBatch([[1], [2]]);
    expect([...index.labels()]).toEqual([MAX_SAFE - 2, MAX_SAFE - 1, MAX_SAFE]);
  });

  it('saves and loads an index whose default labels are used up, and it still refuses', () => {
    const index = new HnswIndex({ space: 'l2', dim: 2 });
    index.add([0, 0], MAX_SAFE);
    const loaded = HnswIndex.fromBytes(index.toBytes());
    expect(loaded.has(MAX_SAFE)).toBe(true);
    expect(() => loaded.add([1, 1])).toThrow(SmallworldRangeError);
    const fromHnswlib = fromHnswlibBytes(toHnswlibBytes(index), { space: 'l2', dim: 2 });
    expect(() => fromHnswlib.add([1, 1])).toThrow(SmallworldRangeError);
  });
});

// The model: live and deleted labels with their vectors, the deleted ones in
// deletion order (the order in which allowReplaceDeleted hands their slots out).
interface Model {
  vectors: Map<number, number[]>;
  deleted: number[];
  slots: number;
  next: number;
}

type Command =
  | { op: 'batch'; rows: { label: number; vector: number[] }[] }
  | { op: 'defaults'; vectors: number[][] }
  | { op: 'delete'; label: number }
  | { op: 'undelete'; label: number }
  | { op: 'bad-row'; label: number };

const dim = 2;
const vector = fc.array(fc.integer({ min: -9, max: 9 }), { minLength: dim, maxLength: dim });
const label = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_SAFE, MAX_SAFE - 1) },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('batch' as const), rows: fc.array(fc.record({ label, vector }), { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('defaults' as const), vectors: fc.array(vector, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), label }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('undelete' as const), label }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bad-row' as const), label }) },
);

/** What the index exposes of its labels and vectors, to compare before and after a failed call. */
function snapshot(index: HnswIndex): unknown {
  const labels = [...index.labels()];
  const slots: [number, boolean, number[]][] = [];
  for (let node = 0; node < index.store.count; node++) {
    const l = index.store.labels[node];
    slots.push([l, index.isDeleted(l), [...index.getVector(l)]]);
  }
  return { labels, slots, size: index.size, deleted: index.deletedCount, count: index.store.count, next: index.nextDefaultLabel };
}

/** Applies `c` to the model; returns false when the index must throw (and the model stays as it was). */
function applyToModel(m: Model, c: Command, replace: boolean): boolean {
  if (c.op === 'delete' || c.op === 'undelete') {
    if (!m.vectors.has(c.label)) return false;
    const at = m.deleted.indexOf(c.label);
    if (c.op === 'delete' && at < 0) m.deleted.push(c.label);
    if (c.op === 'undelete' && at >= 0) m.deleted.splice(at, 1);
    return true;
  }
  if (c.op === 'bad-row') return false;
  let rows: { label: number; vector: number[] }[];
  if (c.op === 'defaults') {
    if (m.next > MAX_SAFE - (c.vectors.length - 1)) return false;
    rows = c.vectors.map((v, i) => ({ label: m.next + i, vector: v }));
  } else {
    rows = c.rows;
    if (new Set(rows.map((r) => r.label)).size !== rows.length) return false;
  }
  const named = new Set(rows.map((r) => r.label));
  for (const row of rows) {
    if (m.vectors.has(row.label)) {
      const at = m.deleted.indexOf(row.label);
      if (at >= 0) m.deleted.splice(at, 1);
    } else {
      const victim = replace ? m.deleted.findIndex((l) => !named.has(l)) : -1;
      if (victim >= 0) {
        m.vectors.delete(m.deleted[victim]);
        m.deleted.splice(victim, 1);
      } else {
        m.slots++;
      }
    }
    m.vectors.set(row.label, row.vector);
    m.next = Math.max(m.next, row.label + 1);
  }
  return true;
}

function applyToIndex(index: HnswIndex, c: Command): void {
  switch (c.op) {
    case 'batch':
      index.addBatch(c.rows.map((r) => r.vector), { labels: c.rows.map((r) => r.label) });
      break;
    case 'defaults':
      index.addBatch(c.vectors);
      break;
    case 'delete':
      index.markDeleted(c.label);
      break;
    case 'undelete':
      index.unmarkDeleted(c.label);
      break;
    case 'bad-row':
      // A valid first row and a NaN second one: the check must refuse the whole batch.
      index.addBatch([[1, 2], [Number.NaN, 0]], { labels: [c.label, c.label + 1] });
      break;
  }
}

describe('add/update/delete sequences against a model', () => {
  for (const replace of [false, true]) {
    it(`allowReplaceDeleted ${replace}: every call matches the model or throws and changes nothing`, () => {
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => {
          const index = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 16, capacity: 2, allowReplaceDeleted: replace });
          const model: Model = { vectors: new Map(), deleted: [], slots: 0, next: 0 };
          for (const c of commands) {
            const before = snapshot(index);
            if (applyToModel(model, c, replace)) {
              applyToIndex(index, c);
            } else {
              expect(() => applyToIndex(index, c)).toThrow();
              expect(snapshot(index)).toEqual(before);
              continue;
            }
            expect(index.store.count).toBe(model.slots);
            expect(index.size).toBe(model.vectors.size - model.deleted.length);
            expect(index.deletedCount).toBe(model.deleted.length);
            expect(index.nextDefaultLabel).toBe(model.next);
            for (const [l, v] of model.vectors) {
              expect(index.isDeleted(l)).toBe(model.deleted.includes(l));
              expect(index.has(l)).toBe(!model.deleted.includes(l));
              expect([...index.getVector(l)]).toEqual(v);
            }
            expect([...index.labels()].sort((a, b) => a - b))
              .toEqual([...model.vectors.keys()].filter((l) => !model.deleted.includes(l)).sort((a, b) => a - b));
          }
          expect(checkGraphInvariants(index.store, { reachability: false })).toEqual([]);
          // Every live point is found at distance 0 when searched for with an ef covering the index.
          for (const [l, v] of model.vectors) {
            if (model.deleted.includes(l)) continue;
            const { distances } = index.search(v, 1, { efSearch: 64 });
            expect(distances[0]).toBe(0);
          }
        }),
        { numRuns: 200, seed: 7 },
      );
    });
  }
});
