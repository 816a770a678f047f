// Malformed inputs: truncated files, bad headers, missing sidecars. Each must
// fail with a CorruptFileError whose message names the file and the problem.

import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { CorruptFileError } from '@smallworld/hnsw';
import { describe, expect, it } from 'vitest';
import { readIdx, readMatrix, readVectors, sidecarPath, writeAnnBenchmarks, writeIdx, writeVectors } from '../src/index.js';
import { lcgFloats, tempDir } from './helpers.js';

const file = tempDir('malformed');
const floats = lcgFloats(20 * 4, 3);

/** Expects reading `path` to fail with a CorruptFileError naming `path` and matching `pattern`. */
async function expectCorrupt(path: string, pattern: RegExp, read: (p: string) => Promise<unknown> = readMatrix): Promise<void> {
  const err = await read(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CorruptFileError);
  expect((err as CorruptFileError).code).toBe('CORRUPT_FILE');
  expect((err as Error).message.startsWith(path.split(':')[0])).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

async function truncate(from: string, to: string, drop: number): Promise<void> {
  const raw = await readFile(from);
  await writeFile(to, raw.subarray(0, raw.length - drop));
}

describe('texmex .fvecs/.ivecs/.bvecs', () => {
  it('a truncated file', async () => {
    await writeVectors(file('ok.fvecs'), floats, 4);
    await truncate(file('ok.fvecs'), file('cut.fvecs'), 3);
    await expectCorrupt(file('cut.fvecs'), /not a whole number of 20-byte records \(dimension 4\): truncated/);
  });

  it('a header with an impossible dimension', async () => {
    const raw = Buffer.alloc(64);
    raw.writeInt32LE(-7, 0);
    await writeFile(file('neg.ivecs'), raw);
    await expectCorrupt(file('neg.ivecs'), /bad header: the first record declares dimension -7/);
    raw.writeInt32LE(0x7fffffff, 0);
    await writeFile(file('huge.bvecs'), raw);
    await expectCorrupt(file('huge.bvecs'), /dimension 2147483647/);
  });

  it('a record whose dimension differs from the first', async () => {
    await writeVectors(file('rows.fvecs'), floats, 4);
    const raw = await readFile(file('rows.fvecs'));
    raw.writeInt32LE(5, 3 * 20);
    await writeFile(file('rows.fvecs'), raw);
    await expectCorrupt(file('rows.fvecs'), /record 3 declares dimension 5, expected 4/);
  });

  it('an empty file', async () => {
    await writeFile(file('empty.fvecs'), '');
    await expectCorrupt(file('empty.fvecs'), /empty file/);
  });
});

describe('.npy', () => {
  it('bad magic, truncated data, a broken header, Fortran order, an unknown dtype', async () => {
    await writeVectors(file('ok.npy'), floats, 4);
    const ok = await readFile(file('ok.npy'));
    await writeFile(file('magic.npy'), Buffer.concat([Buffer.from('NOTNPY'), ok.subarray(6)]));
    await expectCorrupt(file('magic.npy'), /bad magic: not a \.npy file/);
    await truncate(file('ok.npy'), file('cut.npy'), 8);
    await expectCorrupt(file('cut.npy'), /truncated: shape \(20, 4\) of 4-byte elements needs 320 data bytes, the file has 312/);
    const header = ok.subarray(10, 128).toString('latin1');
    const swap = (from: string, to: string, name: string) =>
      writeFile(file(name), Buffer.concat([ok.subarray(0, 10), Buffer.from(header.replace(from, to.padEnd(from.length, ' ')), 'latin1'), ok.subarray(128)]));
    await swap("'shape'", "'shap'", 'noshape.npy');
    await expectCorrupt(file('noshape.npy'), /bad \.npy header: expected 'descr', 'fortran_order' and 'shape'/);
    await swap("'fortran_order': False", "'fortran_order': True", 'fortran.npy');
    await expectCorrupt(file('fortran.npy'), /Fortran-ordered/);
    await swap("'<f4'", "'<c8'", 'complex.npy');
    await expectCorrupt(file('complex.npy'), /unsupported numpy dtype '<c8'/);
  });

  it('a file shorter than the preamble', async () => {
    await writeFile(file('tiny.npy'), Buffer.from([0x93, 0x4e]));
    await expectCorrupt(file('tiny.npy'), /truncated: 2 bytes/);
  });
});

describe('raw .f32 with a sidecar', () => {
  it('a missing sidecar, a bad sidecar, a size that disagrees with it', async () => {
    await writeVectors(file('ok.f32'), floats, 4);
    await writeFile(file('lonely.f32'), await readFile(file('ok.f32')));
    await expectCorrupt(file('lonely.f32'), /sidecar .*lonely\.f32\.json is missing/);
    await writeFile(file('badside.f32'), await readFile(file('ok.f32')));
    await writeFile(sidecarPath(file('badside.f32')), JSON.stringify({ dtype: 'float32', count: -1, dim: 4 }));
    await expectCorrupt(file('badside.f32'), /bad sidecar/);
    await truncate(file('ok.f32'), file('cut.f32'), 4);
    await writeFile(sidecarPath(file('cut.f32')), await readFile(sidecarPath(file('ok.f32'))));
    await expectCorrupt(file('cut.f32'), /truncated: the sidecar says 20 x 4 float32 = 320 bytes, the file has 316/);
  });
});

describe('HDF5', () => {
  it('not an HDF5 file, a truncated one, a missing dataset', async () => {
    await writeFile(file('text.hdf5'), 'this is not HDF5 at all, just some text long enough to be scanned');
    await expectCorrupt(file('text.hdf5'), /not an HDF5 file/);
    await writeAnnBenchmarks(file('ok.hdf5'), { train: floats, test: floats.subarray(0, 8), dim: 4 });
    await truncate(file('ok.hdf5'), file('cut.hdf5'), 100);
    await expectCorrupt(file('cut.hdf5'), /truncated: the HDF5 superblock says the file is \d+ bytes, it has \d+/);
    await expectCorrupt(`${file('ok.hdf5')}:neighbors`, /no dataset 'neighbors' \(datasets: test, train\)/, readVectors);
  });
});

describe('IDX', () => {
  it('bad magic, unknown type, truncated data, damaged gzip', async () => {
    await writeFile(file('magic-idx3-ubyte'), Buffer.from([1, 2, 3, 4, 0, 0, 0, 0]));
    await expectCorrupt(file('magic-idx3-ubyte'), /bad magic 0x01020304: not an IDX file/, readIdx);
    await writeFile(file('type-idx1-ubyte'), Buffer.from([0, 0, 0x42, 1, 0, 0, 0, 0]));
    await expectCorrupt(file('type-idx1-ubyte'), /unknown element type 0x42/, readIdx);
    await writeIdx(file('ok-idx3-ubyte'), { dtype: 'uint8', data: new Uint8Array(6 * 4), count: 6, dim: 4 }, [6, 2, 2]);
    await truncate(file('ok-idx3-ubyte'), file('cut-idx3-ubyte'), 5);
    await expectCorrupt(file('cut-idx3-ubyte'), /truncated: shape \[6, 2, 2\] of uint8 needs 24 data bytes, the file has 19/, readIdx);
    const gz = gzipSync(await readFile(file('ok-idx3-ubyte')));
    await writeFile(file('cut-idx3-ubyte.gz'), gz.subarray(0, gz.length - 6));
    await expectCorrupt(file('cut-idx3-ubyte.gz'), /gzip data is damaged or truncated/, readIdx);
  });
});
