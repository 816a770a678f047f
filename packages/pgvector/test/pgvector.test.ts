// The bridge end to end on PGlite (and on a real server through `pg` when
// DATABASE_URL is set): export, import, compare in each space, the distance
// conventions, and each refusal of bad input.

import { HnswIndex, METRICS, distance, type Space } from '@smallworld/hnsw';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PgvectorError, comparePgvector, exportToPgvector, searchPgvector, importFromPgvector, openConnection,
  operatorClass, spaceOfOperatorClass,
} from '../src/index.js';
import type pg from 'pg';
import type { PgvectorConnection } from '../src/index.js';
import { buildIndex, clustered, droppingConnection, exactTopK, openBackends } from './helpers.js';

const DIM = 16;
const N = 600;
const backends = await openBackends();
afterAll(async () => {
  for (const backend of backends) await backend.close();
});

let tableCount = 0;
/** A fresh table name per test, so a server's tables from earlier runs never collide. */
function freshTable(): string {
  return `sw_test_${process.pid}_${tableCount++}`;
}

describe('spaces', () => {
  it('maps each space to its operator class and back', () => {
    for (const space of ['l2', 'ip', 'cosine'] as const) {
      expect(spaceOfOperatorClass(operatorClass(space))).toEqual({ space, type: 'vector' });
      expect(spaceOfOperatorClass(operatorClass(space, 'halfvec'))).toEqual({ space, type: 'halfvec' });
    }
    expect(operatorClass('ip')).toBe('vector_ip_ops');
    expect(spaceOfOperatorClass('vector_l1_ops')).toBeUndefined();
    expect(spaceOfOperatorClass('bit_hamming_ops')).toBeUndefined();
  });
});

describe.each(backends)('on $name', (backend) => {
  const { db } = backend;

  it("converts pgvector's distances to each space's convention (<-> Euclidean, <#> -dot, <=> 1 - cos)", async () => {
    const conn = await openConnection(db);
    try {
      await conn.query('CREATE EXTENSION IF NOT EXISTS vector');
      const data = clustered(6, 5, 3);
      for (const space of ['l2', 'ip', 'cosine'] as Space[]) {
        const { operator, fromPgvector, toPgvector } = METRICS[space].pgvector;
        for (let i = 0; i < 5; i++) {
          const a = Array.from(data.subarray(i * 5, i * 5 + 5));
          const b = Array.from(data.subarray(i * 5 + 5, i * 5 + 10));
          const { rows } = await conn.query<{ d: number }>(`SELECT $1::vector ${operator} $2::vector AS d`, [`[${a}]`, `[${b}]`]);
          const pgDistance = Number(rows[0]!.d);
          // The engine's cosine distance is 1 - dot of the vectors normalised at insert.
          const unit = (v: number[]): number[] => v.map((x) => x / Math.hypot(...v));
          const ours = space === 'cosine' ? distance('ip', unit(a), unit(b)) : distance(space, a, b);
          expect(fromPgvector(pgDistance)).toBeCloseTo(ours, 4);
          expect(toPgvector(ours)).toBeCloseTo(pgDistance, 4);
        }
      }
    } finally {
      await conn.release();
    }
  });

  it.each(['l2', 'ip', 'cosine'] as Space[])('exports, compares and imports back an index in %s', async (space) => {
    const data = clustered(N, DIM, 11);
    const index = buildIndex(space, data, DIM);
    index.markDeleted(1003);
    const table = freshTable();
    const progress: number[] = [];
    const result = await exportToPgvector(index, db, {
      table, batchSize: 250, maintenanceWorkMem: '32MB', onProgress: ({ rows, total }) => { progress.push(rows); expect(total).toBe(N - 1); },
    });
    expect(progress).toEqual([250, 500, N - 1]);
    expect(result).toMatchObject({
      rows: N - 1, dim: DIM, opclass: operatorClass(space), m: 12, efConstruction: 64, maintenanceWorkMem: '32MB', notes: [],
    });

    const queries = clustered(40, DIM, 12);
    const truth = exactTopK(space, data, queries, DIM, 10);
    // The deleted point can be among the exact neighbours; neither engine may return it.
    const compared = await comparePgvector(index, db, queries, { table, k: 10, efSearch: 100 });
    expect(compared.queries).toBe(40);
    expect(compared.agreement).toBeGreaterThanOrEqual(0.9);
    expect(compared.maxDistanceDifference).toBeLessThan(1e-3);
    const withTruth = await comparePgvector(index, db, queries, { table, k: 5, efSearch: 100, groundTruth: truth, groundTruthK: 10 });
    expect(withTruth.smallworld.recall).toBeGreaterThan(0.85);
    expect(withTruth.pgvector.recall).toBeGreaterThan(0.85);

    const back = await importFromPgvector(db, { table, batchSize: 128, threads: 2 });
    expect(back.space).toBe(space);
    expect([back.m, back.efConstruction, back.dim, back.size]).toEqual([12, 64, DIM, N - 1]);
    expect(back.has(1003)).toBe(false);
    for (const label of [1000, 1001, 1300, 1000 + N - 1]) expect(back.getVector(label)).toEqual(index.getVector(label));
    const a = index.searchBatch(queries, 10, { efSearch: 200 });
    const b = back.searchBatch(queries, 10, { efSearch: 200 });
    let same = 0;
    for (let i = 0; i < a.labels.length; i++) if (b.labels.subarray(i - (i % 10), i - (i % 10) + 10).includes(a.labels[i]!)) same++;
    expect(same / a.labels.length).toBeGreaterThanOrEqual(0.95);
    await back.close();
  });

  it('writes extra columns beside the vector, and searchPgvector returns them with converted distances', async () => {
    const data = clustered(200, 6, 31);
    const index = buildIndex('l2', data, 6);
    const table = freshTable();
    await exportToPgvector(index, db, {
      table, batchSize: 64,
      extraColumns: [
        { name: 'path', type: 'text', value: (label) => (label % 7 === 0 ? null : `photos/é${label}.jpg`) },
        { name: 'box', type: 'jsonb', value: (label) => ({ x: label, y: 0.5 }) },
        { name: 'score', type: 'double precision', value: (label) => label / 8 },
        { name: 'group_id', type: 'bigint', value: (label) => label * 2 ** 20 },
      ],
    });
    const query = data.subarray(5 * 6, 6 * 6);
    const found = await searchPgvector(db, query, { table, k: 3, efSearch: 40, columns: ['path', 'box', 'score', 'group_id'], space: 'l2' });
    const local = index.search(query, 3);
    expect(found.space).toBe('l2');
    expect(Array.from(found.labels)).toEqual(Array.from(local.labels));
    for (let i = 0; i < 3; i++) expect(found.distances[i]).toBeCloseTo(local.distances[i]!, 3);
    expect(found.rows[0]).toEqual({ path: 'photos/é1005.jpg', box: { x: 1005, y: 0.5 }, score: 1005 / 8, group_id: expect.anything() });
    expect(Number(found.rows[0]!.group_id)).toBe(1005 * 2 ** 20);
    const conn = await openConnection(db);
    try {
      const { rows } = await conn.query<{ path: string | null }>(`SELECT path FROM "${table}" WHERE id = 1001`);
      expect(rows).toEqual([{ path: null }]);
    } finally {
      await conn.release();
    }
    await expect(searchPgvector(db, query, { table, space: 'cosine' })).rejects.toMatchObject({ code: 'SPACE_MISMATCH' });
    await expect(searchPgvector(db, [1, 2], { table })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    await expect(exportToPgvector(index, db, { table: freshTable(), extraColumns: [{ name: 'id', type: 'text', value: () => 'x' }] }))
      .rejects.toThrow('`extraColumns[0].name` repeats column "id"');
  });

  it('indexes 2,001-4,000 dimensions over a halfvec cast, and refuses them as vector', async () => {
    const dim = 2048;
    const data = clustered(40, dim, 5, 4);
    const index = buildIndex('l2', data, dim, { m: 8, efConstruction: 32 });
    await expect(exportToPgvector(index, db, { table: freshTable() })).rejects.toThrow(
      "the index's dimension 2048 is above pgvector's HNSW limit for `vector` (2000): pass indexType: 'halfvec' (up to 4,000) or createIndex: false");
    const table = freshTable();
    const result = await exportToPgvector(index, db, { table, indexType: 'halfvec' });
    expect(result.opclass).toBe('halfvec_l2_ops');
    const compared = await comparePgvector(index, db, data.subarray(0, 5 * dim), { table, k: 3, efSearch: 40 });
    expect(compared.agreement).toBeGreaterThan(0.6);
    const back = await importFromPgvector(db, { table });
    expect(back.getVector(1007)).toEqual(index.getVector(1007));
  });

  it('copies rows without an index above 4,000 dimensions only when asked, and refuses M outside 2-100', async () => {
    const wide = buildIndex('l2', clustered(3, 4100, 1, 1), 4100, { m: 8, efConstruction: 16 });
    await expect(exportToPgvector(wide, db, { table: freshTable(), indexType: 'halfvec' })).rejects.toThrow(/4100 is above pgvector's HNSW limit for `halfvec` \(4000\)/);
    const copied = await exportToPgvector(wide, db, { table: freshTable(), createIndex: false });
    expect([copied.rows, copied.opclass]).toEqual([3, undefined]);

    const bigM = buildIndex('l2', clustered(20, 4, 2), 4, { m: 101 });
    const error = await exportToPgvector(bigM, db, { table: freshTable() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("the index's M 101 is outside pgvector's HNSW range 2-100: rebuild with m <= 100 or pass createIndex: false");
  });

  it('refuses an int8 index without originals unless decodedVectors; one with rerank exports its originals', async () => {
    const data = clustered(40, 8, 3);
    const codesOnly = new HnswIndex({ space: 'l2', dim: 8, quantization: 'int8' });
    codesOnly.addBatch(data);
    const error = await exportToPgvector(codesOnly, db, { table: freshTable() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/this int8 index keeps codes only \(no originals\): pass `decodedVectors: true`/);
    const table = freshTable();
    expect((await exportToPgvector(codesOnly, db, { table, decodedVectors: true })).rows).toBe(40);
    expect((await importFromPgvector(db, { table })).getVector(5)).toEqual(codesOnly.getVector(5));
    const kept = new HnswIndex({ space: 'l2', dim: 8, quantization: 'int8', rerank: true });
    kept.addBatch(data);
    const keptTable = freshTable();
    await exportToPgvector(kept, db, { table: keptTable });
    expect([...(await importFromPgvector(db, { table: keptTable })).getVector(5)]).toEqual([...data.subarray(40, 48)]);
  });

  it('brings efConstruction into pgvector range (>= 2M, <= 1000) and says so; a caller value must be in it', async () => {
    const low = buildIndex('l2', clustered(50, 4, 2), 4, { m: 16, efConstruction: 20 });
    const raised = await exportToPgvector(low, db, { table: freshTable() });
    expect(raised.efConstruction).toBe(32);
    expect(raised.notes).toEqual(['efConstruction 20 raised to 32: pgvector needs ef_construction >= 2 x m']);
    const high = buildIndex('l2', clustered(50, 4, 2), 4, { m: 4, efConstruction: 1500 });
    const lowered = await exportToPgvector(high, db, { table: freshTable() });
    expect([lowered.efConstruction, lowered.notes]).toEqual([1000, ["efConstruction 1500 lowered to 1000: pgvector's largest ef_construction"]]);
    await expect(exportToPgvector(low, db, { table: freshTable(), efConstruction: 31 })).rejects.toThrow('`efConstruction` must be an integer in [32, 1000] (got 31)');
  });

  it('refuses an existing table unless replace, and a bad table name', async () => {
    const index = buildIndex('l2', clustered(30, 4, 9), 4);
    const table = freshTable();
    await exportToPgvector(index, db, { table });
    const error = await exportToPgvector(index, db, { table }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgvectorError);
    expect((error as PgvectorError).code).toBe('TABLE_EXISTS');
    const other = buildIndex('l2', clustered(12, 4, 10), 4);
    expect((await exportToPgvector(other, db, { table, replace: true })).rows).toBe(12);
    await expect(exportToPgvector(index, db, { table: 'items; DROP TABLE x' })).rejects.toThrow(/`table` must be a name or schema.name/);
  });

  it('refuses a table whose dimension or space does not match', async () => {
    const table = freshTable();
    await exportToPgvector(buildIndex('l2', clustered(40, 8, 4), 8), db, { table });
    const narrow = buildIndex('l2', clustered(40, 4, 4), 4);
    await expect(comparePgvector(narrow, db, clustered(2, 4, 1), { table })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    const ip = buildIndex('ip', clustered(40, 8, 4), 8);
    await expect(comparePgvector(ip, db, clustered(2, 8, 1), { table })).rejects.toMatchObject({
      code: 'SPACE_MISMATCH', message: `the index's space is 'ip' but "${table}"'s HNSW index ${table}_embedding_idx uses vector_l2_ops`,
    });
    await expect(importFromPgvector(db, { table, space: 'cosine' })).rejects.toMatchObject({ code: 'SPACE_MISMATCH' });
    await expect(importFromPgvector(db, { table, dim: 9 })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    await expect(importFromPgvector(db, { table: freshTable() })).rejects.toMatchObject({ code: 'NO_TABLE' });

    const bare = freshTable();
    await exportToPgvector(buildIndex('ip', clustered(40, 8, 4), 8), db, { table: bare, createIndex: false });
    await expect(importFromPgvector(db, { table: bare })).rejects.toThrow(/has no HNSW index to read the space from: pass `space`/);
    const asIp = await importFromPgvector(db, { table: bare, space: 'ip' });
    expect([asIp.space, asIp.size, asIp.m, asIp.efConstruction]).toEqual(['ip', 40, 16, 64]);
    await expect(comparePgvector(ip, db, clustered(2, 8, 1), { table: bare })).rejects.toMatchObject({ code: 'UNSUPPORTED_TABLE' });
  });

  it('leaves nothing behind when the connection drops mid-export', async () => {
    const index = buildIndex('l2', clustered(500, 8, 6), 8);
    const table = freshTable();
    const conn = await droppingConnection(db, 300, 8);
    const error = await exportToPgvector(index, conn, { table, batchSize: 100 }).catch((e: unknown) => e);
    expect(conn.copied).toBe(300);
    expect(error).toBeInstanceOf(PgvectorError);
    expect((error as PgvectorError).code).toBe('EXPORT_FAILED');
    expect((error as Error).message).toMatch(/failed and was rolled back \(no table left\): Connection terminated unexpectedly/);
    const check = await openConnection(db);
    try {
      const { rows } = await check.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`"${table}"`]);
      expect(rows[0]!.found).toBeNull();
    } finally {
      await check.release();
    }
    // The same export on a healthy connection then succeeds from scratch.
    expect((await exportToPgvector(index, db, { table, batchSize: 100 })).rows).toBe(500);
  });

  it.runIf(backend.name === 'pg')('leaves nothing behind when the server terminates the session mid-export', async () => {
    const pool = db as pg.Pool;
    const client = await pool.connect();
    client.on('error', () => {}); // the termination arrives as an 'error' event too
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const inner = await openConnection(client);
    let batches = 0;
    const conn: PgvectorConnection = {
      kind: 'terminated',
      query: (text, params) => inner.query(text, params),
      async copyFrom(target, data) {
        if (++batches === 3) await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await inner.copyFrom(target, data);
      },
      async release() {
        client.release(true);
      },
    };
    const table = freshTable();
    const error = await exportToPgvector(buildIndex('l2', clustered(500, 8, 6), 8), conn, { table, batchSize: 100 }).catch((e: unknown) => e);
    expect((error as PgvectorError).code).toBe('EXPORT_FAILED');
    const { rows: found } = await pool.query('SELECT to_regclass($1)::text AS found', [`"${table}"`]);
    expect(found[0].found).toBeNull();
  });
});

describe('a database without pgvector', () => {
  it('is refused with NO_VECTOR_EXTENSION before anything is written', async () => {
    const plain = await (await import('@electric-sql/pglite')).PGlite.create();
    try {
      const index = buildIndex('l2', clustered(10, 4, 1), 4);
      const error = await exportToPgvector(index, plain, { table: 'items' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PgvectorError);
      expect((error as PgvectorError).code).toBe('NO_VECTOR_EXTENSION');
      await expect(importFromPgvector(plain, { table: 'items' })).rejects.toMatchObject({ code: 'NO_VECTOR_EXTENSION' });
      const { rows } = await plain.query("SELECT to_regclass('items') AS found");
      expect(rows).toEqual([{ found: null }]);
    } finally {
      await plain.close();
    }
  });

  it('rejects a db that is not one', async () => {
    await expect(importFromPgvector({} as never, { table: 'items' })).rejects.toThrow('`db` must be a pg Client or Pool, a PGlite or a PgvectorConnection (got a Object)');
  });
});
