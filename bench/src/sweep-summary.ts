// How a sweep orders its timed passes and sums them up: the libraries take
// turns pass by pass, so load on a shared machine hits them alike; every
// point and every QPS ratio is quoted as the median over repeats with its range.

import type { BytesPerVector } from './peers.js';
import { median, spread, type Spread } from './stats.js';

/** A timed pass: its wall-clock seconds, and the labels found when they were asked for. */
export interface TimedPass {
  seconds: number;
  labels?: Float64Array;
}

/** One library under measurement: a built index that answers timed passes (a child process in the sweep, a fake in tests). */
export interface TimedLibrary {
  readonly lib: string;
  /** Times one pass over every query at `efSearch`, one query after the other on one thread. */
  pass(efSearch: number, withLabels: boolean): Promise<TimedPass>;
}

/** One library's timed passes at one efSearch in one repeat. */
export interface PassTimes {
  efSearch: number;
  /** Seconds of each round's pass; round r of every library ran back to back. */
  seconds: number[];
  recall: number;
}

/** What one repeat of a sweep measured of one library. */
export interface LibraryRun {
  lib: string;
  buildS: number;
  /** Resident-set growth over the build, MiB. */
  memoryMB: number;
  /** Bytes per vector, vectors alone and with the graph (libraries that report it). */
  bytesPerVector?: BytesPerVector;
  passes: PassTimes[];
}

/**
 * The order in which the libraries take their pass in `round`: the list
 * rotated by one more place each round, so that each library goes first,
 * last and in between equally often and none always follows the same one.
 */
export function passOrder<T>(libraries: readonly T[], round: number): T[] {
  if (libraries.length === 0) return [];
  const shift = round % libraries.length;
  return [...libraries.slice(shift), ...libraries.slice(0, shift)];
}

/**
 * Times `libraries` at each efSearch, `rounds` passes each, taking turns pass
 * by pass in `passOrder`; returns each library's passes, in `libraries`'
 * order. `recallOf` turns the labels of a library's first pass at an
 * efSearch into its recall; `onPoint` hears of each efSearch when its rounds are done.
 */
export async function timeInterleaved(
  libraries: readonly TimedLibrary[], efSearch: readonly number[], rounds: number,
  recallOf: (labels: Float64Array) => number, onPoint?: (efSearch: number, passes: readonly PassTimes[]) => void,
): Promise<PassTimes[][]> {
  const passes: PassTimes[][] = libraries.map(() => []);
  for (const ef of efSearch) {
    const point = libraries.map((): PassTimes => ({ efSearch: ef, seconds: [], recall: Number.NaN }));
    for (let round = 0; round < rounds; round++) {
      for (const i of passOrder(libraries.map((_, index) => index), round)) {
        const { seconds, labels } = await libraries[i].pass(ef, round === 0);
        point[i].seconds.push(seconds);
        if (labels !== undefined) point[i].recall = recallOf(labels);
      }
    }
    point.forEach((p, i) => passes[i].push(p));
    onPoint?.(ef, point);
  }
  return passes;
}

/** One library at one efSearch over every repeat: medians and ranges. */
export interface PointSummary {
  lib: string;
  efSearch: number;
  /** Median recall over the repeats (it differs between repeats only when builds are not deterministic, as parallel ones). */
  recall: number;
  /** Queries per second: each repeat's is the number of queries over its median pass. */
  qps: Spread;
  buildS: Spread;
  memoryMB: Spread;
  /**
   * The reference library's QPS over this one's (above 1: the reference is
   * faster). Each repeat's ratio is the median over rounds of the ratio of
   * the two passes of one round, which ran back to back; absent for the reference itself.
   */
  qpsRatio?: Spread;
}

/**
 * Sums up `repeats` (each a list of LibraryRun, in any order) per library of
 * `libraries` and per efSearch, with QPS ratios against `reference` (a
 * library of the list, or null for none). `queries` is the number of queries of one pass.
 */
export function summarizeRepeats(
  repeats: readonly (readonly LibraryRun[])[], libraries: readonly string[], reference: string | null, queries: number,
): PointSummary[] {
  const points: PointSummary[] = [];
  for (const lib of libraries) {
    const runs = repeats.map((runsOfRepeat) => runsOfRepeat.find((run) => run.lib === lib)).filter((run) => run !== undefined);
    if (runs.length === 0) continue;
    for (const { efSearch } of runs[0].passes) {
      const at = (run: LibraryRun) => run.passes.find((p) => p.efSearch === efSearch)!;
      const point: PointSummary = {
        lib, efSearch,
        recall: median(runs.map((run) => at(run).recall)),
        qps: spread(runs.map((run) => queries / median(at(run).seconds))),
        buildS: spread(runs.map((run) => run.buildS)),
        memoryMB: spread(runs.map((run) => run.memoryMB)),
      };
      if (reference !== null && lib !== reference) {
        const ratios: number[] = [];
        for (const runsOfRepeat of repeats) {
          const ours = runsOfRepeat.find((run) => run.lib === reference);
          const theirs = runsOfRepeat.find((run) => run.lib === lib);
          if (ours !== undefined && theirs !== undefined) ratios.push(pairedRatio(at(ours).seconds, at(theirs).seconds));
        }
        if (ratios.length > 0) point.qpsRatio = spread(ratios);
      }
      points.push(point);
    }
  }
  return points;
}

/** Median over rounds of theirs / ours seconds (= our QPS / theirs), pairing the passes of the same round. */
export function pairedRatio(ourSeconds: readonly number[], theirSeconds: readonly number[]): number {
  const rounds = Math.min(ourSeconds.length, theirSeconds.length);
  return median(Array.from({ length: rounds }, (_, r) => theirSeconds[r] / ourSeconds[r]));
}
