// Test helpers: seeded data, the native hnswlib-node (when it built), and
// outcome capture for side-by-side comparisons.

import { createRequire } from 'node:module';
import type * as Ours from '../src/index.js';
import { seededRandom } from '../../hnsw/test/helpers/data.js';

/** The module shape both implementations share. */
export type HnswlibModule = typeof Ours;

/** The real hnswlib-node, or null with the reason it could not load (no native build). */
export function loadNative(): { native: HnswlibModule | null; reason: string } {
  try {
    const require = createRequire(import.meta.url);
    return { native: require('hnswlib-node') as HnswlibModule, reason: '' };
  } catch (error) {
    return { native: null, reason: `hnswlib-node (native) is not built here: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** A seeded uniform generator in [0, 1): the engine's test helper, shared. */
export { seededRandom };

/** n points of `dim` components around 10 Gaussian clusters, as number[][] (hnswlib-node's input type). */
export function clusteredPoints(n: number, dim: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const shape = seededRandom(777);
  const centres = Array.from({ length: 10 }, () => Array.from({ length: dim }, () => 4 * (shape() - 0.5)));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rnd() * centres.length)];
    return c.map((x) => Math.fround(x + 0.5 * gauss()));
  });
}

/** What a call did: the value it returned, or the class and message of what it threw. */
export type Outcome = { value: unknown } | { error: string; message: string };

export function outcome(call: () => unknown): Outcome {
  try {
    return { value: call() };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

/** Fraction of `truth` found in `found` (top-k overlap). */
export function overlap(found: number[], truth: number[]): number {
  const set = new Set(truth);
  let hits = 0;
  for (const x of found) if (set.has(x)) hits++;
  return truth.length === 0 ? 1 : hits / truth.length;
}
