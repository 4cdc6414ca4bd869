// The PNG charts are the SVG charts rendered by resvg: sizes, cell colours and ink where the text is.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { blues, PALETTE } from './plot.js';
import { confusionMatrixPng, lineChartPng } from './plot-png-node.js';

const decode = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes));
const px = (img: PNG, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
const near = (a: readonly number[], b: readonly number[], tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('charts as PNG (resvg)', () => {
  it('renders the confusion matrix: cell colours by row share, labels in ink', () => {
    const img = decode(confusionMatrixPng([[8, 2, 0], [0, 5, 5], [0, 0, 0]], ['cat', 'dog', 'bird'], { cell: 20, title: 'pets' }));
    expect([img.width, img.height]).toEqual([115, 135]);
    // Cell interiors off the digits: left = 47, top = 67 (see plot.test.ts).
    const cell = (i: number, j: number) => px(img, 47 + j * 20 + 2, 67 + i * 20 + 2);
    expect(cell(0, 0)).toEqual(blues(0.8).map(Math.round));
    expect(cell(1, 2)).toEqual(blues(0.5).map(Math.round));
    expect(cell(2, 2)).toEqual([255, 255, 255]);
    // The class labels left of the grid are drawn: needs an installed font (DejaVu or Liberation).
    let ink = 0;
    for (let y = 67; y < 127; y++) for (let x = 0; x < 45; x++) if (px(img, x, y)[0] < 128) ink++;
    expect(ink).toBeGreaterThan(20);
  });

  it('renders line charts at their size with each series in its colour', () => {
    const img = decode(lineChartPng([{ name: 'train', y: [2.3, 1.7, 1.2, 0.9, 0.8] }, { name: 'val', y: [2.4, 1.5, 1.1] }], { width: 400, height: 300 }));
    expect([img.width, img.height]).toEqual([400, 300]);
    let a = 0;
    let b = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        if (near(px(img, x, y), PALETTE[0])) a++;
        if (near(px(img, x, y), PALETTE[1])) b++;
      }
    }
    expect(a).toBeGreaterThan(100);
    expect(b).toBeGreaterThan(60);
  });
});
