// A contact sheet: for each sample, the picture with its skeletons (visible bones only, one colour
// per person, hidden joints as hollow dots) next to the picture under its part heatmap.
import { BONES } from '../mpii.js';
import { blend, createImage, drawDisc, drawLine, heatColor, resizeBilinear, type RGBAImage } from '../image.js';
import type { PoseRecord } from '../record.js';
import { heatmapRef } from '../heatmap-ref.js';

const PERSON_COLOURS = [[255, 60, 60], [60, 220, 255], [255, 230, 60]];

function paste(dst: RGBAImage, src: RGBAImage, ox: number, oy: number) {
  for (let y = 0; y < src.height; y++) dst.data.set(src.data.subarray(y * src.width * 4, (y + 1) * src.width * 4), ((oy + y) * dst.width + ox) * 4);
}

export function contactSheet(records: readonly PoseRecord[], images: readonly RGBAImage[], opts: { columns?: number; tile?: number } = {}): RGBAImage {
  const tile = opts.tile ?? 128, cols = opts.columns ?? 4, gap = 4;
  const n = Math.min(records.length, images.length);
  const rows = Math.ceil(n / cols);
  const sheet = createImage(cols * (2 * tile + gap) + gap, rows * (tile + gap) + gap, [24, 24, 24]);
  for (let i = 0; i < n; i++) {
    const img = images[i], rec = records[i];
    const sx = tile / img.width, sy = tile / img.height;
    const big = resizeBilinear(img, tile, tile);
    const skel: RGBAImage = { width: tile, height: tile, data: new Uint8Array(big.data) };
    rec.people.forEach((p, k) => {
      const c = PERSON_COLOURS[k % PERSON_COLOURS.length];
      const lw = Math.max(1, tile / 80);
      for (const [a, b] of BONES) {
        if (p.kpts_vis[a] && p.kpts_vis[b]) drawLine(skel, p.kpts[a][0] * sx, p.kpts[a][1] * sy, p.kpts[b][0] * sx, p.kpts[b][1] * sy, c, lw);
      }
      p.kpts.forEach(([x, y], j) => {
        if (p.kpts_vis[j]) drawDisc(skel, x * sx, y * sy, 1.5 * lw, [255, 255, 255]);
        else { drawDisc(skel, x * sx, y * sy, 1.5 * lw, [0, 0, 0]); drawDisc(skel, x * sx, y * sy, 0.7 * lw, c); }
      });
    });
    // The float64 reference of the training rule: the picture shows exactly what the model sees.
    const people = rec.people.map((p) => ({ kpts: p.kpts, vis: p.kpts_vis }));
    const heat = blend(big, heatColor(heatmapRef(people, img.width, img.height, tile, tile), tile, tile), 0.55);
    const ox = gap + (i % cols) * (2 * tile + gap), oy = gap + Math.floor(i / cols) * (tile + gap);
    paste(sheet, skel, ox, oy);
    paste(sheet, heat, ox + tile, oy);
  }
  return sheet;
}
