// Plots for the benchmark results: Vega-Lite specs compiled to Vega, rendered
// to SVG headlessly by Vega's View.toSVG(), and rasterised to PNG by resvg
// (a prebuilt binary inside its npm package, so nothing downloads at install).

import { Resvg } from '@resvg/resvg-js';
import { writeFileAtomic } from '@smallworld/hnsw';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Where a plot was written. */
export interface PlotFiles {
  svg: string;
  png: string;
}

/** Renders a Vega-Lite spec to an SVG string (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes at `scale` times its size (2 reads well on high-density screens). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } });
  return resvg.render().asPng();
}

/** Writes `spec` as `<base>.svg` and `<base>.png`. */
export async function writePlot(spec: TopLevelSpec, base: string): Promise<PlotFiles> {
  const svg = await renderSvg(spec);
  const files = { svg: `${base}.svg`, png: `${base}.png` };
  await writeFileAtomic(files.svg, new TextEncoder().encode(svg));
  await writeFileAtomic(files.png, svgToPng(svg));
  return files;
}

/** One point of a recall/QPS curve. */
export interface RecallQpsPoint {
  lib: string;
  efSearch: number;
  recall: number;
  qps: number;
  /** The range of QPS over repeated runs, drawn as an error bar when it is not a single value. */
  qpsMin?: number;
  qpsMax?: number;
}

/** What every chart here shares: a white chart of `points` as they are. */
function chart(title: string, width: number, height: number, points: readonly object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    height,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
  };
}

/** A line chart with points. */
function lineChart(title: string, width: number, height: number, points: readonly object[]) {
  return { ...chart(title, width, height, points), mark: { type: 'line' as const, point: true } };
}

/** ann-benchmarks' plot: recall@k on x, queries per second on a log y axis, one line per library, QPS ranges as error bars. */
export function recallQpsSpec(points: readonly RecallQpsPoint[], title: string, k: number): TopLevelSpec {
  const x = { field: 'recall', type: 'quantitative' as const, title: `recall@${k}`, scale: { zero: false } };
  const color = { field: 'lib', type: 'nominal' as const, title: 'library', legend: { labelLimit: 400 } };
  const encoding = {
    x,
    y: { field: 'qps', type: 'quantitative' as const, title: 'queries per second (one thread, log scale)', scale: { type: 'log' as const } },
    color,
    order: { field: 'efSearch', type: 'quantitative' as const },
    tooltip: [{ field: 'lib' }, { field: 'efSearch' }, { field: 'recall' }, { field: 'qps' }, { field: 'qpsMin' }, { field: 'qpsMax' }],
  };
  if (!points.some((p) => p.qpsMin !== undefined && p.qpsMax !== undefined && p.qpsMin !== p.qpsMax)) return { ...lineChart(title, 520, 340, points), encoding };
  return {
    ...chart(title, 520, 340, points),
    layer: [
      { mark: { type: 'line', point: true }, encoding },
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'qpsMin', type: 'quantitative' }, y2: { field: 'qpsMax' }, color } },
    ],
  };
}

/** One point of a QPS-ratio curve: the reference library's QPS over `lib`'s at one efSearch, median and range over repeats. */
export interface QpsRatioPoint {
  lib: string;
  efSearch: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

/** The reference's QPS over each other library's (y, log) against efSearch (x, log), with ranges as error bars and a dashed line at 1. */
export function qpsRatioSpec(points: readonly QpsRatioPoint[], title: string, reference: string): TopLevelSpec {
  const x = { field: 'efSearch', type: 'quantitative' as const, title: 'efSearch (log scale)', scale: { type: 'log' as const, nice: false } };
  const color = { field: 'lib', type: 'nominal' as const, title: `${reference} vs`, legend: { labelLimit: 400 } };
  return {
    ...chart(title, 520, 300, points),
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x, color,
          y: { field: 'ratio', type: 'quantitative', title: `${reference} QPS / library's QPS (log scale)`, scale: { type: 'log' } },
          tooltip: [{ field: 'lib' }, { field: 'efSearch' }, { field: 'ratio' }, { field: 'ratioMin' }, { field: 'ratioMax' }],
        },
      },
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'ratioMin', type: 'quantitative' }, y2: { field: 'ratioMax' }, color } },
      { data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { datum: 1 } } },
    ],
  };
}

/** One measured build for the scaling plots. */
export interface ScalingPoint {
  series: string;
  x: number;
  seconds: number;
}

/** Build time (y) against `xTitle` (threads or n), one line per series. */
export function scalingSpec(points: readonly ScalingPoint[], title: string, xTitle: string, logX: boolean): TopLevelSpec {
  return {
    ...lineChart(title, 420, 300, points),
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: logX ? { type: 'log', nice: false } : { zero: false }, axis: logX ? {} : { tickMinStep: 1 } },
      y: { field: 'seconds', type: 'quantitative', title: 'build time (s)' },
      color: { field: 'series', type: 'nominal', title: '', legend: { labelLimit: 400 } },
    },
  };
}

/** One measurement of a churn cycle: a mode (or the fresh build) at a cycle. */
export interface ChurnPoint {
  series: string;
  cycle: number;
  value: number;
}

/** A churn figure (recall, file size or memory) against the cycle, one line per mode and one for the fresh build. */
export function churnSpec(points: readonly ChurnPoint[], title: string, yTitle: string): TopLevelSpec {
  return {
    ...lineChart(title, 480, 300, points),
    encoding: {
      x: { field: 'cycle', type: 'quantitative', title: 'cycle', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: '', legend: { labelLimit: 400 } },
    },
  };
}
