// The benchmark CLI: `pnpm bench <command>` from the repository root.
// Logs and progress go to stderr; with --json, stdout carries only JSON lines.

import { parseArgs } from 'node:util';
import { compare, formatComparison, qpsAtRecall } from './compare.js';
import { DATA_NAMES, loadBenchData, type DataName } from './data.js';
import { runDemo } from './demo.js';
import { loadHnswlibNode, smallworldPeer } from './peers.js';
import { log } from './stats.js';

const USAGE = `usage: pnpm bench <command> [options]

commands:
  demo      build, query and check recall on generated vectors (pnpm demo)
            [--n 20000] [--dim 128] [--queries 1000] [--json]
  compare   smallworld vs hnswlib-node, one thread, same data, one process
            [--data clustered|seed|mnist] [--n 100000] [--dim 128] [--queries 1000]
            [--m 16] [--ef-construction 100] [--ef-search 10,20,40,80,160,320]
            [--kernel auto|js] [--rounds 3] [--target 0.95] [--mnist-dir DIR] [--json]`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer (got ${value})`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      n: { type: 'string' }, dim: { type: 'string' }, queries: { type: 'string' }, json: { type: 'boolean' },
      data: { type: 'string' }, m: { type: 'string' }, 'ef-construction': { type: 'string' },
      'ef-search': { type: 'string' }, kernel: { type: 'string' }, rounds: { type: 'string' },
      target: { type: 'string' }, 'mnist-dir': { type: 'string' },
    },
    strict: true,
  });
  const json = values.json === true;
  if (command === 'demo') {
    const summary = runDemo({ n: int('n', values.n, 20000), dim: int('dim', values.dim, 128), queries: int('queries', values.queries, 1000), json });
    if (json) console.log(JSON.stringify(summary));
    return;
  }
  if (command === 'compare') {
    const data = (values.data ?? 'clustered') as DataName;
    if (!DATA_NAMES.includes(data)) throw new RangeError(`--data must be one of ${DATA_NAMES.join(', ')} (got ${data})`);
    const kernel = values.kernel ?? 'auto';
    if (kernel !== 'auto' && kernel !== 'js' && kernel !== 'simd') throw new RangeError(`--kernel must be auto, simd or js (got ${kernel})`);
    const target = values.target === undefined ? (data === 'seed' ? 0.8 : 0.95) : Number(values.target);
    const efSearch = (values['ef-search'] ?? '10,20,40,80,160,320').split(',').map((s) => int('ef-search', s, 0));
    const bench = await loadBenchData(data, int('n', values.n, 100000), int('dim', values.dim, 128), int('queries', values.queries, 1000), 10, values['mnist-dir']);
    const peer = await loadHnswlibNode();
    if (peer === null) throw new Error('hnswlib-node is not installed: run pnpm install in the repository');
    const ours = smallworldPeer(kernel);
    const rows = compare([ours, peer], bench, {
      m: int('m', values.m, 16), efConstruction: int('ef-construction', values['ef-construction'], 100), efSearch, rounds: int('rounds', values.rounds, 3),
    });
    if (json) {
      for (const row of rows) console.log(JSON.stringify({ data, n: bench.base.length / bench.dim, dim: bench.dim, ...row }));
      const a = qpsAtRecall(rows, ours.name, target);
      const b = qpsAtRecall(rows, peer.name, target);
      console.log(JSON.stringify({
        summary: true, data, target, buildRatio: rows[0].buildS / rows.find((r) => r.lib === peer.name)!.buildS,
        qpsRatioAtTarget: a && b ? a.qps / b.qps : null,
      }));
    } else {
      console.log(`${data}: ${bench.base.length / bench.dim} x ${bench.dim}, ${bench.queries.length / bench.dim} queries, k 10`);
      console.log(formatComparison(rows, ours.name, peer.name, target));
    }
    return;
  }
  log(USAGE);
  process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
