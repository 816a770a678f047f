// @smallworld/hnsw under the `node` export condition: the portable API, with
// HnswIndex replaced by its Node.js subclass (worker threads, files).

export * from './index.js';
export { HnswIndex } from './node/hnsw-index-node.js';
export { fromHnswlibBytes } from './node/from-hnswlib-bytes.js';
