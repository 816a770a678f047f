// @smallworld/hnswlib-node: hnswlib-node 3.x's API, word for word, over the
// pure-TypeScript smallworld engine. Swap the import (or alias the package)
// and the code that used the native addon runs unchanged.

export { HierarchicalNSW } from './hierarchical-nsw.js';
export type { AddPointsParallelOptions, InitIndexOptions, ParallelOptions, PointsLike } from './hierarchical-nsw.js';
export { BruteforceSearch } from './bruteforce-search.js';
export { InnerProductSpace, L2Space } from './spaces.js';
export type { FilterFunction, SearchResult, SpaceName } from './search.js';
export type { PointLike } from './arguments.js';
