// @smallworld/hnsw: the public API (browser/default build: no Node-only imports).

export { HnswIndex, DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH, DEFAULT_M, DEFAULT_SEED } from './hnsw-index.js';
export { LITTLE_ENDIAN, MAX_ABS_VALUE, MAX_COUNT, MAX_DIM, MAX_EF, MAX_SEED, M_MAX, M_MIN } from './limits.js';
export type { HnswIndexOptions } from './hnsw-index.js';
export { TraceRecorder, readGraph, replayTrace, traceAdd, traceSearch } from './trace.js';
export type {
  GraphView, TraceEntryPointEvent, TraceEvent, TraceLevelEvent, TraceLinkEvent, TraceNodeEvent, TraceSearchEvent, TraceSelectEvent,
  TraceState, TraceVisitEvent, Tracer,
} from './trace.js';
export { BruteForceIndex } from './brute-force.js';
export type { BruteForceIndexOptions } from './brute-force.js';
export { DEFAULT_CAPACITY } from './base-index.js';
export { bytesPerNode, maxNodesPerWasmMemory } from './layout.js';
export type { AddBatchOptions, BaseIndexOptions, CompactOptions } from './base-index.js';
export type { SearchFilter } from './search-filter.js';
export { EXACT_FILTER_FRACTION } from './search-query.js';
export type { SearchOptions } from './search-query.js';
export { BatchSearchResult } from './search-result.js';
export type { SearchResult } from './search-result.js';
export { dot, normalize, squaredL2 } from './distance.js';
export { METRICS, SPACES, distance, metricOfHnswlibName, metricOfNativeCode, metricOfNmslibName } from './metric.js';
export type { BatchDistance, Int8MetricKernels, Metric, PairDistance, PgvectorMetric, SimdExportNames, Space } from './metric.js';
export {
  CODE_MAX, DEFAULT_OVERSAMPLE, MAX_OVERSAMPLE, QUANTIZATIONS, TRAIN_MIN_ROWS, checkVectorExport, decodeRow, encodeRow,
  trainRanges,
} from './quantization.js';
export type { Int8Ranges, Quantization } from './quantization.js';
export { simdSupported } from './kernels/select.js';
export type { KernelChoice } from './kernels/select.js';
export type { MatrixLike, NdArrayLike, VectorLike } from './input.js';
export {
  NATIVE_HEADER_BYTES, NATIVE_HEADER_BYTES_V2, NATIVE_MAGIC, NATIVE_VERSION, NATIVE_VERSION_INT8, readNativeHeader,
} from './format/native.js';
export { MAX_BUFFER_BYTES, STEP_BYTES } from './format/file-steps.js';
export type { HnswParams, LoadOptions, NativeHeader, SaveOptions } from './format/native.js';
export { HNSWLIB_HEADER_BYTES, fromHnswlibBytes, readHnswlibHeader, toHnswlibBytes } from './format/hnswlib.js';
export type { HnswlibHeader, HnswlibLoadOptions, HnswlibSaveOptions } from './format/hnswlib.js';
export { crc32 } from './format/crc32.js';
export { brandError, checkInteger, checkKnownKeys, describeValue } from './errors.js';
export {
  CorruptFileError, DimensionMismatchError, SmallworldError, SmallworldRangeError, SmallworldTypeError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
