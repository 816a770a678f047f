// Face search on Postgres: a face database indexed from face-api's sample
// photos, exported to an embedded PGlite, searched there: the same answer as
// the local find, and a table of another embedder refused.

import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPglite } from '@smallworld/pgvector';
import { FaceDatabase, FaceEmbedder, exportFacesToPgvector, findFacesOnPgvector } from '../src/index.js';
import { runCli } from '../src/commands.js';

const require = createRequire(import.meta.url);
const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const sample = (n: number): string => path.join(SAMPLES, `sample${n}.jpg`);

const embedder = new FaceEmbedder();
let tmp: string;
let dbDir: string;
let database: FaceDatabase;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--quiet'], {
    stdout: { write: (t: string) => { stdout += t; } }, stderr: { write: (t: string) => { stderr += t; } }, cwd: tmp,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'smallworld-face-pg-'));
  const photos = path.join(tmp, 'photos');
  await mkdir(photos);
  // Three photos (about 0.6 s each to embed); sample1 is a group photo: every face indexed.
  for (const n of [1, 2, 3]) await copyFile(sample(n), path.join(photos, `s${n}.jpg`));
  database = new FaceDatabase({ embedder, faces: 'all' });
  await database.addFolder(photos, { progress: false });
  dbDir = path.join(tmp, 'photos.facedb');
  await database.save(dbDir);
}, 300_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('face search on pgvector', () => {
  it('exports one row per face with path, box and signature, and finds what the local find finds', async () => {
    const exported = await cli('export', '--db', 'photos.facedb', '--pglite', 'pg', '--json');
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(exported.stdout.trim().split('\n').at(-1)!)).toMatchObject({ table: '"faces"', faces: database.size, signature: embedder.signature });

    const local = await cli('find', sample(2), '--db', 'photos.facedb', '--k', '3', '--json');
    const remote = await cli('find', sample(2), '--pglite', 'pg', '--k', '3', '--json');
    expect(remote.code).toBe(0);
    const [localJson, remoteJson] = [local, remote].map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!));
    expect(remoteJson.map((m: { path: string }) => m.path)).toEqual(localJson.map((m: { path: string }) => m.path));
    expect(remoteJson[0]).toMatchObject({ path: path.join(tmp, 'photos', 's2.jpg'), verified: true });
    for (let i = 0; i < localJson.length; i++) expect(remoteJson[i].distance).toBeCloseTo(localJson[i].distance, 4);
    // The same report, line by line (rank, distance, match, photo).
    expect(remote.stdout.split('\n').slice(0, -2)).toEqual(local.stdout.split('\n').slice(0, -2));

    const pg = await createPglite(path.join(tmp, 'pg'));
    try {
      const { rows } = await pg.query<{ path: string; box: { width: number }; decoder: string; model: string; backend: string }>(
        'SELECT path, box, decoder, model, backend FROM faces ORDER BY id');
      expect(rows).toHaveLength(database.size);
      expect(rows[0]).toMatchObject({ ...embedder.signature, path: path.join(tmp, 'photos', 's1.jpg') });
      expect(rows[0]!.box.width).toBeGreaterThan(0);
    } finally {
      await pg.close();
    }
  }, 120_000);

  it('refuses a table whose embedder signature differs, and a table that is not a face table', async () => {
    const pg = await createPglite();
    try {
      await exportFacesToPgvector(database, pg, { table: 'faces' });
      const found = await findFacesOnPgvector(sample(2), pg, { embedder, k: 1 });
      expect(found).toEqual(database.findDescriptor((await embedder.represent(sample(2)))[0]!.descriptor, { k: 1 }).map((m) => ({ ...m, distance: expect.closeTo(m.distance, 4) })));

      await pg.query("UPDATE faces SET model = 'face-api@0.0.1/another-model'");
      await expect(findFacesOnPgvector(sample(2), pg, { embedder })).rejects.toMatchObject({
        name: 'FaceTypeError', code: 'INCOMPATIBLE_EMBEDDER', message: expect.stringMatching(/"face-api@0\.0\.1\/another-model"/),
      });
      await pg.query('ALTER TABLE faces DROP COLUMN model');
      await expect(findFacesOnPgvector(sample(2), pg, { embedder })).rejects.toMatchObject({ code: 'NOT_A_FACE_TABLE' });
      await expect(exportFacesToPgvector(database, pg, { table: 'faces' })).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    } finally {
      await pg.close();
    }
  }, 120_000);

  it('says which of --db, --url and --pglite it needs', async () => {
    expect(await cli('export', '--db', 'photos.facedb')).toMatchObject({ code: 2, stderr: expect.stringContaining('export needs one of --url and --pglite') });
    expect(await cli('find', sample(2), '--db', 'photos.facedb', '--pglite', 'pg')).toMatchObject({
      code: 2, stderr: expect.stringContaining('find needs --db PATH, or one of --url and --pglite'),
    });
  });
});
