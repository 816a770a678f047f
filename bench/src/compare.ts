// `pnpm bench compare`: smallworld and hnswlib-node on the same data in one
// process: build time, then recall and QPS at each efSearch, with ratios.
// Builds take turns chunk by chunk and search rounds alternate the libraries,
// so load on a shared machine hits both alike.

import type { BenchData } from './data.js';
import type { Peer } from './peers.js';
import { cpuSecondsSince, log, median, recallAtK, timeSeconds, timeSecondsAsync } from './stats.js';

/** Rows each library adds per turn of an interleaved build. */
const BUILD_TURN = 5000;

export interface CompareOptions {
  m: number;
  efConstruction: number;
  efSearch: number[];
  rounds: number;
}

export interface CompareRow {
  lib: string;
  efSearch: number;
  recall: number;
  qps: number;
  /** Queries per second of CPU time (process.cpuUsage): what a library costs, whatever else runs on the machine. */
  qpsCpu: number;
  buildS: number;
  buildCpuS: number;
}

/** Wall and CPU seconds of `fn`. */
function timeBoth(fn: () => void): { seconds: number; cpuS: number } {
  const cpu = process.cpuUsage();
  const seconds = timeSeconds(fn);
  return { seconds, cpuS: cpuSecondsSince(cpu) };
}

/** Builds every peer over `data` and measures recall/QPS per efSearch; returns one row per (lib, efSearch). */
export async function compare(peers: Peer[], data: BenchData, options: CompareOptions): Promise<CompareRow[]> {
  const buildS = new Map<string, number>();
  const buildCpuS = new Map<string, number>();
  const buildOptions = { m: options.m, efConstruction: options.efConstruction, space: 'l2' as const };
  const n = data.base.length / data.dim;
  if (peers.every((peer) => peer.begin !== undefined && peer.addRows !== undefined)) {
    // Chunk by chunk, taking turns and flipping who goes first, so a busy spell slows both alike.
    log(`building ${peers.map((p) => p.name).join(' and ')} over ${n} x ${data.dim} (${data.name}), taking turns ...`);
    for (const peer of peers) {
      peer.begin!(n, data.dim, buildOptions);
      buildS.set(peer.name, 0);
      buildCpuS.set(peer.name, 0);
    }
    for (let first = 0, turn = 0; first < n; first += BUILD_TURN, turn++) {
      const rows = data.base.subarray(first * data.dim, Math.min(n, first + BUILD_TURN) * data.dim);
      for (const peer of turn % 2 === 0 ? peers : [...peers].reverse()) {
        const { seconds, cpuS } = timeBoth(() => peer.addRows!(rows, first));
        buildS.set(peer.name, buildS.get(peer.name)! + seconds);
        buildCpuS.set(peer.name, buildCpuS.get(peer.name)! + cpuS);
      }
    }
    for (const peer of peers) {
      let finish = '';
      if (peer.finish !== undefined) {
        const { seconds, cpuS } = timeBoth(() => peer.finish!());
        buildS.set(peer.name, buildS.get(peer.name)! + seconds);
        buildCpuS.set(peer.name, buildCpuS.get(peer.name)! + cpuS);
        finish = `; ${seconds.toFixed(2)} s of it after the last add`;
      }
      log(`  ${peer.name}: ${buildS.get(peer.name)!.toFixed(2)} s (CPU ${buildCpuS.get(peer.name)!.toFixed(2)} s${finish})`);
    }
  } else {
    for (const peer of peers) {
      log(`building ${peer.name} over ${n} x ${data.dim} (${data.name}) ...`);
      const cpu = process.cpuUsage();
      const seconds = await timeSecondsAsync(async () => {
        await peer.build(data.base, data.dim, buildOptions);
      });
      buildS.set(peer.name, seconds);
      buildCpuS.set(peer.name, cpuSecondsSince(cpu));
      log(`  ${seconds.toFixed(2)} s`);
    }
  }
  const nq = data.queries.length / data.dim;
  const out = new Float64Array(nq * data.k);
  // Warm-up: one pass each so JIT tiers and caches are settled before timing.
  for (const peer of peers) peer.searchAll(data.queries, data.k, options.efSearch[0], out);
  const rows: CompareRow[] = [];
  for (const ef of options.efSearch) {
    const times = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    const cpuTimes = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    const recall = new Map<string, number>();
    for (let round = 0; round < options.rounds; round++) {
      for (const peer of round % 2 === 0 ? peers : [...peers].reverse()) {
        const { seconds, cpuS } = timeBoth(() => peer.searchAll(data.queries, data.k, ef, out));
        times.get(peer.name)!.push(seconds);
        cpuTimes.get(peer.name)!.push(cpuS);
        recall.set(peer.name, recallAtK(out, data.truth, nq, data.k));
      }
    }
    for (const peer of peers) {
      rows.push({
        lib: peer.name, efSearch: ef, recall: recall.get(peer.name)!, qps: nq / median(times.get(peer.name)!),
        qpsCpu: nq / median(cpuTimes.get(peer.name)!), buildS: buildS.get(peer.name)!, buildCpuS: buildCpuS.get(peer.name)!,
      });
    }
  }
  return rows;
}

/** QPS at the smallest efSearch reaching `target` recall (interpolating nothing), or null. */
export function qpsAtRecall(
  rows: CompareRow[], lib: string, target: number,
): { efSearch: number; qps: number; qpsCpu: number; recall: number } | null {
  const hit = rows.filter((r) => r.lib === lib && r.recall >= target).sort((a, b) => a.efSearch - b.efSearch)[0];
  return hit ? { efSearch: hit.efSearch, qps: hit.qps, qpsCpu: hit.qpsCpu, recall: hit.recall } : null;
}

/** Human-readable table: one line per efSearch, both libraries side by side, with ratios. */
export function formatComparison(rows: CompareRow[], ours: string, peer: string, target: number): string {
  const lines: string[] = [];
  const build = (lib: string) => rows.find((r) => r.lib === lib)!.buildS;
  const buildCpu = (lib: string) => rows.find((r) => r.lib === lib)!.buildCpuS;
  lines.push(`build: ${ours} ${build(ours).toFixed(2)} s, ${peer} ${build(peer).toFixed(2)} s, ratio ${(build(ours) / build(peer)).toFixed(2)}x`
    + ` (CPU ${buildCpu(ours).toFixed(2)} s / ${buildCpu(peer).toFixed(2)} s, ratio ${(buildCpu(ours) / buildCpu(peer)).toFixed(2)}x)`);
  lines.push('efSearch | recall ours | recall peer | QPS ours | QPS peer | QPS ratio | CPU QPS ratio');
  for (const ef of [...new Set(rows.map((r) => r.efSearch))]) {
    const a = rows.find((r) => r.lib === ours && r.efSearch === ef)!;
    const b = rows.find((r) => r.lib === peer && r.efSearch === ef)!;
    lines.push(`${String(ef).padStart(8)} | ${a.recall.toFixed(4).padStart(11)} | ${b.recall.toFixed(4).padStart(11)} | ${Math.round(a.qps).toString().padStart(8)} | ${Math.round(b.qps).toString().padStart(8)} | ${(a.qps / b.qps).toFixed(2).padStart(8)}x | ${(a.qpsCpu / b.qpsCpu).toFixed(2).padStart(12)}x`);
  }
  const a = qpsAtRecall(rows, ours, target);
  const b = qpsAtRecall(rows, peer, target);
  lines.push(a && b
    ? `QPS at recall >= ${target}: ours ${Math.round(a.qps)} (ef ${a.efSearch}), peer ${Math.round(b.qps)} (ef ${b.efSearch}), ratio ${(a.qps / b.qps).toFixed(2)}x`
      + ` (per CPU second: ${(a.qpsCpu / b.qpsCpu).toFixed(2)}x)`
    : `recall ${target} not reached by both within the efSearch list`);
  return lines.join('\n');
}
