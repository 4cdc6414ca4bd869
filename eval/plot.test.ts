import { describe, expect, it } from 'vitest';
import { glyph, textWidth } from './font5x7.js';
import {
  barChartScene,
  barChartSvg,
  blues,
  confusionMatrixScene,
  confusionMatrixSvg,
  lineChartSvg,
  niceTicks,
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
  it('colours cells by row share and labels the classes', () => {
    const scene = confusionMatrixScene(m, ['cat', 'dog', 'bird'], { cell: 20, title: 'pets' });
    // layout: labelW = textWidth('bird')=23 + 8 = 31; left = 47; titleH 22; top = 22 + 31 + 14 = 67
    expect([scene.width, scene.height]).toEqual([115, 135]);
    const cellAt = (i: number, j: number) => scene.items.find((p) => p.t === 'rect' && p.x === 47 + j * 20 && p.y === 67 + i * 20) as Extract<Prim, { t: 'rect' }>;
    expect(cellAt(0, 0).fill).toEqual(blues(0.8));
    expect(cellAt(1, 2).fill).toEqual(blues(0.5));
    expect(cellAt(2, 2).fill).toEqual([255, 255, 255]); // empty row: no NaN colours
    const labels = scene.items.filter((p) => p.t === 'text').map((p) => (p as Extract<Prim, { t: 'text' }>).text);
    for (const c of ['cat', 'dog', 'bird', 'predicted', 'true', 'pets', '8', '5']) expect(labels).toContain(c);
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
  it('widens the picture for a title longer than the grid', () => {
    const title = 'focusclip: synthetic-clothing';
    expect(confusionMatrixScene(m, ['cat', 'dog', 'bird'], { cell: 20, title }).width).toBe(textWidth(title, 2) + 16);
  });
  it('drops labels for hundreds of classes', () => {
    const C = 200;
    const big = Array.from({ length: C }, (_, i) => Array.from({ length: C }, (_, j) => (i === j ? 3 : (i + j) % 7 === 0 ? 1 : 0)));
    const scene = confusionMatrixScene(big, Array.from({ length: C }, (_, i) => `c${i}`));
    expect(scene.width).toBeLessThan(C * 4 + 40);
    expect(scene.items.some((p) => p.t === 'text' && p.text === 'c7')).toBe(false);
  });
});

describe('line and bar charts', () => {
  const series = [
    { name: 'train loss', y: [2.3, 1.7, 1.2, 0.9, 0.8] },
    { name: 'val loss', x: [1, 3, 5], y: [2.4, 1.5, 1.1] },
  ];
  it('draws both series with a legend', () => {
    const svg = lineChartSvg(series, { title: 'loss', xLabel: 'epoch', yLabel: 'loss' });
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    expect(svg).toContain('>train loss</text>');
    expect(svg).toContain('>epoch</text>');
    expect(() => lineChartSvg([{ name: 'a', x: [1], y: [1, 2] }])).toThrow(/1 x values and 2 y values/);
  });
  it('draws one polyline point per value, lower values lower on the page, in a fixed x range', () => {
    const svg = lineChartSvg([{ name: 'train', y: [3, 2.5, 2, 1.8] }], { xMin: 1, xMax: 10, width: 400, height: 300 });
    const pts = svg.match(/points="([^"]+)"/)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(pts).toHaveLength(4);
    expect(pts[0][1]).toBeLessThan(pts[3][1]);
    // x = 1..4 of a 1..10 axis: the line covers a third of the frame's width.
    const frameW = 400 - 50 - 14;
    expect(pts[3][0] - pts[0][0]).toBeCloseTo((3 / 9) * frameW, 1);
  });
  it('sizes bars to their values', () => {
    const scene = barChartScene(['stanford', 'utk'], [{ name: 'CLIP', values: [25, 50] }, { name: 'FocusCLIP', values: [50, 100] }], { height: 300 });
    const bars = scene.items.filter((p): p is Extract<Prim, { t: 'rect' }> => p.t === 'rect' && p.cls === 'bar');
    expect(bars.map((b) => b.h)).toEqual([64.5, 129, 129, 258]); // frame 300 - 12 - 30 = 258 px for 0..100
    expect(barChartSvg(['a'], [{ name: 's', values: [1] }])).toContain('<rect class="bar"');
    expect(() => barChartSvg(['a', 'b'], [{ name: 's', values: [1] }])).toThrow(/1 values for 2 categories/);
  });
  it('leaves out missing values, escapes text, prints values on request', () => {
    const svg = barChartSvg(['64', '128'], [{ name: 'x', values: [1, 2] }, { name: 'y', values: [4, undefined] }], { title: 'a <b>', valueLabels: true });
    expect((svg.match(/class="bar"/g) ?? []).length).toBe(3);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('>4</text>');
  });
  it('draws a log axis at the powers of ten, bars by their log', () => {
    const scene = barChartScene(['a', 'b'], [{ name: 'ms', values: [1, 100] }], { log: true, height: 300 });
    const ticks = scene.items.filter((p) => p.t === 'text' && p.anchor === 'end').map((p) => (p as Extract<Prim, { t: 'text' }>).text);
    expect(ticks).toEqual(['1', '10', '100']);
    const [a, b] = scene.items.filter((p): p is Extract<Prim, { t: 'rect' }> => p.t === 'rect' && p.cls === 'bar');
    expect(a.h).toBe(0); // log10(1) is the axis' floor
    expect(b.h).toBe(258);
  });
  it('writes category labels that do not fit vertically instead of cutting them', () => {
    const scene = barChartScene(['paper qkv 6304x2304x768', 'tiny mlp1 2080x512x128'], [{ name: 'ours', values: [30, 40] }]);
    const labels = scene.items.filter((p): p is Extract<Prim, { t: 'text' }> => p.t === 'text' && !!p.vertical);
    expect(labels.map((l) => l.text)).toEqual(['paper qkv 6304x2304x768', 'tiny mlp1 2080x512x128']);
    expect(scene.height).toBeGreaterThan(360);
  });
});
