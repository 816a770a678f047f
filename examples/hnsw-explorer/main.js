// The explorer page: builds the index in the browser with the engine, traces
// an insert or a query, and steps through it (buttons, slider or keyboard);
// the URL always holds the state, so a link reproduces what is on screen.

import { K, decodeState, describeStep, encodeState, traceFor, viewAt } from './model.js';
import { panelGeometry, renderSvg } from './render.js';

const SIZE = 240;
const $ = (id) => document.getElementById(id);

let state = decodeState(location.search);
let trace = null;
let view = null;

function rebuild() {
  trace = traceFor(state);
  state.step = Math.min(state.step, trace?.steps ?? 0);
}

/** The panels (top layer first) and their marks at the current step. */
function panelsFor() {
  const panels = [];
  const event = view.event;
  const inserted = trace.kind === 'insert' && view.step > 0 ? trace.points.length - 1 : -1;
  for (let level = trace.after.maxLevel; level >= 0; level--) {
    const activity = view.layers.get(level);
    const marks = { visited: activity?.visited, expanded: activity?.expanded, path: true, inserted };
    if (level === view.replay.level) {
      Object.assign(marks, { candidates: view.replay.candidates, results: view.replay.results, current: view.replay.current });
    }
    if (trace.kind === 'query') {
      marks.query = state.query;
      if (view.step === trace.steps) marks.exact = trace.exact;
    }
    if (event?.level === level) {
      if (event.type === 'select') {
        // The base, what it keeps, and each rejected candidate joined to the kept node closer to it (the reason).
        marks.current = event.base;
        marks.kept = event.kept;
        marks.rejectedNodes = event.candidates.filter((_, i) => event.rejectedBy[i] >= 0);
        marks.rejected = event.candidates.map((c, i) => [c, event.rejectedBy[i]]).filter(([, by]) => by >= 0);
      } else if (event.type === 'link') marks.newLinks = [[event.from, event.to]];
      else if (event.type === 'prune') marks.rejected = [[event.from, event.to]];
    }
    panels.push({ title: `layer ${level}${level === view.replay.level ? ' (searching)' : ''}`, graph: view.graph, level, present: view.present, marks });
  }
  return panels;
}

function listText(nodes) {
  return nodes.length === 0 ? '(empty)' : nodes.join(', ');
}

function render() {
  if (trace === null) {
    $('stage').innerHTML = '';
    $('step-text').textContent = 'No points: click to add some, or pick a seeded set.';
    writeReport({});
    return;
  }
  view = viewAt(trace, state.step);
  $('stage').innerHTML = renderSvg({ points: trace.points, panels: panelsFor(), size: SIZE });
  $('step').max = String(trace.steps);
  $('step').value = String(view.step);
  $('step-count').textContent = `step ${view.step} / ${trace.steps}`;
  $('step-text').textContent = describeStep(view);
  $('set-c').textContent = listText(view.replay.candidates);
  $('set-w').textContent = listText(view.replay.results);
  $('visited').textContent = `${view.replay.visited.length} on this layer, ${view.replay.distances} distances computed`;
  $('seed').value = String(state.seed);
  $('n').value = String(state.n);
  $('heuristic').checked = state.selection === 'heuristic';
  $('mode-insert').checked = state.mode === 'insert';
  $('mode-query').checked = state.mode === 'query';
  $('ef').value = String(state.ef);
  $('ef-value').textContent = String(state.ef);
  $('query-controls').hidden = state.mode !== 'query';
  if (trace.kind === 'query') {
    const found = new Set(trace.result);
    const hits = trace.exact.filter((label) => found.has(label)).length;
    $('outcome').textContent = `HNSW: ${trace.result.join(', ')}; exact: ${trace.exact.join(', ')}; recall@${trace.exact.length} ${hits}/${trace.exact.length}`;
  } else {
    $('outcome').textContent = `inserting node ${trace.points.length - 1} into ${trace.points.length - 1} points (M = 4, efConstruction = 12)`;
  }
  history.replaceState(null, '', `?${encodeState(state)}`);
  writeReport(drawnCounts());
}

/** What the SVG shows, counted from the DOM (the browser check compares it with the engine). */
function drawnCounts() {
  const layers = {};
  for (const g of $('stage').querySelectorAll('g.layer')) {
    layers[g.dataset.layer] = {
      links: g.querySelectorAll('line.link').length,
      nodes: g.querySelectorAll('circle.node').length,
      visited: g.querySelectorAll('circle.node.visited').length,
    };
  }
  return layers;
}

function writeReport(drawn) {
  const report = trace === null ? { ready: true, points: 0 } : {
    ready: true, mode: state.mode, selection: state.selection, seed: state.seed, n: state.n, added: state.added.length,
    points: trace.points.length, ef: state.ef, k: K, step: view.step, steps: trace.steps,
    event: view.event?.type ?? null, level: view.replay.level,
    candidates: view.replay.candidates, results: view.replay.results, visited: view.replay.visited,
    distances: view.replay.distances, drawn,
    ...(trace.kind === 'query' ? { result: trace.result, exact: trace.exact } : {}),
    url: location.search,
  };
  $('report').textContent = JSON.stringify(report);
}

function go(step) {
  state.step = Math.max(0, Math.min(step, trace?.steps ?? 0));
  render();
}

/** The next step (direction +1) or previous (-1) that enters a layer. */
function layerStep(direction) {
  for (let s = state.step + direction; s > 0 && s <= trace.steps; s += direction) {
    if (trace.events[trace.ends[s - 1]].type === 'layer') return s;
  }
  return direction > 0 ? trace.steps : 0;
}

function change(update) {
  Object.assign(state, update);
  rebuild();
  render();
}

/** A click in a panel: a new point (insert mode, traced from step 0) or the query (query mode). */
function onStageClick(event) {
  const svg = $('stage').querySelector('svg');
  if (svg === null && trace !== null) return;
  const g = panelGeometry(SIZE);
  const box = (svg ?? $('stage')).getBoundingClientRect();
  const scale = svg === null ? 1 : svg.viewBox.baseVal.width / box.width;
  const x = (event.clientX - box.left) * scale;
  const y = (event.clientY - box.top) * scale;
  const within = (x - g.pad) % (g.size + g.pad);
  const px = (within - g.pad) / g.inner;
  const py = (y - g.pad - g.title - g.pad) / g.inner;
  if (!(px >= 0 && px <= 1 && py >= 0 && py <= 1)) return;
  const point = [Math.round(px * 1000) / 1000, Math.round(py * 1000) / 1000];
  if (state.mode === 'query') change({ query: point, step: 0 });
  else change({ added: [...state.added, point], step: 0 });
}

function onKey(event) {
  if (event.target instanceof HTMLInputElement && event.target.type === 'number') return;
  if (trace === null) return;
  const keys = {
    ArrowRight: () => go(event.shiftKey ? layerStep(1) : state.step + 1),
    ArrowLeft: () => go(event.shiftKey ? layerStep(-1) : state.step - 1),
    Home: () => go(0),
    End: () => go(trace.steps),
    s: () => change({ selection: state.selection === 'heuristic' ? 'simple' : 'heuristic', step: 0 }),
    m: () => change({ mode: state.mode === 'insert' ? 'query' : 'insert', step: 0 }),
    '+': () => change({ ef: Math.min(64, state.ef + 1), step: 0 }),
    '-': () => change({ ef: Math.max(1, state.ef - 1), step: 0 }),
  };
  const action = keys[event.key];
  if (action === undefined) return;
  event.preventDefault();
  action();
}

$('stage').addEventListener('click', onStageClick);
document.addEventListener('keydown', onKey);
$('prev').addEventListener('click', () => go(state.step - 1));
$('next').addEventListener('click', () => go(state.step + 1));
$('step').addEventListener('input', (e) => go(Number(e.target.value)));
$('seed').addEventListener('change', (e) => change({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)), step: 0 }));
$('n').addEventListener('change', (e) => change({ n: Math.max(0, Math.min(400, Math.floor(Number(e.target.value) || 0))), step: 0 }));
$('reset').addEventListener('click', () => change({ added: [], step: 0 }));
$('heuristic').addEventListener('change', (e) => change({ selection: e.target.checked ? 'heuristic' : 'simple', step: 0 }));
$('mode-insert').addEventListener('change', () => change({ mode: 'insert', step: 0 }));
$('mode-query').addEventListener('change', () => change({ mode: 'query', step: 0 }));
$('ef').addEventListener('input', (e) => change({ ef: Number(e.target.value), step: 0 }));

rebuild();
render();
