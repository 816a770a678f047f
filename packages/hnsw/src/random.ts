// Seeded pseudo-random numbers (SplitMix32) and the HNSW level draw: the same
// seed gives the same levels, hence the same graph on one thread.

/** A small, fast, seedable PRNG; state is one 32-bit integer. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in (0, 1]: never 0, so `-log(u)` is finite. */
  nextUnit(): number {
    return (this.nextUint32() + 1) / 4294967296;
  }

  /** Current state, to persist a generator (file format) and resume it. */
  getState(): number {
    return this.state >>> 0;
  }

  setState(state: number): void {
    this.state = state | 0;
  }
}

/**
 * Draws a node's top layer: floor(-ln(U) * mL) with mL = 1 / ln(M), the
 * exponentially decaying distribution of the paper (section 4.1).
 */
export function drawLevel(random: Random, mL: number, maxLevel: number): number {
  const level = Math.floor(-Math.log(random.nextUnit()) * mL);
  return level > maxLevel ? maxLevel : level;
}
