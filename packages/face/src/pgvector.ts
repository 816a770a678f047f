// Face search on Postgres + pgvector: a face database exported as one row per
// face, and `find` answered by pgvector with the same report as the local one.

import { METRICS, SmallworldError, SmallworldTypeError, describeValue } from '@smallworld/hnsw';
import type { ExportResult, OpenedDatabase, PgvectorDatabase, PgvectorProgress } from '@smallworld/pgvector';
import { checkInteger, checkKnownKeys } from './check.js';
import { DEFAULT_K, FaceDatabase, type FaceMatch } from './database.js';
import { describeInput, type ImageInput } from './decode.js';
import { FaceEmbedder, type EmbedderSignature, type FaceBox } from './embedder.js';
import { FaceRangeError, FaceTypeError } from './errors.js';
import { DEFAULT_THRESHOLD, checkThreshold } from './verify.js';

/** The table `pnpm face export` writes and `pnpm face find --url/--pglite` reads. */
export const DEFAULT_FACE_TABLE = 'faces';

/** The embedder signature's columns, in the order compared. */
const SIGNATURE_KEYS = ['decoder', 'model', 'backend'] as const;

/**
 * The bridge, loaded on first use: importing it (pg, PGlite) takes about
 * 0.7 s, which every `pnpm face` command would pay otherwise. It is an
 * optional peer dependency (face users who never touch Postgres do not
 * install pg and PGlite): a clear error says to install it.
 */
async function bridge(): Promise<typeof import('@smallworld/pgvector')> {
  try {
    return await import('@smallworld/pgvector');
  } catch (error) {
    throw new SmallworldError('UNSUPPORTED',
      `face search on Postgres needs @smallworld/pgvector: install it beside @smallworld/face (${String(error)})`, { cause: error });
  }
}

/** @internal The database of the CLI's `--url` or `--pglite` (a folder, resolved by `resolvePath`). */
export async function openPostgres(options: { url?: string; pglite?: string }, resolvePath: (p: string) => string): Promise<OpenedDatabase> {
  const { openDatabase } = await bridge();
  return openDatabase(options.url !== undefined ? { url: options.url } : { pglite: resolvePath(options.pglite!) });
}

/** Postgres' SQLSTATE for a column that does not exist. */
const UNDEFINED_COLUMN = '42703';

/** Options of `exportFacesToPgvector`. */
export interface FaceExportOptions {
  /** The table to create (`name` or `schema.name`). Default 'faces'. */
  table?: string;
  /** Drop an existing table of that name first. Default false: an existing table is refused ('TABLE_EXISTS'). */
  replace?: boolean;
  /** Called after each COPY batch. */
  onProgress?: (progress: PgvectorProgress) => void;
}

/**
 * Writes a face database into a new Postgres table, one row per indexed
 * face: `id` (the face's label, bigint primary key), `embedding`
 * (`vector(128)`), `path` (the photo, absolute, text), `box` (jsonb
 * `{x, y, width, height}`), and the database's embedder signature in
 * `decoder`, `model` and `backend` (text, the same on every row: a
 * row carries what it needs to be compared, and a table that mixes
 * embedders is caught row by row). Then builds pgvector's HNSW index with the
 * database's M and efConstruction (`vector_l2_ops`). One transaction:
 * nothing is left on failure (see `exportToPgvector` of
 * `@smallworld/pgvector` for its refusals and `ExportResult`).
 *
 * @example
 * const faces = await FaceDatabase.open('photos.facedb');
 * await exportFacesToPgvector(faces, await createPglite('pgdata/'), { table: 'faces' });
 */
export async function exportFacesToPgvector(
  database: FaceDatabase, db: PgvectorDatabase, options: FaceExportOptions = {},
): Promise<ExportResult> {
  if (!(database instanceof FaceDatabase)) {
    throw new SmallworldTypeError('INVALID_ARGUMENT', `\`database\` must be a FaceDatabase (got ${describeValue(database)})`);
  }
  checkKnownKeys('exportFacesToPgvector', options, ['table', 'replace', 'onProgress']);
  const { index, faceOf } = database.exportView();
  const signature = database.signature;
  const { exportToPgvector } = await bridge();
  return exportToPgvector(index, db, {
    table: options.table ?? DEFAULT_FACE_TABLE,
    ...(options.replace === undefined ? {} : { replace: options.replace }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    extraColumns: [
      { name: 'path', type: 'text', value: (label) => faceOf(label).path },
      { name: 'box', type: 'jsonb', value: (label) => faceOf(label).box },
      ...SIGNATURE_KEYS.map((key) => ({ name: key, type: 'text' as const, value: () => signature?.[key] })),
    ],
  });
}

/** Options of `findFacesOnPgvector`. */
export interface FaceFindPgvectorOptions {
  /** Embeds the query photo; its signature must be the table's. Default: a new `FaceEmbedder()`. */
  embedder?: FaceEmbedder;
  /** The table `exportFacesToPgvector` wrote. Default 'faces'. */
  table?: string;
  /** Photos wanted. Default 5. */
  k?: number;
  /** Euclidean distance at or under which a match is `verified`. Default 0.6 (the table does not keep the database's own). */
  threshold?: number;
  /** pgvector's `hnsw.ef_search`, 1-1000. Default 100, raised to the rows fetched (4 x k, for photos with several faces). */
  efSearch?: number;
}

/**
 * The `k` photos of a table written by `exportFacesToPgvector` nearest the
 * largest face of `image`, nearest first, as `FaceDatabase.find` gives
 * them (Euclidean distances, each photo once with its nearest face),
 * answered by pgvector's HNSW index.
 *
 * Refused with `FaceTypeError` 'INCOMPATIBLE_EMBEDDER' when a row found
 * was embedded with another decoder, model or backend than `embedder`
 * (distances would mean nothing), 'NOT_A_FACE_TABLE' when the table has
 * no signature columns or a row has none; `FaceRangeError` 'NO_FACE'
 * when the photo has no face. pgvector's refusals (no table, no HNSW
 * index, another dimension) come as `PgvectorError`s.
 *
 * @example
 * const matches = await findFacesOnPgvector('target.jpg', pool, { table: 'faces', k: 5 });
 */
export async function findFacesOnPgvector(
  image: ImageInput, db: PgvectorDatabase, options: FaceFindPgvectorOptions = {},
): Promise<FaceMatch[]> {
  checkKnownKeys('findFacesOnPgvector', options, ['embedder', 'table', 'k', 'threshold', 'efSearch']);
  if (options.embedder !== undefined && !(options.embedder instanceof FaceEmbedder)) {
    throw new SmallworldTypeError('INVALID_OPTION', `\`embedder\` must be a FaceEmbedder (got ${describeValue(options.embedder)})`);
  }
  const table = options.table ?? DEFAULT_FACE_TABLE;
  const { PGVECTOR_EF_SEARCH_MAX, searchPgvector } = await bridge();
  const k = checkInteger('k', options.k ?? DEFAULT_K, 1);
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  // One photo can hold several of the nearest faces: fetch more, keep each photo's nearest.
  const fetch = Math.min(k * 4, PGVECTOR_EF_SEARCH_MAX);
  const efSearch = Math.max(options.efSearch === undefined ? 100 : checkInteger('efSearch', options.efSearch, 1, PGVECTOR_EF_SEARCH_MAX), fetch);
  const embedder = options.embedder ?? new FaceEmbedder();
  const signature = await embedder.ready();
  const [face] = await embedder.represent(image);
  if (face === undefined) throw new FaceRangeError('NO_FACE', `no face found in ${describeInput(image)}`);

  let found;
  try {
    found = await searchPgvector(db, face.descriptor, { table, k: fetch, efSearch, space: 'l2', columns: ['path', 'box', ...SIGNATURE_KEYS] });
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_COLUMN) {
      throw new FaceTypeError('NOT_A_FACE_TABLE',
        `table ${table} has no path, box, decoder, model and backend columns: it was not written by \`pnpm face export\` (${(error as Error).message})`);
    }
    throw error;
  }
  const matches: FaceMatch[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < found.labels.length; i++) {
    const row = found.rows[i]!;
    checkRowSignature(table, found.labels[i]!, row, signature);
    const file = row.path as string;
    if (matches.length >= k || seen.has(file)) continue;
    seen.add(file);
    // The table's l2 distances come back squared, as the engine's: Euclidean here, at the edge.
    const distance = METRICS.l2.edgeDistance(found.distances[i]!);
    matches.push({ path: file, distance, verified: distance <= threshold, box: row.box as FaceBox });
  }
  return matches;
}

/** Refuses a row whose descriptor another embedder made (or that has no signature). */
function checkRowSignature(table: string, label: number, row: Record<string, unknown>, signature: EmbedderSignature): void {
  for (const key of SIGNATURE_KEYS) {
    const stored = row[key];
    if (typeof stored !== 'string') {
      throw new FaceTypeError('NOT_A_FACE_TABLE', `table ${table} row ${label} has no embedder ${key} (got ${describeValue(stored)}): it was not written by \`pnpm face export\``);
    }
    if (stored !== signature[key]) {
      throw new FaceTypeError('INCOMPATIBLE_EMBEDDER',
        `table ${table} holds descriptors made with ${key} ${JSON.stringify(stored)}; `
        + `the embedder uses ${JSON.stringify(signature[key])}: distances would not be comparable (export again from a database indexed with this embedder)`);
    }
  }
}
