// @smallworld/pgvector: move a smallworld index into Postgres + pgvector and
// back, and run the same queries on both.

export { exportToPgvector, DEFAULT_EXPORT_BATCH, PGVECTOR_EF_CONSTRUCTION_MAX, PGVECTOR_HNSW_MAX_DIM, PGVECTOR_HNSW_MAX_DIM_HALFVEC, PGVECTOR_MAX_DIM, PGVECTOR_M_MAX, PGVECTOR_M_MIN } from './export.js';
export type { ExportOptions, ExportResult, ExtraColumn, PgvectorProgress } from './export.js';
export type { ExtraColumnType } from './copy-binary.js';
export { importFromPgvector, DEFAULT_IMPORT_BATCH } from './import.js';
export type { ImportOptions } from './import.js';
export { comparePgvector } from './compare.js';
export { searchPgvector, PGVECTOR_EF_SEARCH_MAX } from './search.js';
export type { PgvectorSearchOptions, PgvectorSearchResult } from './search.js';
export type { CompareOptions, CompareResult, EngineFigures, QueryRows } from './compare.js';
export { createPglite, openConnection, openDatabase } from './connection.js';
export type { OpenedDatabase, PgvectorConnection, PgvectorDatabase, ResultRows } from './connection.js';
export { PGVECTOR_DEFAULT_EF_CONSTRUCTION, PGVECTOR_DEFAULT_M } from './catalog.js';
export { operatorClass, spaceOfOperatorClass } from './spaces.js';
export type { OperatorClassSpace, VectorType } from './spaces.js';
export { PgvectorError } from './errors.js';
export type { PgvectorErrorCode } from './errors.js';
