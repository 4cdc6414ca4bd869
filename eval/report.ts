// Reports: JSON for machines, Markdown for people; the paper's aggregate next to its published
// numbers; two models side by side; the paper's table layout for our own (synthetic) sets.
// No Node built-ins: the CLI writes the files.

import type { EvalResult, Task } from './types.js';

/** The paper's table (v3), percent, per dataset name used by our adapters. */
export const PAPER: Record<string, { label: string; task: Task; random: number; clip: number; focusclip: number }> = {
  kinetics400: { label: 'Kinetics', task: 'activity', random: 0.76, clip: 15.0, focusclip: 15.18 },
  stanford40: { label: 'Stanford', task: 'activity', random: 8.24, clip: 6.49, focusclip: 10.47 },
  'emotic-age': { label: 'Emotic age', task: 'age', random: 33.54, clip: 37.56, focusclip: 41.8 },
  'lagenda-body': { label: 'LG-B', task: 'age', random: 33.46, clip: 39.48, focusclip: 59.44 },
  'lagenda-face': { label: 'LG-F', task: 'age', random: 33.13, clip: 44.56, focusclip: 71.41 },
  utkface: { label: 'UTK', task: 'age', random: 20.86, clip: 27.02, focusclip: 35.13 },
  'emotic-emotion': { label: 'Emotic emo', task: 'emotion', random: 11.54, clip: 10.39, focusclip: 13.73 },
  fer2013: { label: 'FER13', task: 'emotion', random: 43.23, clip: 52.56, focusclip: 63.35 },
  ferplus: { label: 'FER+', task: 'emotion', random: 36.79, clip: 47.38, focusclip: 47.57 },
  fairface: { label: 'FairFace', task: 'race', random: 14.45, clip: 13.47, focusclip: 15.78 },
};

/** The headline's composition (v3): mean over tasks of the per-task means of these datasets. */
export const HEADLINE_TASKS: Record<'activity' | 'age' | 'emotion', string[]> = {
  activity: ['stanford40'],
  age: ['emotic-age', 'lagenda-body', 'lagenda-face', 'utkface'],
  emotion: ['emotic-emotion', 'fer2013'],
};

export const PAPER_AVERAGE = { clip: 25.04, focusclip: 33.65 };

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '-');
export const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
export const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '-');

export interface HeadlineAggregate {
  /** Percent; NaN for a task with none of its datasets evaluated. */
  tasks: Record<'activity' | 'age' | 'emotion', { mean: number; used: string[]; missing: string[] }>;
  /** Mean of the available task means (percent). */
  headline: number;
  /** True when every dataset of the paper's headline was evaluated. */
  complete: boolean;
  /** The same computation on the paper's published numbers restricted to the datasets we have,
   *  so a partial run still has a like-for-like reference. */
  paperSameSubset: { clip: number; focusclip: number };
}

/** The paper's aggregate over whichever of its datasets are among `results` (headline accuracy). */
export function headlineAggregate(results: readonly EvalResult[]): HeadlineAggregate {
  const by = new Map(results.map((r) => [r.dataset, r]));
  const tasks = {} as HeadlineAggregate['tasks'];
  const taskMeans: number[] = [];
  const paperClip: number[] = [];
  const paperFocus: number[] = [];
  let complete = true;
  for (const [task, names] of Object.entries(HEADLINE_TASKS) as ['activity' | 'age' | 'emotion', string[]][]) {
    const used = names.filter((n) => by.has(n));
    const missing = names.filter((n) => !by.has(n));
    if (missing.length) complete = false;
    const m = mean(used.map((n) => 100 * by.get(n)!.headline));
    tasks[task] = { mean: m, used, missing };
    if (used.length) {
      taskMeans.push(m);
      paperClip.push(mean(used.map((n) => PAPER[n].clip)));
      paperFocus.push(mean(used.map((n) => PAPER[n].focusclip)));
    }
  }
  return { tasks, headline: mean(taskMeans), complete, paperSameSubset: { clip: mean(paperClip), focusclip: mean(paperFocus) } };
}

export interface RunReport {
  created: string;
  model?: string;
  results: EvalResult[];
  aggregate: HeadlineAggregate;
}

export function makeRunReport(results: EvalResult[], model?: string, created = new Date().toISOString()): RunReport {
  return { created, model, results, aggregate: headlineAggregate(results) };
}

export function reportJson(report: RunReport): string {
  return JSON.stringify(report, null, 2);
}

/** The paper's headline: the mean over tasks of each task's mean over its datasets. */
export function meanOfTaskMeans(results: readonly EvalResult[], value: (r: EvalResult) => number): number {
  const byTask = new Map<Task, number[]>();
  for (const r of results) byTask.set(r.task, [...(byTask.get(r.task) ?? []), value(r)]);
  return mean([...byTask.values()].map(mean));
}

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One row per dataset: size, skips, top-1/3/5, the paper's k, chance. */
export function resultsTable(results: readonly EvalResult[]): string {
  return table(
    ['dataset', 'task', 'classes', 'images', 'skipped', 'top-1', 'top-3', 'top-5', 'headline (k)', 'chance (k)'],
    results.map((r) => [r.dataset, r.task, r.classes.length, r.n, r.skipped.count, pct(r.top1), pct(r.top3), pct(r.top5), `${pct(r.headline)} (top-${r.headlineK})`, pct(r.chance.headline)]),
  );
}

/** Our headline numbers in the paper's columns, under its published rows. */
export function paperComparisonTable(results: readonly EvalResult[], label = 'this model'): string {
  const by = new Map(results.map((r) => [r.dataset, r]));
  const keys = Object.keys(PAPER);
  const agg = headlineAggregate(results);
  const header = ['', ...keys.map((k) => PAPER[k].label), 'activity', 'age', 'emotion', 'average'];
  const paperRow = (name: string, f: 'random' | 'clip' | 'focusclip') => {
    const t = (task: 'activity' | 'age' | 'emotion') => mean(HEADLINE_TASKS[task].map((n) => PAPER[n][f]));
    const avg = f === 'random' ? mean([t('activity'), t('age'), t('emotion')]) : f === 'clip' ? PAPER_AVERAGE.clip : PAPER_AVERAGE.focusclip;
    return [name, ...keys.map((k) => num(PAPER[k][f])), num(t('activity')), num(t('age')), num(t('emotion')), num(avg)];
  };
  const ours = [
    label,
    ...keys.map((k) => (by.has(k) ? pct(by.get(k)!.headline) : '-')),
    num(agg.tasks.activity.mean),
    num(agg.tasks.age.mean),
    num(agg.tasks.emotion.mean),
    `${num(agg.headline)}${agg.complete ? '' : '*'}`,
  ];
  const chance = ['chance (ours)', ...keys.map((k) => (by.has(k) ? pct(by.get(k)!.chance.headline) : '-')), '', '', '', ''];
  return table(header, [paperRow('random (paper)', 'random'), paperRow('CLIP (paper)', 'clip'), paperRow('FocusCLIP (paper)', 'focusclip'), ours, chance]);
}

function headlineText(agg: HeadlineAggregate): string {
  const lines = [
    `Headline (mean of the activity, age and emotion means): **${num(agg.headline)}**` +
      ` vs paper CLIP ${num(PAPER_AVERAGE.clip)}, FocusCLIP ${num(PAPER_AVERAGE.focusclip)}.`,
  ];
  if (!agg.complete) {
    const missing = Object.values(agg.tasks).flatMap((t) => t.missing);
    lines.push(
      `*Partial: ${missing.join(', ')} not evaluated; the average uses the tasks available. The paper's numbers on the same subset: CLIP ${num(agg.paperSameSubset.clip)}, FocusCLIP ${num(agg.paperSameSubset.focusclip)}.`,
    );
  }
  return lines.join('\n\n');
}

function perClassSection(r: EvalResult, maxRows = 60): string {
  const rows = r.perClass.map((p) => [p.name, p.n, pct(p.top1), pct(p.topK)]);
  const shown = rows.length > maxRows ? [...rows.slice(0, maxRows), [`... ${rows.length - maxRows} more in the JSON`, '', '', '']] : rows;
  const parts = [`### ${r.dataset}`, '', `${r.n} images, ${r.classes.length} classes, task ${r.task}, ${r.seconds.toFixed(1)} s.`];
  if (r.notes.length) parts.push('', ...r.notes.map((n) => `- ${n}`));
  if (r.skipped.count) parts.push('', `Skipped ${r.skipped.count} unreadable images, e.g. ${r.skipped.examples.slice(0, 3).map((s) => `\`${s.id}\` (${s.reason})`).join('; ')}.`);
  if (r.annotationSkips.count) parts.push('', `Dropped ${r.annotationSkips.count} annotation records, e.g. ${r.annotationSkips.examples.slice(0, 3).map((s) => `\`${s.id}\` (${s.reason})`).join('; ')}.`);
  parts.push('', `Prompt of class 0: "${r.prompts[0].join('" / "')}"`, '', table(['class', 'images', 'top-1', `top-${r.headlineK}`], shown));
  return parts.join('\n');
}

export function reportMarkdown(report: RunReport): string {
  const { results } = report;
  const parts = [`# Zero-shot evaluation${report.model ? `: ${report.model}` : ''}`, '', `Created ${report.created}.`, '', resultsTable(results)];
  if (results.some((r) => PAPER[r.dataset])) {
    parts.push('', '## Against the paper', '', paperComparisonTable(results, report.model ?? 'this model'), '', headlineText(report.aggregate));
  }
  parts.push('', '## Per class', '', ...results.map((r) => perClassSection(r) + '\n'));
  return parts.join('\n');
}

export interface CompareRow {
  dataset: string;
  task: Task;
  k: number;
  a: number;
  b: number;
  /** b - a, percentage points. */
  diff: number;
  aTop1: number;
  bTop1: number;
}

export interface Comparison {
  names: [string, string];
  rows: CompareRow[];
  /** Paper aggregate of each side (over the datasets both evaluated). */
  headline: { a: number; b: number; diff: number };
  taskMeans: { task: Task; a: number; b: number; diff: number }[];
}

/** Two models on the same datasets, side by side (percent, B minus A). */
export function compare(a: readonly EvalResult[], b: readonly EvalResult[], names: [string, string] = ['A', 'B']): Comparison {
  const bb = new Map(b.map((r) => [r.dataset, r]));
  const rows: CompareRow[] = [];
  for (const ra of a) {
    const rb = bb.get(ra.dataset);
    if (!rb) continue;
    if (rb.n !== ra.n) throw new Error(`compare: ${ra.dataset} was evaluated on ${ra.n} images for ${names[0]} but ${rb.n} for ${names[1]}; compare runs on the same data.`);
    rows.push({ dataset: ra.dataset, task: ra.task, k: ra.headlineK, a: 100 * ra.headline, b: 100 * rb.headline, diff: 100 * (rb.headline - ra.headline), aTop1: 100 * ra.top1, bTop1: 100 * rb.top1 });
  }
  const common = new Set(rows.map((r) => r.dataset));
  const ha = headlineAggregate(a.filter((r) => common.has(r.dataset))).headline;
  const hb = headlineAggregate(b.filter((r) => common.has(r.dataset))).headline;
  const taskMeans = taskOrder(rows.map((r) => r.task)).map((task) => {
    const rs = rows.filter((r) => r.task === task);
    const ma = mean(rs.map((r) => r.a));
    const mb = mean(rs.map((r) => r.b));
    return { task, a: ma, b: mb, diff: mb - ma };
  });
  return { names, rows, headline: { a: ha, b: hb, diff: hb - ha }, taskMeans };
}

export function compareMarkdown(c: Comparison): string {
  const [na, nb] = c.names;
  const parts = [
    table(
      ['dataset', 'task', 'k', `${na}`, `${nb}`, `${nb} - ${na}`, `${na} top-1`, `${nb} top-1`],
      c.rows.map((r) => [r.dataset, r.task, r.k, num(r.a), num(r.b), signed(r.diff), num(r.aTop1), num(r.bTop1)]),
    ),
    '',
    table(['task mean', na, nb, 'difference'], c.taskMeans.map((t) => [t.task, num(t.a), num(t.b), signed(t.diff)])),
  ];
  if (Number.isFinite(c.headline.a)) {
    parts.push('', `Paper headline over the datasets evaluated: ${na} ${num(c.headline.a)}, ${nb} ${num(c.headline.b)} (${signed(c.headline.diff)}); paper: CLIP ${num(PAPER_AVERAGE.clip)}, FocusCLIP ${num(PAPER_AVERAGE.focusclip)} (+${num(PAPER_AVERAGE.focusclip - PAPER_AVERAGE.clip)}).`);
  }
  return parts.join('\n');
}

const TASK_ORDER: Task[] = ['activity', 'age', 'emotion', 'race', 'birds', 'other'];
function taskOrder(tasks: Task[]): Task[] {
  return TASK_ORDER.filter((t) => tasks.includes(t));
}

/** The paper's table layout for any sets (ours: synthetic held-out sets): columns per dataset
 *  grouped by task, a mean per task and the mean of the task means; rows chance, each model, and
 *  the last model minus the first (FocusCLIP minus CLIP). */
export function paperLayoutTable(models: { name: string; results: readonly EvalResult[] }[]): string {
  if (!models.length) throw new Error('paperLayoutTable: no models given.');
  const first = models[0].results;
  const tasks = taskOrder(first.map((r) => r.task));
  const header = ['', ...tasks.flatMap((t) => [...first.filter((r) => r.task === t).map((r) => `${r.dataset} (top-${r.headlineK})`), `**${t}**`]), '**average**'];
  const rowOf = (name: string, value: (ds: string) => number) => {
    const cells: string[] = [name];
    const taskMeans: number[] = [];
    for (const t of tasks) {
      const vals = first.filter((r) => r.task === t).map((r) => value(r.dataset));
      cells.push(...vals.map(num));
      const m = mean(vals);
      taskMeans.push(m);
      cells.push(`**${num(m)}**`);
    }
    cells.push(`**${num(mean(taskMeans))}**`);
    return cells;
  };
  const lookup = (rs: readonly EvalResult[], f: (r: EvalResult) => number) => (ds: string) => {
    const r = rs.find((x) => x.dataset === ds);
    return r ? 100 * f(r) : NaN;
  };
  const rows = [rowOf('chance', lookup(first, (r) => r.chance.headline))];
  for (const m of models) rows.push(rowOf(m.name, lookup(m.results, (r) => r.headline)));
  if (models.length >= 2) {
    const a = lookup(models[0].results, (r) => r.headline);
    const b = lookup(models[models.length - 1].results, (r) => r.headline);
    // Means are linear, so the task and overall cells of this row are differences of means too.
    const d = rowOf(`${models[models.length - 1].name} - ${models[0].name}`, (ds) => b(ds) - a(ds));
    rows.push(d.map((c, i) => (i === 0 ? c : c.replace(/-?\d+\.\d+/, (v) => signed(Number(v))))));
  }
  return table(header, rows);
}
