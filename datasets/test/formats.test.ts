// Round trips through every file format, chunked reads, dtype handling.

import { readFile, writeFile } from 'node:fs/promises';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import {
  computeGroundTruth, createMatrixWriter, detectFormat, writeGroundTruthHdf5, readAnnBenchmarks, readIdx, readMatrix, readVectors, scanMatrix, sidecarPath,
  toNdArray, writeAnnBenchmarks, writeIdx, writeMatrix, writeVectors, type Matrix,
} from '../src/index.js';
import { lcgFloats, tempDir } from './helpers.js';

const file = tempDir('formats');
const DIM = 7;
const COUNT = 53;
const floats = lcgFloats(COUNT * DIM, 1);
const ints = Int32Array.from(floats, (v, i) => Math.round(v * 1e6) + (i % 3) * 2_000_000_000 - 2_000_000_000);
const bytes = Uint8Array.from(floats, (v) => Math.floor((v + 1) * 127.5));

describe('round trips', () => {
  it.each(['fvecs', 'npy', 'f32', 'hdf5'])('float32 vectors through .%s', async (ext) => {
    const path = file(`v.${ext}`);
    await writeVectors(path, floats, DIM);
    const back = await readVectors(path);
    expect(back.count).toBe(COUNT);
    expect(back.dim).toBe(DIM);
    expect(back.data).toEqual(floats);
  });

  it.each(['ivecs', 'npy', 'i32', 'hdf5'])('int32 through .%s keeps the type and the values', async (ext) => {
    const path = file(`i.${ext}`);
    await writeVectors(path, ints, DIM);
    const back = await readMatrix(path);
    expect(back.dtype).toBe('int32');
    expect([back.count, back.dim]).toEqual([COUNT, DIM]);
    expect(back.data).toEqual(ints);
  });

  it.each(['bvecs', 'npy', 'hdf5', 'idx'])('uint8 through .%s', async (ext) => {
    const path = file(`b.${ext}`);
    await writeVectors(path, bytes, DIM);
    const back = await readMatrix(path);
    expect(back.dtype).toBe('uint8');
    expect([back.count, back.dim]).toEqual([COUNT, DIM]);
    expect(back.data).toEqual(bytes);
    // readVectors gives the same values as floats.
    expect((await readVectors(path)).data).toEqual(Float32Array.from(bytes));
  });

  it('float64 through .npy and .hdf5 stays float64', async () => {
    const f64 = Float64Array.from(floats, (v) => v / 3);
    for (const ext of ['npy', 'hdf5']) {
      const path = file(`d.${ext}`);
      await writeMatrix(path, { dtype: 'float64', data: f64, count: COUNT, dim: DIM });
      const back = await readMatrix(path);
      expect(back.dtype).toBe('float64');
      expect(back.data).toEqual(f64);
    }
  });

  it('a raw .f32 file has a sidecar with the shape and the metadata', async () => {
    const path = file('meta.f32');
    const w = await createMatrixWriter(path, { dim: DIM, metadata: { note: 'hello' } });
    await w.write(floats.subarray(0, 10 * DIM));
    await w.write(floats.subarray(10 * DIM));
    await w.close();
    const side = JSON.parse(await readFile(sidecarPath(path), 'utf8'));
    expect(side).toMatchObject({ format: 'raw', dtype: 'float32', count: COUNT, dim: DIM, byteOrder: 'little', note: 'hello' });
    expect((await readFile(path)).length).toBe(COUNT * DIM * 4);
  });

  it('.npy written in chunks gets the final shape in its header, and numpy-compatible alignment', async () => {
    const path = file('chunks.npy');
    const w = await createMatrixWriter(path, { dim: DIM });
    for (let r = 0; r < COUNT; r += 10) await w.write(floats.subarray(r * DIM, Math.min(COUNT, r + 10) * DIM));
    await w.close();
    const raw = await readFile(path);
    const headerLength = raw.readUInt16LE(8);
    expect((10 + headerLength) % 64).toBe(0);
    expect(raw.subarray(10, 10 + headerLength).toString('latin1')).toContain(`'shape': (${COUNT}, ${DIM})`);
    expect((await readVectors(path)).data).toEqual(floats);
  });

  it('the .fvecs layout is [int32 dim][dim float32] per vector', async () => {
    const path = file('layout.fvecs');
    await writeVectors(path, [[1, 2], [3, 4]]);
    const raw = await readFile(path);
    expect(raw.length).toBe(2 * (4 + 8));
    expect(raw.readInt32LE(0)).toBe(2);
    expect(raw.readFloatLE(4)).toBe(1);
    expect(raw.readInt32LE(12)).toBe(2);
    expect(raw.readFloatLE(20)).toBe(4);
  });

  it('ann-benchmarks HDF5: train, test, neighbors, distances and the distance attribute', async () => {
    const path = file('ann.hdf5');
    const neighbors = Int32Array.from({ length: 5 * 3 }, (_, i) => i);
    const distances = Float32Array.from({ length: 5 * 3 }, (_, i) => i / 2);
    await writeAnnBenchmarks(path, {
      train: floats, test: floats.subarray(0, 5 * DIM), neighbors, distances, dim: DIM, k: 3, distance: 'angular',
    });
    const back = await readAnnBenchmarks(path);
    expect(back.train).toEqual(floats);
    expect(back.test).toEqual(floats.subarray(0, 5 * DIM));
    expect(back.neighbors).toEqual(neighbors);
    expect(back.distances).toEqual(distances);
    expect([back.dim, back.k, back.distance]).toEqual([DIM, 3, 'angular']);
    // `file.hdf5:name` selects a dataset.
    expect((await readVectors(`${path}:test`)).count).toBe(5);
    expect((await readMatrix(`${path}:neighbors`)).dtype).toBe('int32');
  });

  it('ground truth as an ann-benchmarks file: Euclidean distances, as in ann-benchmarks\' own files', async () => {
    const base = { dtype: 'float32' as const, data: Float32Array.of(0, 0, 3, 4, 6, 8), count: 3, dim: 2 };
    const queries = { dtype: 'float32' as const, data: Float32Array.of(0, 0), count: 1, dim: 2 };
    const truth = await computeGroundTruth(base, queries, { k: 3, threads: 1 });
    expect(Array.from(truth.distances)).toEqual([0, 25, 100]);
    await writeGroundTruthHdf5(file('gt.hdf5'), base, queries, truth);
    const back = await readAnnBenchmarks(file('gt.hdf5'));
    expect(Array.from(back.neighbors!)).toEqual([0, 1, 2]);
    expect(Array.from(back.distances!)).toEqual([0, 5, 10]);
    expect(back.distance).toBe('euclidean');
  });

  it('IDX: gzip or not, big-endian, [n, 28, 28]-style shapes flatten into the dimension', async () => {
    const m: Matrix = { dtype: 'float32', data: floats.subarray(0, 6 * 4), count: 6, dim: 4 };
    for (const name of ['x-idx3-ubyte', 'x-idx3-ubyte.gz']) {
      const path = file(name);
      await writeIdx(path, m, [6, 2, 2]);
      const back = await readIdx(path);
      expect([back.dtype, back.count, back.dim]).toEqual(['float32', 6, 4]);
      expect(back.data).toEqual(m.data);
    }
    const raw = await readFile(file('x-idx3-ubyte'));
    expect([...raw.subarray(0, 4)]).toEqual([0, 0, 0x0d, 3]);
    expect(raw.readUInt32BE(4)).toBe(6);
  });
});

describe('reading', () => {
  it('scanMatrix yields the file in chunks that concatenate to the whole', async () => {
    for (const ext of ['fvecs', 'npy', 'f32', 'hdf5']) {
      const path = file(`scan.${ext}`);
      await writeVectors(path, floats, DIM);
      const parts: number[] = [];
      let next = 0;
      for await (const chunk of scanMatrix(path, { chunkRows: 10 })) {
        expect(chunk.first).toBe(next);
        expect(chunk.data.length).toBe(chunk.rows * DIM);
        next += chunk.rows;
        parts.push(...chunk.data);
      }
      expect(Float32Array.from(parts)).toEqual(floats);
    }
  });

  it('reads numpy dtypes it does not write: big-endian float32, int8, int64, uint16', async () => {
    const cases: [string, number, (v: DataView, i: number, x: number) => void, number[]][] = [
      ['>f4', 4, (v, i, x) => v.setFloat32(i * 4, x, false), [1.5, -2, 3.25, 0]],
      ['|i1', 1, (v, i, x) => v.setInt8(i, x), [-128, 127, 0, -1]],
      ['<i8', 8, (v, i, x) => v.setBigInt64(i * 8, BigInt(x), true), [-5, 1e9, 7, 2_000_000_000]],
      ['<u2', 2, (v, i, x) => v.setUint16(i * 2, x, true), [65535, 0, 1, 300]],
    ];
    for (const [descr, size, set, values] of cases) {
      const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 2), }`.padEnd(117, ' ') + '\n';
      const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, 118, 0]), Buffer.from(dict, 'latin1')]);
      const data = new DataView(new ArrayBuffer(4 * size));
      values.forEach((x, i) => set(data, i, x));
      const path = file(`np-${size}.npy`);
      await writeFile(path, Buffer.concat([head, Buffer.from(data.buffer)]));
      const back = await readMatrix(path);
      expect([...back.data]).toEqual(values);
      expect([back.count, back.dim]).toEqual([2, 2]);
    }
  });

  it('accepts ndarrays and number[][] in, and gives ndarray views out', async () => {
    const nd = ndarray(Float32Array.from(floats), [COUNT, DIM]);
    const path = file('nd.fvecs');
    await writeVectors(path, nd.transpose(1, 0).transpose(1, 0));
    const back = await readVectors(path);
    expect(back.data).toEqual(floats);
    const view = toNdArray(back);
    expect(view.shape).toEqual([COUNT, DIM]);
    expect(view.get(3, 2)).toBe(floats[3 * DIM + 2]);
    await writeVectors(file('rows.npy'), [[1, 2, 3], [4, 5, 6]]);
    expect((await readVectors(file('rows.npy'))).data).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
  });

  it('detects formats from extensions and rejects unknown ones', () => {
    expect(detectFormat('a/b.FVECS').format).toBe('fvecs');
    expect(detectFormat('t10k-images-idx3-ubyte.gz').format).toBe('idx');
    expect(detectFormat('x.h5:test')).toMatchObject({ format: 'hdf5', path: 'x.h5', dataset: 'test' });
    expect(() => detectFormat('data.csv')).toThrow(/data\.csv: cannot tell the format from the extension '\.csv'/);
  });

  it('validates writer options', async () => {
    await expect(createMatrixWriter(file('w.npy'), { dim: 0 })).rejects.toThrow('`dim` must be an integer >= 1 (got 0)');
    await expect(createMatrixWriter(file('w.npy'), { dim: 2, dtype: 'int8' as never })).rejects.toThrow(/`dtype` must be one of float32, float64, int32, uint8/);
    await expect(createMatrixWriter(file('w.fvecs'), { dim: 2, dtype: 'int32' })).rejects.toThrow('`dtype` of a .fvecs file must be float32 (got "int32")');
    await expect(createMatrixWriter(file('w.npy'), { dim: 2, dims: 3 } as never)).rejects.toThrow(/unknown writer option `dims`/);
    expect(() => detectFormat('x.toString')).toThrow(/cannot tell the format/);
  });

  it('refuses to write non-integers into an integer format, naming the value', async () => {
    await expect(writeVectors(file('bad.ivecs'), Float32Array.of(1.5, 2), 2)).rejects.toThrow(/value 1\.5 at index 0 does not fit int32/);
    await expect(writeVectors(file('bad.bvecs'), Int32Array.of(256, 2), 2)).rejects.toThrow(/value 256 .* does not fit uint8/);
  });
});
