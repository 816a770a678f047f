// Draws 2-D HNSW layers as SVG text: one panel per layer, links, nodes and the
// marks of a trace (visited, C, W, the expanded path, the query). The page
// and `pnpm docs:figures` both draw with it; the output is deterministic.

import { layerNodes, linkPairs } from './model.js';

const PAD = 12;
const TITLE = 18;

const STYLE = `
  .frame { fill: #fbfbfd; stroke: #c9ccd3; }
  .title { font: 600 12px system-ui, sans-serif; fill: #333; }
  .link { stroke: #9aa3b2; stroke-width: 0.8; }
  .link.new { stroke: #1a7f37; stroke-width: 1.8; }
  .rejected { stroke: #cf222e; stroke-width: 1.4; stroke-dasharray: 3 2; }
  .path { fill: none; stroke: #8250df; stroke-width: 2; stroke-linejoin: round; }
  .node { fill: #57606a; }
  .node.visited { fill: #f0b429; }
  .node.candidate { fill: #fff; stroke: #0969da; stroke-width: 2; }
  .node.result { fill: #0969da; }
  .node.current { fill: #8250df; }
  .node.inserted { fill: #1a7f37; }
  .node.kept { fill: #1a7f37; }
  .node.rejected-node { fill: #cf222e; }
  .exact { fill: none; stroke: #cf222e; stroke-width: 1.5; }
  .query { stroke: #cf222e; stroke-width: 2.2; }
`;

const f1 = (x) => (Math.round(x * 10) / 10).toString();

/**
 * SVG text of `panels` side by side, `caption` (lines split at \n) below. Each panel: { title, graph (GraphView),
 * level, present (nodes drawn: ids below it), marks }, where marks may hold
 * visited, candidates, results, expanded (node arrays), current, inserted
 * (node ids), path (true: join the expanded nodes in order), newLinks
 * (pairs [a, b] drawn as new), rejected (pairs drawn dashed), kept and
 * rejectedNodes (selection), exact (nodes ringed) and query ([x, y]).
 * Points are in [0, 1]^2; `size` is a panel's side in pixels.
 */
export function renderSvg({ points, panels, size = 240, caption = '' }) {
  const width = panels.length * (size + PAD) + PAD;
  const lines = caption ? caption.split('\n') : [];
  const height = size + TITLE + PAD * 2 + 16 * lines.length;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`,
    `<style>${STYLE}</style>`,
  ];
  panels.forEach((panel, i) => out.push(renderPanel(points, panel, PAD + i * (size + PAD), PAD, size)));
  lines.forEach((line, i) => out.push(`<text class="title" x="${PAD}" y="${size + TITLE + PAD * 2 + 12 + 16 * i}">${escapeXml(line)}</text>`));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function renderPanel(points, { title, graph, level, present = graph.count, marks = {} }, x0, y0, size) {
  const inner = size - 2 * PAD;
  const at = (node) => points[node];
  const px = (p) => f1(x0 + PAD + p[0] * inner);
  const py = (p) => f1(y0 + TITLE + PAD + p[1] * inner);
  const out = [`<g class="layer" data-layer="${level}">`];
  out.push(`<rect class="frame" x="${x0}" y="${y0 + TITLE}" width="${size}" height="${size}" rx="4"/>`);
  out.push(`<text class="title" x="${x0 + 2}" y="${y0 + 13}">${escapeXml(title)}</text>`);
  const special = new Map();
  for (const [a, b] of marks.newLinks ?? []) special.set(pairKey(a, b), 'new');
  for (const [a, b] of linkPairs(graph, level, present)) {
    const kind = special.get(pairKey(a, b));
    out.push(`<line class="link${kind === 'new' ? ' new' : ''}" x1="${px(at(a))}" y1="${py(at(a))}" x2="${px(at(b))}" y2="${py(at(b))}"/>`);
  }
  for (const [a, b] of marks.rejected ?? []) {
    out.push(`<line class="rejected" x1="${px(at(a))}" y1="${py(at(a))}" x2="${px(at(b))}" y2="${py(at(b))}"/>`);
  }
  if (marks.path && (marks.expanded?.length ?? 0) > 1) {
    out.push(`<polyline class="path" points="${marks.expanded.map((n) => `${px(at(n))},${py(at(n))}`).join(' ')}"/>`);
  }
  const classes = new Map();
  const mark = (nodes, name) => { for (const n of nodes ?? []) classes.set(n, name); };
  mark(marks.visited, 'visited');
  mark(marks.candidates, 'candidate');
  mark(marks.results, 'result');
  mark(marks.rejectedNodes, 'rejected-node');
  mark(marks.kept, 'kept');
  if (marks.current !== undefined && marks.current >= 0) classes.set(marks.current, 'current');
  if (marks.inserted !== undefined && marks.inserted >= 0) classes.set(marks.inserted, 'inserted');
  for (const node of layerNodes(graph, level, present)) {
    const cls = classes.get(node);
    const r = cls === undefined ? 3 : 4.5;
    out.push(`<circle class="node${cls ? ` ${cls}` : ''}" data-node="${node}" cx="${px(at(node))}" cy="${py(at(node))}" r="${r}"><title>node ${node}</title></circle>`);
  }
  for (const node of marks.exact ?? []) {
    out.push(`<circle class="exact" cx="${px(at(node))}" cy="${py(at(node))}" r="7.5"/>`);
  }
  if (marks.query) {
    const [qx, qy] = [Number(px(marks.query)), Number(py(marks.query))];
    out.push(`<path class="query" d="M${f1(qx - 6)} ${f1(qy - 6)}L${f1(qx + 6)} ${f1(qy + 6)}M${f1(qx - 6)} ${f1(qy + 6)}L${f1(qx + 6)} ${f1(qy - 6)}"/>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function pairKey(a, b) {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Where a panel of `renderSvg` maps [0, 1]^2 (for turning a click into a point). */
export function panelGeometry(size = 240) {
  return { pad: PAD, title: TITLE, size, inner: size - 2 * PAD };
}
