// What the database says about a table: its vector column's type and
// dimension, and the HNSW index on it (operator class, m, ef_construction).
// Also identifier checks and quoting, so no name is ever pasted raw into SQL.

import { SmallworldRangeError, SmallworldTypeError, describeValue, type Space } from '@smallworld/hnsw';
import type { PgvectorConnection } from './connection.js';
import { PgvectorError } from './errors.js';
import { spaceOfOperatorClass, type VectorType } from './spaces.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** pgvector's HNSW defaults, used when an index has no `WITH (...)` options. */
export const PGVECTOR_DEFAULT_M = 16;
/** pgvector's default `ef_construction`. */
export const PGVECTOR_DEFAULT_EF_CONSTRUCTION = 64;

/**
 * Checks a table or column name (`name` or, for tables, `schema.name`:
 * letters, digits, `_` and `$`, up to 63 characters each) and returns it
 * double-quoted: names are taken as written, case included.
 */
export function quoteName(argument: string, name: unknown, allowSchema = false): string {
  if (typeof name !== 'string') {
    throw new SmallworldTypeError('INVALID_OPTION', `\`${argument}\` must be a string (got ${describeValue(name)})`);
  }
  const parts = allowSchema ? name.split('.') : [name];
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    const shape = allowSchema ? 'a name or schema.name' : 'a name';
    throw new SmallworldRangeError('INVALID_OPTION',
      `\`${argument}\` must be ${shape} of letters, digits, _ and $ (at most 63 characters, not starting with a digit) (got ${describeValue(name)})`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/** The installed pgvector version; creates the extension when `create` and it is missing. */
export async function vectorExtension(conn: PgvectorConnection, create: boolean): Promise<string> {
  const installed = async (): Promise<string | undefined> => {
    const { rows } = await conn.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    return rows[0]?.extversion;
  };
  const version = await installed();
  if (version !== undefined) return version;
  if (create) {
    try {
      await conn.query('CREATE EXTENSION IF NOT EXISTS vector');
      const created = await installed();
      if (created !== undefined) return created;
    } catch (error) {
      throw new PgvectorError('NO_VECTOR_EXTENSION',
        `the database has no \`vector\` extension and it could not be created: ${(error as Error).message} ` +
        '(install pgvector on the server; with PGlite, open it with createPglite())', { cause: error });
    }
  }
  throw new PgvectorError('NO_VECTOR_EXTENSION',
    'the database has no `vector` extension (run CREATE EXTENSION vector; with PGlite, open it with createPglite())');
}

/** A table's vector column and the HNSW index over it, as the catalog describes them. */
export interface TableInfo {
  /** The vector column's type. */
  type: VectorType;
  /** The column's declared dimension, or undefined for an unsized `vector` column. */
  dim: number | undefined;
  /** The HNSW index on the column, if any. */
  hnsw: HnswIndexInfo | undefined;
}

/** pgvector's HNSW index on a column. */
export interface HnswIndexInfo {
  /** The index's name. */
  name: string;
  /** Its operator class (`vector_l2_ops`, ...). */
  opclass: string;
  /** The engine space of that class, or undefined for classes the engine lacks (l1, ...). */
  space: Space | undefined;
  /** The type the index is built over: 'halfvec' for an index over a `::halfvec` cast of a `vector` column. */
  indexType: VectorType;
  /** Its `m` (pgvector's default 16 when not set). */
  m: number;
  /** Its `ef_construction` (pgvector's default 64 when not set). */
  efConstruction: number;
}

function reloption(options: unknown, name: string, fallback: number): number {
  const list = Array.isArray(options) ? options as string[] : typeof options === 'string' ? options.replace(/[{}]/g, '').split(',') : [];
  for (const entry of list) {
    const [key, value] = entry.split('=');
    if (key === name) return Number(value);
  }
  return fallback;
}

/**
 * Reads the catalog for `table`.`column`; throws `PgvectorError` 'NO_TABLE'
 * when either is missing and 'UNSUPPORTED_TABLE' when the column is not
 * `vector`/`halfvec`. `table` and `column` are quoted names (`quoteName`).
 */
export async function describeTable(conn: PgvectorConnection, table: string, column: string, idColumn: string): Promise<TableInfo> {
  const { rows: columns } = await conn.query<{ attname: string; attnum: number; typname: string; atttypmod: number }>(
    `SELECT a.attname, a.attnum, t.typname, a.atttypmod
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, [table]);
  if (columns.length === 0) throw new PgvectorError('NO_TABLE', `table ${table} does not exist`);
  const unquoted = (name: string): string => name.slice(1, -1);
  const vectorColumn = columns.find((c) => c.attname === unquoted(column));
  if (vectorColumn === undefined) throw new PgvectorError('NO_TABLE', `table ${table} has no column ${column}`);
  if (!columns.some((c) => c.attname === unquoted(idColumn))) throw new PgvectorError('NO_TABLE', `table ${table} has no column ${idColumn}`);
  if (vectorColumn.typname !== 'vector' && vectorColumn.typname !== 'halfvec') {
    throw new PgvectorError('UNSUPPORTED_TABLE', `column ${column} of ${table} is ${vectorColumn.typname}, not vector or halfvec`);
  }
  const dim = vectorColumn.atttypmod > 0 ? vectorColumn.atttypmod : undefined;

  const { rows: indexes } = await conn.query<{ name: string; opclass: string; reloptions: unknown; definition: string; attnum: number }>(
    `SELECT i.relname AS name, opc.opcname AS opclass, i.reloptions, pg_get_indexdef(i.oid) AS definition, x.indkey[0] AS attnum
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_am am ON am.oid = i.relam
       JOIN pg_opclass opc ON opc.oid = x.indclass[0]
      WHERE x.indrelid = to_regclass($1) AND am.amname = 'hnsw'
      ORDER BY i.relname`, [table]);
  const onColumn = indexes.find((ix) => Number(ix.attnum) === Number(vectorColumn.attnum))
    ?? indexes.find((ix) => Number(ix.attnum) === 0 && new RegExp(`\\(${unquoted(column)}\\)::halfvec|"${unquoted(column)}"\\)::halfvec`).test(ix.definition));
  let hnsw: HnswIndexInfo | undefined;
  if (onColumn !== undefined) {
    const mapped = spaceOfOperatorClass(onColumn.opclass);
    hnsw = {
      name: onColumn.name,
      opclass: onColumn.opclass,
      space: mapped?.space,
      indexType: mapped?.type ?? vectorColumn.typname as VectorType,
      m: reloption(onColumn.reloptions, 'm', PGVECTOR_DEFAULT_M),
      efConstruction: reloption(onColumn.reloptions, 'ef_construction', PGVECTOR_DEFAULT_EF_CONSTRUCTION),
    };
  }
  return { type: vectorColumn.typname as VectorType, dim, hnsw };
}

/** The text form pgvector reads and writes: `[1,2.5,-3]`. */
export function vectorLiteral(values: Float32Array, offset: number, dim: number): string {
  let text = '[';
  for (let i = 0; i < dim; i++) text += (i === 0 ? '' : ',') + values[offset + i];
  return text + ']';
}

/**
 * Parses pgvector's text form into `out` at `offset`; returns false when
 * the text is not `dim` numbers in brackets.
 */
export function parseVectorInto(text: string, out: Float32Array, offset: number, dim: number): boolean {
  if (text.length < 2 || text.charCodeAt(0) !== 91 || text.charCodeAt(text.length - 1) !== 93) return false;
  let start = 1;
  let i = 0;
  for (; i < dim; i++) {
    let end = text.indexOf(',', start);
    if (end === -1) end = text.length - 1;
    if (end === start) return false;
    const value = Number(text.slice(start, end));
    if (Number.isNaN(value)) return false;
    out[offset + i] = value;
    start = end + 1;
    if (end === text.length - 1) { i++; break; }
  }
  return i === dim && start === text.length;
}
