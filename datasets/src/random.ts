// The generators' randomness: xoshiro128** (32-bit integer arithmetic only,
// so the same seed gives the same bits on every machine) and normal deviates
// by Marsaglia and Tsang's ziggurat (2000), 128 layers.
//
// Every block of BLOCK_ROWS rows gets its own stream, derived from (seed,
// stream, block): a row's values depend only on the seed and the row's block,
// never on chunk sizes or on how many blocks were generated before it.

/** Rows per independently seeded block of a synthetic data set. */
export const BLOCK_ROWS = 1024;

const TWO_POW_MINUS_32 = 2 ** -32;

// Ziggurat tables (Marsaglia & Tsang 2000, "The Ziggurat Method for Generating
// Random Variables", 128 layers for the normal density). `ZIG_R` is the right
// edge of the base layer, `ZIG_V` the area of each layer. Values are drawn as
// 25-bit signed integers scaled by `ZIG_W`, so the thresholds `ZIG_K` are
// scaled by 2^24.
const ZIG_LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_SCALE = 2 ** 24;
const ZIG_K = new Float64Array(ZIG_LAYERS);
const ZIG_W = new Float64Array(ZIG_LAYERS);
const ZIG_F = new Float64Array(ZIG_LAYERS);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * ZIG_SCALE;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / ZIG_SCALE;
  ZIG_W[ZIG_LAYERS - 1] = dn / ZIG_SCALE;
  ZIG_F[0] = 1;
  ZIG_F[ZIG_LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = ZIG_LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * ZIG_SCALE;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / ZIG_SCALE;
  }
}

/** SplitMix32 finaliser: spreads one 32-bit input over all 32 output bits. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/** xoshiro128**, seeded per (seed, stream, block), with normal deviates. */
export class Xoshiro128 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

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

  /** Uniform in (0, 1): never 0, so `log(u)` is finite. */
  nextUnit(): number {
    return (this.nextUint32() + 0.5) * TWO_POW_MINUS_32;
  }

  /**
   * A standard normal deviate by the ziggurat: one 32-bit draw and a table
   * look-up about 99% of the time. The layer index (low 7 bits) and the value
   * (high 25 bits, signed) come from disjoint bits of the draw, which avoids
   * the correlation Doornik (2005) found in the original's shared bits.
   */
  nextGaussian(): number {
    for (;;) {
      const u = this.nextUint32();
      const i = u & (ZIG_LAYERS - 1);
      const h = (u | 0) >> 7;
      const x = h * ZIG_W[i];
      if (Math.abs(h) < ZIG_K[i]) return x;
      if (i === 0) {
        // The tail beyond ZIG_R, by Marsaglia's exponential method.
        let t: number, y: number;
        do {
          t = -Math.log(this.nextUnit()) / ZIG_R;
          y = -Math.log(this.nextUnit());
        } while (y + y < t * t);
        return h > 0 ? ZIG_R + t : -ZIG_R - t;
      }
      // The wedge between the layer's rectangle and the curve.
      if (ZIG_F[i] + this.nextUnit() * (ZIG_F[i - 1] - ZIG_F[i]) < Math.exp(-0.5 * x * x)) return x;
    }
  }
}
