// @smallworld/datasets: synthetic generators, vector file formats, MNIST and
// exact ground truth, for smallworld's benchmarks and tests.

export {
  DEFAULT_CLUSTER_SD, DEFAULT_CLUSTERS, DEFAULT_MEAN, DEFAULT_SD, DEFAULT_SEED, GENERATORS,
  SyntheticGenerator, generateSynthetic, resolveSyntheticOptions,
} from './generate.js';
export type { GeneratorName, SyntheticOptions, SyntheticParameters } from './generate.js';
export { BLOCK_ROWS, Xoshiro128 } from './random.js';
export { SYNTH_CHUNK_ROWS, writeSynthetic } from './synth-file.js';
export type { SynthResult } from './synth-file.js';
export {
  CHUNK_BYTES, EXTENSIONS, createMatrixWriter, detectFormat, openMatrix, readMatrix, readVectors, scanMatrix, storedDtype,
  writeMatrix, writeVectors,
} from './io.js';
export type { FileSpec, MatrixChunk, ReadOptions } from './io.js';
export type { FormatName, MatrixReader, MatrixWriter, WriterOptions } from './formats/matrix-file.js';
export { describeHdf5, readAnnBenchmarks, writeAnnBenchmarks, writeGroundTruthHdf5 } from './formats/hdf5.js';
export type { AnnBenchmarksData } from './formats/hdf5.js';
export { decodeIdx, readIdx, writeIdx } from './formats/idx.js';
export { sidecarPath } from './formats/raw.js';
export type { RawSidecar } from './formats/raw.js';
export { MAX_VECS_DIM } from './formats/vecs.js';
export { DEFAULT_MNIST_DIR, MNIST_BASE_COUNT, MNIST_SOURCES, readMnist, readSource, sliceRows } from './mnist.js';
export type { Mnist } from './mnist.js';
export { DEFAULT_GROUND_TRUTH_K, computeGroundTruth } from './ground-truth.js';
export type { GroundTruth, GroundTruthOptions } from './ground-truth.js';
export { StatsAccumulator, computeStats, fileInfo } from './stats.js';
export type { FileInfo, MatrixStats } from './stats.js';
export { acceptNegativeValues } from './cli-args.js';
export { ProgressBar } from './progress.js';
export type { ProgressOptions } from './progress.js';
export { DTYPE_BYTES, DTYPES, row, toNdArray, toVectorSet } from './vectors.js';
export type { DType, DTypeArrays, Matrix, MatrixData, NdArrayLike, VectorSet, VectorsInput } from './vectors.js';
