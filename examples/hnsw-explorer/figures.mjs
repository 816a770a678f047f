// `pnpm docs:figures`: the walkthrough's SVG figures, drawn from the engine's
// own traces with the explorer's model and renderer. Deterministic: the same
// bytes on every run (`--check` renders again and fails on any difference).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readGraph, writeFileAtomicSync } from '@smallworld/hnsw';
import { DEFAULT_STATE, EF_CONSTRUCTION, M, buildIndex, seededPoints, traceQuery, viewAt } from './model.js';
import { renderSvg } from './render.js';

const IMG = fileURLToPath(new URL('../../docs/img/', import.meta.url));
const STATE = { ...DEFAULT_STATE, added: [], seed: 7, n: 50 };

/** Figure 1: every layer of a seeded index, the entry point marked on each. */
function layersFigure() {
  const points = seededPoints(STATE.seed, STATE.n);
  const graph = readGraph(buildIndex(points, STATE));
  const panels = [];
  for (let level = graph.maxLevel; level >= 0; level--) {
    const on = graph.levels.filter((l) => l >= level).length;
    panels.push({ title: `layer ${level}: ${on} nodes`, graph, level, marks: { current: graph.entryPoint } });
  }
  return renderSvg({
    points, panels, size: 200,
    caption: `${STATE.n} seeded 2-D points, M = ${M}, efConstruction = ${EF_CONSTRUCTION}.\nEach layer holds about 1/M of the nodes of the one below; purple: the entry point, on every layer.`,
  });
}

/** Figure 2: one K-NN search: the descent's path on each upper layer, then SEARCH-LAYER at layer 0. */
function searchFigure() {
  // The query sits beside the point furthest from the entry point, so the descent has ground to cover.
  const points = seededPoints(STATE.seed, STATE.n);
  const entry = points[readGraph(buildIndex(points, STATE)).entryPoint];
  const far = points.reduce((a, b) => (dist2(b, entry) > dist2(a, entry) ? b : a));
  const query = [Math.round((far[0] - 0.03) * 1000) / 1000, Math.round((far[1] + 0.02) * 1000) / 1000];
  const trace = traceQuery({ ...STATE, mode: 'query', ef: 8, query });
  const view = viewAt(trace, trace.steps);
  const panels = [];
  for (let level = trace.after.maxLevel; level >= 0; level--) {
    const activity = view.layers.get(level) ?? { visited: [], expanded: [] };
    const marks = { visited: activity.visited, expanded: activity.expanded, path: true, query };
    if (level === 0) Object.assign(marks, { results: trace.result, exact: trace.exact });
    panels.push({ title: `layer ${level}: ${activity.expanded.length} expanded, ${activity.visited.length} visited`, graph: trace.after, level, marks });
  }
  return renderSvg({
    points: trace.points, panels, size: 200,
    caption: `One query (red cross), K = ${trace.result.length}, efSearch = 8. Purple: the nodes expanded, joined in order; yellow: visited (distance computed);\n`
      + `blue: W at the end (the answer); red rings: the exact ${trace.exact.length} nearest. Upper layers: the greedy descent; layer 0: SEARCH-LAYER.`,
  });
}

/** Figure 3: layer 0 of the same clustered points with simple and with heuristic selection. */
function selectionFigure() {
  const state = { ...STATE, seed: 3, n: 90 };
  const points = seededPoints(state.seed, state.n, 0.04);
  const panels = ['simple', 'heuristic'].map((selection) => {
    const graph = readGraph(buildIndex(points, { ...state, selection }));
    const title = selection === 'simple' ? 'simple (Algorithm 3): the 2M nearest' : 'heuristic (Algorithm 4): spread out';
    return { title, graph, level: 0, marks: {} };
  });
  return renderSvg({
    points, panels, size: 300,
    caption: `Layer 0 of ${state.n} clustered points, M = ${M}, 2M = ${2 * M} links per node at most. The heuristic skips a candidate that a kept\n`
      + `neighbour is closer to (it is reached through that neighbour anyway), which frees slots for links in other directions.`,
  });
}

function dist2(a, b) {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
}

const FIGURES = {
  'hnsw-layers.svg': layersFigure,
  'hnsw-search-path.svg': searchFigure,
  'hnsw-heuristic-vs-simple.svg': selectionFigure,
};

const checkOnly = process.argv.includes('--check');
let stale = 0;
for (const [name, draw] of Object.entries(FIGURES)) {
  const svg = draw();
  const path = IMG + name;
  if (checkOnly) {
    let current = '';
    try { current = readFileSync(path, 'utf8'); } catch { /* missing: stale */ }
    if (current !== svg) {
      console.error(`docs:figures: ${path} differs from a fresh render (run pnpm docs:figures)`);
      stale++;
    }
  } else {
    writeFileAtomicSync(path, new TextEncoder().encode(svg));
    console.log(`docs:figures: wrote ${path} (${svg.length} bytes)`);
  }
}
if (stale > 0) process.exit(1);
if (checkOnly) console.log(`docs:figures: ${Object.keys(FIGURES).length} figures identical to a fresh render`);
