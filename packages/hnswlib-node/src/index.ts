// @smallworld/hnswlib-node: hnswlib-node 3.x's API, word for word, over the
// pure-TypeScript smallworld engine. Swap the import (or alias the package)
// and the code that used the native addon runs unchanged.

import { BruteforceSearch } from './bruteforce-search.js';
import { HierarchicalNSW } from './hierarchical-nsw.js';
import { InnerProductSpace, L2Space } from './spaces.js';

export { BruteforceSearch, HierarchicalNSW, InnerProductSpace, L2Space };
export type {
  AddPointsParallelOptions, InitIndexOptions, ParallelOptions, PointsLike,
} from './hierarchical-nsw.js';
export type { FilterFunction, SearchResult, SpaceName } from './search.js';
export type { PointLike } from './arguments.js';
export type { HnswlibNodeErrorCode } from './errors.js';

/**
 * hnswlib-node is a CommonJS module, so ES-module code may import it whole
 * (`import hnswlib from 'hnswlib-node'`): the same object, for the alias.
 */
const hnswlib = {
  /** The exact index (see the named export). */
  BruteforceSearch,
  /** The HNSW index (see the named export). */
  HierarchicalNSW,
  /** The inner-product space (see the named export). */
  InnerProductSpace,
  /** The squared-L2 space (see the named export). */
  L2Space,
};
export default hnswlib;
