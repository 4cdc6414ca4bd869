// How early a run's loss falls: what the demo's report and the study's table say about leaving the
// collapse plateau (every embedding on one point, where an NT-Xent term sits at ln(2B - 1)).
import type { StepLog } from './trainer.js';

export interface LearningCurve {
  /** % by which the loss's mean over the 10 steps before 15 % of training is below its first 10 steps. */
  dropBy15: number;
  /** First step whose 10-step mean loss is below the collapse value terms x ln(2B - 1) (null: never). */
  belowCollapseAt: number | null;
  /** The loss's NT-Xent terms (one for CLIP, three for FocusCLIP). */
  terms: number;
  /** The collapse value terms x ln(2B - 1). */
  collapse: number;
  /** The step at 15 % of training. */
  at15: number;
}

/** The learning-curve numbers of one run's step logs (batch size B). */
export function learningCurve(logs: readonly StepLog[], batchSize: number): LearningCurve {
  const mean = (xs: readonly StepLog[]) => xs.reduce((a, l) => a + l.loss, 0) / Math.max(1, xs.length);
  const at15 = Math.max(10, Math.round(0.15 * logs.length));
  const dropBy15 = 100 * (1 - mean(logs.slice(at15 - 10, at15)) / mean(logs.slice(0, 10)));
  const terms = Math.max(1, Object.keys(logs[0]?.terms ?? {}).length);
  const collapse = terms * Math.log(2 * batchSize - 1);
  let belowCollapseAt: number | null = null;
  for (let i = 9; i < logs.length && belowCollapseAt === null; i++) if (mean(logs.slice(i - 9, i + 1)) < collapse) belowCollapseAt = logs[i].step;
  return { dropBy15, belowCollapseAt, terms, collapse, at15 };
}
