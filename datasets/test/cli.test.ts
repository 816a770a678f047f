// The CLI end to end: synth -> info -> groundtruth, relative paths against
// INIT_CWD, JSON alone on stdout, usage errors and corrupt files.

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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
    expect(bad.stderr).toMatch(/--n must be a non-negative integer \(got "many"\)/);
    expect(bad.stderr).toMatch(/Usage: pnpm datasets/);
    await writeFile(file('broken.fvecs'), Buffer.from([8, 0, 0, 0, 1, 2, 3]));
    const corrupt = await datasets('info', 'broken.fvecs');
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain(`${file('broken.fvecs')}: size 7 bytes is not a whole number of 36-byte records`);
  });
});
