// Unit tests of how a sweep orders its timed passes and sums them up, over
// fake libraries with scripted timings (nothing here is timed).

import { describe, expect, it } from 'vitest';
import { spread } from '../src/stats.js';
import { formatSweep, type SweepResults, type SweepRow } from '../src/sweep.js';
import { pairedRatio, passOrder, summarizeRepeats, timeInterleaved, type LibraryRun, type TimedLibrary } from '../src/sweep-summary.js';

/** A library whose passes take the scripted seconds in turn, logging each call into `calls`. */
function fakeLibrary(lib: string, seconds: number[], calls: string[]): TimedLibrary {
  let next = 0;
  return {
    lib,
    async pass(efSearch, withLabels) {
      calls.push(`${lib}@${efSearch}${withLabels ? '+labels' : ''}`);
      const pass = { seconds: seconds[next++ % seconds.length] };
      // The labels name the library, so the test can see whose recall is whose.
      return withLabels ? { ...pass, labels: Float64Array.of(lib.length, efSearch) } : pass;
    },
  };
}

/** A LibraryRun at one efSearch (10) with the given pass seconds. */
function run(lib: string, seconds: number[], buildS = 1, memoryMB = 10, recall = 0.9): LibraryRun {
  return { lib, buildS, memoryMB, passes: [{ efSearch: 10, seconds, recall }] };
}

describe('pass order', () => {
  it('rotates the libraries by one place each round, so each takes every position equally often', () => {
    const libs = ['a', 'b', 'c'];
    const rounds = [0, 1, 2, 3].map((round) => passOrder(libs, round).join(''));
    expect(rounds).toEqual(['abc', 'bca', 'cab', 'abc']);
    for (const lib of libs) {
      expect(rounds.slice(0, 3).map((order) => order.indexOf(lib)).sort()).toEqual([0, 1, 2]);
    }
    expect(passOrder(['a', 'b'], 1)).toEqual(['b', 'a']);
    expect(passOrder([], 5)).toEqual([]);
  });

  it('times every library at each efSearch in turn, pass by pass, asking for labels on the first round only', async () => {
    const calls: string[] = [];
    const libraries = [fakeLibrary('aa', [1], calls), fakeLibrary('bbb', [2], calls), fakeLibrary('c', [3], calls)];
    const points: number[] = [];
    const passes = await timeInterleaved(libraries, [10, 40], 3, (labels) => labels[0] * 1000 + labels[1], (ef, point) => {
      points.push(ef);
      expect(point).toHaveLength(3);
    });
    expect(calls).toEqual([
      'aa@10+labels', 'bbb@10+labels', 'c@10+labels', 'bbb@10', 'c@10', 'aa@10', 'c@10', 'aa@10', 'bbb@10',
      'aa@40+labels', 'bbb@40+labels', 'c@40+labels', 'bbb@40', 'c@40', 'aa@40', 'c@40', 'aa@40', 'bbb@40',
    ]);
    expect(points).toEqual([10, 40]);
    // Results come back in the libraries' order whatever the pass order, one time per round.
    expect(passes.map((p) => p.map((pass) => pass.efSearch))).toEqual([[10, 40], [10, 40], [10, 40]]);
    expect(passes[1][0].seconds).toEqual([2, 2, 2]);
    expect(passes.map((p) => p[1].recall)).toEqual([2040, 3040, 1040]);
  });

  it('keeps each round\'s time with its round, so passes of one round can be paired', async () => {
    const calls: string[] = [];
    const passes = await timeInterleaved([fakeLibrary('a', [1, 5, 2], calls), fakeLibrary('b', [2, 9, 4], calls)], [10], 3, () => 1);
    expect(passes[0][0].seconds).toEqual([1, 5, 2]);
    expect(passes[1][0].seconds).toEqual([2, 9, 4]);
  });
});

describe('summing up repeats', () => {
  it('quotes the median and range over repeats of QPS, build time and memory, QPS from each repeat\'s median pass', () => {
    const repeats = [
      [run('a', [0.1, 0.2, 0.1], 3, 30)],
      [run('a', [0.5, 0.5, 0.4], 1, 10)],
      [run('a', [0.25, 0.2, 0.25], 2, 20)],
    ];
    const [point] = summarizeRepeats(repeats, ['a'], null, 100);
    // Each repeat's QPS: 100 queries over its median pass: 1000, 200, 400.
    expect(point.qps.median).toBeCloseTo(400);
    expect(point.qps.min).toBeCloseTo(200);
    expect(point.qps.max).toBeCloseTo(1000);
    expect(point.buildS).toEqual({ median: 2, min: 1, max: 3 });
    expect(point.memoryMB).toEqual({ median: 20, min: 10, max: 30 });
    expect(point.qpsRatio).toBeUndefined();
  });

  it('gives each library but the reference its QPS ratio per point: per repeat the median of the per-round ratios', () => {
    // A load spike in round 2 of repeat 1 slowed both passes of that round alike: pairing cancels it.
    const repeats = [
      [run('ours', [1, 10, 1]), run('theirs', [2, 20, 2])],
      [run('ours', [1, 1, 1]), run('theirs', [1.5, 1.5, 1.5])],
      [run('theirs', [3, 3, 3]), run('ours', [1, 1, 1])],
    ];
    const points = summarizeRepeats(repeats, ['ours', 'theirs'], 'ours', 10);
    expect(points.map((p) => p.lib)).toEqual(['ours', 'theirs']);
    expect(points[0].qpsRatio).toBeUndefined();
    expect(points[1].qpsRatio).toEqual({ median: 2, min: 1.5, max: 3 });
  });

  it('pairs the passes of the same round, unlike the ratio of the two medians', () => {
    // Medians 2 and 3 (ratio 1.5), but round by round theirs is twice ours.
    expect(pairedRatio([1, 2, 4], [2, 4, 8])).toBe(2);
    expect(pairedRatio([1, 2, 4], [3, 3, 3])).toBe(1.5);
    expect(pairedRatio([2, 2], [1, 3])).toBe(1);
  });

  it('leaves out a library missing from every repeat, and rates the others on the repeats it has', () => {
    const repeats = [[run('ours', [1]), run('theirs', [2])], [run('ours', [1])]];
    const points = summarizeRepeats(repeats, ['ours', 'theirs', 'absent'], 'ours', 1);
    expect(points.map((p) => p.lib)).toEqual(['ours', 'theirs']);
    expect(points[1].qpsRatio).toEqual({ median: 2, min: 2, max: 2 });
    expect(points[1].qps).toEqual({ median: 0.5, min: 0.5, max: 0.5 });
  });

  it('spread is the median and range of a list', () => {
    expect(spread([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10 });
    expect(spread([7])).toEqual({ median: 7, min: 7, max: 7 });
  });
});

describe('the sweep table', () => {
  const row = (lib: string, extra: Partial<SweepRow>): SweepRow => ({
    lib, efSearch: 10, recall: 0.95, qps: 1000, buildS: 2, memoryMB: 30, qpsMin: 1000, qpsMax: 1000, buildSMin: 2, buildSMax: 2, ...extra,
  });
  const results = (repeat: number, rows: SweepRow[]): SweepResults => ({
    data: { name: 'clustered', n: 100, dim: 8, queries: 10, k: 10 },
    parameters: { m: 16, efConstruction: 100, threads: 1, rounds: 3, repeat, efSearch: [10] },
    machine: { cpu: 'cpu', cores: 2, node: 'v22', platform: 'linux x64', loadAverage: [1, 1, 1], date: '' },
    libraries: [...new Set(rows.map((r) => r.lib))].map((lib) => ({ lib, buildS: 2, memoryMB: 30 })),
    rows, plot: null, ratioPlot: null, runs: [],
  });

  it('shows each median with its range over repeats, and the ratio to the reference on the other libraries\' rows', () => {
    const table = formatSweep(results(3, [
      row('smallworld', { qps: 1200, qpsMin: 1100, qpsMax: 1300, buildS: 2, buildSMin: 1.5, buildSMax: 2.5 }),
      row('usearch', { qps: 1000, qpsMin: 900, qpsMax: 1100, ratioOf: 'smallworld', qpsRatio: 1.2, qpsRatioMin: 1.1, qpsRatioMax: 1.35 }),
    ]));
    const lines = table.split('\n');
    expect(lines[0]).toBe('| library | build (s) | memory (MiB) | efSearch | recall | QPS | smallworld QPS / this |');
    expect(lines[2]).toBe('| smallworld | 2 (1.5-2.5) | 30 | 10 | 0.9500 | 1200 (1100-1300) |  |');
    expect(lines[3]).toBe('| usearch | 2 | 30 | 10 | 0.9500 | 1000 (900-1100) | 1.20x (1.10-1.35) |');
    expect(table).toContain('median (min-max) of 3 runs');
  });

  it('gives the bytes per vector of the libraries that report them, under the table', () => {
    const r = results(1, [row('smallworld int8+rerank', {}), row('hnswlib-node', {})]);
    r.libraries[0].bytesPerVector = { vectors: 640, total: 795.4 };
    expect(formatSweep(r)).toContain('bytes per vector (vectors / vectors + graph): smallworld int8+rerank 640 / 795\n');
    expect(formatSweep(results(1, [row('hnswlib-node', {})]))).not.toContain('bytes per vector');
  });

  it('keeps the one-run table as it was when there is a single library', () => {
    const lines = formatSweep(results(1, [row('smallworld', {})])).split('\n');
    expect(lines[0]).toBe('| library | build (s) | memory (MiB) | efSearch | recall | QPS |');
    expect(lines[2]).toBe('| smallworld | 2 | 30 | 10 | 0.9500 | 1000 |');
    expect(lines.join('\n')).not.toContain('runs;');
  });
});
