// Browser test of the face-search page: embeds the photos in Node (the reference),
// then drives examples/face-search/ in headless Chromium (Debian's binary, through
// playwright-core): indexes the same photos, checks each browser descriptor against
// Node's (L2 <= 0.05) and every verify decision on master.csv, finds img1.jpg's
// identity, reloads and finds it again from the index kept in the browser's storage.
// Exit 0 when every check passes; the last line is a JSON summary.
// Run: node examples/face-search/check-browser.mjs   (after `pnpm build`)
// Photos: $SMALLWORLD_DEEPFACE_DIR or ../shared/datasets/deepface beside the
// repository when present, else the sample photos shipped in @vladmandic/face-api.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findChromium, launchChromium } from '../browser/chromium.mjs';
import { startServer } from '../browser/serve.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The agreement the issue fixes: browser and Node descriptors of a photo at most this far apart (L2). */
const MAX_DESCRIPTOR_DIFFERENCE = 0.05;
const THRESHOLD = 0.6;
const IMAGE = /\.(jpe?g|png|webp)$/i;
const LOAD_TIMEOUT_MS = 120_000;
const PER_PHOTO_TIMEOUT_MS = 30_000;

const started = Date.now();
const summary = { ok: false, checks: {}, measured: {}, load: os.loadavg().map((l) => Number(l.toFixed(2))) };
const problems = [];
const check = (name, ok, detail) => {
  summary.checks[name] = ok;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) problems.push(`${name}${detail ? `: ${detail}` : ''}`);
};
const finish = (code) => {
  summary.ok = code === 0 && problems.length === 0;
  summary.seconds = Math.round((Date.now() - started) / 1000);
  if (problems.length > 0) summary.problems = problems;
  console.log(JSON.stringify(summary));
  process.exit(summary.ok ? 0 : 1);
};


const dist = path.join(ROOT, 'packages/face/dist/browser/index.js');
if (!existsSync(dist)) {
  console.error(`face-search check: ${dist} is missing; run \`pnpm build\` first`);
  finish(1);
}
const executablePath = findChromium();
if (!executablePath) {
  console.error('face-search check: no chromium on PATH (apt-get install -y chromium), or set CHROMIUM');
  finish(1);
}

// The photos: deepface's (with master.csv and img1.jpg) or face-api's samples.
const deepface = path.resolve(process.env.SMALLWORLD_DEEPFACE_DIR ?? path.join(ROOT, '../shared/datasets/deepface'));
const face = await import(pathToFileURL(path.join(ROOT, 'packages/face/dist/index.js')).href);
const useDeepface = existsSync(path.join(deepface, 'master.csv'));
const photoDir = useDeepface ? deepface : face.samplePhotosDir();
// face-api's demo folder also holds screenshots: its photos are sample1.jpg ... sample6.jpg.
const photos = readdirSync(photoDir).filter((name) => (useDeepface ? IMAGE : /^sample\d+\.jpg$/).test(name)).sort();
const queryName = useDeepface ? 'img1.jpg' : photos[0];
summary.photos = { folder: photoDir, count: photos.length, query: queryName };
console.log(`face-search check: ${photos.length} photos from ${photoDir}${useDeepface ? '' : ' (deepface photos absent)'}`);

/** Photos that are the same person as `name` by master.csv's 'Yes' pairs (closed transitively). */
function identityOf(name, pairs) {
  const same = new Set([name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const { a, b, same: yes } of pairs) {
      if (yes && same.has(a) !== same.has(b)) {
        same.add(a);
        same.add(b);
        grew = true;
      }
    }
  }
  return same;
}
const pairs = useDeepface
  ? readFileSync(path.join(deepface, 'master.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((line) => {
    const [a, b, decision] = line.split(',');
    return { a, b, same: decision.trim() === 'Yes' };
  })
  : [];

// 1. Node, the reference (same wasm backend as the browser's).
const embedder = new face.FaceEmbedder({ backend: 'wasm' });
await embedder.ready();
const nodeDescriptors = new Map();
const nodeMs = [];
for (const name of photos) {
  const t = performance.now();
  const [found] = await embedder.represent(path.join(photoDir, name));
  nodeMs.push(performance.now() - t);
  if (found) nodeDescriptors.set(name, found.descriptor);
}
summary.measured.nodeSecondsPerPhoto = Number((median(nodeMs) / 1000).toFixed(3));
console.log(`node: ${nodeDescriptors.size}/${photos.length} photos with a face, median ${summary.measured.nodeSecondsPerPhoto} s a photo (${embedder.backend})`);

// Two files the page must explain rather than index: bytes that are no image, a photo with no face.
const scratch = await mkdtemp(path.join(os.tmpdir(), 'smallworld-face-search-'));
const unreadable = path.join(scratch, 'not-a-photo.jpg');
await writeFile(unreadable, 'this is not a JPEG\n');
const blank = path.join(scratch, 'no-face.png');
// sharp is the face package's dependency, not the examples': load it from there.
const sharp = createRequire(path.join(ROOT, 'packages/face/package.json'))('sharp');
await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 150, b: 170 } } }).png().toFile(blank);

// 2. The page in headless Chromium.
const { server, url } = await startServer();
const browser = await launchChromium('face-search check');
const context = await browser.newContext();
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`); });
try {
  await page.goto(`${url}/examples/face-search/index.html`);
  const info = await withTimeout(page.evaluate(() => window.faceSearch.ready()), LOAD_TIMEOUT_MS, 'the page did not load the face model');
  summary.backend = { backend: info.backend, wasmSimd: info.wasmSimd, notes: info.notes, storage: info.storage };
  console.log(`browser: backend ${info.backend}${info.wasmSimd ? ' (SIMD)' : ''}, storage ${info.storage}, model loaded in ${Math.round(info.loadMs)} ms`);
  if (info.backend === 'cpu') {
    check('fast backend', false, `only the pure-JS cpu backend loaded (${info.notes.join('; ')}): about 25 s a photo would blow CI's time`);
    throw new Error('stopping: no fast backend');
  }
  check('fast backend', true, info.backend);
  await page.evaluate(() => window.faceSearch.clear());

  // Index: the photos plus the two problem files, through the page's file input.
  await page.setInputFiles('#files-input', [...photos.map((name) => path.join(photoDir, name)), unreadable, blank]);
  await page.waitForSelector('#status[data-state="indexed"], #status[data-state="error"]',
    { timeout: LOAD_TIMEOUT_MS + PER_PHOTO_TIMEOUT_MS * photos.length });
  const added = await page.evaluate(() => window.faceSearch.lastAdd);
  check('indexing finished', added !== undefined, await page.textContent('#status'));
  const byName = new Map(added.files.map((file) => [file.name, file]));
  const indexedMs = added.files.filter((file) => file.status === 'indexed').map((file) => file.ms);
  summary.measured.browserSecondsPerPhoto = Number((median(indexedMs) / 1000).toFixed(3));
  summary.measured.indexBytes = added.indexBytes;
  summary.measured.metadataBytes = added.metadataBytes;
  summary.measured.faces = added.faces;
  console.log(`browser: ${added.faces} faces indexed, median ${summary.measured.browserSecondsPerPhoto} s a photo, `
    + `index ${added.indexBytes} bytes + metadata ${added.metadataBytes} bytes`);
  const problemsText = await page.textContent('#problems');
  check('unreadable file explained', byName.get('not-a-photo.jpg')?.status === 'error' && /not-a-photo\.jpg: could not be read/.test(problemsText),
    byName.get('not-a-photo.jpg')?.error);
  check('photo with no face explained', byName.get('no-face.png')?.status === 'no-face' && /no-face\.png: no face found/.test(problemsText));

  // Agreement with Node, photo by photo.
  const browserDescriptors = new Map(Object.entries(await page.evaluate(() => window.faceSearch.descriptors())).map(([k, v]) => [k, Float32Array.from(v)]));
  let worst = { name: '', difference: 0 };
  const onlyOneSide = [];
  for (const name of photos) {
    const a = nodeDescriptors.get(name);
    const b = browserDescriptors.get(name);
    if (a === undefined || b === undefined) {
      if (a !== b) onlyOneSide.push(`${name} (${a ? 'node' : 'browser'} only)`);
      continue;
    }
    const difference = face.euclideanDistance(a, b);
    if (difference > worst.difference) worst = { name, difference };
  }
  summary.measured.maxDescriptorDifference = Number(worst.difference.toFixed(5));
  check('same photos with a face', onlyOneSide.length === 0, onlyOneSide.join(', '));
  check(`descriptors within L2 ${MAX_DESCRIPTOR_DIFFERENCE} of Node's`, worst.difference <= MAX_DESCRIPTOR_DIFFERENCE,
    worst.difference === 0 ? 'every one identical' : `largest ${worst.difference.toFixed(5)} (${worst.name})`);

  // Every verify decision on master.csv's pairs whose photos are present.
  if (pairs.length > 0) {
    let compared = 0;
    let agreed = 0;
    let rightBrowser = 0;
    for (const { a, b, same } of pairs) {
      const [na, nb, ba, bb] = [nodeDescriptors.get(a), nodeDescriptors.get(b), browserDescriptors.get(a), browserDescriptors.get(b)];
      if (!na || !nb || !ba || !bb) continue;
      compared++;
      const nodeSays = face.verify(na, nb, THRESHOLD).verified;
      const browserSays = face.verify(ba, bb, THRESHOLD).verified;
      if (nodeSays === browserSays) agreed++;
      if (browserSays === same) rightBrowser++;
    }
    summary.measured.verify = { pairs: compared, agreed, browserAccuracy: Number((rightBrowser / compared).toFixed(4)) };
    check('verify decisions agree with Node', compared > 0 && agreed === compared, `${agreed}/${compared} pairs`);
  }

  // Find img1.jpg's identity, by dropping it on the page.
  const identity = identityOf(queryName, pairs);
  const findOnce = async (label) => {
    await page.evaluate(() => { window.faceSearch.lastFind = undefined; });
    await page.setInputFiles('#query-input', path.join(photoDir, queryName));
    await page.waitForFunction(() => window.faceSearch.lastFind !== undefined, null, { timeout: LOAD_TIMEOUT_MS });
    const found = await page.evaluate(() => window.faceSearch.lastFind);
    const shown = await page.$$eval('#matches li', (items) => items.map((item) => item.dataset.name));
    const names = (found.matches ?? []).map((match) => match.name);
    const nearestOther = found.matches?.find((match) => match.name !== queryName);
    const ok = names[0] === queryName && found.matches[0].distance <= MAX_DESCRIPTOR_DIFFERENCE
      && (pairs.length === 0 || (nearestOther !== undefined && identity.has(nearestOther.name) && nearestOther.verified))
      && shown.join() === names.join();
    check(`finds ${queryName}'s identity (${label})`, ok,
      (found.matches ?? []).map((m) => `${m.name} ${m.distance.toFixed(3)}${m.verified ? ' verified' : ''}`).join(', '));
    return found;
  };
  const first = await findOnce('fresh index');
  summary.measured.findMs = Math.round(first.findMs);
  summary.measured.searchMs = Number(first.searchMs.toFixed(3));
  console.log(`browser: find ${Math.round(first.findMs)} ms (embedding the query photo, then the index search: median ${first.searchMs.toFixed(3)} ms)`);
  if (process.env.FACE_SEARCH_SCREENSHOT) await page.screenshot({ path: process.env.FACE_SEARCH_SCREENSHOT, fullPage: true });

  // Reload in the same browser context: the index comes back from storage.
  await page.reload();
  const again = await withTimeout(page.evaluate(() => window.faceSearch.ready()), LOAD_TIMEOUT_MS, 'the reloaded page did not load the face model');
  check('index survives a reload', again.faces === added.faces && again.photos === added.photos,
    `${again.photos} photos, ${again.faces} faces from ${again.storage}`);
  const second = await findOnce('after reload');
  check('same matches after reload', JSON.stringify(second.matches.map((m) => [m.name, m.distance.toFixed(5)]))
    === JSON.stringify(first.matches.map((m) => [m.name, m.distance.toFixed(5)])));
  await page.evaluate(() => window.faceSearch.clear());
} catch (error) {
  if (!/^stopping:/.test(error.message)) problems.push(String(error?.message ?? error));
} finally {
  await browser.close();
  server.close();
  await rm(scratch, { recursive: true, force: true });
}
for (const error of pageErrors) problems.push(error);
finish(problems.length === 0 ? 0 : 1);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}
