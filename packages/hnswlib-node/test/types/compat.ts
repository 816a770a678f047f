// Type-checked by types.test.ts, never run: this package's published
// declarations (dist/) must be usable wherever hnswlib-node's are expected.

import type * as Native from 'hnswlib-node';
import * as ours from '../../dist/index.js';

export const asNative: typeof Native = ours;
const index: Native.HierarchicalNSW = new ours.HierarchicalNSW('l2', 3);
index.initIndex({ maxElements: 3, m: 16 });
index.initIndex(3, 16, 200, 100, true);
export const result: Native.SearchResult = index.searchKnn([1, 2, 3], 1, (label) => label > 0);
export const loaded: Promise<boolean> = index.readIndex('index.bin', true);
export const exact: Native.BruteforceSearch = new ours.BruteforceSearch('cosine', 3);
export const space: Native.L2Space = new ours.L2Space(3);
export const back: ours.SearchResult = result;
// Wider than hnswlib-node: Float32Array input.
new ours.HierarchicalNSW('ip', 3).addPoint(new Float32Array(3), 1);
