// Every dataset writer goes through the engine's atomic writer: nothing at the
// path until the file is complete, an aborted writer leaves the old file and
// no temporary file, and IDX files are streamed in chunks (gzip included).

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMatrixWriter, readIdx, readMatrix, sidecarPath, writeIdx, type Matrix } from '../src/index.js';
import { lcgFloats, tempDir } from './helpers.js';

const file = tempDir('atomic');
const DIM = 5;
const rows = lcgFloats(40 * DIM, 3);

async function temporaryFiles(path: string): Promise<string[]> {
  return (await readdir(dirname(path))).filter((name) => name.endsWith('.tmp'));
}

describe('dataset writers', () => {
  it.each(['fvecs', 'npy', 'f32', 'hdf5'])('.%s: the file appears at close, an abort keeps the old one', async (ext) => {
    const path = file(`w.${ext}`);
    await writeFile(path, 'old');
    const writer = await createMatrixWriter(path, { dim: DIM });
    await writer.write(rows.subarray(0, 20 * DIM));
    await writer.write(rows.subarray(20 * DIM));
    expect(await readFile(path, 'utf8')).toBe('old');
    await writer.close();
    const back = await readMatrix(path);
    expect([back.count, back.dim]).toEqual([40, DIM]);
    expect(back.data).toEqual(rows);
    if (ext === 'f32') expect(JSON.parse(await readFile(sidecarPath(path), 'utf8')).count).toBe(40);
    expect(await temporaryFiles(path)).toEqual([]);

    const before = await readFile(path);
    const dropped = await createMatrixWriter(path, { dim: DIM });
    await dropped.write(rows.subarray(0, DIM));
    await dropped.abort();
    expect(await readFile(path)).toEqual(before);
    expect(await temporaryFiles(path)).toEqual([]);
  });

  it('IDX spanning several write chunks round-trips, plain and gzip', async () => {
    const n = 2 ** 18 + 1000; // more values than one chunk
    const data = lcgFloats(n, 4);
    const m: Matrix = { dtype: 'float32', data, count: n / 8, dim: 8 };
    for (const name of ['big-idx2-ubyte', 'big-idx2-ubyte.gz']) {
      const path = file(name);
      await writeIdx(path, m);
      const back = await readIdx(path);
      expect([back.count, back.dim]).toEqual([n / 8, 8]);
      expect(back.data).toEqual(data);
    }
    expect(await temporaryFiles(file('big-idx2-ubyte'))).toEqual([]);
  });
});
