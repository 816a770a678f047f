// `pnpm bench large` at a tiny size: the same data into 1 and 2 shards,
// recall against the chunked exact scan, save, load in a child process.

import { describe, expect, it } from 'vitest';
import { formatLarge, runLarge } from '../src/large.js';
import { parseCommandLine } from '../src/commands.js';

describe('bench large', () => {
  it('builds each shard count, reloads it in a child and finds the same answers', async () => {
    const rows = await runLarge({
      n: 3000, dim: 8, shards: [1, 2], m: 8, efConstruction: 64, efSearch: 64, quantization: undefined,
      threads: 2, queries: 20, rounds: 1, chunk: 700,
    });
    expect(rows.map((r) => r.shards)).toEqual([1, 2]);
    for (const row of rows) {
      expect(row).toMatchObject({ n: 3000, dim: 8, simdOnEveryShard: true, identicalAfterLoad: true });
      expect(row.recall).toBeGreaterThanOrEqual(0.9);
      expect(row.recallAfterLoad).toBe(row.recall);
      for (const key of ['buildS', 'qps', 'fileBytes', 'saveS', 'loadS', 'peakRssBytes'] as const) expect(row[key]).toBeGreaterThan(0);
    }
    expect(formatLarge(rows)).toMatch(/^shards/);
  }, 180_000);

  it('reads its command line', () => {
    const { settings } = parseCommandLine(['large', '--n', '9000000', '--dim', '128', '--shards', '1,2,4', '--quantization', 'int8', '--threads', '2']);
    expect(settings).toMatchObject({ n: 9_000_000, dim: 128, shards: [1, 2, 4], m: 8, efConstruction: 40, quantization: 'int8', threads: 2, queries: 200 });
    expect(() => parseCommandLine(['large', '--quantization', 'int4'])).toThrow(/--quantization must be one of int8/);
  });
});
