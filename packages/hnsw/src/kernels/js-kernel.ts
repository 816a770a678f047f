// The TypeScript kernel: reads an f32 vector store's rows with its metric's
// pure-TS functions (metric.ts), the query copied to a Float64Array.

import type { GraphStore } from '../layout.js';
import type { BatchDistance, Metric, PairDistance } from '../metric.js';
import type { F32VectorStore } from '../vector-store.js';
import type { Kernel } from './kernel.js';

export class JsKernel implements Kernel {
  readonly name = 'js' as const;
  ids: Int32Array;
  out: Float32Array;
  readonly batchCapacity: number;
  private readonly store: F32VectorStore;
  private readonly pair: PairDistance;
  private readonly batch: BatchDistance;
  private readonly query: Float64Array;
  private readonly dim: number;
  private readonly rowFloats: number;
  private rows: Float32Array;

  constructor(graph: GraphStore, vectors: F32VectorStore, metric: Metric) {
    this.store = vectors;
    this.pair = metric.pair;
    this.batch = metric.batch;
    this.dim = vectors.dim;
    this.rowFloats = vectors.rowFloats;
    this.query = new Float64Array(vectors.rowFloats);
    this.batchCapacity = graph.batchCapacity;
    this.ids = new Int32Array(this.batchCapacity);
    this.out = new Float32Array(this.batchCapacity);
    this.rows = vectors.rows;
  }

  refresh(): void {
    this.rows = this.store.rows;
  }

  setQuery(v: Float32Array, off: number): void {
    for (let i = 0; i < this.dim; i++) this.query[i] = v[off + i];
  }

  setQueryNode(node: number): void {
    this.setQuery(this.rows, node * this.rowFloats);
  }

  distanceToNode(node: number): number {
    return Math.fround(this.pair(this.query, 0, this.rows, node * this.rowFloats, this.dim));
  }

  distanceBetween(a: number, b: number): number {
    const v = this.rows;
    return Math.fround(this.pair(v, a * this.rowFloats, v, b * this.rowFloats, this.dim));
  }

  distancesToIds(count: number): void {
    this.batch(this.query, this.rows, this.rowFloats, this.dim, this.ids, 0, count, this.out);
  }

  distancesToRange(first: number, count: number): void {
    this.batch(this.query, this.rows, this.rowFloats, this.dim, null, first, count, this.out);
  }
}
