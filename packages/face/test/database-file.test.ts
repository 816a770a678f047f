// FaceDatabase's saved form with synthetic descriptors (no model run): faces.json
// checked on open, atomic generations, the folder lock, paths relative to the folder,
// and removal of photos and people (the descriptors erased from the saved index).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptFileError, HnswIndex, SmallworldError, acquireFolderLock } from '@smallworld/hnsw';
import { containsFloats } from '../../hnsw/test/helpers/bytes.js';
import { DB_LOCK_FILE, FaceDatabase } from '../src/index.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'smallworld-face-db-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A deterministic 128-D descriptor per label. */
function descriptor(label: number): Float32Array {
  const v = new Float32Array(128);
  let x = label * 7919 + 1;
  for (let i = 0; i < 128; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = x / 2147483648 - 0.5;
  }
  return v;
}

const box = { x: 1, y: 2, width: 30, height: 40 };

/**
 * Writes a database as version 1 wrote it (faces.hnsw + faces.json, absolute
 * paths): one photo per entry of `photos`, face label = its index.
 */
async function writeVersion1(folder: string, photos: string[]): Promise<Record<string, unknown>> {
  const index = new HnswIndex({ space: 'l2', dim: 128, m: 16, efConstruction: 200, efSearch: 64, allowReplaceDeleted: true });
  photos.forEach((_, label) => index.add(descriptor(label), label));
  const bytes = index.toBytes();
  const meta = {
    format: 'smallworld-face-db', version: 1, signature: null, faces: 'largest', threshold: 0.6,
    index: { file: 'faces.hnsw', bytes: bytes.byteLength, m: 16, efConstruction: 200, efSearch: 64 },
    nextLabel: photos.length,
    files: Object.fromEntries(photos.map((file, label) => [file, {
      size: 100 + label, mtimeMs: 1000 + label, status: 'indexed', faces: [{ label, box, score: 0.9 }],
    }])),
  };
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'faces.hnsw'), bytes);
  await writeFile(path.join(folder, 'faces.json'), JSON.stringify(meta));
  return meta;
}

const names = (db: FaceDatabase): string[] => db.findDescriptor(descriptor(0), { k: 5 }).map((m) => m.path);

describe('FaceDatabase.open checks the whole of faces.json', () => {
  const photos = ['/p/a.jpg', '/p/b.jpg', '/p/c.jpg'];
  type Meta = { files: Record<string, { faces: unknown[]; status: string }>; nextLabel: number };
  const cases: [string, (meta: Meta) => unknown, RegExp][] = [
    ['a file record removed', (m) => { delete m.files['/p/b.jpg']; }, /face label 1 of the index belongs to no photo/],
    ['two files mapped to one label', (m) => { m.files['/p/c.jpg']!.faces = m.files['/p/a.jpg']!.faces; }, /face label 0 is listed for both \/p\/a\.jpg and \/p\/c\.jpg/],
    ['files: []', (m) => { (m as { files: unknown }).files = []; }, /`files` must be an object of file records \(got an array of length 0\)/],
    ['faces: [null]', (m) => { m.files['/p/a.jpg']!.faces = [null]; }, /face 0 of the record of "\/p\/a\.jpg" has no valid `label` \(got null\)/],
    ['nextLabel: 0', (m) => { m.nextLabel = 0; }, /face label 0 of \/p\/a\.jpg is not below `nextLabel` 0/],
    ['a label absent from the index', (m) => { (m.files['/p/a.jpg']!.faces[0] as { label: number }).label = 7; m.nextLabel = 8; }, /face label 7 of \/p\/a\.jpg is not in the index/],
    ['an indexed photo with no face', (m) => { m.files['/p/a.jpg']!.faces = []; }, /"\/p\/a\.jpg" has status indexed and 0 faces/],
    ['an unknown status', (m) => { m.files['/p/a.jpg']!.status = 'done'; }, /has status "done"/],
    ['not an object', (m) => { (m.files as Record<string, unknown>)['/p/a.jpg'] = 3; }, /the record of "\/p\/a\.jpg" must be an object \(got 3\)/],
  ];
  it.each(cases)('refuses %s with a CorruptFileError naming faces.json', async (_, damage, message) => {
    const folder = path.join(tmp, 'db');
    const meta = await writeVersion1(folder, photos) as unknown as Meta;
    expect((await FaceDatabase.open(folder)).size).toBe(3);
    damage(meta);
    await writeFile(path.join(folder, 'faces.json'), JSON.stringify(meta));
    const opening = FaceDatabase.open(folder);
    await expect(opening).rejects.toBeInstanceOf(CorruptFileError);
    await expect(opening).rejects.toThrow(message);
    await expect(opening).rejects.toThrow(path.join(folder, 'faces.json'));
  });
});

describe('FaceDatabase.save', () => {
  it('opens a version 1 folder and saves generations, the metadata last, older ones removed', async () => {
    const folder = path.join(tmp, 'db');
    await writeVersion1(folder, ['/p/a.jpg', '/p/b.jpg']);
    const db = await FaceDatabase.open(folder);
    await db.save(folder);
    expect((await readdir(folder)).sort()).toEqual(['faces.g000001.hnsw', 'faces.json']);
    const meta = JSON.parse(await readFile(path.join(folder, 'faces.json'), 'utf8'));
    expect(meta).toMatchObject({ version: 2, generation: 1, index: { file: 'faces.g000001.hnsw' } });
    await db.save(folder);
    expect((await readdir(folder)).sort()).toEqual(['faces.g000002.hnsw', 'faces.json']);

    // A crash after the next index file was written and before faces.json was
    // renamed leaves that file behind: the folder still opens as generation 2.
    await writeFile(path.join(folder, 'faces.g000003.hnsw'), 'half of a newer index');
    const reopened = await FaceDatabase.open(folder);
    expect(names(reopened)).toEqual(names(db));
    await reopened.save(folder);
    expect((await readdir(folder)).sort()).toEqual(['faces.g000003.hnsw', 'faces.json']);
    expect(names(await FaceDatabase.open(folder))).toEqual(names(db));
    await rm(path.join(folder, 'faces.g000003.hnsw'));
    await expect(FaceDatabase.open(folder)).rejects.toThrow(/faces\.g000003\.hnsw, named by faces\.json, is missing/);
  });

  it('refuses DATABASE_BUSY while another writer holds the lock; a dead process\'s lock is taken over', async () => {
    const folder = path.join(tmp, 'db');
    await writeVersion1(folder, ['/p/a.jpg']);
    const db = await FaceDatabase.open(folder);
    const held = await acquireFolderLock(folder, DB_LOCK_FILE);
    const saving = db.save(folder);
    await expect(saving).rejects.toBeInstanceOf(SmallworldError);
    await expect(saving).rejects.toMatchObject({ name: 'FaceError', code: 'DATABASE_BUSY', message: expect.stringContaining(`locked by process ${process.pid}`) });
    expect(existsSync(path.join(folder, 'faces.hnsw'))).toBe(true);
    await held.release();
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    await writeFile(path.join(folder, DB_LOCK_FILE), JSON.stringify({ pid: dead, host: os.hostname() }));
    await db.save(folder);
    expect((await readdir(folder)).sort()).toEqual(['faces.g000001.hnsw', 'faces.json']);
  });

  it('refuses DATABASE_BUSY when another process saved the folder since it was opened', async () => {
    const folder = path.join(tmp, 'db');
    await writeVersion1(folder, ['/p/a.jpg']);
    const first = await FaceDatabase.open(folder);
    const second = await FaceDatabase.open(folder);
    await first.save(folder);
    await expect(second.save(folder)).rejects.toMatchObject({
      code: 'DATABASE_BUSY', message: expect.stringMatching(/saved by another process since this one opened it \(generation 1 on disk, 0 here\)/),
    });
    await first.save(folder);
  });

  it('checks the folder before any photo: a file, or a busy database, fails before the model loads', async () => {
    const photos = path.join(tmp, 'photos');
    await mkdir(photos);
    await writeFile(path.join(photos, 'a.jpg'), 'never read');
    const file = path.join(tmp, 'not-a-folder');
    await writeFile(file, '');
    const db = new FaceDatabase();
    const events: unknown[] = [];
    await expect(db.addFolder(photos, { saveTo: file, progress: (e) => events.push(e) }))
      .rejects.toMatchObject({ name: 'SmallworldTypeError', message: `a face database is a folder: ${file} is a file` });
    const held = await acquireFolderLock(tmp, DB_LOCK_FILE);
    await expect(db.addFolder(photos, { saveTo: tmp, progress: (e) => events.push(e) })).rejects.toMatchObject({ code: 'DATABASE_BUSY' });
    await held.release();
    if (process.platform === 'linux') {
      // Not writable even for root: the file system's error, naming the folder.
      await expect(db.addFolder(photos, { saveTo: '/sys/smallworld-face/db', progress: (e) => events.push(e) }))
        .rejects.toMatchObject({ code: 'EPERM', message: expect.stringMatching(/^cannot write the face database \/sys\/smallworld-face\/db: EPERM/) });
    }
    expect(events).toEqual([]);
    expect(db.embedder.backend).toBeUndefined();
    await expect(db.addFolder(photos, { saveTo: tmp, saveEvery: { photos: 0 } })).rejects.toThrow(/`saveEvery.photos` must be an integer >= 1 \(got 0\)/);
  });
});

describe('photo paths in faces.json', () => {
  it('are relative to the database folder for photos under it or beside it, absolute elsewhere; the pair moves together', async () => {
    const root = path.join(tmp, 'root');
    const folder = path.join(root, 'faces.db');
    const beside = path.join(root, 'photos', 'a.jpg');
    const under = path.join(folder, 'inbox', 'b.jpg');
    const elsewhere = path.join(path.parse(tmp).root, 'elsewhere', 'c.jpg');
    await writeVersion1(folder, [beside, under, elsewhere]);
    await (await FaceDatabase.open(folder)).save(folder);
    const meta = JSON.parse(await readFile(path.join(folder, 'faces.json'), 'utf8'));
    expect(Object.keys(meta.files).sort()).toEqual(['../photos/a.jpg', elsewhere, 'inbox/b.jpg'].sort());

    const moved = path.join(tmp, 'moved');
    await rename(root, moved);
    const db = await FaceDatabase.open(path.join(moved, 'faces.db'));
    expect(db.photos().map((p) => p.path).sort()).toEqual(
      [path.join(moved, 'photos', 'a.jpg'), path.join(moved, 'faces.db', 'inbox', 'b.jpg'), elsewhere].sort());
    expect(db.findDescriptor(descriptor(0), { k: 1 })[0]!.path).toBe(path.join(moved, 'photos', 'a.jpg'));
  });
});

describe('removing photos and people', () => {
  /** The bytes of the index file faces.json names in `folder`. */
  async function indexBytes(folder: string): Promise<Uint8Array> {
    const meta = JSON.parse(await readFile(path.join(folder, 'faces.json'), 'utf8')) as { index: { file: string } };
    return readFile(path.join(folder, meta.index.file));
  }

  it('removePhoto takes the photo\'s faces out of the index and its record out of faces.json: no saved file holds the descriptor', async () => {
    const folder = path.join(tmp, 'db');
    await writeVersion1(folder, ['/p/a.jpg', '/p/b.jpg', '/p/c.jpg']);
    const db = await FaceDatabase.open(folder);
    await db.save(folder);
    expect(containsFloats(await indexBytes(folder), descriptor(1))).toBe(true);
    expect(db.removePhoto('/p/b.jpg')).toEqual({ photos: [{ path: '/p/b.jpg', faces: 1 }], faces: 1 });
    await db.save(folder);
    expect(containsFloats(await indexBytes(folder), descriptor(1))).toBe(false);
    expect(containsFloats(await indexBytes(folder), descriptor(2))).toBe(true);
    const reopened = await FaceDatabase.open(folder);
    expect(reopened.photos().map((p) => p.path)).toEqual(['/p/a.jpg', '/p/c.jpg']);
    expect(reopened.findDescriptor(descriptor(1), { k: 3 }).map((m) => m.path)).not.toContain('/p/b.jpg');
    expect(() => reopened.removePhoto('/p/b.jpg')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PHOTO' }));
  });

  it('removeDescriptor takes every face within the threshold out of every photo; the records stay, marked erased', async () => {
    const folder = path.join(tmp, 'db');
    await writeVersion1(folder, ['/p/a.jpg', '/p/b.jpg', '/p/c.jpg', '/p/d.jpg']);
    const meta = JSON.parse(await readFile(path.join(folder, 'faces.json'), 'utf8'));
    // Photo d shows the person of photo a: its descriptor is a's, moved by 0.2.
    const near = descriptor(0).map((v, i) => v + (i === 0 ? 0.2 : 0));
    const index = HnswIndex.fromBytes(await readFile(path.join(folder, 'faces.hnsw')));
    index.add(near, 3);
    const bytes = index.toBytes();
    meta.index.bytes = bytes.byteLength;
    await writeFile(path.join(folder, 'faces.hnsw'), bytes);
    await writeFile(path.join(folder, 'faces.json'), JSON.stringify(meta));
    const db = await FaceDatabase.open(folder);
    const report = db.removeDescriptor(descriptor(0));
    expect(report).toEqual({ photos: [{ path: '/p/a.jpg', faces: 1 }, { path: '/p/d.jpg', faces: 1 }], faces: 2 });
    await db.save(folder);
    for (const gone of [descriptor(0), near]) expect(containsFloats(await indexBytes(folder), gone)).toBe(false);
    const reopened = await FaceDatabase.open(folder);
    expect(reopened.size).toBe(2);
    expect(reopened.photos().find((p) => p.path === '/p/a.jpg')).toMatchObject({ status: 'no-face', faces: 0 });
    const saved = JSON.parse(await readFile(path.join(folder, 'faces.json'), 'utf8'));
    expect(saved.files['/p/d.jpg']).toMatchObject({ status: 'no-face', faces: [], erased: 1 });
    expect(db.removeDescriptor(descriptor(0))).toEqual({ photos: [], faces: 0 });
  });

  it('save erases the soft-deleted descriptors a database saved by an older version holds', async () => {
    const folder = path.join(tmp, 'db');
    const meta = await writeVersion1(folder, ['/p/a.jpg', '/p/b.jpg']) as { files: Record<string, unknown>; index: { bytes: number } };
    const index = HnswIndex.fromBytes(await readFile(path.join(folder, 'faces.hnsw')));
    index.markDeleted(1);
    delete meta.files['/p/b.jpg'];
    const bytes = index.toBytes();
    expect(containsFloats(bytes, descriptor(1))).toBe(true);
    meta.index.bytes = bytes.byteLength;
    await writeFile(path.join(folder, 'faces.hnsw'), bytes);
    await writeFile(path.join(folder, 'faces.json'), JSON.stringify(meta));
    const db = await FaceDatabase.open(folder);
    await db.save(folder);
    expect(containsFloats(await indexBytes(folder), descriptor(1))).toBe(false);
    expect((await FaceDatabase.open(folder)).size).toBe(1);
  });
});
