// Unit tests of the bench helpers: paths against INIT_CWD, option parsing,
// recall, and the plot renderers.

import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, intListOption, intOption, resolveUserPath } from '../src/args.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic, writeVectors } from '@smallworld/datasets';
import { exactNeighbours, loadFileData } from '../src/data.js';
import { recallQpsSpec, renderSvg, svgToPng } from '../src/plot.js';
import { median, recallAtK } from '../src/stats.js';

const savedInitCwd = process.env.INIT_CWD;
afterEach(() => {
  if (savedInitCwd === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = savedInitCwd;
});

describe('options', () => {
  it('resolves relative paths against INIT_CWD (pnpm runs scripts from the root)', () => {
    process.env.INIT_CWD = '/home/user/photos';
    expect(resolveUserPath('out/run1')).toBe('/home/user/photos/out/run1');
    expect(resolveUserPath('/abs/dir')).toBe('/abs/dir');
  });

  it('parses integers and lists, and rejects what is not one', () => {
    expect(intOption({ n: '42' }, 'n', 7)).toBe(42);
    expect(intOption({}, 'n', 7)).toBe(7);
    expect(intListOption({ e: '10,20' }, 'e', [1])).toEqual([10, 20]);
    expect(() => intOption({ n: '1e9x' }, 'n', 7)).toThrow(UsageError);
    expect(() => intOption({ n: '2.5' }, 'n', 7)).toThrow('--n must be an integer >= 1 (got 2.5)');
    expect(() => intOption({ n: true }, 'n', 7)).toThrow('--n needs a value');
  });
});

describe('measures', () => {
  it('recall@k counts the true neighbours found, in any order', () => {
    expect(recallAtK([1, 2, 3, 9], [2, 1, 3, 4], 2, 2)).toBe(0.75);
    expect(recallAtK([-1, -1], [0, 1], 1, 2)).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('plots', () => {
  it('renders a recall/QPS line per library to SVG, and the SVG to PNG', async () => {
    const svg = await renderSvg(recallQpsSpec([
      { lib: 'a', efSearch: 10, recall: 0.9, qps: 1000 }, { lib: 'a', efSearch: 20, recall: 0.95, qps: 500 },
      { lib: 'b', efSearch: 10, recall: 0.85, qps: 3000 }, { lib: 'b', efSearch: 20, recall: 0.93, qps: 2000 },
    ], 'test plot', 10));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('test plot');
    expect(svg).toContain('recall@10');
    // Two lines (one per library), drawn as paths.
    expect(svg.match(/class="mark-line/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    const png = svgToPng(svg, 1);
    expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(5000);
  });
});

describe('data from files', () => {
  it('reads fvecs base and queries, takes the first k columns of an ivecs ground truth, or computes it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'smallworld-bench-files-'));
    try {
      const dim = 8;
      const set = generateSynthetic({ count: 230, dim, seed: 5 });
      const base = set.data.subarray(0, 200 * dim);
      const queries = set.data.subarray(200 * dim);
      const truth20 = exactNeighbours(base, queries, dim, 20);
      await writeVectors(join(folder, 'b.fvecs'), base, dim);
      await writeVectors(join(folder, 'q.fvecs'), queries, dim);
      await writeVectors(join(folder, 'gt.ivecs'), Int32Array.from(truth20), 20);
      const given = await loadFileData(join(folder, 'b.fvecs'), join(folder, 'q.fvecs'), join(folder, 'gt.ivecs'), 10);
      const computed = await loadFileData(join(folder, 'b.fvecs'), join(folder, 'q.fvecs'), undefined, 10);
      expect(given.dim).toBe(dim);
      expect(given.base).toEqual(base);
      expect(given.queries).toEqual(queries);
      expect(given.truth).toEqual(computed.truth);
      expect(Array.from(given.truth.subarray(0, 10))).toEqual(Array.from(truth20.subarray(0, 10)));
      await expect(loadFileData(join(folder, 'b.fvecs'), join(folder, 'q.fvecs'), join(folder, 'gt.ivecs'), 30)).rejects.toThrow('fewer than --k 30');
      await expect(loadFileData(join(folder, 'b.fvecs'), undefined, undefined, 10)).rejects.toThrow('--queries is needed');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
