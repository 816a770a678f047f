// The generators' randomness: xoshiro128** (32-bit integer arithmetic only,
// so the same seed gives the same bits on every machine) and normal deviates
// by Marsaglia's polar method.
//
// Every block of BLOCK_ROWS rows gets its own stream, derived from (seed,
// stream, block): a row's values depend only on the seed and the row's block,
// never on chunk sizes or on how many blocks were generated before it.

/** Rows per independently seeded block of a synthetic data set. */
export const BLOCK_ROWS = 1024;

const TWO_POW_MINUS_31 = 2 ** -31;

/** SplitMix32 finaliser: spreads one 32-bit input over all 32 output bits. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/** xoshiro128** with a cached second normal deviate. */
export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  constructor(seed = 0, stream = 0, block = 0) {
    this.reseed(seed, stream, block);
  }

  /**
   * Resets the state from a seed (a non-negative safe integer), a stream id
   * and a block index; distinct triples give unrelated sequences.
   */
  reseed(seed: number, stream: number, block: number): void {
    const seedLo = seed >>> 0;
    const seedHi = Math.floor(seed / 4294967296) >>> 0;
    const blockLo = block >>> 0;
    const blockHi = Math.floor(block / 4294967296) >>> 0;
    let h = mix32(seedLo);
    h = mix32(h ^ seedHi);
    h = mix32(h ^ Math.imul(stream + 1, 0x27d4eb2d));
    h = mix32(h ^ blockLo);
    h = mix32(h ^ blockHi);
    this.s0 = h = mix32(h);
    this.s1 = h = mix32(h);
    this.s2 = h = mix32(h);
    this.s3 = mix32(h);
    // An all-zero state would stay zero forever.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpare = false;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** An integer uniform in [0, n) for n <= 2^32 (multiply-shift: bias below 2^-32 * n). */
  nextBelow(n: number): number {
    return Math.floor((this.nextUint32() * n) / 4294967296);
  }

  /**
   * A standard normal deviate (Marsaglia's polar method). Only exact integer
   * arithmetic, `Math.sqrt` (correctly rounded) and `Math.log` feed the result.
   */
  nextGaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, s: number;
    do {
      // Uniform in [-1, 1) with 2^-31 resolution: exact in float64.
      u = this.nextUint32() * TWO_POW_MINUS_31 - 1;
      v = this.nextUint32() * TWO_POW_MINUS_31 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }
}
