// MNIST (LeCun, Cortes, Burges) from its IDX files: the 10,000 test images as
// 784-D float vectors (pixel values 0..255), a real data set for benchmarks.
// `mnist` is also a source name wherever the CLI or `readSource` takes a file.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corrupt } from './checks.js';
import { readIdx } from './formats/idx.js';
import { readVectors } from './io.js';
import type { VectorSet } from './vectors.js';
import { SmallworldRangeError } from '@smallworld/hnsw';

/** Where the project keeps MNIST: `shared/datasets/mnist` beside the repository. */
export const DEFAULT_MNIST_DIR = fileURLToPath(new URL('../../../shared/datasets/mnist', import.meta.url));

/** Images of the usual split used as the base set; the rest (1,000) are the queries. */
export const MNIST_BASE_COUNT = 9000;

/** MNIST's images as vectors, with their digits. */
export interface Mnist {
  /** One float32 vector of 784 pixel values per image. */
  images: VectorSet;
  /** The digit (0-9) of each image. */
  labels: Uint8Array;
  /** Image side: each vector is rows x cols = 28 x 28 pixels. */
  rows: number;
  /** Image width in pixels (28). */
  cols: number;
}

async function findFile(dir: string, stem: string): Promise<string> {
  for (const name of [`${stem}.gz`, stem]) {
    const path = join(dir, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next name
    }
  }
  throw new SmallworldRangeError('INVALID_ARGUMENT', `${join(dir, stem)}[.gz] not found: is ${dir} an MNIST folder?`);
}

/**
 * Reads MNIST from `dir` (default `../shared/datasets/mnist`): the test set
 * `t10k-*` (10,000 images) unless `set` is 'train' (60,000, if present).
 *
 * @example
 * const { images, labels } = await readMnist(); // images: 10000 x 784 float32
 */
export async function readMnist(dir: string = DEFAULT_MNIST_DIR, set: 't10k' | 'train' = 't10k'): Promise<Mnist> {
  const imagesPath = await findFile(dir, `${set}-images-idx3-ubyte`);
  const labelsPath = await findFile(dir, `${set}-labels-idx1-ubyte`);
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.dtype !== 'uint8' || labels.dtype !== 'uint8' || labels.dim !== 1) {
    throw corrupt(imagesPath, 'MNIST images and labels must be unsigned bytes, labels one per image');
  }
  if (labels.count !== images.count) {
    throw corrupt(labelsPath, `${labels.count} labels for ${images.count} images in ${imagesPath}`);
  }
  const side = Math.round(Math.sqrt(images.dim));
  return {
    images: { dtype: 'float32', data: Float32Array.from(images.data), count: images.count, dim: images.dim },
    labels: labels.data as Uint8Array,
    rows: side,
    cols: images.dim / side,
  };
}

/** The rows [first, first + count) of a set, as a view. */
export function sliceRows(set: VectorSet, first: number, count: number): VectorSet {
  return { dtype: 'float32', data: set.data.subarray(first * set.dim, (first + count) * set.dim), count, dim: set.dim };
}

/** Source names for MNIST. */
export const MNIST_SOURCES = ['mnist', 'mnist:base', 'mnist:queries'] as const;

/**
 * Reads vectors from a file or a source name: `mnist` (all 10,000 test
 * images), `mnist:base` (the first 9,000), `mnist:queries` (the last 1,000);
 * anything else is a file for `readVectors` (`x.hdf5:test` selects a dataset;
 * `shared` allocates it over a SharedArrayBuffer).
 */
export async function readSource(source: string, options: { mnistDir?: string; shared?: boolean } = {}): Promise<VectorSet> {
  if ((MNIST_SOURCES as readonly string[]).includes(source)) {
    const { images } = await readMnist(options.mnistDir ?? DEFAULT_MNIST_DIR);
    if (source === 'mnist') return images;
    const base = Math.min(MNIST_BASE_COUNT, images.count);
    return source === 'mnist:base' ? sliceRows(images, 0, base) : sliceRows(images, base, images.count - base);
  }
  return readVectors(source, { shared: options.shared });
}
