// Seeded uniform numbers for the browser pages (and the explorer's figures in
// Node): plain JavaScript, no dependency, the same sequence everywhere.

/** mulberry32: seeded uniform numbers in [0, 1), the same on every load and in Node. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
