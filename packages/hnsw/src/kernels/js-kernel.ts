// The TypeScript kernel: reads the store's Float32Array with the functions of
// distance.ts, the query copied to a Float64Array.

import { dot, squaredL2, type Space } from '../distance.js';
import type { GraphStore } from '../layout.js';
import type { Kernel } from './kernel.js';

export class JsKernel implements Kernel {
  readonly name = 'js' as const;
  ids: Int32Array;
  out: Float32Array;
  readonly batchCapacity: number;
  private readonly store: GraphStore;
  private readonly ip: boolean;
  private readonly query: Float64Array;
  private readonly dim: number;
  private readonly rowFloats: number;
  private vectors: Float32Array;

  constructor(store: GraphStore, space: Space) {
    this.store = store;
    this.ip = space !== 'l2';
    this.dim = store.dim;
    this.rowFloats = store.rowFloats;
    this.query = new Float64Array(store.rowFloats);
    this.batchCapacity = store.scratchIds;
    this.ids = new Int32Array(this.batchCapacity);
    this.out = new Float32Array(this.batchCapacity);
    this.vectors = store.vectors;
  }

  refresh(): void {
    this.vectors = this.store.vectors;
  }

  setQuery(v: Float32Array, off: number): void {
    for (let i = 0; i < this.dim; i++) this.query[i] = v[off + i];
  }

  setQueryNode(node: number): void {
    this.setQuery(this.vectors, node * this.rowFloats);
  }

  distanceToNode(node: number): number {
    const d = this.ip
      ? 1 - dot(this.query, 0, this.vectors, node * this.rowFloats, this.dim)
      : squaredL2(this.query, 0, this.vectors, node * this.rowFloats, this.dim);
    return Math.fround(d);
  }

  distanceBetween(a: number, b: number): number {
    const v = this.vectors;
    const d = this.ip
      ? 1 - dot(v, a * this.rowFloats, v, b * this.rowFloats, this.dim)
      : squaredL2(v, a * this.rowFloats, v, b * this.rowFloats, this.dim);
    return Math.fround(d);
  }

  distancesToIds(count: number): void {
    const { ids, out, query, vectors, dim, rowFloats } = this;
    if (this.ip) {
      for (let j = 0; j < count; j++) out[j] = 1 - dot(query, 0, vectors, ids[j] * rowFloats, dim);
    } else {
      for (let j = 0; j < count; j++) out[j] = squaredL2(query, 0, vectors, ids[j] * rowFloats, dim);
    }
  }

  distancesToRange(first: number, count: number): void {
    const { out, query, vectors, dim, rowFloats } = this;
    if (this.ip) {
      for (let j = 0; j < count; j++) out[j] = 1 - dot(query, 0, vectors, (first + j) * rowFloats, dim);
    } else {
      for (let j = 0; j < count; j++) out[j] = squaredL2(query, 0, vectors, (first + j) * rowFloats, dim);
    }
  }
}
