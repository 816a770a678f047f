// MNIST through the IDX reader: a small fake MNIST folder always, the real
// one in ../shared/datasets/mnist when it is there.

import { existsSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MNIST_DIR, MNIST_BASE_COUNT, readMnist, readSource, writeIdx } from '../src/index.js';
import { tempDir } from './helpers.js';

const file = tempDir('mnist');

describe('readMnist on a small IDX folder', () => {
  it('reads images as float vectors and labels as bytes, gzip or not', async () => {
    const dir = file('fake');
    mkdirSync(dir);
    const n = 12;
    const pixels = Uint8Array.from({ length: n * 16 }, (_, i) => (i * 37) % 256);
    await writeIdx(`${dir}/t10k-images-idx3-ubyte.gz`, { dtype: 'uint8', data: pixels, count: n, dim: 16 }, [n, 4, 4]);
    await writeIdx(`${dir}/t10k-labels-idx1-ubyte`, { dtype: 'uint8', data: Uint8Array.from({ length: n }, (_, i) => i % 10), count: n, dim: 1 });
    const m = await readMnist(dir);
    expect([m.images.count, m.images.dim, m.rows, m.cols]).toEqual([n, 16, 4, 4]);
    expect(m.images.data).toEqual(Float32Array.from(pixels));
    expect(Array.from(m.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const q = await readSource('mnist:queries', { mnistDir: dir });
    expect(q.count).toBe(0); // fewer than 9,000 images: all of them are base
    await expect(readMnist(file('nowhere'))).rejects.toThrow(/t10k-images-idx3-ubyte\[\.gz\] not found/);
  });
});

const haveMnist = existsSync(DEFAULT_MNIST_DIR);
describe.skipIf(!haveMnist)(`the real MNIST test set (skipped: ${DEFAULT_MNIST_DIR} is absent)`, () => {
  it('has 10,000 images of 784 pixels in 0..255 and digits 0..9', async () => {
    const m = await readMnist();
    expect([m.images.count, m.images.dim, m.rows, m.cols]).toEqual([10000, 784, 28, 28]);
    let min = Infinity, max = -Infinity;
    for (const v of m.images.data) { if (v < min) min = v; if (v > max) max = v; }
    expect([min, max]).toEqual([0, 255]);
    expect(new Set(m.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const base = await readSource('mnist:base');
    const queries = await readSource('mnist:queries');
    expect([base.count, queries.count]).toEqual([MNIST_BASE_COUNT, 10000 - MNIST_BASE_COUNT]);
    expect(queries.data.subarray(0, 784)).toEqual(m.images.data.subarray(MNIST_BASE_COUNT * 784, (MNIST_BASE_COUNT + 1) * 784));
  });
});
