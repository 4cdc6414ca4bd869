// Charts as PNG (Node): the SVG of eval/plot.ts rendered by resvg, so the pictures in reports look
// like the SVGs next to them (anti-aliased, real fonts) and there is one drawing of each chart.
// resvg draws text only with an installed font: DejaVu or Liberation (fonts-dejavu-core,
// fonts-liberation on Debian; scripts/install-system-deps.sh installs one).

import { Resvg } from '@resvg/resvg-js';
import { confusionMatrixSvg, intervalChartSvg, lineChartSvg, type ChartOptions, type ConfusionOptions, type IntervalCategory, type Series } from './plot.js';

const OPTIONS = { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', monospaceFamily: 'DejaVu Sans Mono' } } as const;

export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, OPTIONS).render().asPng();
}

export const lineChartPng = (series: readonly Series[], opts: ChartOptions = {}) => svgToPng(lineChartSvg(series, opts));
export const intervalChartPng = (c: readonly IntervalCategory[], opts: ChartOptions = {}) => svgToPng(intervalChartSvg(c, opts));
export const confusionMatrixPng = (m: readonly (readonly number[])[], classes: readonly string[], opts: ConfusionOptions = {}) => svgToPng(confusionMatrixSvg(m, classes, opts));
