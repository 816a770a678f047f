// The benchmark CLI end to end at tiny sizes: argument errors, the JSON line
// formats of seed/sweep/scaling (demo: demo.test.ts), and the files a sweep writes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/args.js';
import { main } from '../src/commands.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = resolve(ROOT, 'bench/src/cli.ts');
const scratch = mkdtempSync(join(tmpdir(), 'smallworld-bench-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `pnpm bench ...` as the root script does; relative paths resolve against INIT_CWD. */
function bench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, INIT_CWD: scratch }, timeout: 290_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.trim().split('\n');
  // --json: stdout carries JSON lines only (each line parses, nothing else).
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('argument errors', () => {
  it.each([
    [['nonsense'], "unknown command 'nonsense'"],
    [['seed', '--n', '0'], '--n must be an integer >= 2 (got 0)'],
    [['seed', '--threads', '64'], '--threads must be an integer in 1..63 (got 64)'],
    [['seed', '--bogus', '1'], "Unknown option '--bogus'"],
    [['seed', '--compare', 'faiss'], '--compare must be hnswlib-node (got faiss)'],
    [['seed', '--recall-target', '1.5'], '--recall-target must be a number in [0, 1] (got 1.5)'],
    [['sweep', '--libs', 'smallworld,faiss'], "--libs: unknown value 'faiss'"],
    [['sweep', '--libs', 'hnsw,hnsw'], '--libs lists a value twice'],
    [['sweep', '--ef-search', '10,,20'], '--ef-search must be a comma-separated list'],
    [['sweep', '--queries', 'q.fvecs'], '--queries and --gt need --base'],
    [['sweep', '--base', 'b.fvecs', '--n', '10'], '--base replaces --data, --n and --nq'],
    [['scaling', '--data', 'mnist', '--n', '20000'], 'must be <= 9000'],
    [['compare', '--kernel', 'gpu'], '--kernel must be one of auto, simd, js (got gpu)'],
    [['demo', 'stray'], "Unexpected argument 'stray'"],
  ])('%j is a UsageError naming the option and the value', async (args, message) => {
    const error = await main(args).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  it('a missing command is a UsageError too (exit 2 with the usage); help is not', async () => {
    await expect(main([])).rejects.toThrow(new UsageError('no command given'));
    const none = bench();
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('error: no command given');
    expect(none.stderr).toContain('usage: pnpm bench');
    await expect(main(['help'])).resolves.toBe(0);
  });

  it('takes a negative number after its option as the value, and checks its range', async () => {
    const error = await main(['compare', '--target', '-0.5']).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('--target must be a number in [0, 1] (got -0.5)');
  });

  it('--dry-run checks the options and prints the settings without running anything', () => {
    const run = bench('seed', '--n', '1000000', '--faces', 'photos', '--threads', '1', '--dry-run');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      command: 'seed', dryRun: true, n: 1000000, threads: 1, faces: 10000, facesDir: join(scratch, 'photos'),
    });
    expect(run.stderr).toBe('');
    const bad = bench('sweep', '--libs', 'faiss', '--dry-run');
    expect(bad.status).toBe(2);
  });

  it('exits with status 2, prints the message and the usage on stderr, and nothing on stdout', () => {
    const run = bench('sweep', '--rounds', '0', '--json');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('error: --rounds must be an integer >= 1 (got 0)');
    expect(run.stderr).toContain('usage: pnpm bench');
    expect(run.stdout).toBe('');
  });
});

describe('seed', () => {
  it('prints one JSON object with the issue\'s keys, the target found as by brute force, recall measured', () => {
    const run = bench('seed', '--n', '3000', '--face-count', '600', '--queries', '40', '--threads', '2', '--compare', 'hnswlib-node', '--json');
    expect(run.status, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(1);
    const r = lines[0];
    for (const key of ['n', 'dim', 'threads', 'addS', 'buildS', 'queryMs', 'bruteForceMs', 'speedup', 'recall', 'recallSynthetic', 'efSearch', 'saveS', 'loadS']) {
      expect(typeof r[key], key).toBe('number');
    }
    expect(r).toMatchObject({ n: 3000, dim: 128, threads: 2, faces: 600, faceSource: 'generated', targetMatchesBruteForce: true });
    expect(r.recall as number).toBeGreaterThanOrEqual(0.9);
    expect(r.speedup).toBeCloseTo((r.bruteForceMs as number) / (r.queryMs as number), 0);
    expect(typeof r.hnswlibBuildS).toBe('number');
    expect(r.hnswlibRecall as number).toBeGreaterThan(0.5);
    expect((r.targetLabels as number[]).length).toBe(3);
    // Recall was checked only up to the first efSearch reaching the target.
    const byEf = r.recallByEf as { efSearch: number; recall: number }[];
    expect(byEf[byEf.length - 1].efSearch).toBe(r.efSearch);
  });
});

describe('sweep', () => {
  it('writes one JSON line per (library, efSearch) with ranges and ratios over --repeat runs, results.json, and both plots as SVG and PNG', () => {
    const out = 'sweep-out';
    const run = bench('sweep', '--n', '1500', '--nq', '50', '--dim', '16', '--libs', 'smallworld,hnswlib-node',
      '--ef-search', '10,40', '--rounds', '1', '--repeat', '2', '--threads', '1', '--out', out, '--json');
    expect(run.status, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => [l.lib, l.efSearch])).toEqual([['smallworld', 10], ['smallworld', 40], ['hnswlib-node', 10], ['hnswlib-node', 40]]);
    const ranges = ['qpsMin', 'qpsMax', 'buildSMin', 'buildSMax'];
    for (const line of lines) {
      // The fields of one-run sweeps first, as they were; ranges and ratios after them.
      const ratio = line.lib === 'hnswlib-node' ? ['ratioOf', 'qpsRatio', 'qpsRatioMin', 'qpsRatioMax'] : [];
      expect(Object.keys(line)).toEqual(['lib', 'efSearch', 'recall', 'qps', 'buildS', 'memoryMB', ...ranges, ...ratio]);
      expect(line.recall as number).toBeGreaterThan(0.8);
      expect(line.qps as number).toBeGreaterThan(0);
      expect(line.qpsMin as number).toBeLessThanOrEqual(line.qps as number);
      expect(line.qpsMax as number).toBeGreaterThanOrEqual(line.qps as number);
      if (line.lib === 'hnswlib-node') {
        expect(line.ratioOf).toBe('smallworld');
        expect(line.qpsRatioMin as number).toBeLessThanOrEqual(line.qpsRatio as number);
        expect(line.qpsRatioMax as number).toBeGreaterThanOrEqual(line.qpsRatio as number);
      }
    }
    // --out is relative: it lands in INIT_CWD, the folder the user ran pnpm in.
    const dir = join(scratch, out);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.rows).toEqual(lines);
    expect(results.data).toMatchObject({ name: 'clustered', n: 1500, dim: 16, queries: 50, k: 10 });
    expect(results.parameters).toMatchObject({ rounds: 1, repeat: 2 });
    // Every repeat as measured: both libraries, one pass per efSearch.
    expect(results.runs).toHaveLength(2);
    for (const repeat of results.runs) {
      expect(repeat.libraries.map((l: { lib: string }) => l.lib)).toEqual(['smallworld', 'hnswlib-node']);
      expect(repeat.libraries[0].passes.map((p: { seconds: number[] }) => p.seconds.length)).toEqual([1, 1]);
    }
    expect(readFileSync(join(dir, 'recall-qps.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*smallworld[\s\S]*hnswlib-node[\s\S]*<\/svg>$/);
    expect(readFileSync(join(dir, 'qps-ratio.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*hnswlib-node[\s\S]*<\/svg>$/);
    for (const png of ['recall-qps.png', 'qps-ratio.png']) {
      expect([...readFileSync(join(dir, png)).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
  }, 300_000); // four child processes, each loading the sources through tsx: minutes on a loaded machine
});

describe('scaling', () => {
  it('prints one JSON line per build and writes both plots', () => {
    const run = bench('scaling', '--n', '1200', '--sizes', '600,1200', '--threads', '2', '--dim', '16', '--queries', '30', '--out', 'scaling-out', '--json');
    expect(run.status, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => [l.series, l.n, l.threads])).toEqual([['threads', 1200, 1], ['threads', 1200, 2], ['n', 600, 2], ['n', 1200, 2]]);
    for (const line of lines) expect(line.recall as number).toBeGreaterThan(0.8);
    for (const name of ['scaling.json', 'scaling-threads.svg', 'scaling-threads.png', 'scaling-n.svg', 'scaling-n.png']) {
      expect(existsSync(join(scratch, 'scaling-out', name)), name).toBe(true);
    }
  });
});
