import { describe, expect, it } from 'vitest';
import {
  HnswIndex, SmallworldError, TraceRecorder, readGraph, replayTrace, simdSupported, squaredL2, traceAdd, traceSearch,
  type GraphView, type TraceEvent,
} from '../src/index.js';
import { clustered } from './helpers/data.js';

const l2 = (a: Float32Array, b: Float32Array) => squaredL2(a, 0, b, 0, a.length);

const dim = 8;
const n = 400;

function build(seed: number, neighborSelection: 'heuristic' | 'simple', traced: boolean): { index: HnswIndex; events: TraceEvent[] } {
  const data = clustered(n, dim, seed, 6, 4);
  const index = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 24, seed, neighborSelection, kernel: 'js' });
  const recorder = new TraceRecorder();
  for (let i = 0; i < n; i++) {
    const row = data.subarray(i * dim, (i + 1) * dim);
    if (traced) traceAdd(index, row, i, recorder);
    else index.add(row, i);
  }
  return { index, events: recorder.events };
}

/** The links the events say were added and pruned, replayed on an empty graph. */
function linksFromEvents(events: TraceEvent[], graph: GraphView): Set<string>[] {
  const layers = graph.links.map(() => new Set<string>());
  for (const e of events) {
    if (e.type === 'link') layers[e.level].add(`${e.from}>${e.to}`);
    if (e.type === 'prune') layers[e.level].delete(`${e.from}>${e.to}`);
  }
  return layers;
}

describe('tracer', () => {
  for (const selection of ['heuristic', 'simple'] as const) {
    it(`a traced build gives the same graph as an untraced one, and its link events rebuild it (${selection})`, () => {
      const traced = build(7, selection, true);
      const plain = build(7, selection, false);
      const graph = readGraph(traced.index);
      expect(graph).toEqual(readGraph(plain.index));
      const fromEvents = linksFromEvents(traced.events, graph);
      graph.links.forEach((layer, level) => {
        const actual = new Set(layer.flatMap((list, node) => list.map((to) => `${node}>${to}`)));
        expect(fromEvents[level]).toEqual(actual);
      });
      const entries = traced.events.filter((e) => e.type === 'entry-point');
      expect(entries.at(-1)).toEqual({ type: 'entry-point', node: graph.entryPoint, level: graph.maxLevel });
      expect(traced.events.filter((e) => e.type === 'insert')).toHaveLength(n);
    });
  }

  it('the heuristic says why: every rejected candidate and pruned link names a kept node closer to it than the base', () => {
    const { index, events } = build(3, 'heuristic', true);
    const labels = readGraph(index).labels;
    const vectors = labels.map((label) => index.getVector(label));
    const at = (node: number) => vectors[node];
    let rejections = 0;
    for (const e of events) {
      if (e.type === 'select') {
        e.rejectedBy.forEach((by, i) => {
          if (by < 0) return;
          rejections++;
          expect(e.kept).toContain(by);
          expect(e.kept).not.toContain(e.candidates[i]);
          expect(l2(at(e.candidates[i]), at(by))).toBeLessThan(e.distances[i] + 1e-6);
        });
      }
      if (e.type === 'prune' && e.by >= 0) {
        expect(l2(at(e.to), at(e.by))).toBeLessThan(l2(at(e.from), at(e.to)) + 1e-6);
      }
    }
    expect(rejections).toBeGreaterThan(0);
    const simple = build(3, 'simple', true).events;
    expect(simple.some((e) => e.type === 'select' && e.rejectedBy.some((by) => by >= 0))).toBe(false);
  });

  for (const seed of [1, 2, 3]) {
    it(`a traced search's final W is search's result, and tracing changes nothing (seed ${seed})`, () => {
      const { index } = build(seed, 'heuristic', false);
      const queries = clustered(8, dim, 100 + seed, 6, 4);
      for (const [k, efSearch] of [[1, 1], [5, 5], [10, 40], [3, 64]]) {
        for (let q = 0; q < 8; q++) {
          const query = queries.subarray(q * dim, (q + 1) * dim);
          const recorder = new TraceRecorder();
          const traced = traceSearch(index, query, k, { efSearch }, recorder);
          const plain = index.search(query, k, { efSearch });
          expect(traced).toEqual(plain);
          const state = replayTrace(recorder.events);
          const labels = readGraph(index).labels;
          expect(state.level).toBe(0);
          expect(state.results.map((node) => labels[node])).toEqual(Array.from(plain.labels));
          // Layers are searched top down, the greedy descent with ef = 1, layer 0 with max(ef, k).
          const layers = recorder.events.filter((e) => e.type === 'layer');
          expect(layers.map((e) => e.level)).toEqual(
            Array.from({ length: index.store.maxLevel + 1 }, (_, i) => index.store.maxLevel - i));
          expect(layers.at(-1)).toEqual({ type: 'layer', node: -1, level: 0, ef: Math.max(efSearch, k) });
          // Every distance reported is the true one.
          for (const e of recorder.events) {
            if (e.type === 'distance') {
              const exact = l2(query, index.getVector(labels[e.node]));
              expect(Math.abs(e.distance - exact)).toBeLessThanOrEqual(1e-5 * Math.max(1, exact));
            }
          }
        }
      }
    });
  }

  it('replays C, W and the visited set step by step', () => {
    const { index } = build(5, 'heuristic', false);
    const recorder = new TraceRecorder();
    traceSearch(index, new Float32Array(dim), 4, { efSearch: 8 }, recorder);
    const events = recorder.events;
    const layer0 = events.findLastIndex((e) => e.type === 'layer');
    const first = replayTrace(events, layer0 + 1);
    expect(first).toMatchObject({ level: 0, ef: 8, candidates: [], results: [], visited: [] });
    const afterEntry = replayTrace(events, layer0 + 4);
    expect(afterEntry.candidates).toHaveLength(1);
    expect(afterEntry.results).toEqual(afterEntry.candidates);
    for (let step = layer0 + 1; step <= events.length; step++) {
      const state = replayTrace(events, step);
      // W holds ef + 1 for one step: a push, then the furthest's removal.
      expect(state.results.length).toBeLessThanOrEqual(9);
      expect(new Set(state.visited).size).toBe(state.visited.length);
    }
  });

  it('refuses an index on the WebAssembly kernel and a tracer that is not one', () => {
    const index = new HnswIndex({ space: 'l2', dim: 2, kernel: 'js' });
    index.add([0, 0]);
    expect(() => traceSearch(index, [0, 0], 1, {}, null as never)).toThrow(/`tracer` must be a Tracer \(got null\)/);
    if (!simdSupported()) return;
    const simd = new HnswIndex({ space: 'l2', dim: 2, kernel: 'simd' });
    simd.add([0, 0]);
    const error = (() => {
      try {
        traceAdd(simd, [1, 1], undefined, new TraceRecorder());
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(SmallworldError);
    expect((error as SmallworldError).code).toBe('UNSUPPORTED');
    expect(simd.size).toBe(1);
  });
});
