// `pnpm bench filter` at a tiny size: its rows, the index file it caches,
// the baseline engine loaded from a source folder, and its argument check.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/args.js';
import { main } from '../src/commands.js';
import { runFilter, type FilterOptions } from '../src/filter.js';

const scratch = mkdtempSync(join(tmpdir(), 'smallworld-bench-filter-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const options: FilterOptions = {
  n: 3000, dim: 16, queries: 10, k: 5, m: 8, efConstruction: 40, threads: 1, efSearch: 32,
  fractions: [0.01, 0.2], rounds: 1, index: join(scratch, 'filter.hnsw'),
  baselineSrc: resolve(import.meta.dirname, '../../packages/hnsw/src'),
};

describe('bench filter', () => {
  it('measures every method at every fraction, caches the index, and the exact methods have recall 1', async () => {
    const built = await runFilter(options);
    expect(existsSync(options.index!)).toBe(true);
    expect(built.buildS).not.toBeNull();
    expect(built.rows.map((r) => `${r.fraction}:${r.method}`)).toEqual([
      '0.01:engine', '0.01:before', '0.01:graph', '0.01:scan', '0.2:engine', '0.2:before', '0.2:graph', '0.2:scan',
    ]);
    for (const row of built.rows) {
      expect(row.allowed).toBe(Math.round(row.fraction * options.n));
      expect(row.msPerQuery).toBeGreaterThan(0);
    }
    // 1% is under EXACT_FILTER_FRACTION: the engine scans the allowed points, as the oracle does.
    for (const row of built.rows.filter((r) => r.fraction === 0.01 || r.method === 'scan')) expect(row.recall).toBe(1);
    const loaded = await runFilter({ ...options, fractions: [0.01] });
    expect(loaded.buildS).toBeNull();
  });

  it('refuses fractions outside (0, 1]', async () => {
    const error = await main(['filter', '--fractions', '0.01,0']).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('--fractions must be numbers in (0, 1]');
  });
});
