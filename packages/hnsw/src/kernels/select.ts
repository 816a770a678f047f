// Kernel selection: WebAssembly SIMD where the runtime has it and the vectors
// live in wasm memory, else the TypeScript kernel.

import type { GraphStore } from '../layout.js';
import { METRICS, type Space } from '../metric.js';
import { SmallworldRangeError } from '../errors.js';
import { F32VectorStore, Int8VectorStore } from '../vector-store.js';
import { Int8JsKernel, Int8SimdKernel } from './int8-kernel.js';
import { JsKernel } from './js-kernel.js';
import type { Kernel } from './kernel.js';
import { SimdKernel, simdModule } from './simd-kernel.js';
import { WasmLoop } from './wasm-loop.js';

/** Which distance kernel an index uses: 'auto' picks 'simd' where available. */
export type KernelChoice = 'auto' | 'simd' | 'js';

/** True when this runtime validates and compiles the SIMD kernels. */
export function simdSupported(shared: boolean): boolean {
  try {
    return simdModule(shared) !== null;
  } catch {
    return false;
  }
}

/** Creates the kernel for `slot` (a thread's scratch slot) of `store`. */
export function createKernel(store: GraphStore, space: Space, choice: KernelChoice, slot: number): Kernel {
  const vectors = store.vectors;
  const metric = METRICS[space];
  const simd = vectors.memory !== null && simdSupported(store.shared);
  if (choice === 'simd' && !simd) {
    throw new SmallworldRangeError(
      'UNSUPPORTED',
      '`kernel` \'simd\' needs WebAssembly SIMD and an index under 4 GiB of vectors (use \'auto\' to fall back)',
    );
  }
  const useSimd = choice !== 'js' && simd;
  // Kernels are per encoding: float32 rows, or int8 codes (quantization.ts).
  if (vectors instanceof F32VectorStore) {
    return useSimd ? new SimdKernel(store, vectors, metric, slot) : new JsKernel(store, vectors, metric);
  }
  if (vectors instanceof Int8VectorStore) {
    return useSimd ? new Int8SimdKernel(store, vectors, metric.int8, slot) : new Int8JsKernel(store, vectors, metric.int8);
  }
  throw new SmallworldRangeError('UNSUPPORTED', `no distance kernel reads '${(vectors as { encoding: string }).encoding}' vectors`);
}

/**
 * The WebAssembly search loop for `slot` of `store`, or null where it cannot
 * run: no graph memory (kernel 'js', past 4 GiB), a kernel that is not a
 * SIMD one (the loop computes its distances with the same SIMD code, over
 * float32 rows or int8 codes), or a slot not laid out.
 */
export function createLoop(store: GraphStore, space: Space, kernel: Kernel, slot: number): WasmLoop | null {
  // The owner lays the slots out (`ensureSearchSlots`) before a thread uses one.
  const simd = kernel instanceof SimdKernel || kernel instanceof Int8SimdKernel;
  if (store.graphMemory === null || !simd || slot >= store.searchSlots) return null;
  return new WasmLoop(store, METRICS[space], kernel, slot);
}
