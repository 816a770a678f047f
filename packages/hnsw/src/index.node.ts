// @smallworld/hnsw under the `node` export condition: the portable API plus
// what needs Node.js (worker threads, files) as later modules add it.

export * from './index.js';
