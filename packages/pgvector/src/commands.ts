// The commands of `pnpm pgvector`: export, import, compare. Results on
// stdout (with --json, one JSON line), progress and errors on stderr.

import { HnswIndex, SPACES, type Space } from '@smallworld/hnsw';
import { processIo, requiredOption as required, round, runCommandLine, UsageError, type CliIo } from '@smallworld/hnsw/cli';
import { readSource } from '@smallworld/datasets';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { comparePgvector } from './compare.js';
import { openDatabase, type OpenedDatabase } from './connection.js';
import { exportToPgvector } from './export.js';
import { importFromPgvector } from './import.js';

const USAGE = `usage: pnpm pgvector <command> [options]

  export INDEX_FILE (--url postgres://... | --pglite DIR) --table T
        [--id-column id] [--column embedding] [--batch 10000] [--maintenance-work-mem 1GB]
        [--ef-construction N] [--halfvec] [--no-index] [--replace] [--json]
                                    the index's labels and vectors into a new table, then pgvector's
                                    HNSW index with the same M and ef_construction
  import (--url ... | --pglite DIR) --table T --out INDEX_FILE
        [--id-column id] [--column embedding] [--space l2|ip|cosine] [--threads N] [--json]
                                    a smallworld index from a table (space from its HNSW index)
  compare INDEX_FILE --queries FILE (--url ... | --pglite DIR) --table T
        [--k 10] [--ef-search 100] [--gt FILE] [--json]
                                    the same queries on both: top-k agreement, recall (with --gt,
                                    ivecs/npy of true labels), median ms per query of each

--pglite DIR opens (or creates) an embedded Postgres with pgvector in DIR; --url a server
with the vector extension. Relative paths are taken from the directory pnpm was run in.`;

const OPTIONS = {
  url: { type: 'string' },
  pglite: { type: 'string' },
  table: { type: 'string' },
  out: { type: 'string' },
  queries: { type: 'string' },
  gt: { type: 'string' },
  k: { type: 'string' },
  'ef-search': { type: 'string' },
  'ef-construction': { type: 'string' },
  'id-column': { type: 'string' },
  column: { type: 'string' },
  batch: { type: 'string' },
  'maintenance-work-mem': { type: 'string' },
  space: { type: 'string' },
  threads: { type: 'string' },
  halfvec: { type: 'boolean' },
  'no-index': { type: 'boolean' },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function intOption(name: string, value: string | undefined, fallback: number | undefined, min = 1): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  return n;
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/** Opens the database the options name; `close` ends it. */
function openNamedDatabase(values: Values, resolvePath: (p: string) => string): Promise<OpenedDatabase> {
  return openDatabase(values.url !== undefined ? { url: values.url } : { pglite: resolvePath(values.pglite!) });
}

/**
 * Runs one `pnpm pgvector` command line; resolves to the exit code (0 done,
 * 1 failed, 2 usage error). Never throws: errors are written to `io.stderr`.
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommandLine(USAGE, io, (log) => run(argv, io, log));
}

async function run(argv: string[], io: CliIo, log: (message: string) => void): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...args] = positionals;
  const out = (text: string): void => { io.stdout.write(text); };
  const resolvePath = (p: string): string => path.resolve(io.cwd, p);
  if (values.help === true || command === undefined) {
    out(USAGE + '\n');
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const expect = (count: number, names: string): string[] => {
    if (args.length !== count) throw new UsageError(`${command} expects ${names} (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
    return args.map(resolvePath);
  };
  const progress = values.quiet === true ? undefined
    : ({ rows, total }: { rows: number; total: number }): void => log(`${rows} / ${total} rows`);
  if (!['export', 'import', 'compare'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const table = required('table', values.table);
  if ((values.url === undefined) === (values.pglite === undefined)) throw new UsageError('give exactly one of --url and --pglite');
  const columns = {
    ...(values['id-column'] === undefined ? {} : { idColumn: values['id-column'] }),
    ...(values.column === undefined ? {} : { vectorColumn: values.column }),
  };

  switch (command) {
    case 'export': {
      const [file] = expect(1, 'INDEX_FILE');
      const index = await HnswIndex.load(file!);
      const { db, close } = await openNamedDatabase(values, resolvePath);
      try {
        const efConstruction = intOption('ef-construction', values['ef-construction'], undefined);
        const result = await exportToPgvector(index, db, {
          table, ...columns, onProgress: progress,
          batchSize: intOption('batch', values.batch, undefined),
          ...(values['maintenance-work-mem'] === undefined ? {} : { maintenanceWorkMem: values['maintenance-work-mem'] }),
          ...(efConstruction === undefined ? {} : { efConstruction }),
          indexType: values.halfvec === true ? 'halfvec' : 'vector',
          createIndex: values['no-index'] !== true, replace: values.replace === true,
        });
        for (const note of result.notes) log(`note: ${note}`);
        if (values.json === true) out(JSON.stringify(result) + '\n');
        else {
          out(`${result.rows} rows of dimension ${result.dim} into ${result.table} in ${(result.copyMs / 1000).toFixed(1)} s (${Math.round(result.vectorsPerSecond)} vectors/s)\n`);
          if (result.opclass !== undefined) {
            out(`HNSW index (${result.opclass}, m ${result.m}, ef_construction ${result.efConstruction}) built in ${(result.indexMs / 1000).toFixed(1)} s with maintenance_work_mem ${result.maintenanceWorkMem}\n`);
          }
        }
      } finally {
        await close();
      }
      return 0;
    }
    case 'import': {
      expect(0, 'no positional argument');
      const outFile = resolvePath(required('out', values.out));
      if (values.space !== undefined && !SPACES.includes(values.space as Space)) {
        throw new UsageError(`--space must be one of ${SPACES.join(', ')} (got ${JSON.stringify(values.space)})`);
      }
      const threads = intOption('threads', values.threads, undefined);
      const { db, close } = await openNamedDatabase(values, resolvePath);
      let index: HnswIndex;
      const started = performance.now();
      try {
        index = await importFromPgvector(db, {
          table, ...columns, onProgress: progress,
          ...(values.space === undefined ? {} : { space: values.space as Space }),
          ...(threads === undefined ? {} : { threads }),
        });
      } finally {
        await close();
      }
      const ms = performance.now() - started;
      await index.save(outFile);
      await index.close();
      const summary = { out: outFile, rows: index.size, dim: index.dim, space: index.space, m: index.m, efConstruction: index.efConstruction, ms: round(ms, 1) };
      if (values.json === true) out(JSON.stringify(summary) + '\n');
      else out(`${summary.rows} vectors (${summary.space}, dimension ${summary.dim}, M ${summary.m}, efConstruction ${summary.efConstruction}) in ${(ms / 1000).toFixed(1)} s -> ${outFile}\n`);
      return 0;
    }
    case 'compare': {
      const [file] = expect(1, 'INDEX_FILE');
      const k = intOption('k', values.k, 10)!;
      const efSearch = intOption('ef-search', values['ef-search'], 100)!;
      const queries = await readSource(resolvePath(required('queries', values.queries)));
      let groundTruth: Float32Array | undefined;
      let groundTruthK: number | undefined;
      if (values.gt !== undefined) {
        const gt = await readSource(resolvePath(values.gt));
        if (gt.count !== queries.count) throw new UsageError(`--gt has ${gt.count} rows for ${queries.count} queries`);
        if (gt.dim < k) throw new UsageError(`--gt has ${gt.dim} neighbours per query, fewer than --k ${k}`);
        groundTruth = gt.data;
        groundTruthK = gt.dim;
      }
      const index = await HnswIndex.load(file!);
      const { db, close } = await openNamedDatabase(values, resolvePath);
      try {
        const result = await comparePgvector(index, db, queries.data, {
          table, ...columns, k, efSearch, ...(groundTruth === undefined ? {} : { groundTruth, groundTruthK }),
        });
        const line = {
          queries: result.queries, k, efSearch, agreement: round(result.agreement),
          smallworldMs: round(result.smallworld.medianMs), pgvectorMs: round(result.pgvector.medianMs),
          smallworldQps: round(result.smallworld.qps, 1), pgvectorQps: round(result.pgvector.qps, 1),
          ...(result.smallworld.recall === undefined ? {} : { recall: { smallworld: round(result.smallworld.recall), pgvector: round(result.pgvector.recall!) } }),
          maxDistanceDifference: result.maxDistanceDifference,
        };
        if (values.json === true) out(JSON.stringify(line) + '\n');
        else {
          out(`${line.queries} queries, k ${k}, efSearch ${efSearch}: top-${k} agreement ${line.agreement}\n`);
          out(`smallworld ${line.smallworldMs} ms/query${line.recall ? `, recall ${line.recall.smallworld}` : ''}\n`);
          out(`pgvector   ${line.pgvectorMs} ms/query${line.recall ? `, recall ${line.recall.pgvector}` : ''}\n`);
        }
      } finally {
        await close();
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}
