import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg, niceTicks } from './chart.js';

describe('demo charts', () => {
  it('picks 1-2-5 ticks that cover the maximum', () => {
    expect(niceTicks(0.954)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(NaN)).toEqual([0, 1]);
  });

  it('draws one bar per finite value, scaled to the top tick, and escapes labels', () => {
    const svg = barChartSvg({
      title: 'a <b>',
      yLabel: 'GFLOP/s',
      groups: ['64', '128'],
      series: [
        { name: 'x', color: '#111', values: [1, 2] },
        { name: 'y', color: '#222', values: [4, NaN] },
      ],
    });
    const bars = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g)].map((m) => Number(m[2]));
    expect(bars).toHaveLength(3);
    // Bars go group by group (x=1, y=4 | x=2); heights are proportional to the values.
    expect(bars[1] / bars[0]).toBeCloseTo(4, 1);
    expect(bars[2] / bars[0]).toBeCloseTo(2, 1);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).not.toContain('NaN');
  });

  it('draws a polyline with one point per value', () => {
    const svg = lineChartSvg({ title: 'loss', yLabel: 'loss', xLabel: 'step', series: [{ name: 'train', color: '#00f', values: [3, 2.5, 2, 1.8] }] });
    const pts = svg.match(/points="([^"]+)"/)![1].split(' ');
    expect(pts).toHaveLength(4);
    const ys = pts.map((p) => Number(p.split(',')[1]));
    // Lower loss is drawn higher up the page (larger y in SVG means lower value).
    expect(ys[0]).toBeLessThan(ys[3]);
  });
});
