// The sweep's child-process side, run in-process: a build reports its time,
// resident memory and (smallworld) bytes per vector, then answers timed passes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '@smallworld/datasets';
import { buildLibrary } from '../src/sweep-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildLibrary', () => {
  const dim = 16;
  const set = generateSynthetic({ count: 2100, dim, seed: 5, generator: 'clustered' });
  const basePath = join(dir, 'base.f32');
  const queriesPath = join(dir, 'queries.f32');
  writeFileSync(basePath, set.data.subarray(0, 2000 * dim));
  writeFileSync(queriesPath, set.data.subarray(2000 * dim));
  const job = { basePath, queriesPath, dim, k: 10, m: 8, efConstruction: 40, threads: 1, efSearch: [20] };

  it.each([['none', 64], ['int8', 16 + 64]] as const)('reports smallworld\'s bytes per vector (%s: %i bytes of vectors per 16-D row)', async (quantization, vectors) => {
    const built = await buildLibrary({ ...job, lib: 'smallworld', quantization });
    expect(built.reply.type).toBe('built');
    if (built.reply.type !== 'built') return;
    expect(built.reply.bytesPerVector!.vectors).toBe(vectors);
    expect(built.reply.bytesPerVector!.total).toBeGreaterThan(vectors);
    const pass = built.library!.pass(20, true);
    expect(pass.labels!.length).toBe(100 * 10);
    await built.library!.close();
  });
});
