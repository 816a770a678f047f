// Helpers the examples share: seeded data (so every run gives the same
// numbers) and a check that stops the example with exit code 1 when wrong.

/**
 * `rows` x `dim` vectors from a seeded generator (mulberry32), in one flat
 * Float32Array (row i at [i * dim, (i + 1) * dim)): the layout every
 * smallworld method takes without copying. Points are drawn around
 * `clusters` centres, as real embeddings cluster.
 */
export function makeVectors(rows: number, dim: number, seed: number, clusters = 10): Float32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const centres = Float32Array.from({ length: clusters * dim }, () => next() * 2 - 1);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(next() * clusters);
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c * dim + d] + (next() - 0.5) * 0.6;
  }
  return out;
}

/** Stops the example (exit code 1) with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
}
