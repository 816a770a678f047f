// The one atomic writer: bytes, streamed and sync forms leave the old file
// intact on failure, remove their temporary files, and name the caller's
// path in errors; commitGeneration switches a folder's files at one rename.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitGeneration, generationFileName, openFileAtomic, writeFileAtomic, writeFileAtomicSync } from '../src/index.node.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('writeFileAtomic', () => {
  it('writes bytes and streamed chunks', async () => {
    await writeFileAtomic(join(dir, 'a'), bytes(1, 2, 3));
    expect([...await readFile(join(dir, 'a'))]).toEqual([1, 2, 3]);
    let written = -1;
    await writeFileAtomic(join(dir, 'b'), async (sink) => {
      await sink.write(bytes(4));
      await sink.write(bytes(5, 6));
      written = sink.bytesWritten;
    });
    expect([...await readFile(join(dir, 'b'))]).toEqual([4, 5, 6]);
    expect(written).toBe(3);
  });

  it('keeps the old file and leaves no temporary file when the source throws', async () => {
    const path = join(dir, 'keep');
    await writeFile(path, 'old');
    await expect(writeFileAtomic(path, async (sink) => {
      await sink.write(bytes(1));
      throw new Error('disk on fire');
    })).rejects.toThrow('disk on fire');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the path the caller gave, not the temporary file', async () => {
    const path = join(dir, 'no-such-folder', 'x.hnsw');
    await expect(writeFileAtomic(path, bytes(1))).rejects.toThrow(path);
    expect(() => writeFileAtomicSync(path, bytes(1))).toThrow(path);
  });
});

describe('writeFileAtomicSync', () => {
  it('writes bytes and streamed chunks, and keeps the old file on error', () => {
    const path = join(dir, 'sync');
    writeFileAtomicSync(path, bytes(7, 8));
    expect([...readFileSync(path)]).toEqual([7, 8]);
    writeFileAtomicSync(path, (sink) => {
      sink.write(bytes(9));
      sink.write(bytes(10));
    });
    expect([...readFileSync(path)]).toEqual([9, 10]);
    expect(() => writeFileAtomicSync(path, () => {
      throw new Error('interrupted');
    })).toThrow('interrupted');
    expect([...readFileSync(path)]).toEqual([9, 10]);
  });
});

describe('commitGeneration', () => {
  it('names generation files and removes older generations after the manifest', async () => {
    expect(generationFileName('faces.hnsw', 12)).toBe('faces.g000012.hnsw');
    expect(generationFileName('manifest', 3)).toBe('manifest.g000003');
    expect(() => generationFileName('x', -1)).toThrow('generation');
    const folder = await mkdtemp(join(dir, 'gen-'));
    await writeFile(join(folder, 'other.g000001.bin'), 'not ours');
    await commitGeneration(folder, 1, [{ name: 'faces.hnsw', source: bytes(1) }], 'faces.json', bytes(123));
    await commitGeneration(folder, 2, [{ name: 'faces.hnsw', source: bytes(2) }], 'faces.json', bytes(125));
    expect((await readdir(folder)).sort()).toEqual(['faces.g000002.hnsw', 'faces.json', 'other.g000001.bin']);
  });

  it('leaves the previous generation readable when a data file fails', async () => {
    const folder = await mkdtemp(join(dir, 'gen-'));
    await commitGeneration(folder, 1, [{ name: 'faces.hnsw', source: bytes(1) }], 'faces.json', bytes(1));
    await expect(commitGeneration(folder, 2, [{
      name: 'faces.hnsw',
      source: async () => {
        throw new Error('killed');
      },
    }], 'faces.json', bytes(2))).rejects.toThrow('killed');
    expect((await readdir(folder)).sort()).toEqual(['faces.g000001.hnsw', 'faces.json']);
    expect([...await readFile(join(folder, 'faces.json'))]).toEqual([1]);
  });
});

describe('openFileAtomic', () => {
  it('appends over several calls, fills in a header in place, and shows nothing at `path` before commit', async () => {
    const path = join(dir, 'several');
    await writeFile(path, 'old');
    const file = await openFileAtomic(path);
    await file.write(bytes(0, 0, 3, 4));
    await file.write(bytes(5));
    await file.writeAt(bytes(1, 2), 0);
    expect(file.bytesWritten).toBe(5);
    expect(await readFile(path, 'utf8')).toBe('old');
    await file.commit();
    expect([...await readFile(path)]).toEqual([1, 2, 3, 4, 5]);
    await file.abort(); // after commit: nothing to drop
    expect([...await readFile(path)]).toEqual([1, 2, 3, 4, 5]);
    await expect(file.write(bytes(6))).rejects.toThrow(/already committed/);
  });

  it('abort keeps the old file and removes the temporary one; a file written by name at temporaryPath commits too', async () => {
    const path = join(dir, 'dropped');
    await writeFile(path, 'old');
    const dropped = await openFileAtomic(path);
    await dropped.write(bytes(1, 2));
    await dropped.abort();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const byName = await openFileAtomic(path);
    await writeFile(byName.temporaryPath, 'written by name');
    await byName.commit();
    expect(await readFile(path, 'utf8')).toBe('written by name');
  });

  it('names the path the caller gave when the folder is missing', async () => {
    const path = join(dir, 'no-such-folder', 'y.bin');
    await expect(openFileAtomic(path)).rejects.toThrow(path);
  });
});
