// `pnpm bench quantization`: which int8 maths to use, measured. Recall@10 of
// an exact scan in code space against the float32 truth, for the codes
// smallworld uses (one scale, per-dimension offsets, query encoded too) and
// the two alternatives the issue names: per-dimension scales compared code
// to code (FAISS SQ8's weighted distance), and per-dimension scales with an
// asymmetric float32 query against decoded rows. No graph: this isolates
// what the codes lose, which re-ranking then has to take back.

import { CODE_MAX, decodeRow, encodeRow, trainRanges, type Int8Ranges } from '@smallworld/hnsw';
import type { BenchData } from './data.js';
import { recallAtK } from './stats.js';

/** One scheme's recall over the first `queries` queries. */
export interface QuantizationRow {
  data: string;
  scheme: 'one scale' | 'per-dimension scales' | 'per-dimension, f32 query';
  recall: number;
}

/** Per-dimension ranges: each dimension's own min..max mapped to -127..127 (FAISS SQ8, Lucene). */
function perDimensionRanges(rows: Float32Array, count: number, dim: number): { offsets: Float32Array; scales: Float32Array } {
  const offsets = new Float32Array(dim);
  const scales = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = rows[i * dim + d];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    offsets[d] = (lo + hi) / 2;
    scales[d] = hi > lo ? (hi - lo) / 2 / CODE_MAX : 1;
  }
  return { offsets, scales };
}

/** Rows decoded after a round trip through per-dimension codes. */
function perDimensionDecoded(rows: Float32Array, dim: number, r: { offsets: Float32Array; scales: Float32Array }): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const d = i % dim;
    const c = Math.max(-CODE_MAX, Math.min(CODE_MAX, Math.round((rows[i] - r.offsets[d]) / r.scales[d])));
    out[i] = r.offsets[d] + r.scales[d] * c;
  }
  return out;
}

/** Rows decoded after a round trip through smallworld's one-scale codes. */
function oneScaleDecoded(rows: Float32Array, dim: number, ranges: Int8Ranges): Float32Array {
  const out = new Float32Array(rows.length);
  const codes = new Int8Array(dim);
  for (let i = 0; i < rows.length / dim; i++) {
    encodeRow(rows, i * dim, dim, ranges, codes, 0);
    decodeRow(codes, 0, dim, ranges, out, i * dim);
  }
  return out;
}

/** k nearest labels by squared L2 of each query row to every base row (exact scan). */
function scan(base: Float32Array, queries: Float32Array, dim: number, k: number): Float64Array {
  const n = base.length / dim;
  const nq = queries.length / dim;
  const out = new Float64Array(nq * k);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let q = 0; q < nq; q++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const x = queries[q * dim + d] - base[i * dim + d];
        s += x * x;
      }
      dist[i] = s;
      order[i] = i;
    }
    order.sort((a, b) => dist[a] - dist[b] || a - b);
    for (let j = 0; j < k; j++) out[q * k + j] = order[j];
  }
  return out;
}

/** Recall@k of the three schemes on `bench` ('l2'), over its first `queries` queries. */
export function runQuantization(bench: BenchData, queries: number): QuantizationRow[] {
  const { base, dim, k } = bench;
  const nq = Math.min(queries, bench.queries.length / dim);
  const q = bench.queries.subarray(0, nq * dim);
  const truth = bench.truth.subarray(0, nq * k);
  const n = base.length / dim;
  const one = trainRanges(base, n, dim, false);
  const per = perDimensionRanges(base, n, dim);
  const perBase = perDimensionDecoded(base, dim, per);
  return [
    { data: bench.name, scheme: 'one scale', recall: recallAtK(scan(oneScaleDecoded(base, dim, one), oneScaleDecoded(q, dim, one), dim, k), truth, nq, k) },
    { data: bench.name, scheme: 'per-dimension scales', recall: recallAtK(scan(perBase, perDimensionDecoded(q, dim, per), dim, k), truth, nq, k) },
    { data: bench.name, scheme: 'per-dimension, f32 query', recall: recallAtK(scan(perBase, q, dim, k), truth, nq, k) },
  ];
}

/** One line per scheme. */
export function formatQuantization(rows: QuantizationRow[]): string {
  return ['data | scheme | recall@10 of an exact scan over the codes', ...rows.map((r) => `${r.data} | ${r.scheme} | ${r.recall.toFixed(4)}`)].join('\n');
}
