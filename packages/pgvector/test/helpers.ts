// Test helpers: seeded data, the databases to run on (PGlite always, a real
// server through `pg` when DATABASE_URL is set), and a connection that drops
// after N rows, as a server connection can and PGlite cannot.

import { BruteForceIndex, HnswIndex, type Space } from '@smallworld/hnsw';
import pg from 'pg';
import { createPglite, openConnection, type PgvectorConnection, type PgvectorDatabase } from '../src/index.js';
import { tupleBytes } from '../src/copy-binary.js';

/** Seeded clustered vectors: `clusters` centres, points spread around them. */
export function clustered(n: number, dim: number, seed: number, clusters = 8): Float32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = Float32Array.from({ length: clusters * dim }, () => gauss() * 3);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(next() * clusters);
    for (let j = 0; j < dim; j++) out[i * dim + j] = centres[c * dim + j]! + gauss();
  }
  return out;
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
