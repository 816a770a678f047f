// importFromPgvector: a smallworld HnswIndex built from a Postgres table,
// read through a cursor in batches and inserted on worker threads. The space,
// M and ef_construction come from the table's HNSW index when it has one.

import {
  DimensionMismatchError, HnswIndex, SPACES, SmallworldTypeError, checkInteger, checkKnownKeys, describeValue, type Space,
} from '@smallworld/hnsw';
import { describeTable, parseVectorInto, quoteName, vectorExtension } from './catalog.js';
import { openConnection, type PgvectorDatabase } from './connection.js';
import { PgvectorError } from './errors.js';
import type { PgvectorProgress } from './export.js';

/** Default rows per cursor fetch. */
export const DEFAULT_IMPORT_BATCH = 10_000;

/** Options of `importFromPgvector`. */
export interface ImportOptions {
  /** The table to read: `name` or `schema.name`, taken as written (quoted). */
  table: string;
  /** The label column: non-negative integers (bigint, integer). Default 'id'. */
  idColumn?: string;
  /** The `vector(dim)` or `halfvec(dim)` column. Default 'embedding'. */
  vectorColumn?: string;
  /**
   * The space. Default: the one of the table's HNSW operator class; needed
   * when the table has no HNSW index. Given and different from the index's
   * class: refused ('SPACE_MISMATCH').
   */
  space?: Space;
  /** The expected dimension: refused ('DIMENSION_MISMATCH') when the column's differs. Default: the column's. */
  dim?: number;
  /** `m` of the new index. Default: the table's HNSW `m`, else 16. */
  m?: number;
  /** `efConstruction` of the new index. Default: the table's HNSW `ef_construction`, else 64 (pgvector's). */
  efConstruction?: number;
  /** Rows per cursor fetch, inserted as one parallel batch. Default 10,000. */
  batchSize?: number;
  /** Worker threads of the build (see `addBatchParallel`). Default: the cores Node may use. */
  threads?: number;
  /** Called after each batch. */
  onProgress?: (progress: PgvectorProgress) => void;
}

const OPTION_KEYS = ['table', 'idColumn', 'vectorColumn', 'space', 'dim', 'm', 'efConstruction', 'batchSize', 'threads', 'onProgress'];

/**
 * Builds an `HnswIndex` from the rows of `options.table`: labels from the id
 * column, vectors from the vector column (read exactly: pgvector prints
 * float32s in shortest round-trip form). Rows stream through a cursor in
 * one read-only transaction, `batchSize` at a time, each batch inserted
 * with `addBatchParallel`. Refused: a database without pgvector, a missing
 * table or column ('NO_TABLE'), a space or dimension that does not match,
 * an operator class the engine has no space for (l1), NULL vectors or ids
 * that are not non-negative integers ('UNSUPPORTED_TABLE').
 */
export async function importFromPgvector(db: PgvectorDatabase, options: ImportOptions): Promise<HnswIndex> {
  checkKnownKeys('importFromPgvector', options, OPTION_KEYS);
  const table = quoteName('table', options.table, true);
  const idColumn = quoteName('idColumn', options.idColumn ?? 'id');
  const vectorColumn = quoteName('vectorColumn', options.vectorColumn ?? 'embedding');
  if (options.space !== undefined && !SPACES.includes(options.space)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`space\` must be one of ${SPACES.map((s) => `'${s}'`).join(', ')} (got ${describeValue(options.space)})`);
  }
  if (options.dim !== undefined) checkInteger('dim', options.dim, 1);
  const batchSize = options.batchSize === undefined ? DEFAULT_IMPORT_BATCH : checkInteger('batchSize', options.batchSize, 1);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`onProgress\` must be a function (got ${describeValue(options.onProgress)})`);
  }

  const conn = await openConnection(db);
  try {
    await vectorExtension(conn, false);
    const info = await describeTable(conn, table, vectorColumn, idColumn);
    let space = options.space;
    if (info.hnsw !== undefined) {
      if (info.hnsw.space === undefined) {
        throw new PgvectorError('UNSUPPORTED_TABLE', `the HNSW index ${info.hnsw.name} uses ${info.hnsw.opclass}, a distance smallworld has no space for (it has ${SPACES.join(', ')})`);
      }
      if (space !== undefined && space !== info.hnsw.space) {
        throw new PgvectorError('SPACE_MISMATCH', `\`space\` is '${space}' but the table's HNSW index ${info.hnsw.name} uses ${info.hnsw.opclass} ('${info.hnsw.space}')`);
      }
      space = info.hnsw.space;
    }
    if (space === undefined) {
      throw new PgvectorError('UNSUPPORTED_TABLE', `${table}.${vectorColumn} has no HNSW index to read the space from: pass \`space\` ('l2', 'ip' or 'cosine')`);
    }
    const { rows: counted } = await conn.query<{ n: string | number; dim: number | null }>(
      `SELECT count(*) AS n, max(vector_dims(${vectorColumn})) AS dim FROM ${table}`);
    const total = Number(counted[0]!.n);
    const dim = info.dim ?? (counted[0]!.dim === null ? undefined : Number(counted[0]!.dim)) ?? options.dim;
    if (dim === undefined) throw new PgvectorError('UNSUPPORTED_TABLE', `${table} is empty and ${vectorColumn} has no declared dimension: pass \`dim\``);
    if (options.dim !== undefined && options.dim !== dim) throw new DimensionMismatchError('dim', dim, options.dim);

    const index = new HnswIndex({
      space, dim, capacity: Math.max(total, 1),
      m: options.m ?? info.hnsw?.m ?? 16,
      efConstruction: options.efConstruction ?? info.hnsw?.efConstruction ?? 64,
    });
    const vectors = new Float32Array(Math.min(batchSize, Math.max(total, 1)) * dim);
    const labels = new Float64Array(vectors.length / dim);
    await conn.query('BEGIN READ ONLY');
    try {
      await conn.query(`DECLARE smallworld_import NO SCROLL CURSOR FOR SELECT ${idColumn} AS id, ${vectorColumn}::text AS v FROM ${table}`);
      let done = 0;
      for (;;) {
        const { rows } = await conn.query<{ id: string | number | null; v: string | null }>(`FETCH ${batchSize} FROM smallworld_import`);
        if (rows.length === 0) break;
        for (let r = 0; r < rows.length; r++) {
          const { id, v } = rows[r]!;
          const label = Number(id);
          if (id === null || !Number.isSafeInteger(label) || label < 0) {
            throw new PgvectorError('UNSUPPORTED_TABLE', `${table}.${idColumn} must hold non-negative integers (got ${describeValue(id)})`);
          }
          if (v === null || !parseVectorInto(v, vectors, r * dim, dim)) {
            throw new PgvectorError('UNSUPPORTED_TABLE', `${table}.${vectorColumn} of id ${label} is ${v === null ? 'NULL' : `not a ${dim}-dimensional vector`}`);
          }
          labels[r] = label;
        }
        const n = rows.length;
        await index.addBatchParallel(vectors.subarray(0, n * dim), {
          labels: labels.subarray(0, n), ...(options.threads === undefined ? {} : { threads: options.threads }),
        });
        done += n;
        options.onProgress?.({ rows: done, total: Math.max(total, done) });
      }
      await conn.query('CLOSE smallworld_import');
    } finally {
      await conn.query('COMMIT').catch(() => {});
    }
    return index;
  } finally {
    await conn.release();
  }
}
