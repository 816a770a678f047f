// Test helpers: seeded data, the databases to run on (PGlite always, a real
// server through `pg` when DATABASE_URL is set), and a connection that drops
// after N rows, as a server connection can and PGlite cannot.

import { generateSynthetic } from '@smallworld/datasets';
import { BruteForceIndex, HnswIndex, type Space } from '@smallworld/hnsw';
import pg from 'pg';
import { createPglite, openConnection, type PgvectorConnection, type PgvectorDatabase } from '../src/index.js';
import { tupleBytes } from '../src/copy-binary.js';

/** Seeded clustered vectors (the datasets package's generator): `clusters` centres, points spread around them. */
export function clustered(n: number, dim: number, seed: number, clusters = 8): Float32Array {
  return generateSynthetic({ count: n, dim, seed, generator: 'clustered', clusters, mean: 0, sd: 3, clusterSd: 1 }).data;
}

/** An index over `data` with labels 1000 + row (so labels are not row numbers). */
export function buildIndex(space: Space, data: Float32Array, dim: number, options: { m?: number; efConstruction?: number } = {}): HnswIndex {
  const index = new HnswIndex({ space, dim, m: options.m ?? 12, efConstruction: options.efConstruction ?? 64, seed: 7 });
  const n = data.length / dim;
  index.addBatch(data, { labels: Array.from({ length: n }, (_, i) => 1000 + i) });
  return index;
}

/** Exact top-k labels of each query, as a ground-truth file holds them. */
export function exactTopK(space: Space, data: Float32Array, queries: Float32Array, dim: number, k: number): Float64Array {
  const exact = new BruteForceIndex({ space, dim });
  const n = data.length / dim;
  exact.addBatch(data, { labels: Array.from({ length: n }, (_, i) => 1000 + i) });
  return exact.searchBatch(queries, k).labels;
}

/** A database the suite runs on. */
export interface Backend {
  name: string;
  db: PgvectorDatabase;
  close(): Promise<void>;
}

/** PGlite with pgvector, and a `pg` pool when DATABASE_URL names a server with the vector extension. */
export async function openBackends(): Promise<Backend[]> {
  const backends: Backend[] = [];
  const lite = await createPglite();
  backends.push({ name: 'pglite', db: lite, close: () => lite.close() });
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    backends.push({ name: 'pg', db: pool, close: () => pool.end() });
  }
  return backends;
}

/**
 * A connection that drops after `rows` rows have gone through COPY: the
 * COPY that would pass the mark fails, the server aborts the open
 * transaction (emulated by a ROLLBACK on the real session), and every
 * later statement fails as on a dead socket.
 */
export async function droppingConnection(db: PgvectorDatabase, rows: number, dim: number): Promise<PgvectorConnection & { copied: number }> {
  const inner = await openConnection(db);
  let dropped = false;
  const fail = (): never => { throw new Error('Connection terminated unexpectedly'); };
  const conn = {
    kind: 'dropping',
    copied: 0,
    async query<R>(text: string, params?: unknown[]) {
      if (dropped) fail();
      return inner.query<R>(text, params);
    },
    async copyFrom(target: string, data: Uint8Array) {
      if (dropped) fail();
      const batch = (data.byteLength - 21) / tupleBytes(dim);
      if (conn.copied + batch > rows) {
        dropped = true;
        await inner.query('ROLLBACK');
        fail();
      }
      await inner.copyFrom(target, data);
      conn.copied += batch;
    },
    async release() {
      await inner.release();
    },
  };
  return conn;
}
