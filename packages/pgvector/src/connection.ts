// One small interface over the databases the bridge talks to: a `pg`
// client or pool (a real Postgres server) or an embedded PGlite with pgvector.
// Everything else in the package speaks only `PgvectorConnection`.

import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { SmallworldTypeError, describeValue } from '@smallworld/hnsw';
import pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Rows of a query, as objects keyed by column name. */
export interface ResultRows<R> {
  /** The result rows, in order. */
  rows: R[];
}

/**
 * A single database session, as the bridge needs it. Implement it to put
 * something between the bridge and the database (a proxy, a fault injector
 * in tests); `openConnection` makes one from a `pg` client or pool or a PGlite.
 */
export interface PgvectorConnection {
  /** 'pg' or 'pglite' (or the implementer's name): only for reports. */
  readonly kind: string;
  /** Runs one statement with `$1`-style parameters; rows as objects keyed by column name. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<ResultRows<R>>;
  /**
   * `COPY <target> FROM ... (FORMAT binary)` with `data` as the whole
   * binary COPY stream (header, tuples, trailer). `target` is the quoted
   * table and column list, e.g. `"items" ("id", "embedding")`.
   */
  copyFrom(target: string, data: Uint8Array): Promise<void>;
  /** Gives the session back (a pool client is released); the database itself stays open. */
  release(): Promise<void>;
}

/** What the bridge's functions accept as `db`: a `pg` Client, PoolClient or Pool, a PGlite, or a `PgvectorConnection`. */
export type PgvectorDatabase = pg.Client | pg.PoolClient | pg.Pool | PGliteInterface | PgvectorConnection;

function isConnection(db: object): db is PgvectorConnection {
  return typeof (db as PgvectorConnection).copyFrom === 'function' && typeof (db as PgvectorConnection).release === 'function';
}

function isPglite(db: object): db is PGliteInterface {
  return typeof (db as PGliteInterface).exec === 'function' && 'waitReady' in db;
}

function isPool(db: object): db is pg.Pool {
  return typeof (db as pg.Pool).connect === 'function' && typeof (db as pg.Pool).totalCount === 'number';
}

function isPgClient(db: object): db is pg.Client {
  return typeof (db as pg.Client).query === 'function' && typeof (db as pg.Client).connect === 'function';
}

/** A session on a `pg` client: COPY goes through pg-copy-streams. */
function pgConnection(client: pg.ClientBase, release: () => void): PgvectorConnection {
  return {
    kind: 'pg',
    async query<R>(text: string, params?: unknown[]) {
      const result = await client.query(text, params);
      return { rows: result.rows as R[] };
    },
    async copyFrom(target, data) {
      const stream = client.query(pgCopyStreams.from(`COPY ${target} FROM STDIN (FORMAT binary)`));
      await pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), stream);
    },
    async release() {
      release();
    },
  };
}

/** A session on PGlite: COPY reads the bytes as the `/dev/blob` file. */
function pgliteConnection(db: PGliteInterface): PgvectorConnection {
  return {
    kind: 'pglite',
    async query<R>(text: string, params?: unknown[]) {
      const result = await db.query<R>(text, params);
      return { rows: result.rows };
    },
    async copyFrom(target, data) {
      const bytes = new Uint8Array(data.byteLength);
      bytes.set(data);
      await db.query(`COPY ${target} FROM '/dev/blob' (FORMAT binary)`, [], { blob: new Blob([bytes]) });
    },
    async release() {},
  };
}

/**
 * A session on `db`: a pool lends one client for the whole operation
 * (a transaction needs one connection), a client or PGlite is used as it
 * is. Release it when done; the caller keeps ownership of `db` itself.
 */
export async function openConnection(db: PgvectorDatabase): Promise<PgvectorConnection> {
  if (typeof db !== 'object' || db === null) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`db\` must be a pg Client or Pool, a PGlite or a PgvectorConnection (got ${describeValue(db)})`);
  }
  if (isConnection(db)) return db;
  if (isPglite(db)) {
    await db.waitReady;
    return pgliteConnection(db);
  }
  if (isPool(db)) {
    const client = await db.connect();
    return pgConnection(client, () => client.release());
  }
  if (isPgClient(db)) return pgConnection(db, () => {});
  throw new SmallworldTypeError('INVALID_ARGUMENT', `\`db\` must be a pg Client or Pool, a PGlite or a PgvectorConnection (got ${describeValue(db)})`);
}

/**
 * An embedded Postgres with pgvector loaded: in memory, or persisted in
 * the folder `dataDir`. Startup takes a few seconds (the WebAssembly
 * Postgres boots); close it with `await db.close()`.
 */
export async function createPglite(dataDir?: string): Promise<PGlite> {
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === '')) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`dataDir\` must be a non-empty string (got ${describeValue(dataDir)})`);
  }
  return PGlite.create(dataDir, { extensions: { vector } });
}

/** A database opened by `openDatabase`, and how to end it. */
export interface OpenedDatabase {
  /** The database, for the bridge's functions. */
  db: PgvectorDatabase;
  /** Ends the connection (or shuts PGlite down). */
  close: () => Promise<void>;
}

/**
 * A database named as the command lines name it: `{ url }`, one `pg`
 * client connected to a server (`postgres://user@host/db`), or
 * `{ pglite }`, an embedded PGlite with pgvector in that folder (made if
 * needed; `createPglite`). Close it when done.
 */
export async function openDatabase(target: { url: string } | { pglite: string }): Promise<OpenedDatabase> {
  if (typeof target === 'object' && target !== null && 'url' in target && typeof target.url === 'string') {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    return { db: client, close: () => client.end() };
  }
  if (typeof target === 'object' && target !== null && 'pglite' in target) {
    const db = await createPglite(target.pglite);
    return { db, close: () => db.close() };
  }
  throw new SmallworldTypeError('INVALID_ARGUMENT', `\`target\` must be { url } or { pglite } (got ${describeValue(target)})`);
}
