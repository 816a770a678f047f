// `pnpm bench files`: writing and reading one index file, smallworld against
// hnswlib-node, on the same graph (built once, moved everywhere through
// hnswlib's layout), in one process, the operations interleaved round by round.

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '@smallworld/datasets';
import { HnswIndex, SmallworldError } from '@smallworld/hnsw';
import { HierarchicalNSW as DropIn } from '@smallworld/hnswlib-node';
import { DATA_SEED } from './data.js';
import { buildInChunks, collectGarbage, cpuSecondsSince, log, median, round, timeSecondsAsync } from './stats.js';

/** Settings of one `files` run. */
export interface FilesOptions {
  n: number;
  dim: number;
  m: number;
  efConstruction: number;
  /** Threads of the one build every library's file comes from. */
  threads: number;
  /** Timed passes over every operation (medians are reported). */
  rounds: number;
  /** Folder for the files (default: a fresh one in the system's temporary folder, removed after). */
  dir?: string;
  /** Receives each operation's result as it is measured. */
  onRow?: (row: FilesRow) => void;
}

/** One operation's times. */
export interface FilesRow {
  /** 'smallworld' (the engine), 'drop-in' (@smallworld/hnswlib-node) or 'hnswlib-node' (the native addon). */
  library: 'smallworld' | 'drop-in' | 'hnswlib-node';
  /** The file layout: smallworld's native format or hnswlib's `.bin`. */
  format: 'native' | 'hnswlib';
  /** The call timed, as the library names it. */
  operation: string;
  /** 'write' or 'read'. */
  direction: 'write' | 'read';
  /** Median wall-clock seconds over the rounds. */
  medianS: number;
  /** Median CPU seconds (every thread of the process): steadier than wall time on a shared machine. */
  medianCpuS: number;
  /** Every round's wall-clock seconds, in order. */
  roundsS: number[];
}

/** The whole result: the rows and the headline ratios. */
export interface FilesResult {
  n: number;
  dim: number;
  m: number;
  rounds: number;
  /** Bytes of the hnswlib-layout file and of smallworld's native file. */
  hnswlibFileMB: number;
  nativeFileMB: number;
  /** 1-minute load average when the timing started (the machine may be shared). */
  load: number;
  rows: FilesRow[];
  /** drop-in / hnswlib-node median wall time of each sync call: the targets compare these. */
  readIndexSyncRatio: number;
  writeIndexSyncRatio: number;
  /** The same ratios of CPU time. */
  readIndexSyncCpuRatio: number;
  writeIndexSyncCpuRatio: number;
}

interface Operation {
  library: FilesRow['library'];
  format: FilesRow['format'];
  operation: string;
  direction: FilesRow['direction'];
  run: () => unknown;
}

interface NativeHnswlib {
  HierarchicalNSW: new (space: 'l2', dim: number) => {
    readIndex(file: string): Promise<boolean>;
    readIndexSync(file: string): void;
    writeIndex(file: string): Promise<boolean>;
    writeIndexSync(file: string): void;
    getCurrentCount(): number;
  };
}

async function loadNativeHnswlib(): Promise<NativeHnswlib> {
  try {
    const imported = (await import('hnswlib-node')) as unknown as NativeHnswlib & { default?: NativeHnswlib };
    return imported.HierarchicalNSW ? imported : imported.default!;
  } catch (error) {
    throw new SmallworldError('UNSUPPORTED', `hnswlib-node is not installed (run pnpm install in the repository): ${(error as Error).message}`, { cause: error });
  }
}

/** Builds one index, writes it in both layouts, then times every library's write and read of it. */
export async function runFiles(options: FilesOptions): Promise<FilesResult> {
  const { n, dim, m, efConstruction, threads, rounds } = options;
  const native = await loadNativeHnswlib();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'smallworld-files-'));
  try {
    const file = (name: string) => join(dir, name);
    let index: HnswIndex;
    if (options.dir !== undefined && existsSync(file('source.bin'))) {
      // A --dir kept from an earlier run: its graph is reused (a 100k build takes minutes on a busy machine).
      index = await HnswIndex.loadHnswlib(file('source.bin'), { space: 'l2', dim });
      if (index.size !== n || index.m !== m) throw new SmallworldError('INVALID_ARGUMENT', `${file('source.bin')} holds ${index.size} points of M ${index.m}, not ${n} of M ${m}: remove it`);
      log(`files: reusing ${file('source.bin')}`);
    } else {
      const data = generateSynthetic({ count: n, dim, seed: DATA_SEED, generator: 'clustered' }).data;
      index = new HnswIndex({ space: 'l2', dim, m, efConstruction, capacity: n });
      await buildInChunks(index, data, threads, 10_000, `files: building ${n} x ${dim}`);
      await index.close();
    }
    // Every library starts from this graph: the same file in hnswlib's layout.
    await index.saveHnswlib(file('source.bin'));
    await index.save(file('source.swi'));
    const dropIn = new DropIn('l2', dim);
    dropIn.readIndexSync(file('source.bin'));
    const theirs = new native.HierarchicalNSW('l2', dim);
    theirs.readIndexSync(file('source.bin'));
    if (theirs.getCurrentCount() !== n || dropIn.getCurrentCount() !== n) throw new SmallworldError('CORRUPT_FILE', 'an index did not load whole');

    const operations: Operation[] = [
      { library: 'smallworld', format: 'native', operation: 'save', direction: 'write', run: () => index.save(file('sw.swi')) },
      { library: 'smallworld', format: 'native', operation: 'load', direction: 'read', run: () => HnswIndex.load(file('source.swi')) },
      { library: 'smallworld', format: 'hnswlib', operation: 'saveHnswlib', direction: 'write', run: () => index.saveHnswlib(file('sw.bin')) },
      {
        library: 'smallworld', format: 'hnswlib', operation: 'loadHnswlib', direction: 'read',
        run: () => HnswIndex.loadHnswlib(file('source.bin'), { space: 'l2', dim }),
      },
      { library: 'drop-in', format: 'hnswlib', operation: 'writeIndex', direction: 'write', run: () => dropIn.writeIndex(file('dropin.bin')) },
      { library: 'drop-in', format: 'hnswlib', operation: 'readIndex', direction: 'read', run: () => new DropIn('l2', dim).readIndex(file('source.bin')) },
      { library: 'drop-in', format: 'hnswlib', operation: 'writeIndexSync', direction: 'write', run: () => dropIn.writeIndexSync(file('dropin.bin')) },
      {
        library: 'drop-in', format: 'hnswlib', operation: 'readIndexSync', direction: 'read',
        run: () => new DropIn('l2', dim).readIndexSync(file('source.bin')),
      },
      { library: 'hnswlib-node', format: 'hnswlib', operation: 'writeIndex', direction: 'write', run: () => theirs.writeIndex(file('native.bin')) },
      {
        library: 'hnswlib-node', format: 'hnswlib', operation: 'readIndex', direction: 'read',
        run: () => new native.HierarchicalNSW('l2', dim).readIndex(file('source.bin')),
      },
      {
        library: 'hnswlib-node', format: 'hnswlib', operation: 'writeIndexSync', direction: 'write',
        run: () => theirs.writeIndexSync(file('native.bin')),
      },
      {
        library: 'hnswlib-node', format: 'hnswlib', operation: 'readIndexSync', direction: 'read',
        run: () => new native.HierarchicalNSW('l2', dim).readIndexSync(file('source.bin')),
      },
    ];
    const times = operations.map(() => [] as number[]);
    const cpuTimes = operations.map(() => [] as number[]);
    const load = loadavg()[0];
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no library always follows the same one (page cache, GC debt).
      for (let i = 0; i < operations.length; i++) {
        const at = (i + round * 3) % operations.length;
        collectGarbage();
        const cpu = process.cpuUsage();
        times[at].push(await timeSecondsAsync(async () => { await operations[at].run(); }));
        cpuTimes[at].push(cpuSecondsSince(cpu));
      }
      log(`files: round ${round + 1}/${rounds} done`);
    }
    const rows = operations.map(({ library, format, operation, direction }, i): FilesRow => ({
      library, format, operation, direction, medianS: round(median(times[i]), 4), medianCpuS: round(median(cpuTimes[i]), 4),
      roundsS: times[i].map((t) => round(t, 4)),
    }));
    for (const row of rows) options.onRow?.(row);
    const ratio = (operation: string, of: number[][]) => {
      const at = (library: FilesRow['library']) => operations.findIndex((o) => o.library === library && o.operation === operation);
      return round(median(of[at('drop-in')]) / median(of[at('hnswlib-node')]), 2);
    };
    return {
      n, dim, m, rounds, load: round(load, 2), rows,
      hnswlibFileMB: round(statSync(file('source.bin')).size / 1e6, 2),
      nativeFileMB: round(statSync(file('source.swi')).size / 1e6, 2),
      readIndexSyncRatio: ratio('readIndexSync', times),
      writeIndexSyncRatio: ratio('writeIndexSync', times),
      readIndexSyncCpuRatio: ratio('readIndexSync', cpuTimes),
      writeIndexSyncCpuRatio: ratio('writeIndexSync', cpuTimes),
    };
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a table of medians. */
export function formatFiles(r: FilesResult): string {
  const lines = [
    `files: ${r.n} x ${r.dim}, M ${r.m}; hnswlib layout ${r.hnswlibFileMB} MB, native ${r.nativeFileMB} MB; ` +
      `median of ${r.rounds} interleaved rounds; load average ${r.load}`,
    `${'library'.padEnd(14)}${'format'.padEnd(9)}${'operation'.padEnd(16)}${'wall s'.padStart(9)}${'CPU s'.padStart(9)}`,
  ];
  for (const row of r.rows) {
    lines.push(`${row.library.padEnd(14)}${row.format.padEnd(9)}${row.operation.padEnd(16)}` +
      `${row.medianS.toFixed(3).padStart(9)}${row.medianCpuS.toFixed(3).padStart(9)}`);
  }
  lines.push(
    `drop-in / hnswlib-node, wall (CPU): readIndexSync ${r.readIndexSyncRatio}x (${r.readIndexSyncCpuRatio}x), ` +
      `writeIndexSync ${r.writeIndexSyncRatio}x (${r.writeIndexSyncCpuRatio}x); ` +
      'smallworld fsyncs the file and its folder, hnswlib-node does not',
  );
  return lines.join('\n');
}
