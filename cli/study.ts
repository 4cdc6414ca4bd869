// `focusclip study`: the demo at several seeds, paired (each seed trains CLIP and FocusCLIP on the
// same data, order and initial weights), summarised per task as mean ± sd of each model and the
// FocusCLIP - CLIP difference with its 95 % t-interval; plus the background-shift probe and the
// attention share. Each seed's summary is kept, so an interrupted study resumes where it stopped.

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { RunCommand } from './run.js';
import { DEMO_DEFAULTS, demoInitVisual, demoTrainConfig, parseProbability, parseRecipe, runDemo, type DemoOptions } from './demo.js';
import { writeFileAtomic } from '../data/image-node.js';
import { pairedInterval, tInterval, type Interval } from '../eval/stats.js';
import { isProbe, probeAccuracy } from '../eval/probe-report.js';
import { meanOfTaskMeans, num, signed, table } from '../eval/report.js';
import { intervalChartSvg } from '../eval/plot.js';
import { intervalChartPng } from '../eval/plot-png-node.js';
import type { EvalResult } from '../eval/types.js';
import type { ModelKind } from '../train/pipeline.js';
import { learningCurve, type LearningCurve } from '../train/learning-curve.js';
import { fmtSecs } from '../train/progress.js';
import { intFlag } from './flags.js';
import { ensureDir } from '../data/atomic-write-node.js';

/** One seed's numbers (percent), per model. */
export interface SeedSummary {
  seed: number;
  options: Omit<DemoOptions, 'out' | 'seed' | 'quiet'>;
  metrics: Record<ModelKind, Record<string, number>>;
  /** How early each model's loss falls (see learningCurve). */
  learning?: Record<ModelKind, LearningCurve>;
  seconds: number;
}

/** The metrics of one model: each held-out set, the paper-style average, the probe and the attention share. */
export function seedMetrics(results: readonly EvalResult[], attention?: { mean: number }): Record<string, number> {
  const m: Record<string, number> = {};
  const heldOut = results.filter((r) => !isProbe(r.dataset));
  for (const r of heldOut) m[r.dataset.replace(/^synthetic-/, '')] = 100 * r.headline;
  // Clothing and count share the task 'other', so they count as one third task as in the paper's layout.
  m.average = meanOfTaskMeans(heldOut, (r) => 100 * r.headline);
  m.chance = meanOfTaskMeans(heldOut, (r) => 100 * r.chance.headline);
  if (results.some((r) => isProbe(r.dataset))) {
    const p = probeAccuracy(results);
    m['bg-aligned'] = p.aligned;
    m['bg-swapped'] = p.swapped;
    m['bg-drop'] = p.drop;
  }
  if (attention) m['attention-share'] = 100 * attention.mean;
  return m;
}

export interface StudySummary {
  seeds: number[];
  options: SeedSummary['options'];
  metrics: {
    name: string;
    clip: Interval;
    focusclip: Interval;
    /** FocusCLIP - CLIP per seed, with its 95 % t-interval. */
    difference: Interval & { diffs: number[] };
  }[];
}

export function summarise(seeds: readonly SeedSummary[]): StudySummary {
  if (!seeds.length) throw new Error('summarise: no seeds.');
  const names = Object.keys(seeds[0].metrics.clip).filter((k) => k !== 'chance');
  return {
    seeds: seeds.map((s) => s.seed),
    options: seeds[0].options,
    metrics: names.map((name) => {
      const a = seeds.map((s) => s.metrics.clip[name]);
      const b = seeds.map((s) => s.metrics.focusclip[name]);
      return { name, clip: tInterval(a), focusclip: tInterval(b), difference: pairedInterval(a, b) };
    }),
  };
}

export function studyMarkdown(s: StudySummary, chance: number): string {
  const ms = (i: Interval) => `${num(i.mean)} ± ${num(i.sd)}`;
  const ci = (i: Interval) => (Number.isFinite(i.lo) ? `[${signed(i.lo)}, ${signed(i.hi)}]` : '-');
  const rows = s.metrics.map((m) => [m.name, ms(m.clip), ms(m.focusclip), signed(m.difference.mean), ci(m.difference), m.difference.diffs.map(signed).join(' ')]);
  const cfg = demoTrainConfig(s.options);
  return (
    `# FocusCLIP vs CLIP over ${s.seeds.length} seeds\n\n` +
    `Seeds ${s.seeds.join(', ')}; per seed both models train on the same data, order and initial weights (paired). ` +
    `Preset ${s.options.preset}, recipe ${s.options.recipe} (lr ${cfg.lr}, temperature ${cfg.temperature}), image tower ${s.options.initVisual ? `pretrained (${basename(s.options.initVisual)})` : 'from scratch'}, text tower ${s.options.initText ? `pretrained (${basename(s.options.initText)})` : 'from scratch'}, ${s.options.trainCount} training images (background bias ${s.options.backgroundBias}), ` +
    `${s.options.steps} steps of batch ${s.options.batchSize}, ${s.options.evalCount} images per held-out set. Accuracy in %, chance average ${num(chance)}.\n\n` +
    table(['metric', 'CLIP (mean ± sd)', 'FocusCLIP (mean ± sd)', 'FocusCLIP - CLIP', '95 % CI (t)', 'per seed'], rows) +
    '\n\nactivity top-3, age/clothing/count top-1; average = mean of task means (activity, age, clothing and count as one task); ' +
    'bg-aligned/bg-swapped: activity (top-3) on training backgrounds aligned with / swapped away from the training shortcut, bg-drop = aligned - swapped; ' +
    'attention-share: % of the CLS token attention rollout inside the subject heatmap on the held-out activity set.\n'
  );
}

export async function runStudy(run: RunCommand, o: { out: string; seeds: number[]; demo: SeedSummary['options']; quiet?: boolean }): Promise<StudySummary> {
  if (!o.seeds.length) throw new Error('--seeds must be at least 1 (a study needs seeds to compare over; use 5 or more for an interval worth reading).');
  const out = resolve(o.out);
  ensureDir(out, '--out folder');
  const say = (s: string) => {
    if (!o.quiet) console.log(s);
  };
  const per: SeedSummary[] = [];
  for (const [i, seed] of o.seeds.entries()) {
    const dir = join(out, `seed-${seed}`);
    const file = join(dir, 'summary.json');
    if (existsSync(file)) {
      const prev = JSON.parse(readFileSync(file, 'utf8')) as SeedSummary;
      if (JSON.stringify(prev.options) === JSON.stringify(o.demo)) {
        say(`seed ${seed} (${i + 1}/${o.seeds.length}): done earlier, read from ${file}`);
        per.push(prev);
        continue;
      }
      say(`seed ${seed}: ${file} was made with other options; training it again`);
    }
    say(`seed ${seed} (${i + 1}/${o.seeds.length}) -> ${dir}`);
    const t0 = performance.now();
    const r = await runDemo(run, { ...o.demo, seed, out: dir, quiet: o.quiet });
    const s: SeedSummary = {
      seed,
      options: o.demo,
      metrics: { clip: seedMetrics(r.results.clip, r.attention.clip), focusclip: seedMetrics(r.results.focusclip, r.attention.focusclip) },
      learning: { clip: learningCurve(r.logs.clip, o.demo.batchSize), focusclip: learningCurve(r.logs.focusclip, o.demo.batchSize) },
      seconds: (performance.now() - t0) / 1000,
    };
    writeFileAtomic(file, JSON.stringify(s, null, 1) + '\n');
    say(`seed ${seed}: average CLIP ${num(s.metrics.clip.average)}, FocusCLIP ${num(s.metrics.focusclip.average)} (${fmtSecs(s.seconds)})`);
    per.push(s);
  }
  const summary = summarise(per);
  const chance = per[0].metrics.clip.chance;
  writeFileAtomic(join(out, 'study.json'), JSON.stringify({ ...summary, chanceAverage: chance, perSeed: per }, null, 1) + '\n');
  const md = studyMarkdown(summary, chance) + learningMarkdown(per);
  writeFileAtomic(join(out, 'study.md'), md);
  const cats = summary.metrics.filter((m) => m.name !== 'attention-share').map((m) => ({ name: m.name, points: m.difference.diffs, mean: m.difference.mean, lo: m.difference.lo, hi: m.difference.hi }));
  const chart = { title: 'FocusCLIP - CLIP per seed (points), mean and 95% CI', yLabel: 'accuracy difference (points)' };
  writeFileAtomic(join(out, 'study-diffs.svg'), intervalChartSvg(cats, chart));
  writeFileAtomic(join(out, 'study-diffs.png'), intervalChartPng(cats, chart));
  say('\n' + md);
  return summary;
}

/** Per seed and model: how far the loss fell by 15 % of training, and when it went below the collapse value. */
export function learningMarkdown(per: readonly SeedSummary[]): string {
  const withCurves = per.filter((s) => s.learning);
  if (!withCurves.length) return '';
  const rows = (['clip', 'focusclip'] as ModelKind[]).map((k) => [
    k === 'clip' ? 'CLIP' : 'FocusCLIP',
    withCurves.map((s) => `${num(s.learning![k].dropBy15)} %`).join(' '),
    withCurves.map((s) => (s.learning![k].belowCollapseAt === null ? 'never' : String(s.learning![k].belowCollapseAt))).join(' '),
  ]);
  const steps = withCurves[0].options.steps;
  return (
    `\nLearning curves, per seed ${withCurves.map((s) => s.seed).join(', ')} (15 % of training = step ${Math.round(0.15 * steps)} of ${steps}):\n\n` +
    table(['model', 'loss fall by 15 % of training (last 10 steps vs first 10)', 'first step below the collapse value terms x ln(2B - 1)'], rows) +
    '\n'
  );
}

/** "5" -> seeds 1..5; "3,7,42" -> those seeds. */
export function parseSeeds(v: string): number[] {
  const t = v.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1) throw new Error(`--seeds must be at least 1, got ${v} (a study compares the models over several seeds; use 5 or more).`);
    if (n > 1000) throw new Error(`--seeds ${v} is more than 1000 trainings of each model; pick fewer or list them (--seeds 1,2,3).`);
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  const list = t.split(',').map((x) => x.trim());
  if (!list.length || list.some((x) => !/^\d+$/.test(x))) throw new Error(`--seeds must be a count (5) or a list of non-negative integers (1,2,42), got "${v}".`);
  const seeds = list.map(Number);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds lists a seed twice: "${v}".`);
  return seeds;
}

export function registerStudy(program: Command, run: RunCommand) {
  program
    .command('study')
    .description('the demo at several seeds: both models paired per seed, mean ± sd, FocusCLIP - CLIP with 95% intervals, probe and attention share')
    .requiredOption('--seeds <n|list>', 'number of seeds (1..n) or a comma-separated list')
    .option('--out <dir>', 'output folder', 'out/study')
    .option('--train-count <n>', 'synthetic training images', String(DEMO_DEFAULTS.trainCount))
    .option('--eval-count <n>', 'images per held-out set', String(DEMO_DEFAULTS.evalCount))
    .option('--steps <n>', 'training steps per model', String(DEMO_DEFAULTS.steps))
    .option('--batch-size <n>', 'batch size', String(DEMO_DEFAULTS.batchSize))
    .option('--preset <name>', 'model preset', DEMO_DEFAULTS.preset)
    .option('--recipe <name>', 'modern or paper', DEMO_DEFAULTS.recipe)
    .option('--background-bias <p>', "probability that a training image shows its activity's home background", String(DEMO_DEFAULTS.backgroundBias))
    .option('--init-visual <file>', 'pretrained image tower both models start from (default: the one shipped for the preset)')
    .option('--from-scratch', 'start both image towers from random weights instead')
    .option('--init-text <file>', 'pretrained text tower and vocabulary both models start from (default: from scratch)')
    .action(async (opts) => {
      await runStudy(run, {
        out: opts.out,
        seeds: parseSeeds(opts.seeds),
        demo: {
          trainCount: intFlag('train-count', opts.trainCount, 2),
          evalCount: intFlag('eval-count', opts.evalCount, 1),
          steps: intFlag('steps', opts.steps, 1),
          batchSize: intFlag('batch-size', opts.batchSize, 2),
          preset: opts.preset,
          recipe: parseRecipe(opts.recipe),
          backgroundBias: parseProbability('background-bias', opts.backgroundBias),
          initVisual: demoInitVisual(opts.preset, opts),
          initText: opts.initText,
        },
      });
    });
}
