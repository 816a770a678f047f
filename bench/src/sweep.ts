// `pnpm bench sweep`: ann-benchmarks-style recall/QPS sweep over several
// libraries on one data set. Each library lives in a child process of its own
// (its resident-memory growth and garbage collector are its alone); the builds
// run one at a time, then the libraries take turns pass by pass, so load on a
// shared machine hits them alike. `--repeat` runs it all again and quotes the
// median and range of each point and each QPS ratio. Results go to
// DIR/results.json and plots.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProgressBar } from '@smallworld/datasets';
import { SmallworldError, writeFileAtomicSync } from '@smallworld/hnsw';
import type { BenchData } from './data.js';
import { bytesPerVectorLine, type BytesPerVector, type LibraryName } from './peers.js';
import { qpsRatioSpec, recallQpsSpec, writePlot, type PlotFiles } from './plot.js';
import { log, recallAtK, round } from './stats.js';
import { passOrder, summarizeRepeats, timeInterleaved, type LibraryRun, type PointSummary, type TimedLibrary } from './sweep-summary.js';
import type { SweepJob, SweepReply, SweepRequest } from './sweep-worker.js';

/** The efSearch values of a sweep unless told otherwise. */
export const DEFAULT_EF_SEARCH = [10, 20, 40, 80, 160, 320] as const;

/** Options of `runSweep`. */
export interface SweepOptions {
  libs: LibraryName[];
  m: number;
  efConstruction: number;
  /** Build threads for libraries that can build in parallel (smallworld, usearch); queries always run on one thread. */
  threads: number;
  efSearch: number[];
  /** Timed passes over the queries per efSearch and library, the libraries taking turns; the median is kept. */
  rounds: number;
  /** smallworld's vector storage: 'int8' builds int8 codes with re-ranking. */
  quantization: 'none' | 'int8';
  /** Whole sweeps (builds included) to run; each figure is the median over them, with its range. Default 1. */
  repeat?: number;
  out: string;
  /** Called with each (library, efSearch) row once every repeat is done. */
  onRow?: (row: SweepRow) => void;
}

/**
 * One (library, efSearch) result: the JSON line of `--json`. Figures are
 * medians over the repeats; `...Min` and `...Max` are their range (equal to
 * the median with one repeat).
 */
export interface SweepRow {
  lib: string;
  efSearch: number;
  recall: number;
  qps: number;
  buildS: number;
  /** Resident-set growth over the build, MiB. */
  memoryMB: number;
  qpsMin: number;
  qpsMax: number;
  buildSMin: number;
  buildSMax: number;
  /** The reference library of `qpsRatio`: the first of `libs` measured (absent on its own rows). */
  ratioOf?: string;
  /**
   * `ratioOf`'s QPS over this library's at this efSearch (above 1: the
   * reference is faster): per repeat, the median over rounds of the ratio of
   * two passes that ran back to back; then the median over repeats.
   */
  qpsRatio?: number;
  qpsRatioMin?: number;
  qpsRatioMax?: number;
}

/** The contents of results.json. */
export interface SweepResults {
  data: { name: string; n: number; dim: number; queries: number; k: number };
  parameters: { m: number; efConstruction: number; threads: number; rounds: number; repeat: number; efSearch: number[] };
  machine: MachineInfo;
  libraries: { lib: string; skipped?: string; buildS?: number; memoryMB?: number; bytesPerVector?: BytesPerVector }[];
  rows: SweepRow[];
  plot: PlotFiles | null;
  /** The QPS ratios against the reference library per efSearch, with their ranges (null with fewer than two libraries). */
  ratioPlot: PlotFiles | null;
  /** Every repeat as measured: the load average when it started, and each library's build and pass times (seconds). */
  runs: { loadAverage: number[]; libraries: LibraryRun[] }[];
}

/** Where a benchmark ran, for results files and docs. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  loadAverage: number[];
  date: string;
}

/** The machine this process runs on, with the load average right now. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism(), node: process.version,
    platform: `${process.platform} ${process.arch}`, loadAverage: loadAverage(), date: new Date().toISOString(),
  };
}

function loadAverage(): number[] {
  return loadavg().map((v) => round(v, 2));
}

const CLI = resolve(import.meta.dirname, 'cli.ts');
const REPOSITORY = resolve(import.meta.dirname, '../..');

/** A library built in a child process (the CLI's hidden `sweep-worker` command), answering timed passes. */
interface ChildLibrary extends TimedLibrary {
  /** Asks the child to release its index and waits for it to exit. */
  close(): Promise<void>;
  /** Ends the child at once (after a failure elsewhere); nothing when it has exited. */
  kill(): void;
}

/** Starts a child for `job` and builds; the build's reply and the child (already closed when skipped). */
async function forkLibrary(job: SweepJob): Promise<{ reply: Extract<SweepReply, { type: 'built' | 'skipped' }>; library: ChildLibrary }> {
  const child: ChildProcess = fork(CLI, ['sweep-worker'], {
    cwd: REPOSITORY, execArgv: ['--conditions=source', '--import', 'tsx'], serialization: 'advanced',
    // The child's stdout goes to our stderr: with --json our stdout is for JSON lines only.
    stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const bar = new ProgressBar({ label: `build ${job.lib}`, unit: 'vectors' });
  let waiting: { done: (reply: SweepReply) => void; fail: (error: Error) => void } | null = null;
  let ended: Error | null = null;
  const end = (error: Error) => {
    ended ??= error;
    waiting?.fail(ended);
    waiting = null;
  };
  child.on('message', (reply: SweepReply) => {
    if (reply.type === 'progress') {
      bar.update(reply.done, reply.total);
      return;
    }
    const asked = waiting;
    waiting = null;
    if (reply.type === 'failed') asked?.fail(new SmallworldError('WORKER_FAILED', `${job.lib}: ${reply.message}`));
    else asked?.done(reply);
  });
  child.on('error', end);
  child.on('exit', (code, signal) => end(new SmallworldError('WORKER_FAILED', `${job.lib}: the benchmark process ended (${signal ?? `exit code ${code}`})`)));
  // One request at a time: the parent always waits for the answer before the next.
  const ask = (request: SweepRequest) => new Promise<SweepReply>((done, fail) => {
    if (ended !== null) fail(ended);
    else {
      waiting = { done, fail };
      child.send(request);
    }
  });
  const library: ChildLibrary = {
    lib: job.lib,
    async pass(efSearch, withLabels) {
      const reply = await ask({ type: 'pass', efSearch, labels: withLabels });
      if (reply.type !== 'passed') throw new SmallworldError('WORKER_FAILED', `${job.lib}: answered ${reply.type} to a pass`);
      return reply.labels === undefined ? { seconds: reply.seconds } : { seconds: reply.seconds, labels: reply.labels };
    },
    async close() {
      if (ended === null) await ask({ type: 'close' });
      await exited;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
  let reply: SweepReply;
  try {
    reply = await ask({ type: 'build', job });
  } catch (error) {
    library.kill();
    throw error;
  } finally {
    bar.finish();
  }
  if (reply.type !== 'built' && reply.type !== 'skipped') {
    library.kill();
    throw new SmallworldError('WORKER_FAILED', `${job.lib}: answered ${reply.type} to a build`);
  }
  if (reply.type === 'skipped') await library.close();
  return { reply, library };
}

/**
 * One repeat: builds each of `libs` in its own child, one at a time (the
 * first to build changes with `repeat`), then times them taking turns pass by
 * pass; the skipped libraries are added to `skipped`.
 */
async function runRepeat(
  data: BenchData, job: Omit<SweepJob, 'lib'>, libs: readonly LibraryName[], repeat: number, rounds: number, skipped: Map<string, string>,
): Promise<LibraryRun[]> {
  const n = data.base.length / data.dim;
  const nq = data.queries.length / data.dim;
  const children: ChildLibrary[] = [];
  const builds = new Map<string, Pick<LibraryRun, 'buildS' | 'memoryMB' | 'bytesPerVector'>>();
  try {
    for (const lib of passOrder(libs, repeat)) {
      log(`${lib}: build over ${n} x ${data.dim} (M ${job.m}, efConstruction ${job.efConstruction}) ...`);
      const { reply, library } = await forkLibrary({ ...job, lib });
      if (reply.type === 'skipped') {
        log(`  skipped: ${reply.reason}`);
        skipped.set(lib, reply.reason);
        continue;
      }
      const memoryMB = Math.max(0, reply.rssAfter - reply.rssBefore) / 2 ** 20;
      log(`  build ${round(reply.buildS, 3)} s, resident memory +${round(memoryMB, 1)} MiB`);
      builds.set(lib, { buildS: reply.buildS, memoryMB, ...(reply.bytesPerVector !== undefined ? { bytesPerVector: reply.bytesPerVector } : {}) });
      children.push(library);
    }
    // Passes in the order of --libs, rotated each round.
    const built = libs.flatMap((lib) => children.filter((child) => child.lib === lib));
    log(`${built.map((child) => child.lib).join(', ')} taking turns: ${nq} queries at efSearch ${job.efSearch.join(',')}, ${rounds} pass(es) each ...`);
    const passes = await timeInterleaved(built, job.efSearch, rounds, (labels) => recallAtK(labels, data.truth, nq, data.k), (ef, point) => {
      log(`  efSearch ${String(ef).padStart(4)}: ${point.map((p, i) => `${built[i].lib} ${p.recall.toFixed(4)} / ${Math.round(nq / Math.min(...p.seconds))} QPS`).join(', ')} (best pass)`);
    });
    for (const child of children) await child.close();
    return built.map((child, i) => ({ lib: child.lib, ...builds.get(child.lib)!, passes: passes[i] }));
  } finally {
    for (const child of children) child.kill();
  }
}

/** A row of results.json from a summed-up point, rounded for reading. */
function sweepRow(point: PointSummary, reference: string | null): SweepRow {
  const row: SweepRow = {
    lib: point.lib, efSearch: point.efSearch, recall: round(point.recall, 4), qps: round(point.qps.median, 1),
    buildS: round(point.buildS.median, 3), memoryMB: round(point.memoryMB.median, 1),
    qpsMin: round(point.qps.min, 1), qpsMax: round(point.qps.max, 1), buildSMin: round(point.buildS.min, 3), buildSMax: round(point.buildS.max, 3),
  };
  if (point.qpsRatio !== undefined && reference !== null) {
    Object.assign(row, { ratioOf: reference, qpsRatio: round(point.qpsRatio.median, 3), qpsRatioMin: round(point.qpsRatio.min, 3), qpsRatioMax: round(point.qpsRatio.max, 3) });
  }
  return row;
}

/** Runs the sweep over `data`; writes results.json and the plots into `options.out`. */
export async function runSweep(data: BenchData, options: SweepOptions): Promise<SweepResults> {
  const { dim, k } = data;
  const n = data.base.length / dim;
  const nq = data.queries.length / dim;
  const repeat = options.repeat ?? 1;
  mkdirSync(options.out, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'smallworld-sweep-'));
  const results: SweepResults = {
    data: { name: data.name, n, dim, queries: nq, k },
    parameters: { m: options.m, efConstruction: options.efConstruction, threads: options.threads, rounds: options.rounds, repeat, efSearch: options.efSearch },
    machine: machineInfo(), libraries: [], rows: [], plot: null, ratioPlot: null, runs: [],
  };
  const skipped = new Map<string, string>();
  try {
    const basePath = join(scratch, 'base.f32');
    const queriesPath = join(scratch, 'queries.f32');
    writeFileAtomicSync(basePath, new Uint8Array(data.base.buffer, data.base.byteOffset, data.base.byteLength));
    writeFileAtomicSync(queriesPath, new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
    const job = {
      basePath, queriesPath, dim, k, m: options.m, efConstruction: options.efConstruction, threads: options.threads, efSearch: options.efSearch,
      quantization: options.quantization,
    };
    for (let r = 0; r < repeat; r++) {
      if (repeat > 1) log(`repeat ${r + 1} of ${repeat}:`);
      const loadAtStart = loadAverage();
      const libraries = await runRepeat(data, job, options.libs.filter((lib) => !skipped.has(lib)), r, options.rounds, skipped);
      results.runs.push({ loadAverage: loadAtStart, libraries });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const measured = options.libs.filter((lib) => !skipped.has(lib));
  const reference = measured.length > 1 ? measured[0] : null;
  const points = summarizeRepeats(results.runs.map((run) => run.libraries), measured, reference, nq);
  results.rows = points.map((point) => sweepRow(point, reference));
  for (const lib of options.libs) {
    const reason = skipped.get(lib);
    const row = results.rows.find((r) => r.lib === lib);
    const bytesPerVector = results.runs[0]?.libraries.find((run) => run.lib === lib)?.bytesPerVector;
    results.libraries.push(reason !== undefined ? { lib, skipped: reason }
      : { lib, buildS: row?.buildS, memoryMB: row?.memoryMB, ...(bytesPerVector !== undefined ? { bytesPerVector } : {}) });
  }
  for (const row of results.rows) options.onRow?.(row);
  if (results.rows.length > 0) {
    const title = `${data.name}: ${n} x ${dim}, ${nq} queries, k=${k}, M=${options.m}, efC=${options.efConstruction}`;
    const repeats = repeat > 1 ? `, median and range of ${repeat} runs` : '';
    results.plot = await writePlot(recallQpsSpec(results.rows, title + repeats, k), join(options.out, 'recall-qps'));
    const ratios = results.rows.filter((row) => row.qpsRatio !== undefined)
      .map((row) => ({ lib: row.lib, efSearch: row.efSearch, ratio: row.qpsRatio!, ratioMin: row.qpsRatioMin!, ratioMax: row.qpsRatioMax! }));
    if (reference !== null && ratios.length > 0) {
      results.ratioPlot = await writePlot(qpsRatioSpec(ratios, `${title}: ${reference}'s QPS over each library's${repeats}`, reference), join(options.out, 'qps-ratio'));
    }
  }
  writeFileAtomicSync(join(options.out, 'results.json'), new TextEncoder().encode(JSON.stringify(results, null, 2) + '\n'));
  return results;
}

/** `median (min-max)` of a figure, or the median alone when the range is one value. */
function withRange(median: string, min: string, max: string): string {
  return min === max ? median : `${median} (${min}-${max})`;
}

/** A table of the sweep for a terminal or Markdown: medians over the repeats, with their ranges. */
export function formatSweep(results: SweepResults): string {
  const reference = results.rows.find((row) => row.ratioOf !== undefined)?.ratioOf;
  const ratioHeader = reference !== undefined ? ` ${reference} QPS / this |` : '';
  const lines = [
    `| library | build (s) | memory (MiB) | efSearch | recall | QPS |${ratioHeader}`,
    `| --- | ---: | ---: | ---: | ---: | ---: |${reference !== undefined ? ' ---: |' : ''}`,
  ];
  for (const lib of results.libraries) {
    if (lib.skipped) {
      lines.push(`| ${lib.lib} | skipped: ${lib.skipped} | | | | |${reference !== undefined ? ' |' : ''}`);
      continue;
    }
    for (const row of results.rows.filter((r) => r.lib === lib.lib)) {
      const build = withRange(String(row.buildS), String(row.buildSMin), String(row.buildSMax));
      const qps = withRange(String(Math.round(row.qps)), String(Math.round(row.qpsMin)), String(Math.round(row.qpsMax)));
      const ratio = row.qpsRatio === undefined ? '' : withRange(`${row.qpsRatio.toFixed(2)}x`, row.qpsRatioMin!.toFixed(2), row.qpsRatioMax!.toFixed(2));
      lines.push(`| ${row.lib} | ${build} | ${row.memoryMB} | ${row.efSearch} | ${row.recall.toFixed(4)} | ${qps} |${reference !== undefined ? ` ${ratio} |` : ''}`);
    }
  }
  const sized = results.libraries.filter((lib) => lib.bytesPerVector !== undefined);
  if (sized.length > 0) {
    lines.push('', bytesPerVectorLine(sized.map((lib) => ({ lib: lib.lib, bytes: lib.bytesPerVector! }))));
  }
  const { repeat, rounds } = results.parameters;
  lines.push('', `${repeat > 1 ? `median (min-max) of ${repeat} runs; ` : ''}QPS from the median of ${rounds} pass(es), the libraries taking turns pass by pass`);
  if (results.plot) lines.push(`plot: ${results.plot.svg}, ${results.plot.png}`);
  if (results.ratioPlot) lines.push(`ratios: ${results.ratioPlot.svg}, ${results.ratioPlot.png}`);
  return lines.join('\n');
}
