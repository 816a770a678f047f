// Browser test of the HNSW explorer: opens the page in headless Chromium
// (Debian's binary via playwright-core), steps an insert and a query by
// keyboard, and checks at every step the sets and the drawn counts the page
// reports against the same trace computed here by the engine in Node.
// Exit 0 when every check passes; the last line is a JSON summary.
// Run: node examples/hnsw-explorer/check-browser.mjs   (after `pnpm build`)

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../browser/chromium.mjs';
import { startServer } from '../browser/serve.mjs';
import { decodeState, layerNodes, linkPairs, traceFor, viewAt } from './model.js';

const PAGE_TIMEOUT_MS = 60_000;
const START = 'seed=7&n=30&sel=heuristic&mode=insert&ef=8&q=0.5,0.5&step=0';

const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

/** What the page must report after `step` steps of the trace `state` asks for, from the engine here. */
function expected(trace, step) {
  const view = viewAt(trace, step);
  const drawn = {};
  for (let level = trace.after.maxLevel; level >= 0; level--) {
    drawn[level] = {
      links: linkPairs(view.graph, level, view.present).length,
      nodes: layerNodes(view.graph, level, view.present).length,
    };
  }
  return {
    step: view.step, event: view.event?.type ?? null, level: view.replay.level, candidates: view.replay.candidates,
    results: view.replay.results, visited: view.replay.visited, distances: view.replay.distances, drawn,
  };
}

function comparable(report) {
  const drawn = {};
  for (const [level, counts] of Object.entries(report.drawn ?? {})) drawn[level] = { links: counts.links, nodes: counts.nodes };
  const { step, event, level, candidates, results: w, visited, distances } = report;
  return { step, event, level, candidates, results: w, visited, distances, drawn };
}

const report = async (page) => JSON.parse(await page.textContent('#report'));

/** Presses → through the whole trace, comparing every step; returns the mismatches. */
async function stepThrough(page, trace) {
  const mismatches = [];
  for (let step = 1; step <= trace.steps; step++) {
    await page.keyboard.press('ArrowRight');
    const got = comparable(await report(page));
    const want = expected(trace, step);
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ step, got, want });
  }
  return mismatches;
}

const dist = fileURLToPath(new URL('../../packages/hnsw/dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error(`hnsw-explorer check: ${dist} is missing; run \`pnpm build\` first`);
  process.exit(1);
}
const started = Date.now();
const browser = await launchChromium('hnsw-explorer check');
const { server, url } = await startServer();
const problems = [];
const steps = {};
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  await page.goto(`${url}/examples/hnsw-explorer/index.html?${START}`);
  await page.waitForFunction(() => document.getElementById('report')?.textContent.includes('"ready":true'), null, { timeout: PAGE_TIMEOUT_MS });

  // An insert, stepped by keyboard from the first step to the last.
  const insert = traceFor(decodeState(START));
  steps.insert = insert.steps;
  let r = await report(page);
  check('insert: the page traces as many steps as the engine', r.steps === insert.steps, `${r.steps} vs ${insert.steps}`);
  let bad = await stepThrough(page, insert);
  check(`insert: C, W, visited and drawn links/nodes match the engine at each of ${insert.steps} steps`, bad.length === 0,
    JSON.stringify(bad[0]));
  r = await report(page);
  const finalLinks = Object.fromEntries(Object.keys(r.drawn).map((level) => [level, linkPairs(insert.after, Number(level)).length]));
  check('insert: at the end the drawn links are the engine graph\'s',
    Object.entries(finalLinks).every(([level, n]) => r.drawn[level].links === n), JSON.stringify({ drawn: r.drawn, finalLinks }));
  const kinds = new Set(insert.events.map((e) => e.type));
  check('insert: the trace has layers, selections and links', ['layer', 'select', 'link', 'w-add', 'pop'].every((k) => kinds.has(k)));
  await page.keyboard.press('Shift+ArrowLeft');
  r = await report(page);
  check('insert: Shift+← goes back to the start of a layer', r.event === 'layer', r.event);

  // The URL reproduces the view.
  const again = await browser.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.getElementById('report')?.textContent.includes('"ready":true'));
  const a = await report(again);
  check('the URL reproduces the state and the step', JSON.stringify(comparable(a)) === JSON.stringify(comparable(r)) && a.step > 0,
    `${JSON.stringify(comparable(a))} vs ${JSON.stringify(comparable(r))}`);
  await again.close();

  // A query: m switches mode, + raises efSearch, → steps through it.
  await page.keyboard.press('m');
  await page.keyboard.press('+');
  r = await report(page);
  const queryState = decodeState(r.url);
  check('query: m and + give query mode at efSearch 9', r.mode === 'query' && r.ef === 9 && queryState.ef === 9, JSON.stringify({ mode: r.mode, ef: r.ef }));
  const query = traceFor(queryState);
  steps.query = query.steps;
  bad = await stepThrough(page, query);
  check(`query: C, W, visited and drawn counts match the engine at each of ${query.steps} steps`, bad.length === 0, JSON.stringify(bad[0]));
  r = await report(page);
  check('query: the final W is the engine\'s search result', JSON.stringify(r.results) === JSON.stringify(query.result)
    && JSON.stringify(r.result) === JSON.stringify(query.result), JSON.stringify({ w: r.results, result: query.result }));
  check('query: the exact answer shown is brute force\'s', JSON.stringify(r.exact) === JSON.stringify(query.exact));

  // s toggles simple selection: the drawn graph is the engine's simple graph.
  await page.keyboard.press('s');
  await page.keyboard.press('End');
  r = await report(page);
  const simple = traceFor(decodeState(r.url));
  check('s switches to simple selection', r.selection === 'simple' && simple.index.neighborSelection === 'simple');
  check('simple: the drawn links are the engine\'s simple graph', Object.keys(r.drawn).every(
    (level) => r.drawn[level].links === linkPairs(simple.after, Number(level)).length), JSON.stringify(r.drawn));
  const heuristic0 = linkPairs(traceFor({ ...decodeState(r.url), selection: 'heuristic' }).after, 0).length;
  check('simple and heuristic graphs differ at layer 0', heuristic0 !== r.drawn[0].links, `${heuristic0}`);

  // A click in layer 0's panel adds a point (insert mode), and its insert is traced from step 0.
  await page.keyboard.press('m');
  const box = await page.locator('#stage g.layer[data-layer="0"] rect.frame').boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
  r = await report(page);
  const clicked = traceFor(decodeState(r.url));
  check('a click adds a point and traces its insert', r.added === 1 && r.points === 31 && r.step === 0 && r.steps === clicked.steps,
    JSON.stringify({ added: r.added, points: r.points, steps: r.steps }));
  await page.close();
} catch (error) {
  problems.push(String(error?.stack ?? error));
} finally {
  await new Promise((done) => server.close(done));
  await browser.close();
}
for (const problem of problems) check('no page errors', false, problem);
const failed = results.filter((c) => !c.ok).length;
console.log(JSON.stringify({ check: 'hnsw-explorer', passed: results.length - failed, failed, steps, ms: Date.now() - started }));
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
