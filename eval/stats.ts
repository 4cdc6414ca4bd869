// Small-sample statistics for paired comparisons across seeds: mean, sample standard deviation and
// the two-sided 95 % Student-t interval of a mean (what `focusclip study` reports per task).

export function mean(xs: readonly number[]): number {
  if (!xs.length) throw new Error('mean of no values');
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for one value. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

// t_{0.975, df} for df = 1..30 (standard tables); beyond, the series in 1/df around the normal
// quantile (Abramowitz & Stegun 26.7.5), accurate to ~1e-4 there.
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314,
  2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new Error(`t quantile: degrees of freedom must be a positive integer, got ${df}`);
  if (df <= T975.length) return T975[df - 1];
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

export interface Interval {
  n: number;
  mean: number;
  sd: number;
  /** 95 % t-interval of the mean; NaN bounds with a single value. */
  lo: number;
  hi: number;
}

export function tInterval(xs: readonly number[]): Interval {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { n, mean: m, sd: 0, lo: NaN, hi: NaN };
  const s = sd(xs);
  const half = (tQuantile975(n - 1) * s) / Math.sqrt(n);
  return { n, mean: m, sd: s, lo: m - half, hi: m + half };
}

/** The interval of the paired differences b[i] - a[i]. */
export function pairedInterval(a: readonly number[], b: readonly number[]): Interval & { diffs: number[] } {
  if (a.length !== b.length) throw new Error(`paired comparison of ${a.length} and ${b.length} values: every seed needs both models.`);
  const diffs = b.map((x, i) => x - a[i]);
  return { ...tInterval(diffs), diffs };
}
