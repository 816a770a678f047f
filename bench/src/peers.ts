// The libraries under test behind one small interface: smallworld itself and
// the peers, loaded only when installed (devDependencies of bench only).

import { HnswIndex, type KernelChoice } from '@smallworld/hnsw';

/** One library under test: build an index over `data`, then answer k-NN queries. */
export interface Peer {
  readonly name: string;
  /** Builds over n x dim vectors (labels 0..n-1), one thread. */
  build(data: Float32Array, dim: number, options: { m: number; efConstruction: number; space: 'l2' | 'ip' }): void;
  /** Runs every query at `efSearch`; writes k labels per query into `out` (-1 where fewer). */
  searchAll(queries: Float32Array, k: number, efSearch: number, out: Float64Array): void;
}

/** smallworld's HnswIndex, one thread, with the given distance kernel. */
export function smallworldPeer(kernel: KernelChoice = 'auto'): Peer {
  let index: HnswIndex | null = null;
  return {
    name: kernel === 'js' ? 'smallworld (js kernel)' : 'smallworld',
    build(data, dim, { m, efConstruction, space }) {
      index = new HnswIndex({ space, dim, m, efConstruction, kernel, capacity: data.length / dim });
      index.addBatch(data);
    },
    searchAll(queries, k, efSearch, out) {
      out.set(index!.searchBatch(queries, k, { efSearch }).labels);
    },
  };
}

interface HnswlibModule {
  HierarchicalNSW: new (space: string, dim: number) => {
    initIndex(maxElements: number, m: number, efConstruction: number, seed: number): void;
    addPoint(point: number[] | Float32Array, label: number): void;
    setEf(ef: number): void;
    searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
  };
}

/** hnswlib-node (C++ hnswlib through N-API), or null when it is not installed. */
export async function loadHnswlibNode(): Promise<Peer | null> {
  let mod: HnswlibModule;
  try {
    const imported = (await import('hnswlib-node')) as unknown as HnswlibModule & { default?: HnswlibModule };
    mod = imported.HierarchicalNSW ? imported : imported.default!;
  } catch {
    return null;
  }
  let index: InstanceType<HnswlibModule['HierarchicalNSW']> | null = null;
  let queryRows: number[][] = [];
  let lastQueries: Float32Array | null = null;
  let dimension = 0;
  return {
    name: 'hnswlib-node',
    build(data, dim, { m, efConstruction, space }) {
      dimension = dim;
      const n = data.length / dim;
      index = new mod.HierarchicalNSW(space, dim);
      index.initIndex(n, m, efConstruction, 100);
      // hnswlib-node takes number[] per point: the conversion is part of using it, so it is timed.
      for (let i = 0; i < n; i++) index.addPoint(Array.from(data.subarray(i * dim, (i + 1) * dim)), i);
    },
    searchAll(queries, k, efSearch, out) {
      if (lastQueries !== queries) {
        // Converted once, outside the timed loop, to measure the search itself.
        queryRows = prepareQueries(queries, dimension);
        lastQueries = queries;
      }
      index!.setEf(efSearch);
      out.fill(-1);
      for (let i = 0; i < queryRows.length; i++) {
        const { neighbors } = index!.searchKnn(queryRows[i], k);
        for (let j = 0; j < neighbors.length; j++) out[i * k + j] = neighbors[j];
      }
    },
  };
}

/** Converts query rows to number[][] ahead of timing, for peers that take number[]. */
export function prepareQueries(queries: Float32Array, dim: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < queries.length / dim; i++) rows.push(Array.from(queries.subarray(i * dim, (i + 1) * dim)));
  return rows;
}
