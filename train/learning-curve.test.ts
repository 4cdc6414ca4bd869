// The learning-curve numbers against hand counts.
import { describe, expect, it } from 'vitest';
import { learningCurve } from './learning-curve.js';
import type { StepLog } from './trainer.js';

describe('learningCurve', () => {
  it('measures how early the loss falls: the drop by 15 % of training and the first step below the collapse value', () => {
    // 100 steps of a one-term loss at batch 4: collapse value ln(7) = 1.9459. Loss 3 for steps 0-9,
    // then 2.5 to step 14, then 1.5. Mean of steps 5-14 = 2.75 -> drop 8.33 %. The 10-step mean is
    // 2.0 at step 19 (five at 2.5, five at 1.5) and 1.9 at step 20 (four and six): below 1.9459 first at 20.
    const loss = (i: number) => (i < 10 ? 3 : i < 15 ? 2.5 : 1.5);
    const logs = Array.from({ length: 100 }, (_, i) => ({ step: i, loss: loss(i), terms: { 'image-text': loss(i) } }) as unknown as StepLog);
    const c = learningCurve(logs, 4);
    expect(c.dropBy15).toBeCloseTo(100 * (1 - 2.75 / 3), 10);
    expect(c.belowCollapseAt).toBe(20);
    expect([c.terms, c.collapse, c.at15]).toEqual([1, Math.log(7), 15]);
    // Three terms: the collapse value is 3 ln(7) = 5.84, never reached by a loss of 6.
    const three = logs.map((l) => ({ ...l, loss: 6, terms: { a: 2, b: 2, c: 2 } }));
    expect(learningCurve(three, 4)).toEqual({ dropBy15: 0, belowCollapseAt: null, terms: 3, collapse: 3 * Math.log(7), at15: 15 });
  });
});
