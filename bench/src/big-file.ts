// `pnpm bench big-file`: an index file past 2 GiB (which Node's readFile
// refuses) saved and loaded in chunks: `save`, then `HnswIndex.load` in a
// fresh child process (its peak RSS against the file's size), and hnswlib's
// layout through the drop-in's `readIndexSync` / `writeIndexSync` in another;
// both must find what the index found before it was saved.

import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { freemem, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSynthetic } from '@smallworld/datasets';
import { HnswIndex, SmallworldError } from '@smallworld/hnsw';
import { HierarchicalNSW } from '@smallworld/hnswlib-node';
import { DATA_SEED } from './data.js';
import { buildInChunks, log, round, timeSeconds, timeSecondsAsync } from './stats.js';

/** Settings of one `big-file` run. */
export interface BigFileOptions {
  n: number;
  dim: number;
  m: number;
  efConstruction: number;
  threads: number;
  /** Queries searched before saving and after each load. */
  queries: number;
  /** Folder for the files (default: a fresh one in the system's temporary folder, removed after). */
  dir?: string;
}

/** What one loading child process measured. */
interface ChildReport {
  loadS: number;
  writeS: number;
  /** `process.resourceUsage().maxRSS` in bytes. */
  peakRssBytes: number;
  /** Top-10 labels of every query, row-major. */
  labels: number[];
  /** Top-10 distances of every query, row-major. */
  distances: number[];
}

/** A loading child's job. */
interface ChildJob {
  kind: 'native' | 'drop-in';
  file: string;
  /** Where the child writes the loaded index again (saveSync / writeIndexSync). */
  copy: string;
  dim: number;
  k: number;
  queries: number[];
}

/** The run's figures. */
export interface BigFileResult {
  n: number;
  dim: number;
  m: number;
  efConstruction: number;
  load: number;
  buildS: number;
  nativeFileBytes: number;
  saveS: number;
  /** `HnswIndex.load` in a fresh process, then `saveSync` of what it loaded. */
  nativeLoadS: number;
  nativeSaveSyncS: number;
  nativePeakRssBytes: number;
  nativeRssPerFileByte: number;
  nativeSameResults: boolean;
  /** `saveSync`'s file is byte for byte `save`'s. */
  nativeCopyIdentical: boolean;
  hnswlibFileBytes: number;
  saveHnswlibS: number;
  /** The drop-in's `readIndexSync` in a fresh process, then `writeIndexSync`. */
  dropInReadSyncS: number;
  dropInWriteSyncS: number;
  dropInPeakRssBytes: number;
  dropInRssPerFileByte: number;
  dropInSameResults: boolean;
  dropInCopyIdentical: boolean;
}

const K = 10;
const CHUNK_ROWS = 100_000;
const GIB = 2 ** 30;
const THIS_FILE = resolve(import.meta.dirname, 'big-file.ts');
const REPOSITORY = resolve(import.meta.dirname, '../..');

/** Whether two files hold the same bytes (read in 8 MiB chunks). */
function sameFiles(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = new Uint8Array(8 * 2 ** 20);
    const bb = new Uint8Array(ba.length);
    for (let at = 0; ; at += ba.length) {
      const na = readSync(fa, ba, 0, ba.length, at);
      const nb = readSync(fb, bb, 0, bb.length, at);
      if (na !== nb) return false;
      if (na === 0) return true;
      if (Buffer.compare(ba.subarray(0, na), bb.subarray(0, nb)) !== 0) return false;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

/** Runs one loading job in a fresh Node.js process (this file as its entry) and returns its report. */
function runChild(job: ChildJob): Promise<ChildReport> {
  return new Promise((done, fail) => {
    const child = fork(THIS_FILE, ['big-file-child'], {
      cwd: REPOSITORY, execArgv: ['--conditions=source', '--import', 'tsx'], serialization: 'advanced',
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
    });
    let report: ChildReport | null = null;
    child.on('message', (message: ChildReport) => { report = message; });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (report !== null) done(report);
      else fail(new SmallworldError('WORKER_FAILED', `big-file ${job.kind}: the loading process ended without a result (${signal ?? `exit code ${code}`})`));
    });
    child.send(job);
  });
}

/** The child's side: load, search, write again, report. */
async function serveChild(job: ChildJob): Promise<ChildReport> {
  const queries = Float32Array.from(job.queries);
  const nq = queries.length / job.dim;
  const labels: number[] = [];
  const distances: number[] = [];
  let loadS: number;
  let writeS: number;
  if (job.kind === 'native') {
    let index!: HnswIndex;
    loadS = await timeSecondsAsync(async () => { index = await HnswIndex.load(job.file); });
    const found = index.searchBatch(queries, K);
    labels.push(...found.labels);
    distances.push(...found.distances);
    writeS = timeSeconds(() => index.saveSync(job.copy));
  } else {
    const index = new HierarchicalNSW('l2', job.dim);
    loadS = timeSeconds(() => index.readIndexSync(job.file));
    index.setEf(64);
    for (let q = 0; q < nq; q++) {
      const { neighbors, distances: d } = index.searchKnn(Array.from(queries.subarray(q * job.dim, (q + 1) * job.dim)), K);
      labels.push(...neighbors);
      distances.push(...d);
    }
    writeS = timeSeconds(() => index.writeIndexSync(job.copy));
  }
  return { loadS, writeS, peakRssBytes: process.resourceUsage().maxRSS * 1024, labels, distances };
}

function sameResults(report: ChildReport, labels: Float64Array, distances: Float32Array): boolean {
  if (report.labels.length !== labels.length) return false;
  for (let i = 0; i < labels.length; i++) {
    if (report.labels[i] !== labels[i] || Math.fround(report.distances[i]) !== distances[i]) return false;
  }
  return true;
}

/** Builds, saves, loads in fresh processes and compares; removes its files unless `dir` was given. */
export async function runBigFile(options: BigFileOptions): Promise<BigFileResult> {
  const { n, dim, m, efConstruction, threads } = options;
  log(`free memory ${round(freemem() / GIB, 1)} GiB; the vectors alone take ${round((n * dim * 4) / GIB, 2)} GiB, twice that while a child loads`);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'smallworld-big-file-'));
  const native = join(dir, 'big.hnsw');
  const bin = join(dir, 'big.bin');
  try {
    const index = new HnswIndex({ space: 'l2', dim, m, efConstruction, capacity: n, seed: DATA_SEED });
    let buildS = 0;
    for (let first = 0; first < n; first += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, n - first);
      const rows = generateSynthetic({ count, dim, seed: DATA_SEED + 1 + first / CHUNK_ROWS }).data;
      buildS += (await buildInChunks(index, rows, threads, count, `build ${first + count}/${n}`)).seconds;
    }
    const queries = generateSynthetic({ count: options.queries, dim, seed: DATA_SEED }).data;
    index.efSearch = 64;
    const before = index.searchBatch(queries, K);
    const load = loadavg()[0];

    const saveS = await timeSecondsAsync(() => index.save(native));
    const nativeFileBytes = statSync(native).size;
    log(`saved ${nativeFileBytes} bytes in ${round(saveS, 1)} s`);
    const saveHnswlibS = await timeSecondsAsync(() => index.saveHnswlib(bin));
    const hnswlibFileBytes = statSync(bin).size;
    const job = { dim, k: K, queries: Array.from(queries) };
    const nativeChild = await runChild({ ...job, kind: 'native', file: native, copy: `${native}.copy` });
    const nativeCopyIdentical = sameFiles(native, `${native}.copy`);
    rmSync(`${native}.copy`, { force: true });
    const dropIn = await runChild({ ...job, kind: 'drop-in', file: bin, copy: `${bin}.copy` });
    const dropInCopyIdentical = sameFiles(bin, `${bin}.copy`);
    rmSync(`${bin}.copy`, { force: true });
    return {
      n, dim, m, efConstruction, load: round(load, 2), buildS: round(buildS, 1),
      nativeFileBytes, saveS: round(saveS, 2),
      nativeLoadS: round(nativeChild.loadS, 2), nativeSaveSyncS: round(nativeChild.writeS, 2),
      nativePeakRssBytes: nativeChild.peakRssBytes, nativeRssPerFileByte: round(nativeChild.peakRssBytes / nativeFileBytes, 3),
      nativeSameResults: sameResults(nativeChild, before.labels, before.distances), nativeCopyIdentical,
      hnswlibFileBytes, saveHnswlibS: round(saveHnswlibS, 2),
      dropInReadSyncS: round(dropIn.loadS, 2), dropInWriteSyncS: round(dropIn.writeS, 2),
      dropInPeakRssBytes: dropIn.peakRssBytes, dropInRssPerFileByte: round(dropIn.peakRssBytes / hnswlibFileBytes, 3),
      dropInSameResults: sameResults(dropIn, before.labels, before.distances), dropInCopyIdentical,
    };
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a few lines of text. */
export function formatBigFile(r: BigFileResult): string {
  const mb = (bytes: number) => `${round(bytes / 2 ** 20, 0)} MiB`;
  return [
    `${r.n} x ${r.dim}, M ${r.m}, efConstruction ${r.efConstruction}: built in ${r.buildS} s (load ${r.load})`,
    `native ${mb(r.nativeFileBytes)}: save ${r.saveS} s; load (fresh process) ${r.nativeLoadS} s, peak RSS ${mb(r.nativePeakRssBytes)} = ${r.nativeRssPerFileByte} x the file; same results ${r.nativeSameResults}; saveSync ${r.nativeSaveSyncS} s, same bytes ${r.nativeCopyIdentical}`,
    `hnswlib ${mb(r.hnswlibFileBytes)}: saveHnswlib ${r.saveHnswlibS} s; drop-in readIndexSync (fresh process) ${r.dropInReadSyncS} s, peak RSS ${mb(r.dropInPeakRssBytes)} = ${r.dropInRssPerFileByte} x the file; same results ${r.dropInSameResults}; writeIndexSync ${r.dropInWriteSyncS} s, same bytes ${r.dropInCopyIdentical}`,
  ].join('\n');
}

if (process.argv[2] === 'big-file-child') {
  process.once('message', (job: ChildJob) => {
    void serveChild(job).then((report) => process.send?.(report, () => process.exit(0)));
  });
}
