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
}

/** What every chart here shares: a white line chart with points, of `points` as they are. */
function lineChart(title: string, width: number, height: number, points: readonly object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    height,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line' as const, point: true },
  };
}

/** ann-benchmarks' plot: recall@k on x, queries per second on a log y axis, one line per library. */
export function recallQpsSpec(points: readonly RecallQpsPoint[], title: string, k: number): TopLevelSpec {
  return {
    ...lineChart(title, 520, 340, points),
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: `recall@${k}`, scale: { zero: false } },
      y: { field: 'qps', type: 'quantitative', title: 'queries per second (one thread, log scale)', scale: { type: 'log' } },
      color: { field: 'lib', type: 'nominal', title: 'library', legend: { labelLimit: 400 } },
      order: { field: 'efSearch', type: 'quantitative' },
      tooltip: [{ field: 'lib' }, { field: 'efSearch' }, { field: 'recall' }, { field: 'qps' }],
    },
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
