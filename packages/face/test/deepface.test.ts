// The face pipeline on real photos: deepface's test photos and its 300 labelled
// pairs (master.csv) from ../shared/datasets/deepface or SMALLWORLD_DEEPFACE_DIR.
// Each photo is embedded once (addFolder), and every test reads that database.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPglite } from '@smallworld/pgvector';
import {
  FaceDatabase, FaceEmbedder, exportFacesToPgvector, findFacesOnPgvector, parsePairs, scorePairs, type AddFolderReport,
} from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = path.resolve(process.env.SMALLWORLD_DEEPFACE_DIR ?? path.join(ROOT, '../shared/datasets/deepface'));
const present = existsSync(path.join(DIR, 'master.csv'));
if (!present) console.warn(`skipping deepface face tests: no master.csv in ${DIR} (set SMALLWORLD_DEEPFACE_DIR)`);

// The 25 photos of master.csv, plus: target.jpg (the seed article's query),
// img47.jpg (a WebP named .jpg), couple.jpg (two faces), and two non-images.
const EXTRA = ['target.jpg', 'img47.jpg', 'couple.jpg', 'master.csv', 'README.md'];

describe.skipIf(!present)('deepface photos', () => {
  let tmp: string;
  let db: FaceDatabase;
  let report: AddFolderReport;
  let pairsText: string;

  beforeAll(async () => {
    pairsText = await readFile(path.join(DIR, 'master.csv'), 'utf8');
    const names = new Set([...parsePairs(pairsText).flatMap((p) => [p.fileX, p.fileY]), ...EXTRA]);
    // A folder of links: the shared folder stays read-only, and the run embeds ~28 photos, not all 66.
    tmp = await mkdtemp(path.join(os.tmpdir(), 'smallworld-deepface-'));
    for (const name of names) await symlink(path.join(DIR, name), path.join(tmp, name));
    db = new FaceDatabase({ embedder: new FaceEmbedder() });
    report = await db.addFolder(tmp, { progress: false });
  }, 600_000); // ~28 photos at 0.7 s each, but the CPU may be shared with other suites.

  afterAll(async () => {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('indexes every photo (WebP named .jpg included) and skips the non-images', () => {
    expect(report.counts).toEqual({ indexed: 28, 'no-face': 0, error: 0, unchanged: 0, removed: 0, skipped: 2 });
    expect(report.files.find((f) => f.path.endsWith('img47.jpg'))).toMatchObject({ status: 'indexed', faces: 1 });
    expect(db.size).toBe(28);
  });

  it('verifies the 300 labelled pairs of master.csv with accuracy >= 0.99 at the fixed 0.6 threshold', () => {
    const pairs = parsePairs(pairsText);
    expect(pairs).toHaveLength(300);
    const score = scorePairs(pairs, (file) => db.descriptorsOf(path.join(tmp, file))[0], 0.6);
    expect(score.tp + score.fn).toBe(pairs.filter((p) => p.same).length);
    expect(score.accuracy).toBeGreaterThanOrEqual(0.99);
  });

  it('finds each indexed photo itself first (from its stored descriptor)', () => {
    for (const file of report.files.filter((f) => f.status === 'indexed')) {
      const [first] = db.findDescriptor(db.descriptorsOf(file.path)[0]!, { k: 3 });
      expect(first!.path).toBe(file.path);
      expect(first!.distance).toBeLessThan(1e-3);
    }
  });

  it('finds probe photos themselves first from the photo (re-embedded), then the same person', async () => {
    const found = new Map<string, Awaited<ReturnType<FaceDatabase['find']>>>();
    for (const probe of ['target.jpg', 'img47.jpg', 'img1.jpg']) {
      const matches = await db.find(path.join(tmp, probe), { k: 10 });
      found.set(probe, matches);
      expect(path.basename(matches[0]!.path)).toBe(probe);
      expect(matches[0]!.distance).toBeLessThan(1e-3);
      // Sorted nearest first, Euclidean.
      for (let i = 1; i < matches.length; i++) expect(matches[i]!.distance).toBeGreaterThanOrEqual(matches[i - 1]!.distance);
    }
    // img1 and img2 are the same person in master.csv ("Yes"): verified among img1's matches.
    expect(found.get('img1.jpg')!.find((m) => path.basename(m.path) === 'img2.jpg')?.verified).toBe(true);
  });

  it('saves, opens and answers the same', async () => {
    const saved = path.join(tmp, '.db');
    await db.save(saved);
    const opened = await FaceDatabase.open(saved, { embedder: db.embedder });
    const query = db.descriptorsOf(path.join(tmp, 'target.jpg'))[0]!;
    expect(opened.findDescriptor(query, { k: 10 })).toEqual(db.findDescriptor(query, { k: 10 }));
  });

  it('answers target.jpg from Postgres (PGlite + pgvector) as it does locally', async () => {
    const pg = await createPglite();
    try {
      expect((await exportFacesToPgvector(db, pg)).rows).toBe(28);
      const target = path.join(tmp, 'target.jpg');
      const [local, remote] = [await db.find(target, { k: 10 }), await findFacesOnPgvector(target, pg, { embedder: db.embedder, k: 10 })];
      expect(remote.map((m) => m.path)).toEqual(local.map((m) => m.path));
      remote.forEach((m, i) => expect(m.distance).toBeCloseTo(local[i]!.distance, 4));
    } finally {
      await pg.close();
    }
  }, 120_000);
});
