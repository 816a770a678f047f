// What the tracer's hooks cost the TypeScript algorithms when no tracer is set:
// the same build and searches with the algorithms as they are and with a copy
// whose hooks are stripped, timed in one process, passes interleaved.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSynthetic } from '@smallworld/datasets';
import { HnswIndex, readGraph, writeFileAtomicSync, type HnswIndexOptions } from '@smallworld/hnsw';
import { cpuSecondsSince, log, median, round } from './stats.js';

export interface TraceOverheadOptions {
  n: number;
  dim: number;
  queries: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  rounds: number;
}

export interface TraceOverheadResult extends TraceOverheadOptions {
  /** Median over rounds of (hooked time / stripped time) - 1: the hooks' cost, 0.01 = 1%. */
  buildOverhead: number;
  searchOverhead: number;
  /** Median CPU seconds per round, hooked and stripped. */
  buildSeconds: { hooked: number; stripped: number };
  searchSeconds: { hooked: number; stripped: number };
  /** Lines the stripping removed (the hooks). */
  hookLines: number;
}

/**
 * CPU seconds `fn` takes: on a shared, loaded machine CPU time moves far
 * less than wall time with what else runs, and one thread does all the work here.
 */
function cpuSeconds(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  return cpuSecondsSince(start);
}

type Algorithms = {
  insert(ctx: unknown, q: number, ef: number): void;
  knnSearch(ctx: unknown, k: number, ef: number, filtered: boolean): number;
};

/** A tracer hook: `if (t !== null) ...` or `if (ctx.trace !== null) ...`, one statement or a braced block. */
const HOOK = /^\s*if \((t|ctx\.trace) !== null/;

/**
 * The algorithm files with every hook line (and `const t = ctx.trace;`)
 * removed, so the copy is the algorithms as they would be without a tracer.
 * Throws when a trace reference survives: a hook written in another form
 * would otherwise be timed on both sides.
 */
export function stripHooks(source: string): { text: string; removed: number } {
  const lines = source.split('\n');
  const out: string[] = [];
  let removed = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*const t = ctx\.trace;\s*$/.test(line)) {
      removed++;
      continue;
    }
    // The hooks' helpers (`function traceShrink(...)`) go too: nothing calls them once the hooks are gone.
    if (/^(export )?function trace[A-Z]/.test(line)) {
      while (i < lines.length && lines[i] !== '}') i++;
      continue;
    }
    if (HOOK.test(line)) {
      removed++;
      if (line.trimEnd().endsWith('{')) {
        const indent = line.length - line.trimStart().length;
        while (i + 1 < lines.length && !(lines[i + 1].startsWith(' '.repeat(indent) + '}') && lines[i + 1].length - lines[i + 1].trimStart().length === indent)) {
          i++;
          removed++;
        }
        i++;
        removed++;
      }
      continue;
    }
    out.push(line);
  }
  const text = out.join('\n');
  const code = text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l) && !/^import /.test(l));
  const left = code.find((l) => /ctx\.trace|\bt !== null|traceVisits\(|\bt\.[a-z]+\(/.test(l));
  if (left !== undefined) throw new Error(`trace-overhead: a hook is not of the form \`if (t !== null) ...\`: ${left.trim()}`);
  return { text, removed };
}

/** Copies packages/hnsw/src/algorithms, hooks stripped, into a temporary folder and imports it. */
async function loadStrippedAlgorithms(): Promise<{ algorithms: Algorithms; original: string; hookLines: number; cleanup(): void }> {
  const entry = fileURLToPath(import.meta.resolve('@smallworld/hnsw'));
  if (!entry.endsWith('.ts')) throw new Error('trace-overhead needs the engine\'s TypeScript: run it as `pnpm bench trace-overhead`');
  const src = dirname(entry);
  const original = join(src, 'algorithms');
  const dir = mkdtempSync(join(tmpdir(), 'smallworld-untraced-'));
  let hookLines = 0;
  for (const file of readdirSync(original)) {
    if (!file.endsWith('.ts') || file === 'context.ts' || file === 'tracer.ts') continue;
    const { text, removed } = stripHooks(readFileSync(join(original, file), 'utf8'));
    hookLines += removed;
    // Shared modules stay the originals (one SearchContext class); sibling algorithms are the stripped copies.
    const rewritten = text
      .replace(/from '\.\.\/([^']+)\.js'/g, (_, name: string) => `from '${pathToFileURL(join(src, `${name}.ts`)).href}'`)
      .replace(/from '\.\/(context|tracer)\.js'/g, (_, name: string) => `from '${pathToFileURL(join(original, `${name}.ts`)).href}'`)
      .replace(/from '\.\/([^']+)\.js'/g, (_, name: string) => `from './${name}.ts'`);
    writeFileAtomicSync(join(dir, file), new TextEncoder().encode(rewritten));
  }
  const insert = await import(pathToFileURL(join(dir, 'insert.ts')).href) as Pick<Algorithms, 'insert'>;
  const knn = await import(pathToFileURL(join(dir, 'knn-search.ts')).href) as Pick<Algorithms, 'knnSearch'>;
  return {
    algorithms: { insert: insert.insert, knnSearch: knn.knnSearch }, original, hookLines,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An HnswIndex whose linking and searching run the given algorithms (both sides of the comparison are one). */
function indexClass(algorithms: Algorithms): new (options: HnswIndexOptions) => HnswIndex {
  return class extends HnswIndex {
    protected override linkNode(node: number): void {
      algorithms.insert(this.ctx, node, this.efConstruction);
    }

    protected override nearest(k: number, efSearch: number, filtered: boolean): number {
      return algorithms.knnSearch(this.ctx, k, efSearch, filtered);
    }
  };
}

/**
 * Builds the same index with the hooked and the stripped algorithms (kernel
 * 'js', one thread), `rounds` slices of the points each, alternating which
 * goes first, then times `rounds` passes of the queries on each, interleaved.
 */
export async function runTraceOverhead(o: TraceOverheadOptions): Promise<TraceOverheadResult> {
  const stripped = await loadStrippedAlgorithms();
  const hookedModules = {
    ...(await import(pathToFileURL(join(stripped.original, 'insert.ts')).href)),
    ...(await import(pathToFileURL(join(stripped.original, 'knn-search.ts')).href)),
  } as Algorithms;
  try {
    const data = generateSynthetic({ count: o.n + o.queries, dim: o.dim, seed: 7, generator: 'clustered', clusters: 20 }).data;
    const options: HnswIndexOptions = { space: 'l2', dim: o.dim, m: o.m, efConstruction: o.efConstruction, kernel: 'js', capacity: o.n };
    const Hooked = indexClass(hookedModules);
    const Stripped = indexClass(stripped.algorithms);
    const sides = { hooked: new Hooked(options), stripped: new Stripped(options) };
    const build = { hooked: [] as number[], stripped: [] as number[] };
    const slice = Math.ceil(o.n / o.rounds);
    for (let r = 0; r < o.rounds; r++) {
      const rows = data.subarray(r * slice * o.dim, Math.min(o.n, (r + 1) * slice) * o.dim);
      const order = r % 2 === 0 ? ['hooked', 'stripped'] as const : ['stripped', 'hooked'] as const;
      for (const side of order) build[side].push(cpuSeconds(() => sides[side].addBatch(rows)));
      log(`trace-overhead: built ${Math.min(o.n, (r + 1) * slice)} / ${o.n}`);
    }
    if (JSON.stringify(readGraph(sides.hooked)) !== JSON.stringify(readGraph(sides.stripped))) {
      throw new Error('trace-overhead: the stripped algorithms built another graph');
    }
    const queries = data.subarray(o.n * o.dim);
    const search = { hooked: [] as number[], stripped: [] as number[] };
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? ['hooked', 'stripped'] as const : ['stripped', 'hooked'] as const;
      for (const side of order) search[side].push(cpuSeconds(() => sides[side].searchBatch(queries, 10, { efSearch: o.efSearch })));
    }
    const ratio = (a: number[], b: number[]) => median(a.map((t, i) => t / b[i])) - 1;
    return {
      ...o,
      buildOverhead: round(ratio(build.hooked, build.stripped), 4),
      searchOverhead: round(ratio(search.hooked, search.stripped), 4),
      buildSeconds: { hooked: round(median(build.hooked), 4), stripped: round(median(build.stripped), 4) },
      searchSeconds: { hooked: round(median(search.hooked), 4), stripped: round(median(search.stripped), 4) },
      hookLines: stripped.hookLines,
    };
  } finally {
    stripped.cleanup();
  }
}

export function formatTraceOverhead(r: TraceOverheadResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return [
    `tracer hooks with no tracer set, kernel 'js', n ${r.n}, dim ${r.dim}, M ${r.m}, efConstruction ${r.efConstruction}, `
      + `${r.queries} queries at efSearch ${r.efSearch}, ${r.rounds} interleaved rounds (${r.hookLines} hook lines stripped)`,
    `build:  hooked ${r.buildSeconds.hooked} / stripped ${r.buildSeconds.stripped} CPU s per round, median overhead ${pct(r.buildOverhead)}`,
    `search: hooked ${r.searchSeconds.hooked} / stripped ${r.searchSeconds.stripped} CPU s per pass,  median overhead ${pct(r.searchOverhead)}`,
  ].join('\n');
}
