// The face pipeline on the sample photos shipped in face-api's npm package
// (demo/sample1-3.jpg, group photos) and on images made here: no shared data needed.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError, SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';
import {
  FaceDatabase, FaceEmbedder, decodeImage, embedFolder, euclideanDistance, parsePairs, scorePairs, verify, type Face,
} from '../src/index.js';
import { runCli } from '../src/commands.js';
import { containsFloats } from '../../hnsw/test/helpers/bytes.js';

const require = createRequire(import.meta.url);
const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const sample = (n: number): string => path.join(SAMPLES, `sample${n}.jpg`);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const embedder = new FaceEmbedder();
let tmp: string;
let sample1All: Face[];
let sample2Largest: Face;

/** A 400x300 gradient: an image with no face. */
async function gradientPng(): Promise<Buffer> {
  const w = 400, h = 300;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([x % 256, y % 256, (x + y) % 256], 3 * (y * w + x));
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'smallworld-face-'));
  await embedder.ready();
  sample1All = await embedder.represent(sample(1), { all: true });
  [sample2Largest] = (await embedder.represent(sample(2))) as [Face];
}, 300_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('FaceEmbedder.represent', () => {
  it('runs on a named backend and records decoder, model and backend', () => {
    expect(['tensorflow', 'wasm', 'cpu']).toContain(embedder.backend);
    expect(embedder.signature).toEqual({
      decoder: expect.stringMatching(/^sharp@[\d.]+\/libvips@[\d.]+\/no-icc\/area-max-side-1280$/),
      model: expect.stringMatching(/^face-api@[\d.]+\/ssd_mobilenetv1\+face_landmark_68\+face_recognition$/),
      backend: embedder.backend,
    });
  });

  it('finds every face of a group photo, largest first, with 68 landmarks and a 128-D descriptor', () => {
    expect(sample1All.length).toBe(3);
    const areas = sample1All.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
    for (const face of sample1All) {
      expect(face.score).toBeGreaterThan(0.5);
      expect(face.landmarks).toHaveLength(68);
      expect(face.descriptor).toBeInstanceOf(Float32Array);
      expect(face.descriptor).toHaveLength(128);
      expect(face.descriptor.every(Number.isFinite)).toBe(true);
      // The nose tip (landmark 30) lies inside the detection box.
      const nose = face.landmarks[30]!;
      expect(nose.x).toBeGreaterThan(face.box.x);
      expect(nose.x).toBeLessThan(face.box.x + face.box.width);
      expect(nose.y).toBeGreaterThan(face.box.y);
      expect(nose.y).toBeLessThan(face.box.y + face.box.height);
    }
    // The three are different people.
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) expect(verify(sample1All[i]!.descriptor, sample1All[j]!.descriptor).verified).toBe(false);
    }
  });

  it('returns the largest face only by default, identical to the first of all', async () => {
    const [largest, ...rest] = await embedder.represent(sample(1));
    expect(rest).toEqual([]);
    expect(largest!.box).toEqual(sample1All[0]!.box);
    expect(euclideanDistance(largest!.descriptor, sample1All[0]!.descriptor)).toBeLessThan(1e-5);
  });

  it('gives the same face from a path, an encoded Buffer, and raw RGB pixels; boxes in the original pixels', async () => {
    const fromBuffer = await embedder.represent(await readFile(sample(2)));
    expect(euclideanDistance(fromBuffer[0]!.descriptor, sample2Largest.descriptor)).toBeLessThan(1e-5);
    // sample2 is 1920 px wide: decoded at 1280, the detector's coordinates are scaled back by 1.5.
    const decoded = await decodeImage(sample(2));
    expect([decoded.width, decoded.originalWidth, decoded.scale]).toEqual([1280, 1920, 1.5]);
    const [fromRaw] = await embedder.represent({ data: decoded.data, width: decoded.width, height: decoded.height });
    expect(euclideanDistance(fromRaw!.descriptor, sample2Largest.descriptor)).toBeLessThan(1e-5);
    expect(fromRaw!.box.x * 1.5).toBeCloseTo(sample2Largest.box.x, 3);
    expect(fromRaw!.box.width * 1.5).toBeCloseTo(sample2Largest.box.width, 3);
  });

  it('honours EXIF rotation and reads WebP whatever the file is called', async () => {
    // Pixels stored rotated 90° clockwise-undone, with orientation 6 telling the viewer to rotate back.
    const turned = await sharp(sample(2)).rotate(-90).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const [upright] = await embedder.represent(turned);
    expect(euclideanDistance(upright!.descriptor, sample2Largest.descriptor)).toBeLessThan(0.2);
    expect(Math.abs(upright!.box.x - sample2Largest.box.x)).toBeLessThan(20);
    const webpAsJpg = path.join(tmp, 'really-webp.jpg');
    await writeFile(webpAsJpg, await sharp(sample(2)).webp({ quality: 95 }).toBuffer());
    const [fromWebp] = await embedder.represent(webpAsJpg);
    expect(euclideanDistance(fromWebp!.descriptor, sample2Largest.descriptor)).toBeLessThan(0.15);
  });

  it('returns no face for an image without one', async () => {
    expect(await embedder.represent(await gradientPng())).toEqual([]);
  });

  it('rejects unreadable, non-image and too large inputs with UNREADABLE_IMAGE', async () => {
    const text = path.join(tmp, 'notes.jpg');
    await writeFile(text, 'not a photo\n');
    await expect(embedder.represent(text)).rejects.toMatchObject({ name: 'FaceTypeError', code: 'UNREADABLE_IMAGE' });
    await expect(embedder.represent(path.join(tmp, 'missing.jpg'))).rejects.toThrow(/no such file/);
    const small = new FaceEmbedder({ maxInputPixels: 1_000_000 });
    const tooLarge = small.represent(sample(1));
    await expect(tooLarge).rejects.toBeInstanceOf(SmallworldRangeError);
    await expect(tooLarge).rejects.toThrow(/too large: .*sample1\.jpg \(2\.5 MP\) is over the limit of 1\.0 MP/);
    await expect(embedder.represent({ data: new Uint8Array(10), width: 2, height: 2 })).rejects.toThrow(/width x height x 3 = 12 bytes \(got 10\)/);
  });

  it('validates its options', () => {
    expect(() => new FaceEmbedder({ backend: 'gpu' as never })).toThrow(SmallworldTypeError);
    expect(() => new FaceEmbedder({ minConfidence: 2 })).toThrow(/`minConfidence` must be a number in \(0, 1\) \(got 2\)/);
    expect(() => new FaceEmbedder({ maxSide: 10 })).toThrow(RangeError);
    expect(() => new FaceEmbedder({ maxside: 10 } as never)).toThrow(/unknown FaceEmbedder option `maxside`/);
  });
});

describe('verify', () => {
  it('compares descriptors by Euclidean (not squared) distance at 0.6', () => {
    const a = new Float32Array(128);
    const b = new Float32Array(128);
    b[0] = 0.3; b[1] = 0.4;
    expect(verify(a, b)).toEqual({ verified: true, distance: expect.closeTo(0.5, 6), threshold: 0.6 });
    expect(verify(a, b, 0.4).verified).toBe(false);
    expect(() => verify(a, new Float32Array(64))).toThrow(/dimension 128 \(got 64\)/);
    expect(() => verify(a, b, 0)).toThrow(RangeError);
  });

  it('verifies photos through the embedder, and says NO_FACE when a photo has none', async () => {
    const same = await embedder.verify(sample(2), sample2Largest.descriptor);
    expect(same.verified).toBe(true);
    expect(same.distance).toBeLessThan(1e-5);
    const other = await embedder.verify(sample1All[1]!.descriptor, sample1All[2]!.descriptor);
    expect(other.verified).toBe(false);
    await expect(embedder.verify(await gradientPng(), sample(2))).rejects.toMatchObject({ code: 'NO_FACE' });
  });
});

describe('verify-pairs scoring', () => {
  it('parses CRLF pairs and counts TP/TN/FP/FN, a photo with no face counting as "not verified"', () => {
    const pairs = parsePairs('file_x,file_y,Decision\r\na.jpg,b.jpg,Yes\r\na.jpg,c.jpg,No\r\nb.jpg,c.jpg,No\r\na.jpg,x.jpg,Yes\r\n');
    expect(pairs).toHaveLength(4);
    const v = (x: number): Float32Array => Float32Array.from({ length: 128 }, (_, i) => (i === 0 ? x : 0));
    const table: Record<string, Float32Array> = { 'a.jpg': v(0), 'b.jpg': v(0.5), 'c.jpg': v(1) };
    // a-b 0.5 (verified, Yes: TP), a-c 1.0 (TN), b-c 0.5 (verified, No: FP), a-x no face (FN).
    expect(scorePairs(pairs, (f) => table[f], 0.6)).toEqual({ pairs: 4, accuracy: 0.5, threshold: 0.6, tp: 1, tn: 1, fp: 1, fn: 1 });
    expect(() => parsePairs('a,b\nx,y')).toThrow(/file_x,file_y,Decision/);
    expect(() => parsePairs('file_x,file_y,Decision\nx,y,Maybe')).toThrow(/line 2/);
  });
});

describe('FaceDatabase', () => {
  let photos: string;
  let db: FaceDatabase;

  beforeAll(async () => {
    photos = path.join(tmp, 'photos');
    await mkdir(path.join(photos, 'sub'), { recursive: true });
    await copyFile(sample(1), path.join(photos, 'one.jpg'));
    await copyFile(sample(2), path.join(photos, 'sub', 'two.jpg'));
    await writeFile(path.join(photos, 'gradient.png'), await gradientPng());
    await writeFile(path.join(photos, 'broken.jpg'), 'not a photo\n');
    await writeFile(path.join(photos, 'readme.txt'), 'hello\n');
    db = new FaceDatabase({ embedder });
  });

  it('indexes a folder with one result per file; a bad file never stops it', async () => {
    const events: string[] = [];
    const report = await db.addFolder(photos, { progress: (e) => events.push(`${e.done}/${e.total}`) });
    const byName = Object.fromEntries(report.files.map((f) => [path.relative(photos, f.path), f]));
    // A group photo: the largest of its three faces is indexed, and the report says three were found.
    expect(byName['one.jpg']).toMatchObject({ status: 'indexed', faces: 1, detected: 3 });
    expect(byName[path.join('sub', 'two.jpg')]).toMatchObject({ status: 'indexed', faces: 1 });
    expect(byName['gradient.png']).toMatchObject({ status: 'no-face', faces: 0 });
    expect(byName['broken.jpg']).toMatchObject({ status: 'error', errorCode: 'UNREADABLE_IMAGE' });
    expect(byName['readme.txt']).toMatchObject({ status: 'skipped' });
    expect(report.counts).toEqual({ indexed: 2, 'no-face': 1, error: 1, unchanged: 0, removed: 0, skipped: 1 });
    expect(events).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(db.size).toBe(2);
  });

  it('finds a photo from another rendering of it, nearest first, with Euclidean distances', async () => {
    const query = await sharp(sample(2)).resize({ width: 1000 }).jpeg({ quality: 80 }).toBuffer();
    const matches = await db.find(query, { k: 5 });
    expect(matches.map((m) => path.basename(m.path))).toEqual(['two.jpg', 'one.jpg']);
    expect(matches[0]!.distance).toBeLessThan(0.2);
    expect(matches[0]!.verified).toBe(true);
    expect(matches[1]!.distance).toBeGreaterThan(0.6);
    // The index's squared L2 comes back as the Euclidean distance.
    const exact = db.findDescriptor(sample2Largest.descriptor);
    expect(exact[0]!.distance).toBeLessThan(1e-3);
    expect(exact[1]!.distance).toBeCloseTo(euclideanDistance(sample2Largest.descriptor, sample1All[0]!.descriptor), 4);
    await expect(db.find(await gradientPng())).rejects.toMatchObject({ code: 'NO_FACE' });
  });

  it('re-runs incrementally: unchanged files skipped, changed re-embedded, vanished removed', async () => {
    const again = await db.addFolder(photos, { progress: false });
    expect(again.counts).toMatchObject({ indexed: 0, unchanged: 4, removed: 0 });
    // broken.jpg becomes a real photo; one.jpg goes away.
    await copyFile(sample(3), path.join(photos, 'broken.jpg'));
    await unlink(path.join(photos, 'one.jpg'));
    const third = await db.addFolder(photos, { progress: false });
    const status = Object.fromEntries(third.files.map((f) => [path.basename(f.path), f.status]));
    expect(status).toMatchObject({ 'broken.jpg': 'indexed', 'one.jpg': 'removed', 'two.jpg': 'unchanged', 'gradient.png': 'unchanged' });
    expect(db.size).toBe(2);
    const matches = db.findDescriptor(sample1All[0]!.descriptor, { k: 5 });
    expect(matches.map((m) => path.basename(m.path)).sort()).toEqual(['broken.jpg', 'two.jpg']);
  });

  it('saves and opens (index + metadata), refuses another decoder, and reports corrupt folders', async () => {
    const saved = path.join(tmp, 'db');
    await db.save(saved);
    const meta = JSON.parse(await readFile(path.join(saved, 'faces.json'), 'utf8'));
    expect(meta.signature).toEqual(embedder.signature);
    const opened = await FaceDatabase.open(saved, { embedder });
    expect(opened.size).toBe(db.size);
    expect(opened.findDescriptor(sample2Largest.descriptor)).toEqual(db.findDescriptor(sample2Largest.descriptor));
    expect((await opened.addFolder(photos, { progress: false })).counts).toMatchObject({ unchanged: 3, indexed: 0 });

    const otherDecoder = await FaceDatabase.open(saved, { embedder: new FaceEmbedder({ maxSide: 640 }) });
    await expect(otherDecoder.find(sample(2))).rejects.toMatchObject({ code: 'INCOMPATIBLE_EMBEDDER', message: expect.stringMatching(/max-side-1280/) });
    await expect(otherDecoder.addFolder(photos)).rejects.toMatchObject({ code: 'INCOMPATIBLE_EMBEDDER' });

    await writeFile(path.join(saved, 'faces.json'), JSON.stringify({ ...meta, files: undefined }));
    await expect(FaceDatabase.open(saved)).rejects.toThrow(/faces.json is damaged/);
    await writeFile(path.join(saved, 'faces.json'), JSON.stringify({ ...meta, index: { ...meta.index, bytes: 12 } }));
    await expect(FaceDatabase.open(saved)).rejects.toThrow(/do not belong together/);
    await writeFile(path.join(saved, 'faces.json'), '{ not json');
    await expect(FaceDatabase.open(saved)).rejects.toBeInstanceOf(CorruptFileError);
    await expect(FaceDatabase.open(path.join(tmp, 'nowhere'))).rejects.toThrow(/faces.json is missing/);
  });

  it("indexes every face with faces: 'all' and returns each photo once", async () => {
    const all = new FaceDatabase({ embedder, faces: 'all' });
    await all.addFolder(path.join(photos, 'sub'), { progress: false });
    expect(all.size).toBe(3);
    const matches = all.findDescriptor(sample2Largest.descriptor, { k: 3 });
    expect(matches).toHaveLength(1);
    expect(matches[0]!.distance).toBeLessThan(1e-3);
  });

  it('saves as it goes (saveTo), stops on a signal with what is done saved, and resumes without re-embedding', async () => {
    const folder = path.join(tmp, 'resume-photos');
    await mkdir(folder);
    await sharp(sample(2)).resize({ width: 640 }).toFile(path.join(folder, 'a.jpg'));
    await sharp(sample(3)).resize({ width: 640 }).toFile(path.join(folder, 'b.jpg'));
    await writeFile(path.join(folder, 'c.png'), await gradientPng());
    const saveTo = path.join(tmp, 'resume-db');
    const meta = path.join(saveTo, 'faces.json');
    const savedRecords = (): number => (existsSync(meta) ? Object.keys(JSON.parse(readFileSync(meta, 'utf8')).files).length : 0);
    const stop = new AbortController();
    const seen: number[] = [];
    const first = await new FaceDatabase({ embedder }).addFolder(folder, {
      saveTo, saveEvery: { photos: 1 }, signal: stop.signal,
      progress: (e) => {
        // What faces.json held when each photo was done: the checkpoint of the one before.
        seen.push(savedRecords());
        if (e.done === 2) stop.abort();
      },
    });
    expect(seen).toEqual([0, 1]);
    expect(first).toMatchObject({ interrupted: true, resumed: 0, counts: { indexed: 2 } });
    expect(savedRecords()).toBe(2);
    expect(JSON.parse(readFileSync(meta, 'utf8')).unfinished).toEqual({ folder: '../resume-photos', embedded: 2, total: 3 });

    const embedded: string[] = [];
    const again = await (await FaceDatabase.open(saveTo, { embedder })).addFolder(folder, {
      saveTo, progress: (e) => embedded.push(path.basename(e.path)),
    });
    expect(embedded).toEqual(['c.png']);
    expect(again).toMatchObject({ interrupted: false, resumed: 2, counts: { unchanged: 2, 'no-face': 1, indexed: 0 } });
    expect(JSON.parse(readFileSync(meta, 'utf8')).unfinished).toBeUndefined();
    expect((await FaceDatabase.open(saveTo)).size).toBe(2);
  });

  it('embedFolder gives one descriptor row per photo with a face', async () => {
    const folder = await embedFolder(path.join(photos, 'sub'), { embedder, progress: false });
    expect(folder.paths).toEqual([path.join(photos, 'sub', 'two.jpg')]);
    expect(folder.descriptors).toHaveLength(128);
    expect(euclideanDistance(folder.descriptors, sample2Largest.descriptor)).toBeLessThan(1e-5);
  });
});

describe('CLI (pnpm face)', () => {
  /** Runs a command line in this process (the model is already loaded), paths relative to `tmp`. */
  const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd: tmp,
    });
    return { code, stdout, stderr };
  };
  const lastLine = (out: string): unknown => JSON.parse(out.trim().split('\n').at(-1)!);

  it('verify-pairs prints the JSON report on its last line', async () => {
    await copyFile(sample(2), path.join(tmp, 'a.jpg'));
    await sharp(sample(2)).resize({ width: 900 }).toFile(path.join(tmp, 'b.jpg'));
    await writeFile(path.join(tmp, 'pairs.csv'), 'file_x,file_y,Decision\r\na.jpg,b.jpg,Yes\r\n');
    const { code, stdout, stderr } = await cli(['verify-pairs', 'pairs.csv', '--images', '.', '--json', '--quiet']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(lastLine(stdout)).toEqual({
      pairs: 1, accuracy: 1, threshold: 0.6, tp: 1, tn: 0, fp: 0, fn: 0, noFace: 0, msPerPhoto: expect.any(Number),
    });
  });

  it('index then find --json: the query photo first', async () => {
    const indexed = await cli(['index', 'photos', '--db', 'cli-db', '--json', '--quiet']);
    expect(indexed.code).toBe(0);
    expect(lastLine(indexed.stdout)).toMatchObject({ faces: 2, indexed: 2, 'no-face': 1, skipped: 1 });
    const found = await cli(['find', 'photos/sub/two.jpg', '--db', 'cli-db', '--k', '2', '--json']);
    expect(found.stderr).toMatch(/^backend: (tensorflow|wasm|cpu)/);
    const matches = lastLine(found.stdout) as { path: string; distance: number; verified: boolean }[];
    expect(matches.map((m) => path.basename(m.path))).toEqual(['two.jpg', 'broken.jpg']);
    expect(matches[0]).toEqual({ path: path.join(tmp, 'photos', 'sub', 'two.jpg'), distance: expect.any(Number), verified: true });
    expect(matches[0]!.distance).toBeLessThan(1e-4);
    expect((await cli(['represent', 'photos/gradient.png', '--json'])).stdout).toMatch(/^0 faces in .*\n\[\]\n$/);
  });

  it('remove --person then remove PHOTO: faces out of cli-db, descriptors out of its index file', async () => {
    const db = await FaceDatabase.open(path.join(tmp, 'cli-db'));
    const [two] = db.descriptorsOf(path.join(tmp, 'photos', 'sub', 'two.jpg'));
    const indexFile = async (): Promise<Uint8Array> => {
      const meta = JSON.parse(await readFile(path.join(tmp, 'cli-db', 'faces.json'), 'utf8')) as { index: { file: string } };
      return readFile(path.join(tmp, 'cli-db', meta.index.file));
    };
    expect(containsFloats(await indexFile(), two!)).toBe(true);
    const person = await cli(['remove', '--person', 'photos/sub/two.jpg', '--db', 'cli-db', '--json', '--quiet']);
    expect(person.code).toBe(0);
    const report = lastLine(person.stdout) as { removed: number; photos: { path: string }[]; faces: number };
    expect(report.photos.map((p) => p.path)).toContain(path.join(tmp, 'photos', 'sub', 'two.jpg'));
    expect(report.removed + report.faces).toBe(2);
    expect(containsFloats(await indexFile(), two!)).toBe(false);
    const left = (await FaceDatabase.open(path.join(tmp, 'cli-db'))).photos().filter((p) => p.status === 'indexed');
    for (const photo of left) {
      const removed = await cli(['remove', path.relative(tmp, photo.path), '--db', 'cli-db', '--json']);
      expect(removed.code).toBe(0);
    }
    expect((await FaceDatabase.open(path.join(tmp, 'cli-db'))).size).toBe(0);
    expect((await cli(['remove', 'photos/nowhere.jpg', '--db', 'cli-db'])).stderr).toMatch(/is not a photo of this face database/);
    expect((await cli(['remove', '--db', 'cli-db'])).code).toBe(2);
  });

  it('reports usage errors with exit code 2 and failures with 1, from the real entry point', async () => {
    const run = promisify(execFile);
    const entry = [process.execPath, ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/face/src/cli.ts')]] as const;
    await expect(run(entry[0], [...entry[1], 'find', 'photo.jpg'], { cwd: ROOT }))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/find needs --db PATH/) });
    expect((await cli(['verify', 'photos/readme.txt', 'a.jpg'])).code).toBe(1);
    expect((await cli(['represent', 'a.jpg', '--nope'])).code).toBe(2);
  });

  it('index checks --db before the model and the first photo', async () => {
    await writeFile(path.join(tmp, 'db-file'), '');
    const result = await cli(['index', 'photos', '--db', 'db-file']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `error: a face database is a folder: ${path.join(tmp, 'db-file')} is a file\n` });
  });

  it('index saves what is done on SIGINT (exit 130), and the same command resumes', async () => {
    const folder = path.join(tmp, 'sigint-photos');
    await mkdir(folder);
    for (const [i, width] of [600, 620, 640, 660].entries()) await sharp(sample(2)).resize({ width }).toFile(path.join(folder, `p${i}.jpg`));
    const args = ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/face/src/cli.ts'), 'index', folder, '--db', path.join(tmp, 'sigint-db')];
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      // Interrupt once the first photo is done (once: a second Ctrl-C quits without saving).
      if (/indexing 1\/4/.test(stderr) && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stdout }).toEqual({ code: 130, stdout: expect.stringMatching(/interrupted: what was embedded is saved/) });
    expect(stderr).toMatch(/SIGINT: stopping after this photo/);
    const saved = Object.keys(JSON.parse(await readFile(path.join(tmp, 'sigint-db', 'faces.json'), 'utf8')).files).length;
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(saved).toBeLessThan(4);

    const rerun = await cli(['index', 'sigint-photos', '--db', 'sigint-db', '--json', '--quiet']);
    expect(rerun.code).toBe(0);
    expect(lastLine(rerun.stdout)).toMatchObject({ faces: 4, indexed: 4 - saved, unchanged: saved, resumed: saved, interrupted: false });
    expect(rerun.stdout).toMatch(new RegExp(`${saved} unchanged \\(${saved} embedded by the unfinished run resumed\\)`));
  });
});
