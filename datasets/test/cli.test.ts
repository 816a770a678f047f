// The CLI end to end: synth -> info -> groundtruth, relative paths against
// INIT_CWD, JSON alone on stdout, usage errors and corrupt files.

import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { computeGroundTruth, readMatrix, readVectors } from '../src/index.js';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'datasets', 'src', 'cli.ts');
const file = tempDir('cli');
const workDir = dirname(file('x'));

/** Runs `pnpm datasets ...` the way pnpm does: from the root, INIT_CWD = where the user was. */
async function datasets(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
      cwd: ROOT, env: { ...process.env, INIT_CWD: workDir },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('pnpm datasets', () => {
  it('synth, info and groundtruth, with --json on stdout and progress on stderr', async () => {
    const synth = await datasets('synth', '--n', '3000', '--dim', '8', '--seed', '5', '--out', 'base.npy', '--json');
    expect(synth.code).toBe(0);
    expect(JSON.parse(synth.stdout)).toMatchObject({ command: 'synth', path: file('base.npy'), count: 3000, dim: 8, seed: 5, mean: -0.35, sd: 0.48 });
    expect(synth.stderr).toMatch(/synth normal: 100%/);
    const q = await datasets('synth', '--n', '20', '--dim', '8', '--seed', '6', '--generator', 'sphere', '--out', 'q.f32', '--quiet');
    expect(q.code).toBe(0);
    expect(q.stdout).toBe('');

    const info = await datasets('info', 'base.npy', '--json');
    const parsed = JSON.parse(info.stdout);
    expect(parsed).toMatchObject({ format: 'npy', dtype: 'float32', count: 3000, dim: 8 });
    expect(parsed.stats.mean).toBeCloseTo(-0.35, 1);
    expect(parsed.stats.sd).toBeCloseTo(0.48, 1);

    const text = await datasets('info', 'q.f32');
    expect(text.stdout).toMatch(/^count {6}20$/m);
    expect(text.stdout).toMatch(/^mean norm {2}1(\.0+)?$/m);

    const gt = await datasets('groundtruth', '--base', 'base.npy', '--queries', 'q.f32', '--k', '5', '--threads', '1',
      '--out', 'gt.ivecs', '--distances', 'gt-d.fvecs', '--json');
    expect(gt.code).toBe(0);
    expect(JSON.parse(gt.stdout)).toMatchObject({ command: 'groundtruth', queries: 20, base: 3000, k: 5 });
    const want = await computeGroundTruth(await readVectors(file('base.npy')), await readVectors(file('q.f32')), { k: 5, threads: 1 });
    expect((await readMatrix(file('gt.ivecs'))).data).toEqual(want.neighbors);
    expect((await readVectors(file('gt-d.fvecs'))).data).toEqual(want.distances);
  });

  it('exits 2 with the usage on a bad command line, 1 naming the file on a corrupt one', async () => {
    const bad = await datasets('synth', '--n', 'many', '--dim', '8', '--out', 'x.fvecs');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--n must be an integer >= 1 \(got "many"\)/);
    expect(bad.stderr).toMatch(/Usage: pnpm datasets/);
    await writeFile(file('broken.fvecs'), Buffer.from([8, 0, 0, 0, 1, 2, 3]));
    const corrupt = await datasets('info', 'broken.fvecs');
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain(`${file('broken.fvecs')}: size 7 bytes is not a whole number of 36-byte records`);
  });

  it('refuses --n 0 (an empty .fvecs file cannot record its dimension) and writes nothing', async () => {
    const zero = await datasets('synth', '--n', '0', '--dim', '4', '--out', 'empty.fvecs');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--n must be an integer >= 1 (got "0")');
    await expect(stat(file('empty.fvecs'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses to write neighbour ids as floats or distances as integers', async () => {
    await datasets('synth', '--n', '50', '--dim', '4', '--out', 'small.fvecs', '--quiet');
    const ids = await datasets('groundtruth', '--base', 'small.fvecs', '--queries', 'small.fvecs', '--k', '3', '--out', 'gt.fvecs');
    expect(ids.code).toBe(2);
    expect(ids.stderr).toContain('--out gt.fvecs: neighbour ids are integers; a .fvecs file stores float32 (use .ivecs, .i32, .npy or .hdf5)');
    const distances = await datasets('groundtruth', '--base', 'small.fvecs', '--queries', 'small.fvecs', '--k', '3', '--out', 'gt3.ivecs', '--distances', 'd.i32');
    expect(distances.code).toBe(2);
    expect(distances.stderr).toContain('--distances d.i32: distances are floats; a .i32 file stores int32');
    await expect(stat(file('gt.fvecs'))).rejects.toThrow(/ENOENT/);
    await expect(stat(file('gt3.ivecs'))).rejects.toThrow(/ENOENT/);
  });

  it('takes negative values after their option (--mean -0.5), in any command', async () => {
    const synth = await datasets('synth', '--n', '2000', '--dim', '4', '--mean', '-0.5', '--sd', '0.1', '--out', 'neg.npy', '--quiet', '--json');
    expect(synth.code, synth.stderr).toBe(0);
    expect(JSON.parse(synth.stdout)).toMatchObject({ mean: -0.5, sd: 0.1 });
    const info = JSON.parse((await datasets('info', 'neg.npy', '--json')).stdout);
    expect(info.stats.mean).toBeCloseTo(-0.5, 1);
    const k = await datasets('groundtruth', '--base', 'neg.npy', '--queries', 'neg.npy', '--k', '-3', '--out', 'g.ivecs');
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('--k must be an integer >= 1 (got "-3")');
  });

  it('documents --dataset for info, and --dry-run checks options without reading or writing', async () => {
    const help = await datasets('--help');
    expect(help.stdout).toContain('info FILE [--dataset NAME]');
    const dry = await datasets('groundtruth', '--base', 'absent.fvecs', '--queries', 'absent.fvecs', '--out', 'dry.ivecs', '--threads', '1', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ command: 'groundtruth', dryRun: true, base: file('absent.fvecs'), path: file('dry.ivecs'), k: 100, threads: 1 });
    await expect(stat(file('dry.ivecs'))).rejects.toThrow(/ENOENT/);
  });
});
