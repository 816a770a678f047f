// The benchmark CLI's commands, one `command({...})` each, registered in
// COMMANDS (cli.ts is the entry). Logs and progress go to stderr; with
// --json, stdout carries only JSON lines.

import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MNIST_SOURCES, acceptNegativeValues } from '@smallworld/datasets';
import { SmallworldError } from '@smallworld/hnsw';
import {
  UsageError, command, choiceListOption, choiceOption, intListOption, intOption, numberOption, optionalIntOption, pathOption,
  stringOption, type BenchCommand, type RawOptions,
} from './args.js';
import { formatBigFile, runBigFile } from './big-file.js';
import { formatChurn, runChurn } from './churn.js';
import { compare, formatComparison, qpsAtRecall } from './compare.js';
import { DATA_NAMES, loadBenchData, loadFileData, type BenchData } from './data.js';
import { runDemo } from './demo.js';
import { formatFiles, runFiles } from './files.js';
import { formatFilter, runFilter } from './filter.js';
import { formatLarge, runLarge, serveLargeChild } from './large.js';
import { LIBRARY_NAMES, QUANTIZATION_NAMES, bytesPerVectorLine, loadHnswlibNode, oversampleVariant, smallworldPeer, type Peer } from './peers.js';
import { formatParams, plotParams, runParams } from './params.js';
import { recallQpsSpec, writePlot } from './plot.js';
import { formatQuantization, runQuantization } from './quantization.js';
import { formatScaling, runScaling } from './scaling.js';
import { formatSeed, runSeed, type SeedOptions } from './seed.js';
import { log } from './stats.js';
import { formatTraceOverhead, runTraceOverhead } from './trace-overhead.js';
import { DEFAULT_EF_SEARCH, formatSweep, runSweep } from './sweep.js';
import { serveSweepJob } from './sweep-worker.js';

/** Default folder for results (git-ignored). */
const RESULTS = resolve(import.meta.dirname, '../results');

const cores = availableParallelism();
const json = (line: unknown) => process.stdout.write(JSON.stringify(line) + '\n');

const demo = command({
  usage: `the seed experiment at 50,000 vectors on face-api's sample photos (pnpm demo)
[--n 50000] [--threads N] [--json]`,
  options: ['n', 'threads', 'json'],
  parse: (o) => ({ n: intOption(o, 'n', 50000, 1000), threads: intOption(o, 'threads', cores, 1, 63) }),
  async run(settings, asJson) {
    const result = await runDemo(settings);
    if (asJson) json(result);
    else console.log(formatSeed(result));
  },
});

const compareCommand = command({
  usage: `smallworld vs hnswlib-node, one thread, same data, one process
[--data clustered|seed|mnist] [--n 100000] [--dim 128] [--queries 1000]
[--m 16] [--ef-construction 100] [--ef-search 10,20,40,80,160,320]
[--kernel auto|simd|js] [--rounds 3] [--target 0.95] [--mnist-dir DIR]
[--quantization none|int8 (int8: also int8 with and without re-ranking)] [--oversample N[,N...]]
[--reorder on|off (smallworld's build ends with HnswIndex.reorder; on)] [--plot FILE (recall vs QPS, .svg and .png)] [--json]`,
  options: [
    'data', 'n', 'dim', 'queries', 'm', 'ef-construction', 'ef-search', 'kernel', 'rounds', 'target', 'mnist-dir',
    'quantization', 'oversample', 'reorder', 'plot', 'json',
  ],
  parse(o) {
    const data = choiceOption(o, 'data', DATA_NAMES, 'clustered');
    return {
      data, kernel: choiceOption(o, 'kernel', ['auto', 'simd', 'js'] as const, 'auto'),
      quantization: choiceOption(o, 'quantization', QUANTIZATION_NAMES, 'none'),
      oversample: intListOption(o, 'oversample', []), reorder: choiceOption(o, 'reorder', ['on', 'off'] as const, 'on') === 'on',
      plot: pathOption(o, 'plot'),
      target: numberOption(o, 'target', data === 'seed' ? 0.8 : 0.95, 0, 1),
      n: intOption(o, 'n', 100000), dim: intOption(o, 'dim', 128), queries: intOption(o, 'queries', 1000), mnistDir: pathOption(o, 'mnist-dir'),
      m: intOption(o, 'm', 16, 2), efConstruction: intOption(o, 'ef-construction', 100),
      efSearch: intListOption(o, 'ef-search', DEFAULT_EF_SEARCH), rounds: intOption(o, 'rounds', 3),
    };
  },
  async run(s, asJson) {
    if (s.oversample.length > 0 && s.quantization !== 'int8') throw new UsageError('--oversample needs --quantization int8');
    const bench = await loadBenchData(s.data, s.n, s.dim, s.queries, 10, s.mnistDir);
    const peer = await loadHnswlibNode();
    if (peer === null) throw new SmallworldError('UNSUPPORTED', 'hnswlib-node is not installed: run pnpm install in the repository');
    const ours = smallworldPeer(s.kernel, undefined, s.reorder);
    // int8: the float32 index, int8 with re-ranking and int8 codes only, beside hnswlib-node, timed interleaved.
    // Several --oversample values search the one re-ranking index at each depth.
    const reranked = smallworldPeer(
      s.kernel, { quantization: 'int8', rerank: true, ...(s.oversample.length === 1 ? { oversample: s.oversample[0] } : {}) }, s.reorder,
    );
    const int8: Peer[] = s.quantization === 'int8' ? [
      reranked,
      ...(s.oversample.length > 1 ? s.oversample.map((o) => oversampleVariant(reranked, o)) : []),
      smallworldPeer(s.kernel, { quantization: 'int8', rerank: false }, s.reorder),
    ] : [];
    const peers = [ours, ...int8, peer];
    const rows = await compare(peers, bench, s);
    for (const p of peers) await p.close?.();
    if (s.plot !== undefined) {
      const n = bench.base.length / bench.dim;
      const files = await writePlot(recallQpsSpec(rows, `${s.data}: ${n} x ${bench.dim}, k=10, M=${s.m}, efC=${s.efConstruction}`, 10), s.plot.replace(/\.(svg|png)$/, ''));
      log(`plot: ${files.svg}`);
    }
    const memory = peers.filter((p) => p.bytesPerVector).map((p) => ({ lib: p.name, ...p.bytesPerVector!(), clamped: p.clampedVectors?.() ?? 0 }));
    if (asJson) {
      for (const row of rows) json({ data: s.data, n: bench.base.length / bench.dim, dim: bench.dim, ...row });
      for (const m of memory) json({ memory: true, data: s.data, ...m });
      const a = qpsAtRecall(rows, ours.name, s.target);
      const b = qpsAtRecall(rows, peer.name, s.target);
      json({
        summary: true, data: s.data, target: s.target, buildRatio: rows[0].buildS / rows.find((r) => r.lib === peer.name)!.buildS,
        buildCpuRatio: rows[0].buildCpuS / rows.find((r) => r.lib === peer.name)!.buildCpuS,
        qpsRatioAtTarget: a && b ? a.qps / b.qps : null, qpsCpuRatioAtTarget: a && b ? a.qpsCpu / b.qpsCpu : null,
      });
    } else {
      console.log(`${s.data}: ${bench.base.length / bench.dim} x ${bench.dim}, ${bench.queries.length / bench.dim} queries, k 10`);
      console.log(formatComparison(rows, ours.name, peer.name, s.target));
      for (const other of int8) console.log(`\n${other.name} vs ${ours.name}:\n${formatComparison(rows, other.name, ours.name, s.target)}`);
      console.log(`\n${bytesPerVectorLine(memory.map((m) => ({ lib: m.lib, bytes: m })))}`);
      for (const m of memory) if (m.clamped > 0) console.log(`warning: ${m.lib} clamped ${m.clamped} vectors to its trained int8 range`);
    }
  },
});

const seed = command({
  usage: `the seed article's face-search experiment end to end
[--n 1000000] [--dim 128] [--threads N] [--faces DIR] [--face-count 10000]
[--queries 200] [--ef-search E] [--recall-target 0.9]
[--compare hnswlib-node] [--save-dir DIR] [--quantization none|int8] [--json]`,
  options: ['n', 'dim', 'threads', 'faces', 'face-count', 'queries', 'ef-search', 'recall-target', 'compare', 'save-dir', 'quantization', 'json'],
  parse(o): SeedOptions {
    const n = intOption(o, 'n', 1_000_000, 2);
    const facesDir = pathOption(o, 'faces');
    const saveDir = pathOption(o, 'save-dir');
    return {
      n, dim: intOption(o, 'dim', 128), threads: intOption(o, 'threads', cores, 1, 63),
      faces: intOption(o, 'face-count', Math.min(10_000, Math.floor(n / 2)), 1, n),
      queries: intOption(o, 'queries', 200), efSearch: optionalIntOption(o, 'ef-search'),
      recallTarget: numberOption(o, 'recall-target', 0.9, 0, 1), compare: compareOption(o),
      quantization: choiceOption(o, 'quantization', QUANTIZATION_NAMES, 'none'),
      ...(facesDir !== undefined ? { facesDir } : {}),
      ...(saveDir !== undefined ? { saveDir } : {}),
    };
  },
  async run(settings, asJson) {
    const result = await runSeed(settings);
    if (asJson) json(result);
    else console.log(formatSeed(result));
  },
});

const sweep = command({
  usage: `ann-benchmarks-style recall/QPS sweep, one child process per library, their passes taking turns
[--base FILE --queries FILE [--gt FILE]] or [--data clustered|seed|mnist --n 100000 --dim 128 --nq 1000]
[--k 10] [--libs smallworld,hnswlib-node,usearch,hnsw] [--m 16] [--ef-construction 100]
[--threads N] [--ef-search 10,20,40,80,160,320] [--rounds 3] [--repeat 1] [--out DIR (bench/results/sweep)]
[--quantization none|int8 (smallworld's vectors; int8 with re-ranking)] [--json]`,
  options: [
    'base', 'queries', 'gt', 'data', 'n', 'dim', 'nq', 'k', 'libs', 'm', 'ef-construction', 'threads', 'ef-search', 'rounds', 'repeat', 'out',
    'mnist-dir', 'quantization', 'json',
  ],
  parse(o) {
    const base = sourceOption(o, 'base');
    const queries = sourceOption(o, 'queries');
    const gt = sourceOption(o, 'gt');
    if (base === undefined && (queries !== undefined || gt !== undefined)) throw new UsageError('--queries and --gt need --base');
    if (base !== undefined && (o.data !== undefined || o.n !== undefined || o.nq !== undefined)) throw new UsageError('--base replaces --data, --n and --nq: give one or the other');
    return {
      k: intOption(o, 'k', 10),
      source: base !== undefined
        ? { from: 'files' as const, base, queries, gt }
        : {
          from: 'generated' as const, data: choiceOption(o, 'data', DATA_NAMES, 'clustered'), n: intOption(o, 'n', 100000), dim: intOption(o, 'dim', 128),
          nq: intOption(o, 'nq', 1000), mnistDir: pathOption(o, 'mnist-dir'),
        },
      libs: choiceListOption(o, 'libs', LIBRARY_NAMES, LIBRARY_NAMES), m: intOption(o, 'm', 16, 2),
      efConstruction: intOption(o, 'ef-construction', 100), threads: intOption(o, 'threads', cores, 1, 63),
      efSearch: intListOption(o, 'ef-search', DEFAULT_EF_SEARCH), rounds: intOption(o, 'rounds', 3),
      quantization: choiceOption(o, 'quantization', QUANTIZATION_NAMES, 'none'),
      repeat: intOption(o, 'repeat', 1),
      out: pathOption(o, 'out') ?? resolve(RESULTS, 'sweep'),
    };
  },
  async run({ k, source, ...settings }, asJson) {
    const data: BenchData = source.from === 'files'
      ? await loadFileData(source.base, source.queries, source.gt, k)
      : await loadBenchData(source.data, source.n, source.dim, source.nq, k, source.mnistDir);
    const results = await runSweep(data, { ...settings, ...(asJson ? { onRow: json } : {}) });
    if (!asJson) console.log(formatSweep(results));
  },
});

const scaling = command({
  usage: `build time vs threads 1..N and vs n, with recall and plots
[--data clustered|seed|mnist] [--dim 128] [--n 100000] [--threads N]
[--sizes 25000,50000,100000] [--m 16] [--ef-construction 100] [--ef-search 64]
[--queries 500] [--compare hnswlib-node] [--out DIR (bench/results/scaling)] [--quantization none|int8] [--json]`,
  options: ['data', 'dim', 'n', 'threads', 'sizes', 'm', 'ef-construction', 'ef-search', 'queries', 'compare', 'out', 'quantization', 'json'],
  parse(o) {
    const data = choiceOption(o, 'data', DATA_NAMES, 'clustered');
    const n = intOption(o, 'n', 100000);
    const sizes = intListOption(o, 'sizes', [25000, 50000, 100000]);
    if (data === 'mnist' && Math.max(n, ...sizes) > 9000) throw new UsageError(`--data mnist has 9000 base vectors: --n and --sizes must be <= 9000`);
    return {
      data, dim: intOption(o, 'dim', 128), n, maxThreads: intOption(o, 'threads', cores, 1, 63), sizes,
      m: intOption(o, 'm', 16, 2), efConstruction: intOption(o, 'ef-construction', 100), efSearch: intOption(o, 'ef-search', 64),
      queries: intOption(o, 'queries', 500), compare: compareOption(o), out: pathOption(o, 'out') ?? resolve(RESULTS, 'scaling'),
      quantization: choiceOption(o, 'quantization', QUANTIZATION_NAMES, 'none'),
    };
  },
  async run(settings, asJson) {
    const results = await runScaling({ ...settings, ...(asJson ? { onRow: json } : {}) });
    if (!asJson) console.log(formatScaling(results));
  },
});

const filter = command({
  usage: `filtered search latency and recall at allow-lists of --fractions of n (docs/benchmarks.md)
[--n 1000000] [--dim 128] [--queries 200] [--k 10] [--m 8] [--ef-construction 40] [--threads N]
[--ef-search 64] [--fractions 0.001,0.01,0.02,0.1] [--rounds 3] [--index FILE] [--baseline-src DIR] [--json]`,
  options: ['n', 'dim', 'queries', 'k', 'm', 'ef-construction', 'threads', 'ef-search', 'fractions', 'rounds', 'index', 'baseline-src', 'json'],
  parse(o) {
    const fractions = (stringOption(o, 'fractions') ?? '0.001,0.01,0.02,0.1').split(',').map(Number);
    if (fractions.some((f) => !(f > 0 && f <= 1))) throw new UsageError(`--fractions must be numbers in (0, 1] (got ${o.fractions})`);
    const index = pathOption(o, 'index');
    const baselineSrc = pathOption(o, 'baseline-src');
    return {
      n: intOption(o, 'n', 1_000_000, 1), dim: intOption(o, 'dim', 128), queries: intOption(o, 'queries', 200), k: intOption(o, 'k', 10),
      m: intOption(o, 'm', 8, 2), efConstruction: intOption(o, 'ef-construction', 40), threads: intOption(o, 'threads', cores, 1, 63),
      efSearch: intOption(o, 'ef-search', 64), fractions, rounds: intOption(o, 'rounds', 3),
      ...(index !== undefined ? { index } : {}), ...(baselineSrc !== undefined ? { baselineSrc } : {}),
    };
  },
  async run(settings, asJson) {
    const results = await runFilter({ ...settings, ...(asJson ? { onRow: json } : {}) });
    if (!asJson) console.log(formatFilter(results));
  },
});

const params = command({
  usage: `recall, QPS, build time and memory vs M and efConstruction (docs/parameters.md)
[--n 50000] [--dim 128] [--queries 2000] [--m 4,8,16,32,48]
[--ef-construction 25,50,100,200,400] [--ef-search 10,20,40,80,160,320]
[--out DIR (bench/results/params)] [--json]`,
  options: ['n', 'dim', 'queries', 'm', 'ef-construction', 'ef-search', 'out', 'json'],
  parse: (o) => ({
    n: intOption(o, 'n', 50000), dim: intOption(o, 'dim', 128), queries: intOption(o, 'queries', 2000),
    ms: intListOption(o, 'm', [4, 8, 16, 32, 48]), efConstructions: intListOption(o, 'ef-construction', [25, 50, 100, 200, 400]),
    efSearches: intListOption(o, 'ef-search', DEFAULT_EF_SEARCH), out: pathOption(o, 'out') ?? resolve(RESULTS, 'params'),
  }),
  async run({ out, ...settings }, asJson) {
    const rows = runParams(settings);
    await mkdir(out, { recursive: true });
    const plots = await plotParams(rows, out, settings.efConstructions[Math.floor(settings.efConstructions.length / 2)]);
    if (asJson) for (const row of rows) json(row);
    else console.log(formatParams(rows) + `\nplots: ${plots.map((p) => p.svg).join(', ')}`);
  },
});

const quantization = command({
  usage: `which int8 maths: recall@10 of an exact scan over codes (one scale, per-dimension scales, f32 query)
[--data clustered,seed,mnist] [--n 20000] [--dim 128] [--queries 200] [--mnist-dir DIR] [--json]`,
  options: ['data', 'n', 'dim', 'queries', 'mnist-dir', 'json'],
  parse: (o) => ({
    data: choiceListOption(o, 'data', DATA_NAMES, DATA_NAMES), n: intOption(o, 'n', 20000), dim: intOption(o, 'dim', 128),
    queries: intOption(o, 'queries', 200), mnistDir: pathOption(o, 'mnist-dir'),
  }),
  async run(s, asJson) {
    const rows = [];
    for (const name of s.data) rows.push(...runQuantization(await loadBenchData(name, s.n, s.dim, s.queries, 10, s.mnistDir), s.queries));
    if (asJson) for (const row of rows) json(row);
    else console.log(formatQuantization(rows));
  },
});

const files = command({
  usage: `save/load and writeIndex(Sync)/readIndex(Sync) of one index: smallworld, its hnswlib-node drop-in, hnswlib-node
[--n 100000] [--dim 128] [--m 16] [--ef-construction 100] [--threads N] [--rounds 5] [--dir DIR] [--json]`,
  options: ['n', 'dim', 'm', 'ef-construction', 'threads', 'rounds', 'dir', 'json'],
  parse(o) {
    const dir = pathOption(o, 'dir');
    return {
      n: intOption(o, 'n', 100000), dim: intOption(o, 'dim', 128), m: intOption(o, 'm', 16, 2),
      efConstruction: intOption(o, 'ef-construction', 100), threads: intOption(o, 'threads', cores, 1, 63),
      rounds: intOption(o, 'rounds', 5), ...(dir !== undefined ? { dir } : {}),
    };
  },
  async run(settings, asJson) {
    const result = await runFiles({ ...settings, ...(asJson ? { onRow: json } : {}) });
    if (asJson) json({ ...result, rows: undefined, summary: true });
    else console.log(formatFiles(result));
  },
});

const large = command({
  usage: `a ShardedIndex as large as memory allows: build from generated data, recall, save, load in a child (docs/scale-out.md)
--n N --dim D --shards S[,S...] [--m 8] [--ef-construction 40] [--ef-search 64] [--quantization int8]
[--threads N] [--queries 200] [--rounds 3] [--chunk 100000] [--dir DIR] [--json]`,
  options: ['n', 'dim', 'shards', 'm', 'ef-construction', 'ef-search', 'quantization', 'threads', 'queries', 'rounds', 'chunk', 'dir', 'json'],
  parse(o) {
    const dir = pathOption(o, 'dir');
    const quantization = o.quantization === undefined ? undefined : choiceOption(o, 'quantization', ['int8'] as const, 'int8');
    return {
      n: intOption(o, 'n', 1_000_000, 10), dim: intOption(o, 'dim', 128), shards: intListOption(o, 'shards', [2]),
      m: intOption(o, 'm', 8, 2), efConstruction: intOption(o, 'ef-construction', 40), efSearch: intOption(o, 'ef-search', 64),
      quantization, threads: intOption(o, 'threads', cores, 1, 63), queries: intOption(o, 'queries', 200),
      rounds: intOption(o, 'rounds', 3), chunk: intOption(o, 'chunk', 100_000), ...(dir !== undefined ? { dir } : {}),
    };
  },
  async run(settings, asJson) {
    const rows = await runLarge({ ...settings, ...(asJson ? { onRow: json } : {}) });
    if (!asJson) console.log(formatLarge(rows));
  },
});

const traceOverhead = command({
  usage: `what the tracer's hooks cost the TypeScript algorithms with no tracer set (hooked vs hooks stripped)
[--n 10000] [--dim 16] [--queries 2000] [--m 16] [--ef-construction 100] [--ef-search 64] [--rounds 7] [--json]`,
  options: ['n', 'dim', 'queries', 'm', 'ef-construction', 'ef-search', 'rounds', 'json'],
  parse: (o) => ({
    n: intOption(o, 'n', 10000), dim: intOption(o, 'dim', 16), queries: intOption(o, 'queries', 2000),
    m: intOption(o, 'm', 16, 2), efConstruction: intOption(o, 'ef-construction', 100), efSearch: intOption(o, 'ef-search', 64),
    rounds: intOption(o, 'rounds', 7),
  }),
  async run(settings, asJson) {
    const result = await runTraceOverhead(settings);
    if (asJson) json(result);
    else console.log(formatTraceOverhead(result));
  },
});

const bigFile = command({
  usage: `an index file past 2 GiB: save, load in a fresh process (peak RSS), the drop-in's readIndexSync/writeIndexSync
[--n 2200000] [--dim 256] [--m 4] [--ef-construction 8] [--threads N] [--queries 100] [--dir DIR] [--json]`,
  options: ['n', 'dim', 'm', 'ef-construction', 'threads', 'queries', 'dir', 'json'],
  parse(o) {
    const dir = pathOption(o, 'dir');
    return {
      n: intOption(o, 'n', 2_200_000), dim: intOption(o, 'dim', 256), m: intOption(o, 'm', 4, 2),
      efConstruction: intOption(o, 'ef-construction', 8), threads: intOption(o, 'threads', cores, 1, 63),
      queries: intOption(o, 'queries', 100), ...(dir !== undefined ? { dir } : {}),
    };
  },
  async run(settings, asJson) {
    const result = await runBigFile(settings);
    if (asJson) json(result);
    else console.log(formatBigFile(result));
  },
});

const churn = command({
  usage: `delete/insert churn three ways (soft delete + reuse, remove, compact every 5 cycles) against fresh builds
[--n 100000] [--dim 128] [--cycles 20] [--fraction 0.1] [--compact-every 5] [--fresh-every 5] [--m 16] [--ef-construction 100]
[--ef-search 64] [--queries 500] [--threads N] [--out DIR (bench/results/churn)] [--json]`,
  options: ['n', 'dim', 'cycles', 'fraction', 'compact-every', 'fresh-every', 'm', 'ef-construction', 'ef-search', 'queries', 'threads', 'out', 'json'],
  parse: (o) => ({
    n: intOption(o, 'n', 100000, 10), dim: intOption(o, 'dim', 128), cycles: intOption(o, 'cycles', 20, 1),
    fraction: numberOption(o, 'fraction', 0.1, 0.001, 0.9), compactEvery: intOption(o, 'compact-every', 5), freshEvery: intOption(o, 'fresh-every', 5),
    m: intOption(o, 'm', 16, 2), efConstruction: intOption(o, 'ef-construction', 100), efSearch: intOption(o, 'ef-search', 64),
    queries: intOption(o, 'queries', 500), threads: intOption(o, 'threads', cores, 1, 63), out: pathOption(o, 'out') ?? resolve(RESULTS, 'churn'),
  }),
  async run(settings, asJson) {
    const results = await runChurn({ ...settings, ...(asJson ? { onRow: json } : {}) });
    if (asJson) json({ summary: true, compactTiming: results.compactTiming });
    else console.log(formatChurn(results));
  },
});

/** The commands of `pnpm bench`, in the order of the usage text: a new command is one entry here. */
export const COMMANDS: Readonly<Record<string, BenchCommand>> = {
  demo,
  compare: compareCommand,
  seed,
  sweep,
  scaling,
  filter,
  params,
  quantization,
  files,
  large,
  'trace-overhead': traceOverhead,
  'big-file': bigFile,
  churn,
};

/** Options every command takes besides its own. */
const COMMON_USAGE = `every command: --dry-run (check the options, print the settings as one JSON line and stop)`;

export const USAGE = `usage: pnpm bench <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => {
  const [summary, ...lines] = c.usage.split('\n');
  return [`  ${name.padEnd(9)} ${summary}`, ...lines.map((line) => `            ${line}`)].join('\n');
}).join('\n')}

${COMMON_USAGE}
Negative values may follow their option (--target -1 reads as a value).
Relative paths are taken from the folder you ran the command in.`;

/** Parses `args` for `command`, rejecting unknown options and stray arguments. */
export function parseCommandOptions(command: string, args: string[]): RawOptions {
  const definition = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (definition === undefined) throw new UsageError(`unknown command '${command}'`);
  const spec = Object.fromEntries([...definition.options, 'dry-run'].map((name) => [
    name, { type: name === 'json' || name === 'dry-run' ? 'boolean' as const : 'string' as const },
  ]));
  try {
    return parseArgs({ args: acceptNegativeValues(args, spec), options: spec, strict: true, allowPositionals: false }).values as RawOptions;
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A data source path: the datasets package's MNIST names pass through, files resolve against INIT_CWD. */
function sourceOption(options: RawOptions, name: string): string | undefined {
  const value = stringOption(options, name);
  if (value === undefined || (MNIST_SOURCES as readonly string[]).includes(value)) return value;
  return pathOption(options, name);
}

function compareOption(options: RawOptions): boolean {
  const value = stringOption(options, 'compare');
  if (value !== undefined && value !== 'hnswlib-node') throw new UsageError(`--compare must be hnswlib-node (got ${value})`);
  return value !== undefined;
}

/** A command line read and checked: the command, its settings, and the two flags every command takes. */
export interface ParsedCommandLine {
  name: string;
  settings: object;
  dryRun: boolean;
  json: boolean;
}

/**
 * Reads and checks a command line (`['seed', '--n', '1000']`) without
 * running anything: a UsageError for a missing or unknown command or a bad
 * option. `--dry-run` stops here; the docs' test calls it for the long commands.
 */
export function parseCommandLine(argv: string[]): ParsedCommandLine {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given');
  const o = parseCommandOptions(name, rest);
  return { name, settings: COMMANDS[name].parse(o), dryRun: o['dry-run'] === true, json: o.json === true };
}

/**
 * Runs one CLI invocation; resolves to the process exit code (0; a bad
 * command line, a missing command included, rejects with a UsageError).
 */
export async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === 'help' || first === '--help' || first === '-h') {
    log(USAGE);
    return 0;
  }
  if (first === 'sweep-worker') {
    serveSweepJob();
    return 0;
  }
  if (first === 'large-child') {
    serveLargeChild();
    return 0;
  }
  const { name, settings, dryRun, json: asJson } = parseCommandLine(argv);
  if (dryRun) {
    json({ command: name, dryRun: true, ...settings });
    return 0;
  }
  await COMMANDS[name].run(settings, asJson);
  return 0;
}
