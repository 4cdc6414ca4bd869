// `focusclip eval`: zero-shot classification of one checkpoint (or two, side by side) on real
// datasets and our synthetic held-out sets; JSON + Markdown reports and confusion matrices.
//
//   focusclip eval --checkpoint model.safetensors --dataset stanford40:/data/Stanford40 \
//                  --dataset lagenda:/data/lagenda --out eval-out
//   focusclip eval --compare clip.safetensors focusclip.safetensors --dataset synthetic:out/eval/age
//   focusclip eval --check --dataset fer2013:/data/fer       (datasets only, no model, no GPU)

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Engine } from '../ops/engine.js';
import type { RunCommand } from './run.js';
import { writeFileAtomic } from '../data/image-node.js';
import { ADAPTERS, openDatasets, parseDatasetSpec, type DatasetSpec } from '../eval/adapters/index.js';
import { applyPromptOverrides, ensembleTemplates, type PromptOverrides } from '../eval/prompts.js';
import { evaluate } from '../eval/zeroshot.js';
import { compare, compareMarkdown, makeRunReport, paperComparisonTable, paperLayoutTable, reportJson, reportMarkdown, resultsTable, PAPER } from '../eval/report.js';
import { barChartSvg, confusionMatrixSvg } from '../eval/plot.js';
import { confusionMatrixPng } from '../eval/plot-png-node.js';
import type { EvalDataset, EvalResult, ZeroShotModel } from '../eval/types.js';
import { loadZeroShotModel } from './eval-model.js';
import { safeFileName } from '../data/paths-node.js';
import { intFlag } from './flags.js';

export interface EvalCliOptions {
  checkpoint?: string;
  dataset?: string[];
  compare?: string[];
  out?: string;
  json?: boolean;
  batchSize?: string | number;
  prompts?: string;
  ensemble?: boolean;
  limit?: string | number;
  predictions?: boolean;
  check?: boolean;
  cpuScores?: boolean;
  vocab?: string;
}

export interface EvalPlan {
  /** One checkpoint, or two for --compare. */
  checkpoints: string[];
  datasets: DatasetSpec[];
  out: string;
  json: boolean;
  batchSize: number;
  overrides?: PromptOverrides;
  ensemble: boolean;
  predictions: boolean;
  check: boolean;
  cpuScores: boolean;
  /** vocab.txt for checkpoints that do not carry their vocabulary. */
  vocab?: string;
}

/** Validate the command line before anything heavy happens; every error says what to fix. */
export function parseEvalArgs(o: EvalCliOptions): EvalPlan {
  const specs = (o.dataset ?? []).map((d) => {
    const s = parseDatasetSpec(d);
    if (o.limit !== undefined && s.options.limit === undefined) s.options.limit = intFlag('limit', o.limit, 1);
    return s;
  });
  if (!specs.length) throw new Error(`give at least one --dataset <kind>:<path>. Kinds: ${Object.keys(ADAPTERS).join(', ')}.`);
  let checkpoints: string[] = [];
  if (o.compare?.length) {
    if (o.compare.length !== 2) throw new Error(`--compare takes exactly two checkpoints (A then B), got ${o.compare.length}.`);
    if (o.checkpoint) throw new Error('use either --checkpoint or --compare A B, not both.');
    checkpoints = o.compare;
  } else if (o.checkpoint) checkpoints = [o.checkpoint];
  else if (!o.check) throw new Error('give --checkpoint model.safetensors, --compare A.safetensors B.safetensors, or --check to validate the datasets only.');
  for (const c of checkpoints) if (!existsSync(c)) throw new Error(`checkpoint not found: ${c}.`);
  const batchSize = o.batchSize === undefined ? 32 : Number(o.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got ${o.batchSize}.`);
  let overrides: PromptOverrides | undefined;
  if (o.prompts) {
    if (!existsSync(o.prompts)) throw new Error(`prompt file not found: ${o.prompts}.`);
    try {
      overrides = JSON.parse(readFileSync(o.prompts, 'utf8'));
    } catch (e) {
      throw new Error(`prompt file ${o.prompts} is not valid JSON: ${(e as Error).message}`);
    }
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error(`prompt file ${o.prompts} must be an object keyed by dataset name or kind.`);
  }
  return {
    checkpoints,
    datasets: specs,
    out: o.out ?? 'eval-out',
    json: !!o.json,
    batchSize,
    overrides,
    ensemble: !!o.ensemble,
    predictions: !!o.predictions,
    check: !!o.check,
    cpuScores: !!o.cpuScores,
    vocab: o.vocab,
  };
}

/** Open every dataset (fails fast on missing files) and apply prompt options. */
export function openPlanDatasets(plan: EvalPlan): EvalDataset[] {
  const out: EvalDataset[] = [];
  for (const spec of plan.datasets) {
    for (let ds of openDatasets(spec)) {
      if (plan.ensemble) ds = { ...ds, templates: ensembleTemplates(ds.templates) };
      ds = applyPromptOverrides(ds, plan.overrides);
      if (Array.isArray(ds.items)) ds.size = ds.items.length;
      out.push(ds);
    }
  }
  const names = out.map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`dataset ${dup} is given twice; give each dataset once.`);
  return out;
}

function progress(name: string) {
  let last = 0;
  return (done: number, total: number | undefined, skipped: number) => {
    const now = Date.now();
    if (!process.stderr.isTTY || now - last < 250) return;
    last = now;
    process.stderr.write(`\r${name}: ${done}${total ? `/${total}` : ''} images${skipped ? `, ${skipped} skipped` : ''}   `);
  };
}

/** Evaluate one model on every dataset and write its reports into `dir`. */
export async function evaluateAndReport(engine: Engine | undefined, model: ZeroShotModel, datasets: EvalDataset[], plan: EvalPlan, dir: string, log: (s: string) => void): Promise<EvalResult[]> {
  const results: EvalResult[] = [];
  for (const ds of datasets) {
    const r = await evaluate(model, ds, { batchSize: plan.batchSize, engine: plan.cpuScores ? undefined : engine, keepPredictions: plan.predictions, onProgress: progress(ds.name) });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    log(`${ds.name}: ${r.n} images, top-${r.headlineK} ${(100 * r.headline).toFixed(2)}%${r.skipped.count ? ` (${r.skipped.count} unreadable, skipped)` : ''}`);
    const title = `${ds.name} (top-1 ${(100 * r.top1).toFixed(1)}%)`;
    writeFileAtomic(join(dir, `confusion-${safeFileName(ds.name)}.png`), confusionMatrixPng(r.confusion, r.classes, { title }));
    writeFileAtomic(join(dir, `confusion-${safeFileName(ds.name)}.svg`), confusionMatrixSvg(r.confusion, r.classes, { title }));
    results.push(r);
  }
  const report = makeRunReport(results, model.name);
  writeFileAtomic(join(dir, 'report.json'), reportJson(report));
  writeFileAtomic(join(dir, 'report.md'), reportMarkdown(report));
  return results;
}

/** Labels for the two sides of a comparison: file names, made distinct if equal. */
export function sideNames(a: string, b: string): [string, string] {
  const na = basename(a).replace(/\.safetensors$/, '');
  const nb = basename(b).replace(/\.safetensors$/, '');
  return na === nb ? [`A-${na}`, `B-${nb}`] : [na, nb];
}

export type LoadModel = (engine: Engine, path: string) => Promise<ZeroShotModel>;

export async function runEval(engine: Engine, plan: EvalPlan, opts: { loadModel?: LoadModel; log?: (s: string) => void } = {}): Promise<{ results: EvalResult[][]; stdout: string }> {
  const log = opts.log ?? ((s: string) => console.error(s));
  const loadModel = opts.loadModel ?? ((e: Engine, p: string) => loadZeroShotModel(e, p, { vocab: plan.vocab }));
  const datasets = openPlanDatasets(plan); // missing files fail here, before any model is loaded
  const all: EvalResult[][] = [];
  const names = plan.checkpoints.length === 2 ? sideNames(plan.checkpoints[0], plan.checkpoints[1]) : [undefined];
  for (let i = 0; i < plan.checkpoints.length; i++) {
    const model = await loadModel(engine, plan.checkpoints[i]);
    const named: ZeroShotModel = {
      name: model.name ?? basename(plan.checkpoints[i]),
      embedDim: model.embedDim,
      imageSize: model.imageSize,
      encodeImages: (px, n, size) => model.encodeImages(px, n, size),
      encodeTexts: (texts) => model.encodeTexts(texts),
    };
    const dir = names[i] ? join(plan.out, names[i]!) : plan.out;
    all.push(await evaluateAndReport(engine, named, datasets, plan, dir, log));
  }
  let stdout: string;
  if (all.length === 2) {
    const [na, nb] = names as [string, string];
    const c = compare(all[0], all[1], [na, nb]);
    const md = [
      `# ${na} vs ${nb}`,
      '',
      compareMarkdown(c),
      '',
      '## Paper layout',
      '',
      paperLayoutTable([
        { name: na, results: all[0] },
        { name: nb, results: all[1] },
      ]),
    ].join('\n');
    writeFileAtomic(join(plan.out, 'compare.json'), JSON.stringify({ comparison: c, a: all[0], b: all[1] }, null, 2));
    writeFileAtomic(join(plan.out, 'compare.md'), md);
    writeFileAtomic(
      join(plan.out, 'compare.svg'),
      barChartSvg(c.rows.map((r) => PAPER[r.dataset]?.label ?? r.dataset), [
        { name: na, values: c.rows.map((r) => r.a) },
        { name: nb, values: c.rows.map((r) => r.b) },
      ], { title: 'Zero-shot accuracy (paper k)', yLabel: 'accuracy %' }),
    );
    stdout = plan.json ? JSON.stringify(c, null, 2) : md;
  } else {
    const report = makeRunReport(all[0], all[0][0]?.model);
    stdout = plan.json
      ? reportJson(report)
      : [resultsTable(all[0]), ...(all[0].some((r) => PAPER[r.dataset]) ? ['', paperComparisonTable(all[0], report.model)] : [])].join('\n');
  }
  log(`reports in ${plan.out}`);
  return { results: all, stdout };
}

/** --check: open the datasets, count items, and report without a model or GPU. */
export function checkDatasets(plan: EvalPlan): { name: string; task: string; classes: number; items: number; dropped: number; prompt: string }[] {
  return openPlanDatasets(plan).map((ds) => ({
    name: ds.name,
    task: ds.task,
    classes: ds.classes.length,
    items: ds.size ?? NaN,
    dropped: ds.annotationSkips?.count ?? 0,
    prompt: ds.templates.map((t) => t.replaceAll('{a}', 'a').replace('{}', ds.promptNames[0])).join(' | '),
  }));
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerEval(program: Command, run: RunCommand): void {
  program
    .command('eval')
    .description('zero-shot classification on real datasets (the paper protocol) and synthetic held-out sets')
    .option('--checkpoint <file>', 'model checkpoint (.safetensors)')
    .option('--dataset <kind:path>', `dataset, repeatable; options after #, e.g. fer2013:/data/fer#usage=PrivateTest. Kinds: ${Object.keys(ADAPTERS).join(', ')}`, collect)
    .option('--compare <files...>', 'two checkpoints A and B, evaluated side by side (B - A)')
    .option('--out <dir>', 'output folder for reports and confusion matrices', 'eval-out')
    .option('--json', 'print JSON instead of Markdown tables')
    .option('--batch-size <n>', 'images per forward pass', '32')
    .option('--vocab <file>', 'vocab.txt, for checkpoints that do not carry their vocabulary')
    .option('--prompts <file>', 'JSON prompt overrides keyed by dataset name or kind: {"fer2013": {"templates": [...], "promptNames": {...}}}')
    .option('--ensemble', 'prompt ensembling: several framings of each template, averaged per class')
    .option('--limit <n>', 'evaluate only the first n items of each dataset (quick checks)')
    .option('--predictions', 'keep every item\'s top-5 classes in report.json')
    .option('--cpu-scores', 'score on the CPU instead of the GPU (debugging)')
    .option('--check', 'only open and validate the datasets (no model, no GPU)')
    .option('--list-datasets', 'list the dataset kinds and exit')
    .action(async (o: EvalCliOptions & { listDatasets?: boolean }) => {
      if (o.listDatasets) {
        for (const [k, v] of Object.entries(ADAPTERS)) console.log(`${k.padEnd(16)} ${v.about}`);
        return;
      }
      const plan = parseEvalArgs(o);
      if (plan.check) {
        const rows = checkDatasets(plan);
        if (plan.json) console.log(JSON.stringify(rows, null, 2));
        else for (const r of rows) console.log(`${r.name.padEnd(16)} ${r.task.padEnd(9)} ${String(r.classes).padStart(4)} classes ${String(r.items).padStart(7)} items ${r.dropped ? `(${r.dropped} records dropped) ` : ''} e.g. "${r.prompt}"`);
        return;
      }
      const { stdout } = await run((engine) => runEval(engine, plan));
      console.log(stdout);
    });
}
