import { describe, expect, it } from 'vitest';
import { mean, pairedInterval, sd, tInterval, tQuantile975 } from './stats.js';

describe('paired statistics', () => {
  it('matches a hand-computed 95 % t-interval', () => {
    // diffs 1, 2, 3, 4, 10: mean 4, sd sqrt(((-3)^2+(-2)^2+(-1)^2+0^2+6^2)/4) = sqrt(12.5) = 3.5355;
    // t(0.975, 4) = 2.7764; half width 2.7764 * 3.5355 / sqrt(5) = 4.3899.
    const r = pairedInterval([0, 0, 0, 0, 0], [1, 2, 3, 4, 10]);
    expect(r.mean).toBe(4);
    expect(r.sd).toBeCloseTo(3.5355339, 6);
    expect(r.lo).toBeCloseTo(4 - 4.38989, 4);
    expect(r.hi).toBeCloseTo(4 + 4.38989, 4);
    expect(r.diffs).toEqual([1, 2, 3, 4, 10]);
  });

  it('has t quantiles from the table and the expansion beyond it', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile975(9)).toBeCloseTo(2.2622, 4);
    expect(tQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(tQuantile975(31)).toBeLessThan(tQuantile975(30));
    expect(() => tQuantile975(0)).toThrow('degrees of freedom must be a positive integer, got 0');
  });

  it('handles one value and mismatched pairs clearly', () => {
    expect(tInterval([3]).lo).toBeNaN();
    expect(sd([3])).toBe(0);
    expect(mean([1, 2])).toBe(1.5);
    expect(() => mean([])).toThrow('mean of no values');
    expect(() => pairedInterval([1, 2], [1])).toThrow('paired comparison of 2 and 1 values');
  });
});
