// A small CPU rasteriser of FocusCLIP's part heatmap (FOCUSCLIP.md section 2), for pictures only
// (contact sheets): per person and body part, the axis-aligned box of the visible joints becomes a
// Gaussian with the box's half sizes as sigmas (at least 1 px), parts are summed and clipped to
// [0, 1]. Evaluated straight at the output size with scaled coordinates. Training uses the GPU kernel.
import { BODY_PARTS } from '../mpii.js';
import type { RecordPerson } from '../record.js';

export function partHeatmap(people: readonly RecordPerson[], width: number, height: number, sx = 1, sy = sx): Float32Array {
  const out = new Float32Array(width * height);
  for (const p of people) {
    for (const part of BODY_PARTS) {
      const js = part.joints.filter((j) => p.kpts_vis[j] === 1);
      if (js.length < 2) continue;
      let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (const j of js) {
        const x = p.kpts[j][0] * sx, y = p.kpts[j][1] * sy;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      const ax = Math.max(1, (x1 - x0) / 2), ay = Math.max(1, (y1 - y0) / 2);
      // Beyond 4 sigma the Gaussian is below 3e-4: skip those pixels.
      const xa = Math.max(0, Math.floor(cx - 4 * ax)), xb = Math.min(width - 1, Math.ceil(cx + 4 * ax));
      const ya = Math.max(0, Math.floor(cy - 4 * ay)), yb = Math.min(height - 1, Math.ceil(cy + 4 * ay));
      for (let y = ya; y <= yb; y++) {
        const dy = (y - cy) / ay;
        for (let x = xa; x <= xb; x++) {
          const dx = (x - cx) / ax;
          out[y * width + x] += Math.exp(-0.5 * (dx * dx + dy * dy));
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]);
  return out;
}
