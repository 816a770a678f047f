// The page's worker: owns the face embedder and the face database, so embedding
// (about a second a photo) never blocks the page. Answers the page's messages
// ({ type, id, ... }) with { type: 'done', id, result } or { type: 'failed', id, error }.

import { FaceDatabase, FaceEmbedder } from '@smallworld/face';

const DB_NAME = 'face-search-example';
const THUMBNAIL_SIDE = 160;
const SEARCH_RUNS = 21;

let embedder;
let db;

const handlers = {
  /** Loads the model and opens the saved database (or a new one). */
  async start({ modelUrl, wasmPaths, backend }) {
    embedder = new FaceEmbedder({ modelUrl, wasmPaths, backend });
    const started = performance.now();
    await embedder.ready();
    const loadMs = performance.now() - started;
    db = await FaceDatabase.open(DB_NAME, { embedder, thumbnailSide: THUMBNAIL_SIDE });
    return {
      backend: embedder.backend, wasmSimd: embedder.wasmSimd, notes: embedder.backendNotes,
      crossOriginIsolated: self.crossOriginIsolated === true, loadMs, ...summary(),
    };
  },

  /** Embeds and indexes photos (Files), reporting progress; saves at the end. */
  async add({ files, id }) {
    const started = performance.now();
    const report = await db.addPhotos(files, {
      progress: (event) => self.postMessage({ type: 'progress', id, event }),
    });
    return { files: report.files, facesAdded: report.facesAdded, elapsedMs: performance.now() - started, ...summary() };
  },

  /** The nearest photos to the largest face of `file`, with the query's face box. */
  async find({ file, k = 6 }) {
    const started = performance.now();
    const faces = await embedder.represent(file);
    if (faces.length === 0) return { query: null, matches: [], findMs: performance.now() - started };
    // The index search alone, timed as the median of a few runs (the first pays for warm-up).
    const times = [];
    let matches;
    for (let run = 0; run < SEARCH_RUNS; run++) {
      const searchStarted = performance.now();
      matches = db.findDescriptor(faces[0].descriptor, { k });
      times.push(performance.now() - searchStarted);
    }
    const searchMs = times.sort((a, b) => a - b)[SEARCH_RUNS >> 1];
    return {
      query: { box: faces[0].box, descriptor: Array.from(faces[0].descriptor) },
      matches: matches.map((match) => ({ ...match, thumbnail: db.thumbnail(match.name) })),
      findMs: performance.now() - started - times.reduce((a, b) => a + b, 0) + searchMs,
      searchMs,
    };
  },

  /** Every indexed photo's descriptor (for the agreement check with Node). */
  async descriptors() {
    const out = {};
    for (const { name } of db.photos()) {
      const [descriptor] = db.descriptorsOf(name);
      if (descriptor !== undefined) out[name] = Array.from(descriptor);
    }
    return out;
  },

  /** Forgets every photo (and the stored database). */
  async clear() {
    await FaceDatabase.delete(DB_NAME);
    db = await FaceDatabase.open(DB_NAME, { embedder, thumbnailSide: THUMBNAIL_SIDE });
    return summary();
  },
};

function summary() {
  const photos = db.photos();
  return {
    storage: db.storage, faces: db.size, photos: photos.length,
    indexBytes: db.savedIndexBytes, metadataBytes: db.savedMetadataBytes,
  };
}

async function handle(event) {
  const { type, id } = event.data;
  try {
    const result = await handlers[type](event.data);
    self.postMessage({ type: 'done', id, result });
  } catch (error) {
    self.postMessage({ type: 'failed', id, error: { message: error?.message ?? String(error), code: error?.code } });
  }
}

// One message at a time, in order: the database is not meant for concurrent runs.
let queue = Promise.resolve();
const enqueue = (event) => { queue = queue.then(() => handle(event)); };
self.onmessage = enqueue;
for (const event of self.queuedMessages ?? []) enqueue(event);
