// Helpers the examples share: seeded data (so every run gives the same
// numbers) and a check that stops the example with exit code 1 when wrong.

import { generateSynthetic } from '@smallworld/datasets';

/**
 * `rows` x `dim` vectors from @smallworld/datasets' seeded generator, in one
 * flat Float32Array (row i at [i * dim, (i + 1) * dim)): the layout every
 * smallworld method takes without copying. Points are drawn around
 * `clusters` centres, as real embeddings cluster.
 */
export function makeVectors(rows: number, dim: number, seed: number, clusters = 10): Float32Array {
  return generateSynthetic({ count: rows, dim, seed, generator: 'clustered', clusters }).data;
}

/** Stops the example (exit code 1) with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
}
