// Tables for the two probes of subject focus: zero-shot activity accuracy on backgrounds aligned
// with the training world's background shortcut and on backgrounds swapped away from it, and the
// share of the CLS token's attention rollout inside the subject's heatmap.

import { num, signed, table } from './report.js';
import type { EvalResult } from './types.js';

export const PROBE_ALIGNED = 'synthetic-activity-bg-aligned';
export const PROBE_SWAPPED = 'synthetic-activity-bg-swapped';

export function isProbe(dataset: string): boolean {
  return dataset === PROBE_ALIGNED || dataset === PROBE_SWAPPED;
}

/** Headline accuracy (%) of both probe sets, and the drop when the shortcut is taken away. */
export function probeAccuracy(results: readonly EvalResult[]): { aligned: number; swapped: number; drop: number; chance: number } {
  const get = (name: string) => {
    const r = results.find((x) => x.dataset === name);
    if (!r) throw new Error(`no result for ${name}: train with a background bias (> 0) to get the background-shift probe.`);
    return r;
  };
  const a = get(PROBE_ALIGNED), s = get(PROBE_SWAPPED);
  return { aligned: 100 * a.headline, swapped: 100 * s.headline, drop: 100 * (a.headline - s.headline), chance: 100 * a.chance.headline };
}

export function backgroundShiftTable(models: { name: string; results: readonly EvalResult[] }[]): string {
  const rows = models.map((m) => {
    const p = probeAccuracy(m.results);
    return [m.name, num(p.aligned), num(p.swapped), signed(-p.drop)];
  });
  const chance = probeAccuracy(models[0].results).chance;
  return table(['', 'aligned (top-3)', 'swapped (top-3)', 'swapped - aligned'], [['chance', num(chance), num(chance), signed(0)], ...rows]);
}

export function attentionTable(models: { name: string; share: { mean: number; uniform: number } }[]): string {
  return table(
    ['', 'attention inside the subject (%)', 'uniform attention would give (%)'],
    models.map((m) => [m.name, num(100 * m.share.mean), num(100 * m.share.uniform)]),
  );
}
