// Moving rows of a typed array to new positions in place: the one primitive
// behind `permuteNodes` (renumber.ts), for the graph's per-node arrays and
// the vector stores' buffers alike.

/** The typed arrays that hold an index's rows. */
export type RowArray = Int8Array | Uint8Array | Int32Array | Float32Array | Float64Array;

/**
 * Rearranges the first `count` rows of `per` entries of `array` so that
 * row `i` afterwards holds what row `from[i]` held (`from` a permutation of
 * [0, count)). Follows each cycle of the permutation with one row of
 * scratch, so the extra memory is a row and a byte per row, not a copy.
 */
export function permuteRows(array: RowArray, per: number, from: Int32Array, count: number): void {
  if (per === 0) return;
  const done = new Uint8Array(count);
  const scratch = array.slice(0, per);
  for (let start = 0; start < count; start++) {
    if (done[start] !== 0 || from[start] === start) continue;
    scratch.set(array.subarray(start * per, (start + 1) * per) as never);
    let at = start;
    for (;;) {
      done[at] = 1;
      const source = from[at];
      if (source === start) break;
      array.copyWithin(at * per, source * per, (source + 1) * per);
      at = source;
    }
    array.set(scratch as never, at * per);
  }
}
