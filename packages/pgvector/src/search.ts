// k-NN queries on pgvector's HNSW index, with distances converted to the
// engine's convention: the planner comparePgvector uses, and searchPgvector
// for callers that serve queries from Postgres (face search on a server).

import {
  DimensionMismatchError, METRICS, SmallworldTypeError, checkInteger, checkKnownKeys, describeValue, type Space,
} from '@smallworld/hnsw';
import { describeTable, quoteName, vectorExtension, vectorLiteral } from './catalog.js';
import { openConnection, type PgvectorConnection, type PgvectorDatabase } from './connection.js';
import { PgvectorError } from './errors.js';

/** pgvector's largest `hnsw.ef_search`. */
export const PGVECTOR_EF_SEARCH_MAX = 1000;

/** @internal A k-NN statement over a table's HNSW index: `$1` is the query's text form. */
export interface SearchPlan {
  sql: string;
  space: Space;
  dim: number;
  fromPgvector: (d: number) => number;
}

/**
 * @internal Checks the table against what the caller expects and writes the
 * statement: refused when the dimension or space differs, or when the
 * column has no HNSW index (pgvector would scan every row).
 */
export async function planSearch(
  conn: PgvectorConnection, table: string, idColumn: string, vectorColumn: string, k: number,
  expected: { dim?: number; space?: Space; what: string }, columns: readonly string[] = [],
): Promise<SearchPlan> {
  await vectorExtension(conn, false);
  const info = await describeTable(conn, table, vectorColumn, idColumn);
  if (info.hnsw === undefined) {
    throw new PgvectorError('UNSUPPORTED_TABLE', `${table}.${vectorColumn} has no HNSW index: pgvector would answer by exact scan`);
  }
  const dim = info.dim ?? expected.dim;
  if (dim === undefined) throw new PgvectorError('UNSUPPORTED_TABLE', `${table}.${vectorColumn} has no declared dimension`);
  if (expected.dim !== undefined && dim !== expected.dim) throw new DimensionMismatchError(`${table}.${vectorColumn}`, expected.dim, dim);
  const space = info.hnsw.space;
  if (space === undefined) {
    throw new PgvectorError('UNSUPPORTED_TABLE', `the HNSW index ${info.hnsw.name} uses ${info.hnsw.opclass}, a distance smallworld has no space for`);
  }
  if (expected.space !== undefined && space !== expected.space) {
    throw new PgvectorError('SPACE_MISMATCH', `${expected.what}'s space is '${expected.space}' but ${table}'s HNSW index ${info.hnsw.name} uses ${info.hnsw.opclass}`);
  }
  const { operator, fromPgvector } = METRICS[space].pgvector;
  // An index over a `::halfvec` cast serves only queries written with the same cast.
  const cast = info.hnsw.indexType === 'halfvec' && info.type === 'vector' ? `::halfvec(${dim})` : '';
  const target = cast === '' ? vectorColumn : `(${vectorColumn}${cast})`;
  const extra = columns.map((c) => `, ${c}`).join('');
  const sql = `SELECT ${idColumn} AS id, ${target} ${operator} $1${cast} AS distance${extra} FROM ${table} ` +
    `ORDER BY ${target} ${operator} $1${cast} LIMIT ${k}`;
  return { sql, space, dim, fromPgvector };
}

/** @internal The table, columns, k and efSearch of a search or a comparison, checked and quoted. */
export function checkSearchOptions(
  options: { table: string; idColumn?: string; vectorColumn?: string; k?: number; efSearch?: number },
): { table: string; idColumn: string; vectorColumn: string; k: number; efSearch: number } {
  return {
    table: quoteName('table', options.table, true),
    idColumn: quoteName('idColumn', options.idColumn ?? 'id'),
    vectorColumn: quoteName('vectorColumn', options.vectorColumn ?? 'embedding'),
    k: options.k === undefined ? 10 : checkInteger('k', options.k, 1),
    efSearch: options.efSearch === undefined ? 100 : checkInteger('efSearch', options.efSearch, 1, PGVECTOR_EF_SEARCH_MAX),
  };
}

/** Options of `searchPgvector`. */
export interface PgvectorSearchOptions {
  /** The table: `name` or `schema.name`. */
  table: string;
  /** The label column. Default 'id'. */
  idColumn?: string;
  /** The vector column. Default 'embedding'. */
  vectorColumn?: string;
  /** Neighbours wanted. Default 10. */
  k?: number;
  /** `hnsw.ef_search`, 1-1000 (pgvector returns at most that many rows). Default 100. */
  efSearch?: number;
  /** The space the caller expects: refused ('SPACE_MISMATCH') when the table's HNSW index is for another. Default: any. */
  space?: Space;
  /** Other columns to return with each neighbour (e.g. a photo's path). Default none. */
  columns?: readonly string[];
}

/** The neighbours pgvector found, nearest first. */
export interface PgvectorSearchResult {
  /** The labels (the id column). */
  labels: Float64Array;
  /** Their distances in the space's convention (squared L2, 1 - dot), as smallworld's `search` gives them. */
  distances: Float32Array;
  /** The requested `columns` of each neighbour, keyed by column name. */
  rows: Record<string, unknown>[];
  /** The space of the table's HNSW index. */
  space: Space;
}

const SEARCH_KEYS = ['table', 'idColumn', 'vectorColumn', 'k', 'efSearch', 'space', 'columns'];

/**
 * The k nearest rows to `query` by pgvector's HNSW index on the table, with
 * distances converted to smallworld's convention for the index's space.
 * Runs in its own transaction with `SET LOCAL hnsw.ef_search`.
 */
export async function searchPgvector(db: PgvectorDatabase, query: ArrayLike<number>, options: PgvectorSearchOptions): Promise<PgvectorSearchResult> {
  checkKnownKeys('searchPgvector', options, SEARCH_KEYS);
  const { table, idColumn, vectorColumn, k, efSearch } = checkSearchOptions(options);
  if (options.columns !== undefined && !Array.isArray(options.columns)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`columns\` must be an array of column names (got ${describeValue(options.columns)})`);
  }
  const columns = (options.columns ?? []).map((c, i) => quoteName(`columns[${i}]`, c));
  if (typeof query !== 'object' || query === null || typeof query.length !== 'number') {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`query\` must be an array of numbers (got ${describeValue(query)})`);
  }
  const vector = Float32Array.from(query);
  const conn = await openConnection(db);
  try {
    const plan = await planSearch(conn, table, idColumn, vectorColumn, k,
      { dim: vector.length, ...(options.space === undefined ? {} : { space: options.space }), what: 'the query' }, columns);
    await conn.query('BEGIN');
    try {
      await conn.query(`SET LOCAL hnsw.ef_search = ${efSearch}`);
      const { rows } = await conn.query<Record<string, unknown> & { id: unknown; distance: unknown }>(plan.sql, [vectorLiteral(vector, 0, plan.dim)]);
      const labels = new Float64Array(rows.length);
      const distances = new Float32Array(rows.length);
      const extra = rows.map((row, i) => {
        const { id, distance, ...rest } = row;
        labels[i] = Number(id);
        distances[i] = plan.fromPgvector(Number(distance));
        return rest;
      });
      return { labels, distances, rows: extra, space: plan.space };
    } finally {
      await conn.query('COMMIT').catch(() => {});
    }
  } finally {
    await conn.release();
  }
}
