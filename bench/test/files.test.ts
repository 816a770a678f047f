// `pnpm bench files` at a tiny size: every library writes and reads the same
// graph, each operation is timed once per round, and the ratios are computed.

import { describe, expect, it } from 'vitest';
import { formatFiles, runFiles } from '../src/files.js';

describe('bench files', () => {
  it('times every write and read of smallworld, the drop-in and hnswlib-node on one graph', async () => {
    const result = await runFiles({ n: 300, dim: 8, m: 8, efConstruction: 32, threads: 1, rounds: 2 });
    expect(result.rows.map((r) => `${r.library} ${r.operation}`)).toEqual([
      'smallworld save', 'smallworld load', 'smallworld saveHnswlib', 'smallworld loadHnswlib',
      'drop-in writeIndex', 'drop-in readIndex', 'drop-in writeIndexSync', 'drop-in readIndexSync',
      'hnswlib-node writeIndex', 'hnswlib-node readIndex', 'hnswlib-node writeIndexSync', 'hnswlib-node readIndexSync',
    ]);
    for (const row of result.rows) {
      expect(row.roundsS).toHaveLength(2);
      expect(row.roundsS.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
    }
    expect(result.readIndexSyncRatio).toBeGreaterThan(0);
    expect(result.hnswlibFileMB).toBeGreaterThan(0);
    expect(formatFiles(result)).toMatch(/readIndexSync .*x/);
  });
});
