// Streams a synthetic set to disk chunk by chunk: at most one chunk of rows
// exists in memory, whatever the set's size.

import { createMatrixWriter } from './io.js';
import { SyntheticGenerator, type SyntheticOptions, type SyntheticParameters } from './generate.js';
import { BLOCK_ROWS } from './random.js';

/** Rows generated and written per chunk (a multiple of the generator's block). */
export const SYNTH_CHUNK_ROWS = 16 * BLOCK_ROWS;

/** What `writeSynthetic` wrote. */
export interface SynthResult {
  /** The file written. */
  path: string;
  /** Vectors written. */
  count: number;
  /** Dimension of each vector. */
  dim: number;
  /** The generator's parameters, defaults filled in (enough to regenerate the same bytes). */
  params: SyntheticParameters;
  /** Wall time in seconds. */
  seconds: number;
}

/**
 * Generates a synthetic set (see `SyntheticOptions`) into `file`, format
 * from the extension (.fvecs, .npy, .f32 + .f32.json sidecar recording the
 * parameters, .hdf5). Same options, same bytes. The file appears atomically
 * when complete.
 *
 * @example
 * await writeSynthetic('datasets/data/seed-1m.fvecs', { count: 1_000_000, dim: 128, seed: 7 });
 */
export async function writeSynthetic(
  file: string, options: SyntheticOptions, onProgress?: (done: number, total: number) => void,
): Promise<SynthResult> {
  const start = performance.now();
  const gen = new SyntheticGenerator(options);
  const { count, dim } = gen;
  const writer = await createMatrixWriter(file, {
    dim, dtype: 'float32', metadata: { generator: { ...gen.params } },
  });
  // Two buffers: the next chunk is generated while the previous one is being written.
  const buffers = [new Float32Array(SYNTH_CHUNK_ROWS * dim), new Float32Array(SYNTH_CHUNK_ROWS * dim)];
  let pending: Promise<void> = Promise.resolve();
  try {
    for (let first = 0, turn = 0; first < count; first += SYNTH_CHUNK_ROWS, turn ^= 1) {
      const rows = Math.min(SYNTH_CHUNK_ROWS, count - first);
      const chunk = buffers[turn];
      gen.fill(first, rows, chunk);
      await pending;
      onProgress?.(first, count);
      pending = writer.write(chunk.subarray(0, rows * dim));
    }
    await pending;
    onProgress?.(count, count);
    await writer.close();
  } catch (err) {
    await pending.catch(() => undefined);
    await writer.abort();
    throw err;
  }
  return { path: file, count, dim, params: gen.params, seconds: (performance.now() - start) / 1000 };
}
