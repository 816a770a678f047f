// comparePgvector: the same queries on a smallworld index and on pgvector's
// HNSW index over the exported table, at the same efSearch: how often they
// agree, how each does against exact neighbours, and how fast each answers.

import {
  DimensionMismatchError, SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, describeValue, type HnswIndex,
} from '@smallworld/hnsw';
import { vectorLiteral } from './catalog.js';
import { openConnection, type PgvectorDatabase } from './connection.js';
import { checkSearchOptions, planSearch } from './search.js';


/** Queries for `comparePgvector`: n x dim floats in one array, or one vector per entry. */
export type QueryRows = Float32Array | Float64Array | ArrayLike<ArrayLike<number>>;

/** Options of `comparePgvector`. */
export interface CompareOptions {
  /** The table `exportToPgvector` wrote (or any with the same columns). */
  table: string;
  /** The label column. Default 'id'. */
  idColumn?: string;
  /** The vector column. Default 'embedding'. */
  vectorColumn?: string;
  /** Neighbours per query. Default 10. */
  k?: number;
  /** `efSearch` of smallworld and `hnsw.ef_search` of pgvector, 1-1000. Default 100. */
  efSearch?: number;
  /**
   * True neighbours' labels, `gtK` per query row (gtK >= k; its first k are
   * used), e.g. an ivecs file's rows: adds each engine's recall@k.
   */
  groundTruth?: ArrayLike<number>;
  /** Labels per row of `groundTruth`. Default k. */
  groundTruthK?: number;
}

/** One engine's side of a comparison. */
export interface EngineFigures {
  /** Median milliseconds per query (one query at a time, one thread; pgvector's includes the round trip). */
  medianMs: number;
  /** Queries per second from the total time. */
  qps: number;
  /** Mean recall@k against `groundTruth`, when given. */
  recall?: number;
}

/** What `comparePgvector` measured. */
export interface CompareResult {
  /** Queries run. */
  queries: number;
  /** Neighbours per query. */
  k: number;
  /** efSearch on both sides. */
  efSearch: number;
  /** Mean over queries of |top-k of smallworld ∩ top-k of pgvector| / k. */
  agreement: number;
  /**
   * Largest |smallworld distance - pgvector distance converted to the
   * space's convention| over labels both returned: float rounding only
   * (about 1e-6; halfvec indexes about 1e-3) when the conventions match.
   */
  maxDistanceDifference: number;
  /** smallworld's figures. */
  smallworld: EngineFigures;
  /** pgvector's figures. */
  pgvector: EngineFigures;
}

const OPTION_KEYS = ['table', 'idColumn', 'vectorColumn', 'k', 'efSearch', 'groundTruth', 'groundTruthK'];

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function overlap(a: ArrayLike<number>, aFrom: number, aCount: number, b: ArrayLike<number>, bFrom: number, bCount: number): number {
  let hits = 0;
  for (let i = 0; i < aCount; i++) {
    for (let j = 0; j < bCount; j++) {
      if (a[aFrom + i] === b[bFrom + j]) { hits++; break; }
    }
  }
  return hits;
}

/**
 * Runs each query on `index` (`search`, one at a time) and on pgvector
 * (`SET LOCAL hnsw.ef_search`, `ORDER BY column <op> query LIMIT k`, with
 * sequential scans disabled so pgvector answers from its HNSW index as it
 * would on a large table), then compares the two top-k lists.
 *
 * pgvector's distances are converted to the index's space before they are
 * compared (`<->` is Euclidean, squared for 'l2'; `<#>` is -dot, so 1 + it
 * for 'ip'; `<=>` is already 1 - cos). Refused: a table whose dimension or
 * HNSW space differs from the index's, or with no HNSW index on the column.
 */
export async function comparePgvector(
  index: HnswIndex, db: PgvectorDatabase, queries: QueryRows, options: CompareOptions,
): Promise<CompareResult> {
  checkKnownKeys('comparePgvector', options, OPTION_KEYS);
  const { table, idColumn, vectorColumn, k, efSearch } = checkSearchOptions(options);
  const data = toRows(queries, index.dim);
  const n = data.length / index.dim;
  const gtK = options.groundTruthK === undefined ? k : checkInteger('groundTruthK', options.groundTruthK, k);
  const truth = options.groundTruth;
  if (truth !== undefined && truth.length !== n * gtK) {
    throw new SmallworldRangeError('INVALID_ARGUMENT', `\`groundTruth\` must hold ${gtK} labels for each of the ${n} queries: ${n * gtK} (got ${truth.length})`);
  }

  const conn = await openConnection(db);
  try {
    const plan = await planSearch(conn, table, idColumn, vectorColumn, k, { dim: index.dim, space: index.space, what: 'the index' });
    const { sql, fromPgvector } = plan;

    const swLabels = new Float64Array(n * k).fill(-1);
    const swDistances = new Float64Array(n * k);
    const swCounts = new Uint32Array(n);
    const swMs = new Float64Array(n);
    let swTotal = 0;
    for (let q = 0; q < n; q++) {
      const row = data.subarray(q * index.dim, (q + 1) * index.dim);
      const started = performance.now();
      const result = index.search(row, k, { efSearch });
      swMs[q] = performance.now() - started;
      swTotal += swMs[q]!;
      swLabels.set(result.labels, q * k);
      swDistances.set(result.distances, q * k);
      swCounts[q] = result.labels.length;
    }

    const pgLabels = new Float64Array(n * k).fill(-1);
    const pgDistances = new Float64Array(n * k);
    const pgCounts = new Uint32Array(n);
    const pgMs = new Float64Array(n);
    let pgTotal = 0;
    await conn.query('BEGIN');
    try {
      await conn.query(`SET LOCAL hnsw.ef_search = ${efSearch}`);
      await conn.query('SET LOCAL enable_seqscan = off');
      for (let q = 0; q < n; q++) {
        const literal = vectorLiteral(data, q * index.dim, index.dim);
        const started = performance.now();
        const { rows } = await conn.query<{ id: string | number; distance: number | string }>(sql, [literal]);
        pgMs[q] = performance.now() - started;
        pgTotal += pgMs[q]!;
        pgCounts[q] = rows.length;
        for (let i = 0; i < rows.length; i++) {
          pgLabels[q * k + i] = Number(rows[i]!.id);
          pgDistances[q * k + i] = fromPgvector(Number(rows[i]!.distance));
        }
      }
    } finally {
      await conn.query('COMMIT').catch(() => {});
    }

    let agree = 0;
    let swHits = 0;
    let pgHits = 0;
    let maxDifference = 0;
    for (let q = 0; q < n; q++) {
      const at = q * k;
      agree += overlap(swLabels, at, swCounts[q]!, pgLabels, at, pgCounts[q]!) / k;
      for (let i = 0; i < pgCounts[q]!; i++) {
        for (let j = 0; j < swCounts[q]!; j++) {
          if (swLabels[at + j] === pgLabels[at + i]) {
            maxDifference = Math.max(maxDifference, Math.abs(swDistances[at + j]! - pgDistances[at + i]!));
            break;
          }
        }
      }
      if (truth !== undefined) {
        swHits += overlap(swLabels, at, swCounts[q]!, truth, q * gtK, k);
        pgHits += overlap(pgLabels, at, pgCounts[q]!, truth, q * gtK, k);
      }
    }
    const figures = (ms: Float64Array, total: number, hits: number): EngineFigures => ({
      medianMs: median(ms), qps: total > 0 ? n / (total / 1000) : 0,
      ...(truth === undefined ? {} : { recall: hits / (n * k) }),
    });
    return {
      queries: n, k, efSearch, agreement: n === 0 ? 0 : agree / n, maxDistanceDifference: maxDifference,
      smallworld: figures(swMs, swTotal, swHits), pgvector: figures(pgMs, pgTotal, pgHits),
    };
  } finally {
    await conn.release();
  }
}

/** The queries as one flat Float32Array of n x dim; a wrong length throws naming the row. */
function toRows(queries: QueryRows, dim: number): Float32Array {
  if (queries instanceof Float32Array || queries instanceof Float64Array) {
    if (queries.length % dim !== 0) {
      throw new SmallworldRangeError('DIMENSION_MISMATCH', `\`queries\` must hold n x ${dim} numbers (got ${queries.length}, not a multiple of ${dim})`);
    }
    return queries instanceof Float32Array ? queries : Float32Array.from(queries);
  }
  if (typeof queries !== 'object' || queries === null || typeof queries.length !== 'number') {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`queries\` must be a Float32Array of n x ${dim} or an array of vectors (got ${describeValue(queries)})`);
  }
  const out = new Float32Array(queries.length * dim);
  for (let i = 0; i < queries.length; i++) {
    const row = queries[i]!;
    if (row?.length !== dim) throw new DimensionMismatchError(`queries[${i}]`, dim, row?.length ?? 0);
    for (let j = 0; j < dim; j++) out[i * dim + j] = row[j]!;
  }
  return out;
}
