// The face-search page: folder pick or drop -> the worker embeds and indexes the
// photos (progress bar) -> drop a photo -> its closest faces, with thumbnails,
// distances, the verified call at the model's threshold and the face boxes drawn.
// window.faceSearch exposes the same calls to the browser check (check-browser.mjs).

const IMAGE_NAME = /\.(jpe?g|png|webp|gif|bmp|avif)$/i;
const $ = (id) => document.getElementById(id);

/** The page's import map, with absolute URLs, for the worker. */
function importMap() {
  const map = JSON.parse(document.querySelector('script[type="importmap"]').textContent);
  const imports = {};
  for (const [name, target] of Object.entries(map.imports)) imports[name] = new URL(target, document.baseURI).href;
  return { imports };
}

const here = (path) => new URL(path, import.meta.url).href;
const worker = new Worker(here('./worker-boot.js'));
worker.postMessage({
  shimUrl: here('../node_modules/es-module-shims/dist/es-module-shims.js'),
  importMap: importMap(),
  moduleUrl: here('./worker.js'),
});

let nextId = 1;
const pending = new Map();
const progressListeners = new Map();
worker.onmessage = ({ data }) => {
  if (data.type === 'fatal') {
    for (const call of pending.values()) call.reject(new Error(data.message));
    pending.clear();
    return fail(data.message);
  }
  if (data.type === 'progress') return progressListeners.get(data.id)?.(data.event);
  const call = pending.get(data.id);
  if (call === undefined) return;
  pending.delete(data.id);
  progressListeners.delete(data.id);
  if (data.type === 'done') call.resolve(data.result);
  else call.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
};
worker.onerror = (event) => fail(`the worker failed: ${event.message ?? 'see the console'}`);

/** Sends `{ type, ...args }` to the worker; resolves to its result. */
function call(type, args = {}, onProgress) {
  const id = nextId++;
  if (onProgress) progressListeners.set(id, onProgress);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ type, id, ...args });
  });
}

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function fail(message) {
  setStatus('error', message);
}

const started = call('start', {
  modelUrl: new URL('../../packages/face/node_modules/@vladmandic/face-api/model/', document.baseURI).href,
  wasmPaths: new URL('../../packages/face/node_modules/@tensorflow/tfjs-backend-wasm/dist/', document.baseURI).href,
  backend: new URLSearchParams(location.search).get('backend') ?? 'auto',
}).then((info) => {
  const notices = [];
  if (info.backend === 'wasm' && info.wasmSimd === false) {
    notices.push('This browser has no WebAssembly SIMD: faces are found with a slower fallback (several seconds a photo). It still works.');
  }
  if (info.backend === 'cpu') notices.push(`No fast backend loaded (${info.notes.join('; ')}): about 25 s a photo.`);
  if (notices.length > 0) {
    $('notice').textContent = notices.join(' ');
    $('notice').hidden = false;
  }
  setStatus('ready', `Ready (${info.backend}${info.wasmSimd ? ' SIMD' : ''}, storage ${info.storage}): `
    + `${info.photos} photo${info.photos === 1 ? '' : 's'} indexed, ${info.faces} face${info.faces === 1 ? '' : 's'}.`);
  return info;
}, (error) => {
  fail(`The face model did not load: ${error.message}`);
  throw error;
});

/** Embeds and indexes `files` (image files only), with the progress bar. */
async function indexFiles(files) {
  await started;
  const images = files.filter((file) => IMAGE_NAME.test(file.name) || file.type.startsWith('image/'));
  const ignored = files.length - images.length;
  if (images.length === 0) {
    setStatus('ready', `No photos there${ignored ? ` (${ignored} other files ignored)` : ''}.`);
    return undefined;
  }
  setStatus('indexing', `Indexing ${images.length} photos…`);
  const bar = $('progress');
  bar.hidden = false;
  bar.max = images.length;
  bar.value = 0;
  const result = await call('add', { files: images }, (event) => {
    bar.value = event.done;
    const perPhoto = event.elapsedMs / event.done / 1000;
    $('progress-text').textContent = `${event.done} / ${event.total} photos, ${perPhoto.toFixed(2)} s a photo, `
      + `about ${Math.round((event.total - event.done) * perPhoto)} s left — ${event.name}`;
  });
  showProblems(result.files);
  window.faceSearch.lastAdd = result;
  const counts = { indexed: 0, 'no-face': 0, error: 0, unchanged: 0 };
  for (const file of result.files) counts[file.status]++;
  setStatus('indexed', `Indexed ${counts.indexed} new photo${counts.indexed === 1 ? '' : 's'} (${counts.unchanged} already known)`
    + `${counts['no-face'] ? `, ${counts['no-face']} with no face` : ''}${counts.error ? `, ${counts.error} unreadable` : ''}`
    + `${ignored ? `, ${ignored} other files ignored` : ''}. ${result.photos} photos, ${result.faces} faces in the index.`);
  return result;
}

/** Lists the photos with no face and the unreadable files, each with why. */
function showProblems(files) {
  const problems = files.filter((file) => file.status === 'no-face' || file.status === 'error');
  const box = $('problems');
  box.hidden = problems.length === 0;
  box.querySelector('summary').textContent = `${problems.length} photo${problems.length === 1 ? '' : 's'} not indexed`;
  const list = box.querySelector('ul');
  list.replaceChildren(...problems.map((file) => {
    const item = document.createElement('li');
    item.className = 'error';
    item.dataset.status = file.status;
    item.textContent = file.status === 'no-face'
      ? `${file.name}: no face found in this photo`
      : `${file.name}: could not be read (${file.error})`;
    return item;
  }));
}

/** Finds the closest indexed faces to the largest face of `file` and shows them. */
async function findFace(file) {
  await started;
  $('find-status').className = '';
  $('find-status').textContent = `Looking for the face in ${file.name}…`;
  $('matches').replaceChildren();
  $('query').replaceChildren();
  let result;
  try {
    result = await call('find', { file });
  } catch (error) {
    $('find-status').className = 'error';
    $('find-status').textContent = error.code === 'UNREADABLE_IMAGE' ? `${file.name} could not be read: ${error.message}` : error.message;
    return { error: error.message, code: error.code };
  }
  if (result.query === null) {
    $('find-status').className = 'error';
    $('find-status').textContent = `No face found in ${file.name}: try a photo where a face is clearly visible.`;
    return result;
  }
  const url = URL.createObjectURL(file);
  const image = await loadImage(url);
  $('query').append(drawWithBox(image, image.naturalWidth, result.query.box, '#1565c0', 320));
  URL.revokeObjectURL(url);
  $('find-status').textContent = result.matches.length === 0
    ? 'The index is empty: add photos first.'
    : `${result.matches.length} closest faces (${result.findMs.toFixed(0)} ms, of which the index search ${result.searchMs.toFixed(2)} ms). `
      + 'Verified = the same person at the model\'s threshold (distance 0.6 or less).';
  for (const match of result.matches) {
    const item = document.createElement('li');
    item.dataset.name = match.name;
    item.dataset.distance = String(match.distance);
    item.dataset.verified = String(match.verified);
    const figure = document.createElement('figure');
    if (match.thumbnail) {
      const thumb = await loadImage(match.thumbnail.url);
      figure.append(drawWithBox(thumb, match.thumbnail.width, match.box, match.verified ? '#06672c' : '#c62828', 180));
    }
    const caption = document.createElement('figcaption');
    const verdict = document.createElement('span');
    verdict.className = match.verified ? 'verified' : 'not-verified';
    verdict.textContent = match.verified ? 'same person' : 'not verified';
    caption.append(`${match.name}`, document.createElement('br'), `distance ${match.distance.toFixed(3)} — `, verdict);
    figure.append(caption);
    item.append(figure);
    $('matches').append(item);
  }
  return result;
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`cannot show ${src.slice(0, 60)}`));
    image.src = src;
  });
}

/** A canvas of `image` at most `side` px wide with `box` (in a `photoWidth`-wide photo's pixels) drawn on it. */
function drawWithBox(image, photoWidth, box, colour, side) {
  const scale = Math.min(1, side / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(image.naturalWidth * scale);
  canvas.height = Math.round(image.naturalHeight * scale);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const k = canvas.width / (photoWidth || image.naturalWidth);
  context.strokeStyle = colour;
  context.lineWidth = 2;
  context.strokeRect(box.x * k, box.y * k, box.width * k, box.height * k);
  return canvas;
}

/** Every file under the dropped items (folders walked recursively). */
async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length === 0) return [...dataTransfer.files];
  const files = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      files.push(new File([file], `${prefix}${file.name}`, { type: file.type, lastModified: file.lastModified }));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return files;
}

function dropZone(element, onFiles) {
  element.addEventListener('dragover', (event) => { event.preventDefault(); element.classList.add('over'); });
  element.addEventListener('dragleave', () => element.classList.remove('over'));
  element.addEventListener('drop', async (event) => {
    event.preventDefault();
    element.classList.remove('over');
    onFiles(await droppedFiles(event.dataTransfer));
  });
}

const report = (promise) => promise.catch((error) => fail(error.message));
$('folder-input').addEventListener('change', (event) => report(indexFiles([...event.target.files])));
$('files-input').addEventListener('change', (event) => report(indexFiles([...event.target.files])));
const findAndKeep = (file) => report(findFace(file).then((result) => { window.faceSearch.lastFind = result; }));
$('query-input').addEventListener('change', (event) => { if (event.target.files[0]) findAndKeep(event.target.files[0]); });
dropZone($('folder-drop'), (files) => report(indexFiles(files)));
dropZone($('query-drop'), (files) => { if (files[0]) findAndKeep(files[0]); });
$('clear').addEventListener('click', () => report(call('clear').then((info) => {
  setStatus('ready', `Forgotten: ${info.photos} photos indexed.`);
  $('matches').replaceChildren();
  $('problems').hidden = true;
})));

// For the browser check and the console: the page's own calls, and the
// results of the last indexing run and the last search.
window.faceSearch = {
  lastAdd: undefined,
  lastFind: undefined,
  ready: () => started,
  indexFiles,
  findFace,
  descriptors: () => call('descriptors'),
  clear: () => call('clear'),
};
