// exportToPgvector: an index's live labels and vectors into a Postgres table
// (binary COPY in batches), then pgvector's HNSW index with the same M and
// ef_construction and the operator class of the index's space. One
// transaction: a failure anywhere leaves no table behind.

import {
  SmallworldRangeError, SmallworldTypeError, checkInteger, checkKnownKeys, checkVectorExport, describeValue, type HnswIndex,
} from '@smallworld/hnsw';
import { quoteName, vectorExtension } from './catalog.js';
import { openConnection, type PgvectorDatabase } from './connection.js';
import { encodeCopyBinary, encodeField, type ExtraColumnType } from './copy-binary.js';
import { PgvectorError } from './errors.js';
import { operatorClass, type VectorType } from './spaces.js';

/** pgvector's range of `m` for HNSW. */
export const PGVECTOR_M_MIN = 2;
/** pgvector's largest `m`. */
export const PGVECTOR_M_MAX = 100;
/** pgvector's largest `ef_construction` (its smallest is 2 x m). */
export const PGVECTOR_EF_CONSTRUCTION_MAX = 1000;
/** Largest dimension pgvector's HNSW indexes over `vector`. */
export const PGVECTOR_HNSW_MAX_DIM = 2000;
/** Largest dimension pgvector's HNSW indexes over `halfvec`. */
export const PGVECTOR_HNSW_MAX_DIM_HALFVEC = 4000;
/** Largest dimension of pgvector's `vector` type. */
export const PGVECTOR_MAX_DIM = 16000;
/** Default rows per COPY batch. */
export const DEFAULT_EXPORT_BATCH = 10_000;

/** Progress of an export or import, reported after each batch. */
export interface PgvectorProgress {
  /** Rows moved so far. */
  rows: number;
  /** Rows to move in all. */
  total: number;
}

/** A column written beside the label and the vector (a file path, a box, a model signature). */
export interface ExtraColumn {
  /** The column's name (letters, digits, `_`, `$`). */
  name: string;
  /** Its SQL type: 'text', 'jsonb' (any JSON value), 'double precision' or 'bigint'. */
  type: ExtraColumnType;
  /** Its value for a label; null or undefined writes NULL. */
  value: (label: number) => unknown;
}

/** Options of `exportToPgvector`. */
export interface ExportOptions {
  /** The table to create: `name` or `schema.name`, taken as written (quoted). */
  table: string;
  /** The label column (bigint primary key). Default 'id'. */
  idColumn?: string;
  /** The vector column, `vector(dim)`. Default 'embedding'. */
  vectorColumn?: string;
  /** Rows per COPY (one progress report each). Larger batches use more memory (22 + 4 x dim bytes a row). Default 10,000. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (progress: PgvectorProgress) => void;
  /**
   * `maintenance_work_mem` for the index build (`'1GB'`, `'512MB'`): a
   * build whose graph fits in it runs in memory and much faster; past it
   * pgvector builds on disk. Default: the server's setting (64MB on PGlite).
   * Either way the value used is in the result.
   */
  maintenanceWorkMem?: string;
  /**
   * `ef_construction` of pgvector's index. Default: the index's
   * efConstruction, raised to 2 x M or lowered to 1,000 when outside
   * pgvector's range (the result says so in `notes`); a value given here
   * must be in that range.
   */
  efConstruction?: number;
  /**
   * 'halfvec' builds the HNSW index over `(column::halfvec(dim))`: needed
   * for dimensions 2,001-4,000 (pgvector's HNSW limit for `vector` is
   * 2,000); the table keeps the exact float32s. Queries must use the same
   * cast to use the index (`comparePgvector` does). Default 'vector'.
   */
  indexType?: VectorType;
  /** Build the HNSW index after the rows are in. Default true. */
  createIndex?: boolean;
  /** Drop an existing table of that name first (in the same transaction). Default false: an existing table is refused. */
  replace?: boolean;
  /** More columns, one value per label (e.g. a face's photo and box). Default none. */
  extraColumns?: readonly ExtraColumn[];
  /**
   * An index with `quantization: 'int8'` and no originals is refused unless
   * this is true: it then exports the decoded codes (within half a code
   * step of the vectors added). An int8 index with `rerank: true` exports
   * its float32 originals. Default false.
   */
  decodedVectors?: boolean;
}

/** What `exportToPgvector` did. */
export interface ExportResult {
  /** The table, quoted. */
  table: string;
  /** Rows written (the index's live points). */
  rows: number;
  /** The vector dimension. */
  dim: number;
  /** The HNSW operator class (undefined when `createIndex` was false). */
  opclass: string | undefined;
  /** pgvector's `m`. */
  m: number;
  /** pgvector's `ef_construction`. */
  efConstruction: number;
  /** `maintenance_work_mem` in force during the index build, as `SHOW` gives it. */
  maintenanceWorkMem: string;
  /** The pgvector version. */
  pgvectorVersion: string;
  /** Milliseconds spent copying rows. */
  copyMs: number;
  /** Milliseconds spent building the HNSW index. */
  indexMs: number;
  /** Rows copied per second. */
  vectorsPerSecond: number;
  /** Parameters the bridge had to change, in words. */
  notes: string[];
}

const OPTION_KEYS = [
  'table', 'idColumn', 'vectorColumn', 'batchSize', 'onProgress', 'maintenanceWorkMem', 'efConstruction', 'indexType', 'createIndex', 'replace', 'extraColumns',
  'decodedVectors',
];
const EXTRA_TYPES: readonly ExtraColumnType[] = ['text', 'jsonb', 'double precision', 'bigint'];

function checkExtraColumns(columns: unknown, reserved: readonly string[]): { quoted: string; column: ExtraColumn }[] {
  if (columns === undefined) return [];
  if (!Array.isArray(columns)) throw new SmallworldTypeError('INVALID_OPTION', `\`extraColumns\` must be an array (got ${describeValue(columns)})`);
  const seen = new Set(reserved);
  return columns.map((column: ExtraColumn, i) => {
    const quoted = quoteName(`extraColumns[${i}].name`, column?.name);
    if (seen.has(quoted)) throw new SmallworldRangeError('INVALID_OPTION', `\`extraColumns[${i}].name\` repeats column ${quoted}`);
    seen.add(quoted);
    if (!EXTRA_TYPES.includes(column.type)) {
      throw new SmallworldTypeError('INVALID_OPTION', `\`extraColumns[${i}].type\` must be one of ${EXTRA_TYPES.map((t) => `'${t}'`).join(', ')} (got ${describeValue(column.type)})`);
    }
    if (typeof column.value !== 'function') {
      throw new SmallworldTypeError('INVALID_OPTION', `\`extraColumns[${i}].value\` must be a function of the label (got ${describeValue(column.value)})`);
    }
    return { quoted, column };
  });
}

/** pgvector's ef_construction for an index: the caller's (checked), or the index's brought into range. */
function pgvectorEfConstruction(m: number, fromIndex: number, requested: number | undefined, notes: string[]): number {
  const min = Math.max(4, 2 * m);
  if (requested !== undefined) return checkInteger('efConstruction', requested, min, PGVECTOR_EF_CONSTRUCTION_MAX);
  if (fromIndex < min) {
    notes.push(`efConstruction ${fromIndex} raised to ${min}: pgvector needs ef_construction >= 2 x m`);
    return min;
  }
  if (fromIndex > PGVECTOR_EF_CONSTRUCTION_MAX) {
    notes.push(`efConstruction ${fromIndex} lowered to ${PGVECTOR_EF_CONSTRUCTION_MAX}: pgvector's largest ef_construction`);
    return PGVECTOR_EF_CONSTRUCTION_MAX;
  }
  return fromIndex;
}

/**
 * Writes the live points of `index` into a new table `options.table`
 * (`id bigint primary key, embedding vector(dim)`) with binary COPY, in
 * batches, then builds pgvector's HNSW index with the index's M and
 * efConstruction and the operator class of its space (`vector_l2_ops`,
 * `vector_ip_ops`, `vector_cosine_ops`; cosine vectors go out as the index
 * holds them, unit length). Creates the `vector` extension when missing.
 *
 * Everything runs in one transaction: if the connection drops or a
 * statement fails, nothing is left (rejects with `PgvectorError`
 * 'EXPORT_FAILED', the cause attached). Refused before anything is written:
 * M outside pgvector's 2-100, a dimension above pgvector's HNSW limit
 * (2,000; up to 4,000 with `indexType: 'halfvec'`), an existing table
 * without `replace`, a database without pgvector ('NO_VECTOR_EXTENSION').
 */
export async function exportToPgvector(index: HnswIndex, db: PgvectorDatabase, options: ExportOptions): Promise<ExportResult> {
  checkKnownKeys('exportToPgvector', options, OPTION_KEYS);
  checkVectorExport(index, options.decodedVectors, 'a pgvector table');
  const table = quoteName('table', options.table, true);
  const idColumn = quoteName('idColumn', options.idColumn ?? 'id');
  const vectorColumn = quoteName('vectorColumn', options.vectorColumn ?? 'embedding');
  const batchSize = options.batchSize === undefined ? DEFAULT_EXPORT_BATCH : checkInteger('batchSize', options.batchSize, 1);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`onProgress\` must be a function (got ${describeValue(options.onProgress)})`);
  }
  const maintenanceWorkMem = options.maintenanceWorkMem;
  if (maintenanceWorkMem !== undefined && (typeof maintenanceWorkMem !== 'string' || !/^\d+\s*(kB|MB|GB|TB)?$/.test(maintenanceWorkMem))) {
    throw new SmallworldRangeError('INVALID_OPTION', `\`maintenanceWorkMem\` must be a size such as '1GB' or '512MB' (got ${describeValue(maintenanceWorkMem)})`);
  }
  const indexType = options.indexType ?? 'vector';
  if (indexType !== 'vector' && indexType !== 'halfvec') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`indexType\` must be 'vector' or 'halfvec' (got ${describeValue(indexType)})`);
  }
  const extraColumns = checkExtraColumns(options.extraColumns, [idColumn, vectorColumn]);
  const createIndex = options.createIndex ?? true;
  const replace = options.replace ?? false;
  for (const [name, value] of [['createIndex', createIndex], ['replace', replace]] as const) {
    if (typeof value !== 'boolean') throw new SmallworldTypeError('INVALID_OPTION', `\`${name}\` must be a boolean (got ${describeValue(value)})`);
  }
  const { dim, m } = index;
  if (dim > PGVECTOR_MAX_DIM) {
    throw new SmallworldRangeError('UNSUPPORTED', `the index's dimension ${dim} is above pgvector's limit for \`vector\` (${PGVECTOR_MAX_DIM})`);
  }
  const notes: string[] = [];
  let efConstruction = 0;
  if (createIndex) {
    const limit = indexType === 'halfvec' ? PGVECTOR_HNSW_MAX_DIM_HALFVEC : PGVECTOR_HNSW_MAX_DIM;
    if (dim > limit) {
      const hint = indexType === 'vector' && dim <= PGVECTOR_HNSW_MAX_DIM_HALFVEC
        ? ": pass indexType: 'halfvec' (up to 4,000) or createIndex: false" : ': pass createIndex: false to copy the rows without an index';
      throw new SmallworldRangeError('UNSUPPORTED', `the index's dimension ${dim} is above pgvector's HNSW limit for \`${indexType}\` (${limit})${hint}`);
    }
    if (m < PGVECTOR_M_MIN || m > PGVECTOR_M_MAX) {
      throw new SmallworldRangeError('INVALID_OPTION', `the index's M ${m} is outside pgvector's HNSW range ${PGVECTOR_M_MIN}-${PGVECTOR_M_MAX}: rebuild with m <= ${PGVECTOR_M_MAX} or pass createIndex: false`);
    }
    efConstruction = pgvectorEfConstruction(m, index.efConstruction, options.efConstruction, notes);
  }

  const conn = await openConnection(db);
  try {
    const pgvectorVersion = await vectorExtension(conn, true);
    if (!replace) {
      const { rows } = await conn.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
      if (rows[0]?.found != null) throw new PgvectorError('TABLE_EXISTS', `table ${table} already exists: pass replace: true to drop it first, or choose another table`);
    }
    const labels = index.labels();
    const total = labels.length;
    let copyMs = 0;
    let indexMs = 0;
    let workMem = '';
    await conn.query('BEGIN');
    try {
      if (replace) await conn.query(`DROP TABLE IF EXISTS ${table}`);
      const extraDefinitions = extraColumns.map(({ quoted, column }) => `, ${quoted} ${column.type}`).join('');
      await conn.query(`CREATE TABLE ${table} (${idColumn} bigint PRIMARY KEY, ${vectorColumn} vector(${dim}) NOT NULL${extraDefinitions})`);
      const target = `${table} (${[idColumn, vectorColumn, ...extraColumns.map((c) => c.quoted)].join(', ')})`;
      const started = performance.now();
      const rows = new Float32Array(Math.min(batchSize, Math.max(total, 1)) * dim);
      for (let first = 0; first < total; first += batchSize) {
        const count = Math.min(batchSize, total - first);
        const batchLabels = labels.subarray(first, first + count);
        for (let r = 0; r < count; r++) rows.set(index.getVector(batchLabels[r]), r * dim);
        const extra = extraColumns.length === 0 ? undefined
          : Array.from(batchLabels, (label) => extraColumns.map(({ column }) => encodeField(column.type, column.value(label))));
        await conn.copyFrom(target, encodeCopyBinary(batchLabels, rows, dim, count, dim, extra));
        options.onProgress?.({ rows: first + count, total });
      }
      copyMs = performance.now() - started;
      if (maintenanceWorkMem !== undefined) await conn.query(`SET LOCAL maintenance_work_mem = '${maintenanceWorkMem.replace(/\s+/g, '')}'`);
      workMem = (await conn.query<{ maintenance_work_mem: string }>('SHOW maintenance_work_mem')).rows[0]!.maintenance_work_mem;
      if (createIndex) {
        const indexed = indexType === 'halfvec' ? `(${vectorColumn}::halfvec(${dim}))` : vectorColumn;
        const indexStarted = performance.now();
        await conn.query(`CREATE INDEX ON ${table} USING hnsw (${indexed} ${operatorClass(index.space, indexType)}) ` +
          `WITH (m = ${m}, ef_construction = ${efConstruction})`);
        indexMs = performance.now() - indexStarted;
      }
      await conn.query('COMMIT');
    } catch (error) {
      // A dropped connection cannot roll back; the server aborts the transaction itself.
      await conn.query('ROLLBACK').catch(() => {});
      throw new PgvectorError('EXPORT_FAILED', `export to ${table} failed and was rolled back (no table left): ${(error as Error).message}`, { cause: error });
    }
    return {
      table, rows: total, dim, opclass: createIndex ? operatorClass(index.space, indexType) : undefined,
      m, efConstruction, maintenanceWorkMem: workMem, pgvectorVersion, copyMs, indexMs,
      vectorsPerSecond: copyMs > 0 ? total / (copyMs / 1000) : 0, notes,
    };
  } finally {
    await conn.release();
  }
}
