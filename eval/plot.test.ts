import { describe, expect, it } from 'vitest';
import { glyph, textWidth } from './font5x7.js';
import {
  barChartScene,
  barChartSvg,
  blues,
  confusionMatrixPng,
  confusionMatrixSvg,
  lineChartPng,
  lineChartSvg,
  niceTicks,
  PALETTE,
  sceneToImage,
  type Prim,
} from './plot.js';
import type { RGBAImage } from '../data/image.js';

const px = (img: RGBAImage, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
const count = (img: RGBAImage, rgb: readonly number[]) => {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) if (img.data[4 * i] === rgb[0] && img.data[4 * i + 1] === rgb[1] && img.data[4 * i + 2] === rgb[2]) n++;
  return n;
};

describe('font', () => {
  it('has 5x7 glyphs and falls back to ?', () => {
    // 'T': top row full, then the centre column only
    expect([...glyph('T').subarray(0, 10)]).toEqual([1, 1, 1, 1, 1, 0, 0, 1, 0, 0]);
    expect(glyph('\u00e9')).toBe(glyph('?'));
    expect(textWidth('abc')).toBe(17);
    expect(textWidth('abc', 2)).toBe(34);
  });
  it('draws text pixels where the glyph has ink, horizontally and vertically', () => {
    const t: Prim = { t: 'text', x: 2, y: 10, text: 'T', color: [0, 0, 0], scale: 1, anchor: 'start' };
    const img = sceneToImage({ width: 20, height: 20, background: [255, 255, 255], items: [t] });
    // centre line y=10, half height 3.5 -> rows start at y=7 (rounded); top row x=2..6
    expect(count(img, [0, 0, 0])).toBe(5 + 6);
    expect(px(img, 2, 7)).toEqual([0, 0, 0]);
    expect(px(img, 4, 12)).toEqual([0, 0, 0]);
    expect(px(img, 3, 12)).toEqual([255, 255, 255]);
    const v = sceneToImage({ width: 20, height: 20, background: [255, 255, 255], items: [{ ...t, x: 10, vertical: true }] });
    // rotated: the top row of T becomes the left column (x = 10 - 3.5 -> 7), running up from y=10
    expect(count(v, [0, 0, 0])).toBe(11);
    expect(px(v, 7, 9)).toEqual([0, 0, 0]);
    expect(px(v, 7, 5)).toEqual([0, 0, 0]);
  });
});

describe('ticks', () => {
  it('picks round steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(-3, 7)).toEqual([-2, 0, 2, 4, 6]);
  });
});

describe('confusion matrix', () => {
  const m = [
    [8, 2, 0],
    [0, 5, 5],
    [0, 0, 0],
  ];
  it('colours cells by row share and labels the classes (PNG)', () => {
    const img = confusionMatrixPng(m, ['cat', 'dog', 'bird'], { cell: 20, title: 'pets' });
    // layout: labelW = textWidth('bird')=23 + 8 = 31; left = 47; titleH 22; top = 22 + 31 + 14 = 67
    expect([img.width, img.height]).toEqual([115, 135]);
    const centre = (i: number, j: number) => px(img, 47 + j * 20 + 2, 67 + i * 20 + 2); // off the digits
    expect(centre(0, 0)).toEqual(blues(0.8).map(Math.round));
    expect(centre(1, 2)).toEqual(blues(0.5).map(Math.round));
    expect(centre(2, 2)).toEqual([255, 255, 255]); // empty row: no NaN colours
    // labels drawn in black somewhere left of the grid
    let ink = 0;
    for (let y = 67; y < 127; y++) for (let x = 0; x < 45; x++) if (px(img, x, y)[0] === 0) ink++;
    expect(ink).toBeGreaterThan(20);
  });
  it('writes SVG with labels and counts', () => {
    const svg = confusionMatrixSvg(m, ['cat', 'dog', 'a<b'], { cell: 20 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>cat</text>');
    expect(svg).toContain('>a&lt;b</text>');
    expect(svg).toContain('>8</text>');
    expect((svg.match(/<rect /g) ?? []).length).toBe(1 + 9);
    expect(() => confusionMatrixSvg([[1]], ['a', 'b'])).toThrow(/2x2 for 2 classes/);
  });
  it('widens the picture for a title longer than the grid (nothing clipped)', () => {
    const title = 'focusclip: synthetic-clothing';
    const img = confusionMatrixPng(m, ['cat', 'dog', 'bird'], { cell: 20, title });
    expect(img.width).toBe(textWidth(title, 2) + 16);
    let minX = Infinity, maxX = -1;
    for (let y = 0; y < 20; y++) for (let x = 0; x < img.width; x++) if (px(img, x, y)[0] === 0) (minX = Math.min(minX, x)), (maxX = Math.max(maxX, x));
    expect(minX).toBeGreaterThanOrEqual(6); // a margin on both sides, not cut at the edge
    expect(img.width - 1 - maxX).toBeGreaterThanOrEqual(6);
  });
  it('drops labels for hundreds of classes', () => {
    const C = 200;
    const big = Array.from({ length: C }, (_, i) => Array.from({ length: C }, (_, j) => (i === j ? 3 : (i + j) % 7 === 0 ? 1 : 0)));
    const img = confusionMatrixPng(big, Array.from({ length: C }, (_, i) => `c${i}`));
    expect(img.width).toBeLessThan(C * 4 + 40);
  });
});

describe('line and bar charts', () => {
  const series = [
    { name: 'train loss', y: [2.3, 1.7, 1.2, 0.9, 0.8] },
    { name: 'val loss', x: [1, 3, 5], y: [2.4, 1.5, 1.1] },
  ];
  it('draws both series with a legend (SVG and PNG)', () => {
    const svg = lineChartSvg(series, { title: 'loss', xLabel: 'epoch', yLabel: 'loss' });
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    expect(svg).toContain('>train loss</text>');
    expect(svg).toContain('>epoch</text>');
    const img = lineChartPng(series, { width: 400, height: 300 });
    expect([img.width, img.height]).toEqual([400, 300]);
    expect(count(img, PALETTE[0])).toBeGreaterThan(100);
    expect(count(img, PALETTE[1])).toBeGreaterThan(60);
    expect(() => lineChartSvg([{ name: 'a', x: [1], y: [1, 2] }])).toThrow(/1 x values and 2 y values/);
  });
  it('sizes bars to their values', () => {
    const scene = barChartScene(['stanford', 'utk'], [{ name: 'CLIP', values: [25, 50] }, { name: 'FocusCLIP', values: [50, 100] }], { height: 300 });
    const bars = scene.items.filter((p): p is Extract<Prim, { t: 'rect' }> => p.t === 'rect' && p.w > 10);
    expect(bars.map((b) => b.h)).toEqual([64.5, 129, 129, 258]); // frame 300 - 12 - 30 = 258 px for 0..100
    expect(barChartSvg(['a'], [{ name: 's', values: [1] }])).toContain('<rect');
    expect(() => barChartSvg(['a', 'b'], [{ name: 's', values: [1] }])).toThrow(/1 values for 2 categories/);
  });
});
