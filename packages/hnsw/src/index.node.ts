// @smallworld/hnsw under the `node` export condition: the portable API, with
// HnswIndex and BruteForceIndex replaced by their Node.js subclasses (worker
// threads, files).

export * from './index.js';
export { HnswIndex } from './node/hnsw-index-node.js';
export { BruteForceIndex } from './node/brute-force-node.js';
export { fromHnswlibBytes, toHnswlibBytes } from './node/hnswlib-bytes.js';
export { closePool, defaultThreads, MAX_WORKER_THREADS } from './parallel/pool.js';
export type { AddBatchParallelOptions, CompactParallelOptions, SearchBatchParallelOptions } from './node/hnsw-index-node.js';
export { NmslibIndex, nmslib } from './nmslib.js';
export type { NmslibIndexParams, NmslibInitOptions, NmslibNeighbors, NmslibQueryParams, NmslibSpace } from './nmslib.js';
export { commitGeneration, generationFileName, openFileAtomic, writeFileAtomic, writeFileAtomicSync } from './node/atomic-file.js';
export type { AtomicFile, AtomicSink, AtomicSinkSync, AtomicSource, AtomicSourceSync, GenerationFile } from './node/atomic-file.js';
export { MAX_SHARDS, SHARDED_MANIFEST_NAME, ShardedIndex, shardOfLabel } from './node/sharded-index.js';
export type { ShardedIndexOptions } from './node/sharded-index.js';
export { acquireFolderLock, LOCK_FILE_NAME, type FolderLock } from './node/folder-lock.js';
