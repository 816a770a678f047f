// Every bound the engine enforces, in one place, each with its reason: the
// option checks, the file readers and the other packages import them from here.

/** Smallest `m` (M): below 2 the graph degenerates into ropes (each node one link onward). */
export const M_MIN = 2;

/**
 * Largest `m` (M) an index or a file may have. hnswlib's useful range ends
 * near 100; 2048 leaves room for experiments while keeping a node's layer-0
 * link record (1 + 2M ints) at 16 KB, so a hostile file header cannot ask
 * the readers for an absurd record size.
 */
export const M_MAX = 2048;

/**
 * Most points an index holds (`capacity`, node counts in files): 2^31 - 1,
 * because node ids are entries of Int32Array link lists (and typed arrays of
 * that many elements are the most every engine allows).
 */
export const MAX_COUNT = 2 ** 31 - 1;

/**
 * Largest vector dimension: 65536. A row (and the query copy) must fit a
 * kernel's scratch slot comfortably, and the value bound `MAX_ABS_VALUE` is
 * derived for this dimension.
 */
export const MAX_DIM = 65536;

/**
 * Largest `efSearch` and `efConstruction`: 2^31 - 1, the most points an
 * index can hold (`MAX_COUNT`). A search keeps at most as many candidates as
 * there are nodes, so any larger ef would behave exactly like this one; the
 * bound keeps the value a u32 in the native file (which checks the same
 * bound on load) and a safe integer in every heap computation. The working
 * memory of a search grows with the nodes it visits, never with ef itself.
 */
export const MAX_EF = MAX_COUNT;

/**
 * Largest absolute value of a vector component the index accepts: 2^54
 * (about 1.8e16). The SIMD kernels accumulate squared differences in
 * float32: with |a|, |b| <= B, each term (a - b)^2 is at most 4B^2, and a
 * sum over `dim` terms at most 4 x dim x B^2, which must stay below
 * FLT_MAX (about 2^128), so B <= sqrt(FLT_MAX / (4 x dim)). At the largest
 * dimension (`MAX_DIM` = 2^16) that is just under 2^55; 2^54 leaves a factor
 * of 4 for rounding. It covers inner products (at most dim x B^2) and the
 * squared norm of cosine's normalisation too. One bound for every dimension
 * keeps the check a single comparison (at dim 128 the exact bound would be
 * about 22 times larger, still far beyond any embedding's values).
 */
export const MAX_ABS_VALUE = 2 ** 54;

/**
 * Largest `seed`: 2^32 - 1. The level generator's state is one 32-bit
 * integer, and the native file keeps the seed as a u32.
 */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * Whether this host stores typed arrays little-endian (every platform Node,
 * browsers and Deno run on does). Files are little-endian: typed-array views
 * of their sections, and the CRC-32's word loop, are only right when true.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
