// `pnpm pgvector export | import | compare` on an embedded PGlite folder: the
// flags scripts rely on, the --json line's fields, and usage errors.

import { HnswIndex } from '@smallworld/hnsw';
import { writeVectors } from '@smallworld/datasets';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/commands.js';
import { buildIndex, clustered, exactTopK } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'smallworld-pgvector-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(argv, {
    stdout: { write: (t: string) => { stdout += t; } }, stderr: { write: (t: string) => { stderr += t; } }, cwd: scratch,
  });
  return { status, stdout, stderr };
}

describe('pnpm pgvector', () => {
  it('exports an index file, compares it with --gt, and imports it back', async () => {
    const dim = 12;
    const data = clustered(400, dim, 21);
    const queries = clustered(25, dim, 22);
    await buildIndex('cosine', data, dim).save(join(scratch, 'items.hnsw'));
    await writeVectors(join(scratch, 'queries.fvecs'), queries, dim);
    await writeVectors(join(scratch, 'gt.ivecs'), Int32Array.from(exactTopK('cosine', data, queries, dim, 10)), 10);

    const exported = await cli('export', 'items.hnsw', '--pglite', 'db', '--table', 'items', '--batch', '150', '--json');
    expect(exported.stderr).toBe('150 / 400 rows\n300 / 400 rows\n400 / 400 rows\n');
    expect(exported.status).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ table: '"items"', rows: 400, dim, opclass: 'vector_cosine_ops', m: 12, efConstruction: 64 });

    const compared = await cli('compare', 'items.hnsw', '--queries', 'queries.fvecs', '--k', '10', '--ef-search', '100',
      '--pglite', 'db', '--table', 'items', '--gt', 'gt.ivecs', '--json');
    expect(compared.status).toBe(0);
    const line = JSON.parse(compared.stdout) as Record<string, unknown> & { recall: { smallworld: number; pgvector: number } };
    expect(line).toMatchObject({ queries: 25, k: 10, efSearch: 100 });
    expect(line.agreement).toBeGreaterThanOrEqual(0.9);
    expect(typeof line.smallworldMs).toBe('number');
    expect(typeof line.pgvectorMs).toBe('number');
    expect(line.recall.smallworld).toBeGreaterThan(0.9);
    expect(line.recall.pgvector).toBeGreaterThan(0.9);

    const imported = await cli('import', '--pglite', 'db', '--table', 'items', '--out', 'back.hnsw', '--quiet', '--json');
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 400, dim, space: 'cosine', m: 12, efConstruction: 64 });
    const back = await HnswIndex.load(join(scratch, 'back.hnsw'));
    expect(back.getVector(1234)).toEqual((await HnswIndex.load(join(scratch, 'items.hnsw'))).getVector(1234));
  }, 300_000); // three PGlite start-ups (a few seconds each, far more on a loaded machine)

  it.each([
    [['export', 'x.hnsw', '--table', 't'], 'give exactly one of --url and --pglite'],
    [['export', 'x.hnsw', '--pglite', 'a', '--url', 'postgres://h/d', '--table', 't'], 'give exactly one of --url and --pglite'],
    [['import', '--pglite', 'db'], '--table is required'],
    [['import', '--pglite', 'db', '--table', 't'], '--out is required'],
    [['import', '--pglite', 'db', '--table', 't', '--out', 'o', '--space', 'l1'], '--space must be one of l2, ip, cosine (got "l1")'],
    [['compare', 'x.hnsw', '--pglite', 'db', '--table', 't', '--queries', 'q.fvecs', '--k', '0'], '--k must be an integer >= 1 (got "0")'],
    [['frobnicate', '--table', 't'], 'unknown command "frobnicate"'],
    [['export', '--table', 't', '--pglite', 'db'], 'export expects INDEX_FILE (got 0 arguments)'],
  ])('%j is a usage error', async (argv, message) => {
    const { status, stderr } = await cli(...argv);
    expect(stderr).toContain(`error: ${message}`);
    expect(status).toBe(2);
  });

  it('fails with status 1 and the reason when the index file is missing', async () => {
    const { status, stderr } = await cli('export', 'missing.hnsw', '--pglite', 'db2', '--table', 't');
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error: .*missing\.hnsw/);
  });
});
