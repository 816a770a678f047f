// `pnpm bench sweep`: ann-benchmarks-style recall/QPS sweep over several
// libraries on one data set. Each library runs in its own child process, one
// after the other, so its build time, resident-memory growth and QPS are not
// disturbed by the others; results go to DIR/results.json and a plot.

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProgressBar } from '@smallworld/datasets';
import { SmallworldError, writeFileAtomicSync } from '@smallworld/hnsw';
import type { BenchData } from './data.js';
import type { LibraryName } from './peers.js';
import { recallQpsSpec, writePlot, type PlotFiles } from './plot.js';
import { log, median, recallAtK, round } from './stats.js';
import type { SweepJob, SweepReply } from './sweep-worker.js';

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
  /** Timed passes over the queries per efSearch; the median is kept. */
  rounds: number;
  /** smallworld's vector storage: 'int8' builds int8 codes with re-ranking. */
  quantization: 'none' | 'int8';
  out: string;
  /** Called with each (library, efSearch) row as soon as it is known. */
  onRow?: (row: SweepRow) => void;
}

/** One (library, efSearch) result: the JSON line of `--json`. */
export interface SweepRow {
  lib: string;
  efSearch: number;
  recall: number;
  qps: number;
  buildS: number;
  /** Resident-set growth over the build, MiB. */
  memoryMB: number;
}

/** The contents of results.json. */
export interface SweepResults {
  data: { name: string; n: number; dim: number; queries: number; k: number };
  parameters: { m: number; efConstruction: number; threads: number; rounds: number; efSearch: number[] };
  machine: MachineInfo;
  libraries: { lib: string; skipped?: string; buildS?: number; memoryMB?: number; bytesPerVector?: { vectors: number; total: number } }[];
  rows: SweepRow[];
  plot: PlotFiles | null;
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
    platform: `${process.platform} ${process.arch}`, loadAverage: loadavg().map((v) => round(v, 2)), date: new Date().toISOString(),
  };
}

const CLI = resolve(import.meta.dirname, 'cli.ts');
const REPOSITORY = resolve(import.meta.dirname, '../..');

/** Runs `job` in a child process (the CLI's hidden `sweep-worker` command) and returns its reply. */
function runChild(job: SweepJob): Promise<Extract<SweepReply, { type: 'done' | 'skipped' }>> {
  return new Promise((done, fail) => {
    const child = fork(CLI, ['sweep-worker'], {
      cwd: REPOSITORY, execArgv: ['--conditions=source', '--import', 'tsx'], serialization: 'advanced',
      // The child's stdout goes to our stderr: with --json our stdout is for JSON lines only.
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
    });
    const bar = new ProgressBar({ label: `build ${job.lib}`, unit: 'vectors' });
    let reply: Extract<SweepReply, { type: 'done' | 'skipped' }> | null = null;
    child.on('message', (message: SweepReply) => {
      if (message.type === 'progress') bar.update(message.done, message.total);
      else reply = message;
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      bar.finish();
      if (reply !== null) done(reply);
      else fail(new SmallworldError('WORKER_FAILED', `${job.lib}: the benchmark process ended without a result (${signal ?? `exit code ${code}`})`));
    });
    child.send(job);
  });
}

/** Runs the sweep over `data`; writes results.json and the plot into `options.out`. */
export async function runSweep(data: BenchData, options: SweepOptions): Promise<SweepResults> {
  const { dim, k } = data;
  const n = data.base.length / dim;
  const nq = data.queries.length / dim;
  mkdirSync(options.out, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'smallworld-sweep-'));
  const results: SweepResults = {
    data: { name: data.name, n, dim, queries: nq, k },
    parameters: { m: options.m, efConstruction: options.efConstruction, threads: options.threads, rounds: options.rounds, efSearch: options.efSearch },
    machine: machineInfo(), libraries: [], rows: [], plot: null,
  };
  try {
    const basePath = join(scratch, 'base.f32');
    const queriesPath = join(scratch, 'queries.f32');
    writeFileAtomicSync(basePath, new Uint8Array(data.base.buffer, data.base.byteOffset, data.base.byteLength));
    writeFileAtomicSync(queriesPath, new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
    for (const lib of options.libs) {
      log(`${lib}: build over ${n} x ${dim} (M ${options.m}, efConstruction ${options.efConstruction}), then ${nq} queries at efSearch ${options.efSearch.join(',')} ...`);
      const reply = await runChild({
        lib, basePath, queriesPath, dim, k, m: options.m, efConstruction: options.efConstruction,
        threads: options.threads, efSearch: options.efSearch, rounds: options.rounds, quantization: options.quantization,
      });
      if (reply.type === 'skipped') {
        log(`  skipped: ${reply.reason}`);
        results.libraries.push({ lib, skipped: reply.reason });
        continue;
      }
      const buildS = round(reply.buildS, 3);
      const memoryMB = round(Math.max(0, reply.rssAfter - reply.rssBefore) / 2 ** 20, 1);
      const bytes = reply.bytesPerVector;
      log(`  build ${buildS} s, resident memory +${memoryMB} MiB${bytes ? `, ${bytes.vectors} bytes per vector (${Math.round(bytes.total)} with the graph)` : ''}`);
      results.libraries.push({ lib, buildS, memoryMB, ...(bytes ? { bytesPerVector: bytes } : {}) });
      for (const run of reply.runs) {
        const row: SweepRow = {
          lib, efSearch: run.efSearch, recall: round(recallAtK(run.labels, data.truth, nq, k), 4),
          qps: round(nq / median(run.seconds), 1), buildS, memoryMB,
        };
        log(`  efSearch ${String(row.efSearch).padStart(4)}: recall ${row.recall.toFixed(4)}, ${Math.round(row.qps)} QPS`);
        results.rows.push(row);
        options.onRow?.(row);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (results.rows.length > 0) {
    results.plot = await writePlot(recallQpsSpec(results.rows, `${data.name}: ${n} x ${dim}, ${nq} queries, k=${k}, M=${options.m}, efC=${options.efConstruction}`, k), join(options.out, 'recall-qps'));
  }
  writeFileAtomicSync(join(options.out, 'results.json'), new TextEncoder().encode(JSON.stringify(results, null, 2) + '\n'));
  return results;
}

/** A table of the sweep for a terminal or Markdown. */
export function formatSweep(results: SweepResults): string {
  const lines = ['| library | build (s) | memory (MiB) | efSearch | recall | QPS |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const lib of results.libraries) {
    if (lib.skipped) {
      lines.push(`| ${lib.lib} | skipped: ${lib.skipped} | | | | |`);
      continue;
    }
    for (const row of results.rows.filter((r) => r.lib === lib.lib)) {
      lines.push(`| ${row.lib} | ${row.buildS} | ${row.memoryMB} | ${row.efSearch} | ${row.recall.toFixed(4)} | ${Math.round(row.qps)} |`);
    }
  }
  if (results.plot) lines.push('', `plot: ${results.plot.svg}, ${results.plot.png}`);
  return lines.join('\n');
}
