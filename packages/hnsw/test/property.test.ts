// Model-based property test: random sequences of add, update, delete,
// undelete and search, run against HnswIndex and BruteForceIndex as the model.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex } from '../src/index.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';

const dim = 4;
const vector = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: dim, maxLength: dim });
const label = fc.integer({ min: 0, max: 40 });
const command = fc.oneof(
  fc.record({ op: fc.constant('add' as const), label, vector }),
  fc.record({ op: fc.constant('delete' as const), label }),
  fc.record({ op: fc.constant('undelete' as const), label }),
  fc.record({ op: fc.constant('search' as const), vector, k: fc.integer({ min: 1, max: 8 }) }),
);

describe('HnswIndex against the BruteForceIndex model', () => {
  it('agrees on every search when efSearch covers the index', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80 }), fc.boolean(), (commands, replace) => {
        const index = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 16, allowReplaceDeleted: replace, capacity: 4 });
        const model = new BruteForceIndex({ space: 'l2', dim });
        for (const c of commands) {
          if (c.op === 'add') {
            index.add(c.vector, c.label);
            model.add(c.vector, c.label);
          } else if (c.op === 'delete' || c.op === 'undelete') {
            if (!model.has(c.label) && !model.isDeleted(c.label)) {
              expect(() => index.markDeleted(c.label)).toThrow(RangeError);
              continue;
            }
            if (!index.has(c.label) && !index.isDeleted(c.label)) {
              // The slot was taken over by a new label (allowReplaceDeleted): the model forgets it too.
              expect(replace).toBe(true);
              continue;
            }
            if (c.op === 'delete') {
              index.markDeleted(c.label);
              model.markDeleted(c.label);
            } else {
              index.unmarkDeleted(c.label);
              model.unmarkDeleted(c.label);
            }
          } else {
            const got = index.search(c.vector, c.k, { efSearch: 200 });
            const want = model.search(c.vector, c.k, { filter: (l) => index.has(l) });
            expect(got.labels.length).toBe(want.labels.length);
            expect([...got.distances]).toEqual([...want.distances]);
            expect(new Set(got.labels).size).toBe(got.labels.length);
            for (const l of got.labels) expect(index.has(l)).toBe(true);
          }
        }
        expect(checkGraphInvariants(index.store, { reachability: false })).toEqual([]);
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});
