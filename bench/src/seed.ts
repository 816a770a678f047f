// `pnpm bench seed`: the seed article's face-search experiment end to end
// (init, add, build, one k=3 query of a target face, the same query by brute
// force, save, load), with recall@10 measured beside the times, and
// optionally hnswlib-node building the same set in the same run.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BruteForceIndex, CorruptFileError, HnswIndex, METRICS, SmallworldError, SmallworldRangeError } from '@smallworld/hnsw';
import { ProgressBar, generateSynthetic } from '@smallworld/datasets';
import { DATA_SEED, searchExact } from './data.js';
import { generateFaces, spreadOfPhotos, type FaceSpread } from './face-set.js';
import { indexBytesPerVector, loadHnswlibNode, quantizationOptions, type BytesPerVector, type Peer } from './peers.js';
import { buildInChunks, collectGarbage, cpuSecondsSince, log, median, recallAtK, round, timeSeconds, timeSecondsAsync } from './stats.js';

/** The article's figures (NMSLIB, 1M x 128, 4 threads), printed beside ours. */
export const ARTICLE = { initS: 0.0001, addS: 0.805, buildS: 263.95, threads: 4, queryMs: 3.4, bruteForceMs: 7180, speedup: 2300 } as const;

/** The seed article's parameters: M=15, efConstruction=100, k=3 for the target. */
export const SEED_M = 15;
export const SEED_EF_CONSTRUCTION = 100;
export const TARGET_K = 3;
/** efSearch values tried, smallest first, when none is given: the first reaching `recallTarget` is used. */
export const EF_LADDER = [10, 20, 40, 80, 160, 320, 640] as const;

/** Options of `runSeed`. */
export interface SeedOptions {
  n: number;
  dim: number;
  threads: number;
  /** Face-like vectors among the n (the rest are N(-0.35, 0.48) padding). */
  faces: number;
  /** Held-out queries of each kind (face-like and synthetic) for recall@10. */
  queries: number;
  /** A fixed efSearch, or undefined to pick the smallest of EF_LADDER reaching `recallTarget` on face-like queries. */
  efSearch?: number;
  recallTarget: number;
  /** Compare with hnswlib-node building the same set (one thread). */
  compare: boolean;
  /** A folder of photos to embed with @smallworld/face (its `target.jpg` is the query). */
  facesDir?: string;
  /** Where the index file goes (default: a temporary folder, removed after). */
  saveDir?: string;
  /** smallworld's vector storage: 'int8' builds int8 codes with re-ranking. */
  quantization: 'none' | 'int8';
}

/** The result line of `pnpm bench seed --json`. */
export interface SeedResult {
  n: number;
  dim: number;
  threads: number;
  /** smallworld's vector storage ('int8': codes with re-ranking). */
  quantization: 'none' | 'int8';
  /** Bytes per vector in memory: vectors, and vectors + graph. */
  bytesPerVector: BytesPerVector;
  /** int8: vectors clamped to the trained range (warned about when > 0). */
  clampedVectors: number;
  m: number;
  efConstruction: number;
  faces: number;
  faceSource: 'generated' | 'photos';
  /** Held-out queries of each kind. */
  queries: number;
  initS: number;
  addS: number;
  buildS: number;
  /** CPU seconds of the build, all threads: about buildS x threads on an idle machine, less when others held the cores. */
  buildCpuS: number;
  queryMs: number;
  queryFirstMs: number;
  bruteForceMs: number;
  speedup: number;
  recall: number;
  recallSynthetic: number;
  efSearch: number;
  saveS: number;
  loadS: number;
  fileMB: number;
  /** The target's k=3 nearest labels, and whether brute force found the same. */
  targetLabels: number[];
  /** Their Euclidean distances to the target (same person below 0.6 for dlib-style descriptors). */
  targetDistances: number[];
  targetMatchesBruteForce: boolean;
  targetPhotos?: string[];
  recallByEf: { efSearch: number; recall: number; recallSynthetic: number }[];
  hnswlibBuildS?: number;
  hnswlibBuildCpuS?: number;
  buildRatio?: number;
  hnswlibQueryMs?: number;
  hnswlibRecall?: number;
  hnswlibRecallSynthetic?: number;
  /** The most face-like queries one base point is an exact top-10 neighbour of (a hub when near `queries`). */
  hubQueries: number;
  /** Share of the face-like queries' exact top-10 slots held by the real photos (0 without photos). */
  photoSlotShare: number;
  /** One-minute load average at the start and at the end of the run: wall times mean little when it exceeds `cores`. */
  loadAverage: [number, number];
  cores: number;
}

interface FaceSet {
  base: Float32Array;
  count: number;
  /** The query for the k=3 target search. */
  target: Float32Array;
  /** Held-out face-like queries for recall. */
  queries: Float32Array;
  source: 'generated' | 'photos';
  photos?: string[];
}

/**
 * The generated face-like set without photos: people around 0 at the scale
 * of dlib descriptors (two photos of one person ~0.32 apart, two people ~0.94).
 */
function generatedSpread(dim: number): FaceSpread {
  return { centre: new Float64Array(dim), identitySd: 0.055, photoSd: 0.02 };
}

async function makeFaces(options: SeedOptions): Promise<FaceSet> {
  const { dim, queries } = options;
  if (options.facesDir !== undefined) {
    const face = await import('@smallworld/face');
    if (dim !== face.DESCRIPTOR_DIM) {
      throw new SmallworldRangeError('INVALID_OPTION', `--faces needs --dim ${face.DESCRIPTOR_DIM} (the face model's descriptor length; got --dim ${dim})`);
    }
    log(`embedding the photos in ${options.facesDir} with @smallworld/face ...`);
    const folder = await face.embedFolder(options.facesDir, { progress: true });
    const targetRow = folder.paths.findIndex((p: string) => basename(p).toLowerCase() === 'target.jpg');
    if (targetRow < 0) throw new SmallworldRangeError('INVALID_OPTION', `--faces ${options.facesDir}: no target.jpg with a face in it`);
    const rows = folder.paths.length;
    const others = new Float32Array((rows - 1) * dim);
    const photos: string[] = [];
    for (let i = 0, j = 0; i < rows; i++) {
      if (i === targetRow) continue;
      others.set(folder.descriptors.subarray(i * dim, (i + 1) * dim), j++ * dim);
      photos.push(folder.paths[i]);
    }
    // Recall needs many face-like queries: generated people join the real faces with the
    // real descriptors' centre and spread, so the photos are neither an island apart
    // from them nor hubs at their centre (face-set.ts, docs/benchmarks.md).
    const extra = Math.max(0, options.faces - photos.length);
    const spread = spreadOfPhotos(others, photos.length, dim);
    const generated = generateFaces({ count: extra, queries, dim, spread, seed: DATA_SEED });
    const base = new Float32Array((photos.length + extra) * dim);
    base.set(others);
    base.set(generated.base, photos.length * dim);
    return {
      base, count: photos.length + extra, target: folder.descriptors.slice(targetRow * dim, (targetRow + 1) * dim),
      queries: generated.queries, source: 'photos', photos,
    };
  }
  const count = options.faces;
  const generated = generateFaces({ count, queries, dim, spread: generatedSpread(dim), seed: DATA_SEED });
  // The target is the first held-out photo: a new picture of a known person, as in the article.
  return { base: generated.base, count, target: generated.queries.slice(0, dim), queries: generated.queries, source: 'generated' };
}

function recallOf(search: (q: Float32Array, out: Float64Array) => void, queries: Float32Array, truth: Float64Array, dim: number): number {
  const nq = queries.length / dim;
  const out = new Float64Array(nq * 10);
  search(queries, out);
  return recallAtK(out, truth, nq, 10);
}

/**
 * Median milliseconds of `repeats` runs of each of `fns`, and each one's first
 * (cold) run. The runs are interleaved, the order flipped every round, so a
 * busy spell on a shared machine slows every contender alike.
 */
function timeInterleaved(fns: (() => void)[], repeats: number): { medianMs: number; firstMs: number }[] {
  const times = fns.map((): number[] => []);
  for (let round = 0; round < repeats; round++) {
    for (let j = 0; j < fns.length; j++) {
      const which = round % 2 === 0 ? j : fns.length - 1 - j;
      times[which].push(timeSeconds(fns[which]) * 1000);
    }
  }
  return times.map((t) => ({ medianMs: median(t), firstMs: t[0] }));
}

/**
 * How much the face-like queries' exact top 10s share points: the most
 * queries one base point is a true neighbour of, and the share of all
 * top-10 slots held by rows below `photos` (the real photos). Photos of
 * people put in every query's top 10 are hubs that starve the graph of
 * links between the generated people (docs/benchmarks.md).
 */
export function truthSharing(truth: Float64Array, queries: number, k: number, photos: number): { hubQueries: number; photoSlotShare: number } {
  const counts = new Map<number, number>();
  let photoSlots = 0;
  for (let i = 0; i < queries * k; i++) {
    const label = truth[i];
    counts.set(label, (counts.get(label) ?? 0) + 1);
    if (label < photos) photoSlots++;
  }
  return { hubQueries: Math.max(0, ...counts.values()), photoSlotShare: photoSlots / (queries * k) };
}

/** Rows an int8 index is trained on: spread over the whole input. */
const TRAIN_SAMPLE = 10_000;

/** About `count` rows taken at an even stride through `rows`. */
function strided(rows: Float32Array, dim: number, count: number): Float32Array {
  const n = rows.length / dim;
  const step = Math.max(1, Math.floor(n / count));
  const out = new Float32Array(Math.ceil(n / step) * dim);
  for (let i = 0, r = 0; r < n; i++, r += step) out.set(rows.subarray(r * dim, (r + 1) * dim), i * dim);
  return out;
}

/** Runs the seed experiment; logs progress on stderr and returns the figures. */
export async function runSeed(options: SeedOptions): Promise<SeedResult> {
  const { n, dim, threads, queries } = options;
  const loadAtStart = loadavg()[0];
  const peer = options.compare ? await loadHnswlibNode() : null;
  if (options.compare && peer === null) throw new SmallworldError('UNSUPPORTED', '--compare hnswlib-node: hnswlib-node is not installed (pnpm install in the repository)');
  const faces = await makeFaces(options);
  if (faces.count > n) throw new SmallworldRangeError('INVALID_OPTION', `--n ${n} is smaller than the ${faces.count} face vectors`);
  const padding = n - faces.count;
  log(`generating ${padding} + ${queries} synthetic N(-0.35, 0.48) vectors of dim ${dim} ...`);
  const synthetic = generateSynthetic({ count: padding + queries, dim, seed: DATA_SEED + 1, generator: 'normal' }).data;
  const input = new Float32Array(n * dim);
  input.set(faces.base);
  input.set(synthetic.subarray(0, padding * dim), faces.count * dim);
  const syntheticQueries = synthetic.subarray(padding * dim);

  collectGarbage();
  log(`building (M ${SEED_M}, efConstruction ${SEED_EF_CONSTRUCTION}, ${threads} thread${threads > 1 ? 's' : ''}${peer ? '; hnswlib-node one thread, chunk by chunk in turn' : ''}) ...`);
  let index!: HnswIndex;
  const initS = timeSeconds(() => {
    index = new HnswIndex({ space: 'l2', dim, m: SEED_M, efConstruction: SEED_EF_CONSTRUCTION, ...quantizationOptions(options.quantization) });
  });
  // nmslib's addDataPointBatch copies the caller's vectors into the index's own storage; ours
  // reserves room for them and copies them, then the build links them (createIndex).
  let own!: Float32Array;
  const addS = timeSeconds(() => {
    index.reserve(n);
    own = input.slice();
    // int8: the first chunk holds only the face-like vectors; training on it would clamp all the padding.
    if (options.quantization === 'int8') index.train(strided(input, dim, TRAIN_SAMPLE));
  });
  const chunk = Math.max(10_000, Math.ceil(n / 50));
  const built = peer === null
    ? { ours: await buildInChunks(index, own, threads, chunk, 'build smallworld'), peer: undefined }
    : await buildInterleaved(index, own, threads, chunk, peer);
  const { seconds: buildS, cpuS: buildCpuS } = built.ours;
  const peerFigures = built.peer;
  log(`  smallworld built in ${buildS.toFixed(2)} s (${buildCpuS.toFixed(1)} CPU s)` +
    (peerFigures ? `, hnswlib-node in ${peerFigures.seconds.toFixed(2)} s (${peerFigures.cpuS.toFixed(1)} CPU s)` : ''));

  log('brute force: exact neighbours of the held-out queries ...');
  const exact = new BruteForceIndex({ space: 'l2', dim, capacity: n });
  exact.addBatch(input);
  const truthFaces = searchExact(exact, faces.queries, 10, 'exact neighbours, face-like queries');
  const truthSynthetic = searchExact(exact, syntheticQueries, 10, 'exact neighbours, synthetic queries');
  const sharing = truthSharing(truthFaces, faces.queries.length / dim, 10, faces.photos?.length ?? 0);

  const ours = (ef: number) => (q: Float32Array, out: Float64Array) => out.set(index.searchBatch(q, 10, { efSearch: ef }).labels);
  const recallByEf: SeedResult['recallByEf'] = [];
  const ladder = options.efSearch !== undefined ? [options.efSearch] : EF_LADDER;
  let efSearch = ladder[ladder.length - 1];
  for (const ef of ladder) {
    const recall = recallOf(ours(ef), faces.queries, truthFaces, dim);
    const recallSynthetic = recallOf(ours(ef), syntheticQueries, truthSynthetic, dim);
    recallByEf.push({ efSearch: ef, recall: round(recall, 4), recallSynthetic: round(recallSynthetic, 4) });
    log(`  efSearch ${ef}: recall@10 face-like ${recall.toFixed(4)}, synthetic ${recallSynthetic.toFixed(4)}`);
    if (recall >= options.recallTarget) {
      efSearch = ef;
      break;
    }
  }
  const chosen = recallByEf.find((r) => r.efSearch === efSearch)!;

  let found!: { labels: Float64Array; distances: Float32Array };
  const peerOut = new Float64Array(TARGET_K);
  const [query, peerQuery] = timeInterleaved([
    () => { found = index.search(faces.target, TARGET_K, { efSearch }); },
    ...(peer === null ? [] : [() => peer.searchAll(faces.target, TARGET_K, efSearch, peerOut)]),
  ], 101);
  let exactFound!: Float64Array;
  const [brute] = timeInterleaved([() => { exactFound = exact.search(faces.target, TARGET_K).labels; }], n >= 500_000 ? 5 : 21);
  const targetLabels = Array.from(found.labels);
  // Euclidean, the face models' scale (the engine's 'l2' is squared).
  const targetDistances = Array.from(found.distances, (d) => round(METRICS[index.space].edgeDistance(d), 4));
  const targetMatchesBruteForce = targetLabels.length === exactFound.length && targetLabels.every((l, i) => l === exactFound[i]);

  const folder = options.saveDir ?? mkdtempSync(join(tmpdir(), 'smallworld-seed-'));
  const file = join(folder, `seed-${n}.smallworld`);
  log(`saving to ${file} ...`);
  const saveS = await timeSecondsAsync(() => index.save(file));
  const fileMB = statSync(file).size / 2 ** 20;
  let loaded!: HnswIndex;
  const loadS = await timeSecondsAsync(async () => { loaded = await HnswIndex.load(file); });
  const again = Array.from(loaded.search(faces.target, TARGET_K, { efSearch }).labels);
  if (again.join() !== targetLabels.join()) throw new CorruptFileError(`the loaded index answers ${again} for the target, the saved one ${targetLabels}`);
  if (options.saveDir === undefined) rmSync(folder, { recursive: true, force: true });
  await index.close();

  const result: SeedResult = {
    n, dim, threads, m: SEED_M, efConstruction: SEED_EF_CONSTRUCTION, faces: faces.count, faceSource: faces.source, queries,
    quantization: options.quantization, bytesPerVector: indexBytesPerVector(index), clampedVectors: index.clampedVectors,
    initS: round(initS, 6), addS: round(addS, 4), buildS: round(buildS, 3), buildCpuS: round(buildCpuS, 2),
    queryMs: round(query.medianMs, 4), queryFirstMs: round(query.firstMs, 4), bruteForceMs: round(brute.medianMs, 3),
    speedup: round(brute.medianMs / query.medianMs, 1), recall: chosen.recall, recallSynthetic: chosen.recallSynthetic, efSearch,
    saveS: round(saveS, 3), loadS: round(loadS, 3), fileMB: round(fileMB, 1),
    targetLabels, targetDistances, targetMatchesBruteForce, recallByEf,
    hubQueries: sharing.hubQueries, photoSlotShare: round(sharing.photoSlotShare, 4),
    loadAverage: [round(loadAtStart, 2), round(loadavg()[0], 2)], cores: availableParallelism(),
  };
  if (faces.photos !== undefined) result.targetPhotos = targetLabels.map((l) => (l < faces.photos!.length ? faces.photos![l] : `(generated #${l})`));

  if (peer !== null && peerFigures !== undefined) {
    const search = (q: Float32Array, out: Float64Array) => peer.searchAll(q, 10, efSearch, out);
    Object.assign(result, {
      hnswlibBuildS: round(peerFigures.seconds, 3), hnswlibBuildCpuS: round(peerFigures.cpuS, 2),
      buildRatio: round(buildS / peerFigures.seconds, 3), hnswlibQueryMs: round(peerQuery.medianMs, 4),
      hnswlibRecall: round(recallOf(search, faces.queries, truthFaces, dim), 4),
      hnswlibRecallSynthetic: round(recallOf(search, syntheticQueries, truthSynthetic, dim), 4),
    } satisfies Partial<SeedResult>);
    await peer.close?.();
  }
  return result;
}

/**
 * Builds smallworld (`threads` threads) and `peer` (one thread: hnswlib-node
 * has no parallel build) over the same rows, `chunk` rows at a time, taking
 * turns and flipping who goes first each chunk, so a busy spell on a shared
 * machine slows both alike. Wall and CPU seconds of each.
 */
async function buildInterleaved(
  index: HnswIndex, data: Float32Array, threads: number, chunk: number, peer: Peer,
): Promise<{ ours: { seconds: number; cpuS: number }; peer: { seconds: number; cpuS: number } }> {
  const dim = index.dim;
  const n = data.length / dim;
  const ours = { seconds: 0, cpuS: 0 };
  const theirs = { seconds: 0, cpuS: 0 };
  const bar = new ProgressBar({ label: `build smallworld and ${peer.name}`, unit: 'vectors' });
  // Labels 0..n-1 for both: the peer gets its own copy of each row (its rows are converted anyway).
  peer.begin!(n, dim, { m: SEED_M, efConstruction: SEED_EF_CONSTRUCTION, space: 'l2', threads: 1 });
  const timed = async (into: { seconds: number; cpuS: number }, step: () => unknown) => {
    const cpu = process.cpuUsage();
    into.seconds += await timeSecondsAsync(async () => { await step(); });
    into.cpuS += cpuSecondsSince(cpu);
  };
  for (let first = 0, turn = 0; first < n; first += chunk, turn++) {
    const rows = data.subarray(first * dim, Math.min(n, first + chunk) * dim);
    const oursStep = () => (threads > 1 ? index.addBatchParallel(rows, { threads }) : index.addBatch(rows));
    const peerStep = () => peer.addRows!(rows, first);
    if (turn % 2 === 0) {
      await timed(ours, oursStep);
      await timed(theirs, peerStep);
    } else {
      await timed(theirs, peerStep);
      await timed(ours, oursStep);
    }
    bar.update(Math.min(n, first + chunk), n);
  }
  bar.finish();
  return { ours, peer: theirs };
}

const fmt = (v: number | undefined, unit: string, digits = 3) => (v === undefined ? '-' : `${v.toFixed(digits)} ${unit}`);

/** The human-readable table: ours, hnswlib-node when compared, and the article's NMSLIB figures. */
export function formatSeed(r: SeedResult): string {
  const peer = r.hnswlibBuildS !== undefined;
  const rows: [string, string, string, string][] = [
    ['init', fmt(r.initS, 's', 4), '-', fmt(ARTICLE.initS, 's', 4)],
    ['add', fmt(r.addS, 's'), '-', fmt(ARTICLE.addS, 's')],
    [`build`, `${fmt(r.buildS, 's', 2)} (${r.threads} thr)`, peer ? `${fmt(r.hnswlibBuildS, 's', 2)} (1 thr)` : '-', `${fmt(ARTICLE.buildS, 's', 2)} (4 thr)`],
    ['build CPU time', fmt(r.buildCpuS, 's', 1), peer ? fmt(r.hnswlibBuildCpuS, 's', 1) : '-', '-'],
    [`query k=${TARGET_K}`, `${fmt(r.queryMs, 'ms')} (ef ${r.efSearch})`, peer ? fmt(r.hnswlibQueryMs, 'ms') : '-', fmt(ARTICLE.queryMs, 'ms', 1)],
    ['brute force', fmt(r.bruteForceMs, 'ms', 1), '-', fmt(ARTICLE.bruteForceMs, 'ms', 0)],
    ['speedup', `${r.speedup}x`, '-', `${ARTICLE.speedup}x`],
    [`recall@10 face-like (ef ${r.efSearch})`, r.recall.toFixed(4), peer ? r.hnswlibRecall!.toFixed(4) : '-', 'not measured'],
    ['recall@10 synthetic', r.recallSynthetic.toFixed(4), peer ? r.hnswlibRecallSynthetic!.toFixed(4) : '-', 'not measured'],
    ['save', fmt(r.saveS, 's'), '-', '-'],
    ['load', fmt(r.loadS, 's'), '-', '-'],
  ];
  const head: [string, string, string, string] = ['step', 'smallworld', 'hnswlib-node', 'article (NMSLIB)'];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...[head, ...rows].map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const lines = [
    `seed experiment: ${r.n} x ${r.dim} (${r.faces} face-like vectors from ${r.faceSource}, the rest N(-0.35, 0.48)), M ${r.m}, efConstruction ${r.efConstruction}`,
    `load average ${r.loadAverage[0]} at the start, ${r.loadAverage[1]} at the end, on ${r.cores} cores` +
      (Math.max(...r.loadAverage) > r.cores ? ': the machine is busy, so compare the CPU times and ratios rather than wall times' : ''),
    line(head), ...rows.map(line),
    `target's ${TARGET_K} nearest: ${r.targetLabels.map((l, i) => `${l} (${r.targetDistances[i]})`).join(', ')} (${r.targetMatchesBruteForce ? 'same as brute force' : 'brute force differs'})`,
    `index file ${r.fileMB} MB; vectors ${r.quantization === 'int8' ? 'int8 codes + float32 originals (re-ranked)' : 'float32'}: ${r.bytesPerVector.vectors} bytes per vector, ${Math.round(r.bytesPerVector.total)} with the graph`,
  ];
  if (r.clampedVectors > 0) lines.push(`warning: ${r.clampedVectors} vectors were clamped to the int8 range (trained on ${TRAIN_SAMPLE} rows spread over the input)`);
  if (r.targetPhotos) lines.push(`target's nearest photos: ${r.targetPhotos.join(', ')}`);
  lines.push(`no base point is among the exact 10 nearest of more than ${r.hubQueries} of the ${r.queries} face-like queries` +
    (r.faceSource === 'photos' ? `; the real photos hold ${(r.photoSlotShare * 100).toFixed(1)}% of the slots` : ''));
  if (peer) {
    lines.push(`hnswlib-node: the same vectors, M and efConstruction, one thread (it has no parallel build), built and queried in turns with smallworld in this process, at the same efSearch`);
    lines.push(`build ratio smallworld (${r.threads} thread${r.threads > 1 ? 's' : ''}) / hnswlib-node (1 thread): ${r.buildRatio!.toFixed(2)}x wall, ${(r.buildCpuS / r.hnswlibBuildCpuS!).toFixed(2)}x CPU time`);
  }
  return lines.join('\n');
}
