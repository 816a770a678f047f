// The explorer's model, shared by the page, its browser check and `pnpm docs:figures`:
// seeded 2-D points, the index built and traced by the engine itself, the
// steps of a trace and what the graph and the sets hold at each, and the URL state.

import {
  BruteForceIndex, HnswIndex, TraceRecorder, readGraph, replayTrace, traceAdd, traceSearch,
} from '@smallworld/hnsw';
import { mulberry32 } from '../browser/random.js';

/** Links per node (M; 2M at layer 0): small, so a few dozen points make several layers and full lists. */
export const M = 4;
/** efConstruction: small too, so the insert's searches stay readable step by step. */
export const EF_CONSTRUCTION = 12;
/** Results of a query (K). */
export const K = 5;
export const DEFAULT_STATE = Object.freeze({
  seed: 7, n: 50, added: [], selection: 'heuristic', mode: 'insert', ef: 8, query: [0.5, 0.5], step: 0,
});


const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * `n` points in [0, 1]^2 around 5 seeded centres (clustered, as real data
 * is; `spread` = the clusters' standard deviation), rounded to 3 decimals so
 * a URL holds them exactly.
 */
export function seededPoints(seed, n, spread = 0.07) {
  const next = mulberry32(seed);
  const centres = Array.from({ length: 5 }, () => [0.15 + 0.7 * next(), 0.15 + 0.7 * next()]);
  const points = [];
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centres[Math.floor(next() * centres.length)];
    // Box-Muller: gaussian spread around the centre.
    const r = Math.sqrt(-2 * Math.log(1 - next())) * spread;
    const a = 2 * Math.PI * next();
    points.push([round3(Math.min(0.98, Math.max(0.02, cx + r * Math.cos(a)))), round3(Math.min(0.98, Math.max(0.02, cy + r * Math.sin(a))))]);
  }
  return points;
}

/** The seeded points, then the ones added by clicks. */
export function allPoints(state) {
  return seededPoints(state.seed, state.n).concat(state.added);
}

/** An index of `points` (label i = point i); kernel 'js', the path the tracer watches. */
export function buildIndex(points, state) {
  const index = new HnswIndex({
    space: 'l2', dim: 2, m: M, efConstruction: EF_CONSTRUCTION, seed: state.seed,
    neighborSelection: state.selection, kernel: 'js', capacity: Math.max(1, points.length),
  });
  for (let i = 0; i < points.length; i++) index.add(points[i], i);
  return index;
}

/**
 * The trace of inserting the last point into an index of the others: the
 * graph before and after, and the events. `null` with no points.
 */
export function traceInsert(state) {
  const points = allPoints(state);
  if (points.length === 0) return null;
  const index = buildIndex(points.slice(0, -1), state);
  const before = readGraph(index);
  const recorder = new TraceRecorder();
  traceAdd(index, points.at(-1), points.length - 1, recorder);
  return { kind: 'insert', points, index, before, after: readGraph(index), events: recorder.events, ...stepIndex(recorder.events) };
}

/** The trace of a K-NN search for `state.query` at `state.ef`, with the exact answer beside it. */
export function traceQuery(state) {
  const points = allPoints(state);
  if (points.length === 0) return null;
  const index = buildIndex(points, state);
  const graph = readGraph(index);
  const recorder = new TraceRecorder();
  const k = Math.min(K, points.length);
  const result = traceSearch(index, state.query, k, { efSearch: state.ef }, recorder);
  const exact = new BruteForceIndex({ space: 'l2', dim: 2 });
  points.forEach((p, i) => exact.add(p, i));
  const truth = exact.search(state.query, k);
  return {
    kind: 'query', points, index, before: graph, after: graph, events: recorder.events, ...stepIndex(recorder.events),
    result: Array.from(result.labels), exact: Array.from(truth.labels),
  };
}

/** The trace the state asks for. */
export function traceFor(state) {
  return state.mode === 'query' ? traceQuery(state) : traceInsert(state);
}

/**
 * Steps of a trace: every event but 'distance', which joins the 'visit'
 * before it. `ends[s]` = events replayed after step s (step 0 = nothing yet).
 */
function stepIndex(events) {
  const ends = [0];
  for (let i = 0; i < events.length; i++) {
    if (events[i].type === 'distance' && i > 0) ends[ends.length - 1] = i + 1;
    else ends.push(i + 1);
  }
  return { ends, steps: ends.length - 1 };
}

/** A deep copy of a GraphView's links with the trace's link and prune events up to `end` applied. */
function linksAt(trace, end) {
  if (trace.kind === 'query') return trace.before.links;
  const links = trace.after.links.map((layer, level) => layer.map((list, node) => (trace.before.links[level]?.[node] ?? []).slice()));
  for (let i = 0; i < end; i++) {
    const e = trace.events[i];
    if (e.type === 'link') links[e.level][e.from].push(e.to);
    if (e.type === 'prune') links[e.level][e.from] = links[e.level][e.from].filter((to) => to !== e.to);
  }
  return links;
}

/**
 * What the explorer draws after `step` steps: the graph (links as they
 * stand then), the layer and its C, W and visited set, each layer's
 * expansions so far, and the step's event.
 */
export function viewAt(trace, step) {
  const s = Math.max(0, Math.min(step, trace.steps));
  const end = trace.ends[s];
  const replay = replayTrace(trace.events, end);
  const layers = new Map();
  let level = -1;
  for (let i = 0; i < end; i++) {
    const e = trace.events[i];
    if (e.type === 'layer') {
      level = e.level;
      layers.set(level, { visited: [], expanded: [] });
    } else if (e.type === 'visit' && level >= 0) layers.get(level).visited.push(e.node);
    else if (e.type === 'pop' && level >= 0) layers.get(level).expanded.push(e.node);
  }
  const graph = { ...trace.after, links: linksAt(trace, end) };
  // Before its insert starts, the new node is not in the graph yet.
  const present = trace.kind === 'insert' && end === 0 ? trace.points.length - 1 : trace.points.length;
  return {
    step: s, event: s > 0 ? trace.events[trace.ends[s - 1]] : null, distance: distanceOf(trace, s),
    replay, layers, graph, present,
  };
}

function distanceOf(trace, s) {
  if (s === 0) return null;
  const next = trace.events[trace.ends[s] - 1];
  return next.type === 'distance' ? next.distance : null;
}

/** Lines drawn for a layer: one per linked pair (a two-way link is one line). */
export function linkPairs(graph, level, present = graph.count) {
  const pairs = new Set();
  graph.links[level]?.forEach((list, node) => {
    if (node >= present) return;
    for (const to of list) if (to < present) pairs.add(node < to ? `${node}-${to}` : `${to}-${node}`);
  });
  return [...pairs].map((p) => p.split('-').map(Number));
}

/** Nodes drawn on a layer: those whose top layer reaches it. */
export function layerNodes(graph, level, present = graph.count) {
  const nodes = [];
  for (let node = 0; node < Math.min(present, graph.count); node++) if (graph.levels[node] >= level) nodes.push(node);
  return nodes;
}

const fmt = (d) => (d === null || d === undefined ? '' : ` (d = ${d.toFixed(4)})`);

/** One line saying what a step did, in the paper's words. */
export function describeStep(view) {
  const e = view.event;
  if (e === null) return 'Start: nothing has run yet.';
  switch (e.type) {
    case 'search': return `K-NN-SEARCH (Algorithm 5): K = ${e.k}, layer 0 searched with ef = ${e.ef}.`;
    case 'insert': return `INSERT (Algorithm 1) of node ${e.node}: its top layer is ${e.level}.`;
    case 'layer': return e.ef === 1
      ? `Layer ${e.level}: greedy descent (SEARCH-LAYER with ef = 1).`
      : `Layer ${e.level}: SEARCH-LAYER with ef = ${e.ef}.`;
    case 'visit': return `Visit node ${e.node}${fmt(view.distance)}.`;
    case 'distance': return `Distance to node ${e.node}${fmt(e.distance)}.`;
    case 'push': return `Push node ${e.node} on C${fmt(e.distance)}.`;
    case 'pop': return `Pop node ${e.node}, the nearest of C${fmt(e.distance)}: expand its neighbours.`;
    case 'w-add': return `Add node ${e.node} to W${fmt(e.distance)}.`;
    case 'w-remove': return `Drop node ${e.node}, the furthest of W${fmt(e.distance)}.`;
    case 'select': {
      const rejected = e.rejectedBy.map((by, i) => [e.candidates[i], by]).filter(([, by]) => by >= 0);
      return `SELECT-NEIGHBORS for node ${e.base} at layer ${e.level}: keep ${e.kept.join(', ') || 'none'}`
        + (rejected.length > 0 ? `; reject ${rejected.map(([c, by]) => `${c} (closer to kept ${by})`).join(', ')}` : '') + '.';
    }
    case 'link': return `Link ${e.from} -> ${e.to} at layer ${e.level}.`;
    case 'prune': return `Prune ${e.from} -> ${e.to} at layer ${e.level}`
      + (e.by >= 0 ? `: kept neighbour ${e.by} is closer to ${e.to} than ${e.from} is.` : ': M nearer links kept.');
    case 'entry-point': return `Entry point is now node ${e.node} (top layer ${e.level}).`;
    default: return e.type;
  }
}

/** The state as URL parameters: seed, n, added points, selection, mode, ef, query and step. */
export function encodeState(state) {
  const params = new URLSearchParams();
  params.set('seed', String(state.seed));
  params.set('n', String(state.n));
  if (state.added.length > 0) params.set('add', state.added.map((p) => p.join(',')).join(';'));
  params.set('sel', state.selection);
  params.set('mode', state.mode);
  params.set('ef', String(state.ef));
  params.set('q', state.query.join(','));
  params.set('step', String(state.step));
  return params.toString();
}

function intParam(params, name, fallback, min, max) {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function pointParam(text) {
  const p = text.split(',').map(Number);
  return p.length === 2 && p.every((x) => Number.isFinite(x) && x >= 0 && x <= 1) ? p.map(round3) : null;
}

/** The state a URL's parameters describe; anything missing or malformed takes its default. */
export function decodeState(search) {
  const params = new URLSearchParams(search);
  const d = DEFAULT_STATE;
  const added = (params.get('add') ?? '').split(';').filter(Boolean).map(pointParam).filter((p) => p !== null);
  return {
    seed: intParam(params, 'seed', d.seed, 0, 2 ** 31 - 1),
    n: intParam(params, 'n', d.n, 0, 400),
    added,
    selection: params.get('sel') === 'simple' ? 'simple' : 'heuristic',
    mode: params.get('mode') === 'query' ? 'query' : 'insert',
    ef: intParam(params, 'ef', d.ef, 1, 64),
    query: pointParam(params.get('q') ?? '') ?? d.query.slice(),
    step: intParam(params, 'step', d.step, 0, 1e6),
  };
}
