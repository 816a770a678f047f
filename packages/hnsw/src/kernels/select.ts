// Kernel selection: WebAssembly SIMD where the runtime has it and the vectors
// live in wasm memory, else the TypeScript kernel.

import type { Space } from '../distance.js';
import type { GraphStore } from '../layout.js';
import { SmallworldRangeError } from '../errors.js';
import { JsKernel } from './js-kernel.js';
import type { Kernel } from './kernel.js';
import { SimdKernel, simdModule } from './simd-kernel.js';

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
  const simd = store.memory !== null && simdSupported(store.shared);
  if (choice === 'simd' && !simd) {
    throw new SmallworldRangeError(
      'UNSUPPORTED',
      '`kernel` \'simd\' needs WebAssembly SIMD and an index under 4 GiB of vectors (use \'auto\' to fall back)',
    );
  }
  return choice !== 'js' && simd ? new SimdKernel(store, space, slot) : new JsKernel(store, space);
}
