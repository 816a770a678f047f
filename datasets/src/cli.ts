// `pnpm datasets <command>`: synth, groundtruth, info, mnist. Relative paths
// are resolved against the directory pnpm was started from (INIT_CWD);
// progress and logs go to stderr, results to stdout (only JSON with --json).

import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SPACES, type Space } from '@smallworld/hnsw';
import { numberOption, requiredOption as required, UsageError } from '@smallworld/hnsw/cli';
import { DEFAULT_MEAN, DEFAULT_SD, DEFAULT_SEED, DEFAULT_CLUSTERS, DEFAULT_CLUSTER_SD, GENERATORS, type GeneratorName } from './generate.js';
import { acceptNegativeValues } from './cli-args.js';
import { computeGroundTruth, DEFAULT_GROUND_TRUTH_K } from './ground-truth.js';
import { describeHdf5, writeGroundTruthHdf5 } from './formats/hdf5.js';
import { detectFormat, storedDtype, writeVectors } from './io.js';
import { DEFAULT_MNIST_DIR, MNIST_BASE_COUNT, MNIST_SOURCES, readMnist, readSource, sliceRows } from './mnist.js';
import { ProgressBar } from './progress.js';
import { computeStats, fileInfo, type FileInfo } from './stats.js';
import { writeSynthetic } from './synth-file.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BASE_DIR = process.env.INIT_CWD ?? process.cwd();

const USAGE = `Usage: pnpm datasets <command> [options]

  synth --n N --dim D --out FILE [--seed S] [--generator normal|clustered|sphere]
        [--mean M] [--sd S] [--clusters C] [--cluster-sd X]
      Seeded synthetic vectors (default: the seed article's N(${DEFAULT_MEAN}, ${DEFAULT_SD})),
      streamed to FILE (.fvecs, .npy, .f32 + .f32.json sidecar, .hdf5).
  groundtruth --base B --queries Q --out G.ivecs [--k ${DEFAULT_GROUND_TRUTH_K}] [--space l2|ip|cosine]
        [--threads N] [--distances D.fvecs]
      Exact k-NN of each query, on worker threads. B and Q are files or
      ${MNIST_SOURCES.join(', ')}. G may be .ivecs, .npy, .i32, or .hdf5 (a whole
      ann-benchmarks file: train, test, neighbors, distances).
  info FILE [--dataset NAME]
      Format, count, dimension and statistics of a file (or an MNIST source);
      --dataset picks an HDF5 file's dataset (default train; or FILE.hdf5:NAME).
  mnist [--dir ${'../shared/datasets/mnist'}] [--out-dir datasets/data/mnist] [--format fvecs|npy|f32|hdf5]
        [--k ${DEFAULT_GROUND_TRUTH_K}] [--threads N]
      MNIST's test images split into base (first ${MNIST_BASE_COUNT}) and queries, with ground truth.

Common options: --json (machine-readable result on stdout), --quiet (no progress),
--mnist-dir DIR (where the mnist sources live), --dry-run (check the options,
print the settings as JSON and stop: nothing is read or written).
Negative values may follow their option (--mean -0.5). Files: see datasets/README.md.
`;

/** A path from the command line, resolved against the directory pnpm ran in. */
function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(BASE_DIR, p);
}

/** A source: an MNIST name as is, else a path (keeping an HDF5 `:dataset` suffix). */
function userSource(s: string): string {
  return (MNIST_SOURCES as readonly string[]).includes(s) ? s : userPath(s);
}

/** An integer option >= `min`; `fallback` when absent (required when there is none). */
function intOption(name: string, value: string | undefined, fallback?: number, min = 0): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  }
  return n;
}

const COMMON = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'mnist-dir': { type: 'string' },
} as const;

/** util.parseArgs over `args` (strict), with negative numbers accepted as option values. */
function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = false) {
  return parseArgs({ args: acceptNegativeValues(args, options), options, strict: true, allowPositionals });
}

/** What --dry-run prints: the command and its resolved settings, as one JSON line on stdout. */
function dryRun(command: string, settings: Record<string, unknown>): null {
  process.stdout.write(JSON.stringify({ command, dryRun: true, ...settings }) + '\n');
  return null;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function synth(args: string[]): Promise<unknown> {
  const { values: v } = parse(args, {
    ...COMMON, n: { type: 'string' }, dim: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
    generator: { type: 'string' }, mean: { type: 'string' }, sd: { type: 'string' },
    clusters: { type: 'string' }, 'cluster-sd': { type: 'string' },
  });
  const out = userPath(required('out', v.out));
  const format = detectFormat(out).format;
  const generator = (v.generator ?? 'normal') as GeneratorName;
  if (!GENERATORS.includes(generator)) throw new UsageError(`--generator must be one of ${GENERATORS.join(', ')} (got ${JSON.stringify(v.generator)})`);
  // Zero vectors is refused rather than written: an empty .fvecs file cannot
  // even record its dimension, and no reader or benchmark can use it.
  const options = {
    count: intOption('n', v.n, undefined, 1),
    dim: intOption('dim', v.dim, undefined, 1),
    seed: intOption('seed', v.seed, DEFAULT_SEED),
    generator,
    mean: numberOption('mean', v.mean, DEFAULT_MEAN),
    sd: numberOption('sd', v.sd, DEFAULT_SD),
    clusters: intOption('clusters', v.clusters, DEFAULT_CLUSTERS, 1),
    clusterSd: numberOption('cluster-sd', v['cluster-sd'], DEFAULT_CLUSTER_SD),
  };
  if (v['dry-run']) return dryRun('synth', { path: out, format, ...options });
  await mkdir(dirname(out), { recursive: true });
  const bar = new ProgressBar({ label: `synth ${generator}`, unit: 'vectors', enabled: !v.quiet });
  const result = await writeSynthetic(out, options, (done, total) => bar.update(done, total));
  bar.finish();
  const mb = (result.count * result.dim * 4) / 2 ** 20;
  log(`wrote ${result.count} x ${result.dim} to ${out} in ${result.seconds.toFixed(2)} s (${(mb / result.seconds).toFixed(0)} MiB/s)`);
  return { command: 'synth', path: out, format, ...result.params, seconds: result.seconds };
}

async function groundtruth(args: string[]): Promise<unknown> {
  const { values: v } = parse(args, {
    ...COMMON, base: { type: 'string' }, queries: { type: 'string' }, k: { type: 'string' }, out: { type: 'string' },
    space: { type: 'string' }, threads: { type: 'string' }, distances: { type: 'string' },
  });
  const out = userPath(required('out', v.out));
  const distances = v.distances === undefined ? undefined : userPath(v.distances);
  // Neighbour ids are integers and distances are floats: a format that would
  // convert them (ids into .fvecs floats, distances into .ivecs) is refused.
  if (!['int32', null].includes(storedDtype(out))) {
    throw new UsageError(`--out ${v.out}: neighbour ids are integers; a .${detectFormat(out).extension} file stores ${storedDtype(out)} (use .ivecs, .i32, .npy or .hdf5)`);
  }
  if (distances !== undefined && !['float32', null].includes(storedDtype(distances))) {
    throw new UsageError(`--distances ${v.distances}: distances are floats; a .${detectFormat(distances).extension} file stores ${storedDtype(distances)} (use .fvecs, .f32 or .npy)`);
  }
  const space = (v.space ?? 'l2') as Space;
  if (!SPACES.includes(space)) throw new UsageError(`--space must be one of ${SPACES.join(', ')} (got ${JSON.stringify(v.space)})`);
  const threads = intOption('threads', v.threads, availableParallelism(), 1);
  const k = intOption('k', v.k, DEFAULT_GROUND_TRUTH_K, 1);
  const mnistDir = v['mnist-dir'] === undefined ? undefined : userPath(v['mnist-dir']);
  const baseSource = userSource(required('base', v.base));
  const querySource = userSource(required('queries', v.queries));
  if (v['dry-run']) return dryRun('groundtruth', { base: baseSource, queries: querySource, path: out, distances, k, space, threads });
  // Shared memory: the worker threads read the vectors where they were loaded.
  const base = await readSource(baseSource, { mnistDir, shared: true });
  const queries = await readSource(querySource, { mnistDir, shared: true });
  log(`ground truth: ${queries.count} queries x ${base.count} base vectors, dim ${base.dim}, k ${k}, ${space}, ${threads} threads`);
  const bar = new ProgressBar({ label: 'groundtruth', unit: 'queries', enabled: !v.quiet });
  const start = performance.now();
  const truth = await computeGroundTruth(base, queries, { k, space, threads, onProgress: (d, t) => bar.update(d, t) });
  bar.finish();
  const seconds = (performance.now() - start) / 1000;
  await mkdir(dirname(out), { recursive: true });
  if (detectFormat(out).format === 'hdf5') {
    await writeGroundTruthHdf5(out, base, queries, truth);
  } else {
    await writeVectors(out, truth.neighbors, k);
  }
  if (distances !== undefined) await writeVectors(distances, { dtype: 'float32', data: truth.distances, count: truth.count, dim: k });
  log(`wrote ${out} in ${seconds.toFixed(2)} s`);
  return { command: 'groundtruth', path: out, queries: truth.count, base: base.count, dim: base.dim, k, space, threads, seconds };
}

function printInfo(info: FileInfo): void {
  const s = info.stats;
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6));
  process.stdout.write([
    `file       ${info.path}`,
    `format     ${info.format} (${info.dtype})`,
    `count      ${info.count}`,
    `dimension  ${info.dim}`,
    `mean       ${f(s.mean)}`,
    `sd         ${f(s.sd)}`,
    `min / max  ${f(s.min)} / ${f(s.max)}`,
    `mean norm  ${f(s.meanNorm)}`,
    ...(s.nonFinite > 0 ? [`non-finite ${s.nonFinite} values`] : []),
  ].join('\n') + '\n');
}

async function info(args: string[]): Promise<unknown> {
  const { values: v, positionals } = parse(args, { ...COMMON, dataset: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(`info takes one FILE (got ${positionals.length})`);
  const source = userSource(positionals[0]);
  if (v['dry-run']) return dryRun('info', { path: source, dataset: v.dataset });
  let result: FileInfo & { hdf5?: unknown };
  if ((MNIST_SOURCES as readonly string[]).includes(source)) {
    const set = await readSource(source, { mnistDir: v['mnist-dir'] === undefined ? undefined : userPath(v['mnist-dir']) });
    result = { path: source, format: 'idx', dtype: 'uint8', count: set.count, dim: set.dim, stats: computeStats(set.data, set.dim) };
  } else {
    const bar = new ProgressBar({ label: 'info', unit: 'vectors', enabled: !v.quiet && !v.json });
    result = await fileInfo(source, { dataset: v.dataset, onProgress: (d, t) => bar.update(d, t) });
    bar.finish();
    if (result.format === 'hdf5') result.hdf5 = await describeHdf5(detectFormat(source).path);
  }
  if (!v.json) {
    printInfo(result);
    if (result.hdf5 !== undefined) {
      const h = result.hdf5 as Awaited<ReturnType<typeof describeHdf5>>;
      for (const d of h.datasets) process.stdout.write(`dataset    ${d.name} [${d.shape.join(', ')}] ${d.dtype}\n`);
      for (const [key, value] of Object.entries(h.attributes)) process.stdout.write(`attribute  ${key} = ${JSON.stringify(value)}\n`);
    }
  }
  return { command: 'info', ...result };
}

async function mnist(args: string[]): Promise<unknown> {
  const { values: v } = parse(args, {
    ...COMMON, dir: { type: 'string' }, 'out-dir': { type: 'string' }, format: { type: 'string' }, k: { type: 'string' }, threads: { type: 'string' },
  });
  const dir = v.dir === undefined ? (v['mnist-dir'] === undefined ? DEFAULT_MNIST_DIR : userPath(v['mnist-dir'])) : userPath(v.dir);
  const outDir = v['out-dir'] === undefined ? join(PACKAGE_DIR, 'data', 'mnist') : userPath(v['out-dir']);
  const format = v.format ?? 'fvecs';
  if (!['fvecs', 'npy', 'f32', 'hdf5'].includes(format)) throw new UsageError(`--format must be fvecs, npy, f32 or hdf5 (got ${JSON.stringify(format)})`);
  const k = intOption('k', v.k, DEFAULT_GROUND_TRUTH_K, 1);
  const threads = intOption('threads', v.threads, availableParallelism(), 1);
  if (v['dry-run']) return dryRun('mnist', { dir, outDir, format, k, threads });
  const { images } = await readMnist(dir);
  const split = Math.min(MNIST_BASE_COUNT, images.count - 1);
  const base = sliceRows(images, 0, split);
  const queries = sliceRows(images, split, images.count - split);
  log(`mnist: ${base.count} base + ${queries.count} queries, dim ${images.dim}; ground truth k=${k} on ${threads} threads`);
  const bar = new ProgressBar({ label: 'mnist groundtruth', unit: 'queries', enabled: !v.quiet });
  const truth = await computeGroundTruth(base, queries, { k, space: 'l2', threads, onProgress: (d, t) => bar.update(d, t) });
  bar.finish();
  await mkdir(outDir, { recursive: true });
  let files: Record<string, string>;
  if (format === 'hdf5') {
    files = { all: join(outDir, 'mnist-784-euclidean.hdf5') };
    await writeGroundTruthHdf5(files.all, base, queries, truth);
  } else {
    files = {
      base: join(outDir, `mnist-base.${format}`),
      queries: join(outDir, `mnist-queries.${format}`),
      groundtruth: join(outDir, 'mnist-groundtruth.ivecs'),
    };
    await writeVectors(files.base, base);
    await writeVectors(files.queries, queries);
    await writeVectors(files.groundtruth, truth.neighbors, k);
  }
  for (const f of Object.values(files)) log(`wrote ${f}`);
  return { command: 'mnist', source: dir, base: base.count, queries: queries.count, dim: images.dim, k, files };
}

/** Each command resolves to its --json result, or null after a --dry-run (which printed its own line). */
const COMMANDS: Record<string, (args: string[]) => Promise<unknown>> = { synth, groundtruth, info, mnist };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const result = await run(rest);
    if (result !== null && rest.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`datasets ${command}: ${(err as Error).message}\n`);
    if (usage) process.stderr.write(`\n${USAGE}`);
    return usage ? 2 : 1;
  }
}

// A closed pipe (`pnpm datasets info x | head`) ends the output, not the world.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
