// `focusclip demo`: the whole project in one command on the synthetic default: generate people,
// train CLIP and FocusCLIP with the same data, steps and seed, evaluate both zero-shot on held-out
// sets, and write a paper-layout table, loss curves, confusion matrices and sample heatmaps.

import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { appendFileSync } from 'node:fs';
import type { RunCommand } from './run.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { contactSheet } from '../data/synthetic/contact-sheet.js';
import { writePng, writeFileAtomic } from '../data/image-node.js';
import { makeTrainConfig, PRETRAINED_START, RECIPES, type TrainConfig } from '../train/config.js';
import { learningCurve } from '../train/learning-curve.js';
import { TrainSet } from '../train/batches.js';
import { captionTokenizer, evaluateModel, trainModel, type ModelKind } from '../train/pipeline.js';
import { syntheticEvalDataset, syntheticEvalSets } from '../train/zeroshot.js';
import { probeInputs } from '../train/attention-probe.js';
import { modelAttentionShare, type ModelAttentionShare } from '../model/attention-rollout.js';
import { attentionGrid } from '../eval/attention-picture.js';
import { backgroundShiftTable, attentionTable, isProbe } from '../eval/probe-report.js';
import { progress, fmtSecs } from '../train/progress.js';
import { lineChartSvg, confusionMatrixSvg } from '../eval/plot.js';
import { lineChartPng, confusionMatrixPng } from '../eval/plot-png-node.js';
import { paperLayoutTable, reportJson, makeRunReport } from '../eval/report.js';
import type { EvalResult } from '../eval/types.js';
import type { StepLog } from '../train/trainer.js';
import { intFlag, numFlag } from './flags.js';
import { ensureDir } from '../data/atomic-write-node.js';
import { makeModelConfig, PRESETS } from '../model/config.js';
import { decodeCheckpoint } from '../model/checkpoint.js';
import { checkPretrainedFile, initTextFromHf, initVisualFromTimm, pretrainedVocab } from '../model/pretrained.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { readFileBytes } from '../model/safetensors-node.js';
import type { FocusClipModel } from '../model/focusclip.js';
import { shippedWeights } from './package-file.js';

export interface DemoOptions {
  out: string;
  seed: number;
  trainCount: number;
  evalCount: number;
  steps: number;
  batchSize: number;
  preset: string;
  lr?: number;
  /** 'modern' (feature normalisation, temperature 0.1: the demo default) or 'paper' (the paper's objective). */
  recipe: 'modern' | 'paper';
  /** Probability that a training image shows its activity's home background (0: no shortcut). */
  backgroundBias: number;
  /** Pretrained image tower both models start from (`focusclip pretrain vision`); undefined: from scratch. */
  initVisual?: string;
  /** Pretrained text tower (`focusclip pretrain text`) and its vocabulary; undefined: from scratch. */
  initText?: string;
  quiet?: boolean;
}

export const DEMO_DEFAULTS: DemoOptions = {
  out: 'out/demo',
  seed: 42,
  trainCount: 9600,
  evalCount: 960,
  steps: 640,
  batchSize: 32,
  preset: 'tiny',
  recipe: 'modern',
  backgroundBias: 0.8,
};

/** Images of the held-out activity set whose rollouts are drawn in attention.png. */
const PICTURE_IMAGES = 6;

export interface DemoResult {
  results: Record<ModelKind, EvalResult[]>;
  table: string;
  stages: Record<string, number>;
  logs: Record<ModelKind, StepLog[]>;
  /** Attention rollout share inside the subject's heatmap on the held-out activity set. */
  attention: Record<ModelKind, { mean: number; uniform: number }>;
  out: string;
}

/**
 * The image tower the demo starts from: `--init-visual FILE`, else the one shipped for the preset;
 * `--from-scratch` starts from random weights. A preset without shipped weights is an error that
 * names both ways out.
 */
export function demoInitVisual(preset: string, opts: { fromScratch?: boolean; initVisual?: string }): string | undefined {
  if (opts.fromScratch) {
    if (opts.initVisual) throw new Error('--from-scratch and --init-visual contradict each other; pass one of them.');
    return undefined;
  }
  if (opts.initVisual) return opts.initVisual;
  const shipped = shippedWeights(preset, 'vision');
  if (!shipped) {
    throw new Error(
      `No pretrained image tower is shipped for preset ${preset}. Make one with \`focusclip pretrain vision --preset ${preset}\` and pass --init-visual weights/${preset}-vision.safetensors, or train with --from-scratch.`,
    );
  }
  return shipped;
}

/** One line per model: when its loss left the collapse plateau and how far it fell by 15 % of training. */
export function learningLines(logs: Record<ModelKind, StepLog[]>, batchSize: number): string[] {
  return (['clip', 'focusclip'] as ModelKind[]).map((k) => {
    const c = learningCurve(logs[k], batchSize);
    const name = k === 'clip' ? 'CLIP' : 'FocusCLIP';
    const below = c.belowCollapseAt === null ? 'never below' : `below from step ${c.belowCollapseAt}`;
    return `${name}: ${below} the collapse value ${c.collapse.toFixed(2)} = ${c.terms > 1 ? `${c.terms} ln(2B - 1)` : 'ln(2B - 1)'}; 15 % of training is step ${c.at15}; by then ${c.dropBy15.toFixed(1)} % below its first 10 steps`;
  });
}

/** The training configuration both models of a demo (and of each study seed) train with. */
export function demoTrainConfig(o: Omit<DemoOptions, 'out' | 'seed' | 'quiet'> & { seed?: number }): TrainConfig {
  // The paper recipe's objective (temperature, no feature normalisation) with the demo's optimiser
  // budget: its SGD at lr 5e-4 barely moves a model trained from scratch in 400 steps.
  const objective = o.recipe === 'paper' ? { temperature: RECIPES.paper.temperature, featureNorm: RECIPES.paper.featureNorm } : {};
  // Fine-tuning a pretrained image tower takes its own learning rate and temperature; the paper's
  // objective keeps its temperature, and --lr still wins.
  const fineTune = o.initVisual ? { lr: PRETRAINED_START.lr, ...(o.recipe === 'paper' ? {} : { temperature: PRETRAINED_START.temperature }) } : {};
  return makeTrainConfig('modern', objective, fineTune, {
    model: o.preset,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    batchSize: o.batchSize,
    maxSteps: o.steps,
    epochs: 1000,
    checkpointEvery: 0,
    warmupSteps: Math.min(30, Math.floor(o.steps / 10)),
    ...(o.lr ? { lr: o.lr } : {}),
  });
}

export async function runDemo(run: RunCommand, o: DemoOptions): Promise<DemoResult> {
  const out = resolve(o.out);
  if (!(o.evalCount >= 1)) throw new Error(`--eval-count must be an integer >= 1, got "${o.evalCount}" (the demo evaluates both models on held-out sets).`);
  // Read and check the pretrained tower before anything is generated or trained.
  const visualFile = o.initVisual ? decodeCheckpoint(readFileBytes(resolve(o.initVisual)), o.initVisual) : undefined;
  if (visualFile) checkPretrainedFile(visualFile, 'vision', makeModelConfig(o.preset), o.initVisual!);
  const textFile = o.initText ? decodeCheckpoint(readFileBytes(resolve(o.initText)), o.initText) : undefined;
  if (textFile) checkPretrainedFile(textFile, 'text', makeModelConfig(o.preset), o.initText!);
  const textVocab = textFile ? pretrainedVocab(textFile) : undefined;
  if (textFile && !textVocab) throw new Error(`${o.initText} carries no vocabulary; the demo needs a text tower made by \`focusclip pretrain text\`.`);
  const initialize =
    visualFile || textFile
      ? (m: FocusClipModel) => {
          if (visualFile) initVisualFromTimm(m, visualFile, o.initVisual);
          if (textFile) initTextFromHf(m, textFile, o.initText);
        }
      : undefined;
  ensureDir(out, '--out folder');
  const stages: Record<string, number> = {};
  const say = (s: string) => {
    if (!o.quiet) console.log(s);
  };
  const stage = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    stages[name] = (performance.now() - t) / 1000;
    say(`  ${name}: ${fmtSecs(stages[name])}`);
    return r;
  };

  return run(async (e) => {
    say(`FocusCLIP demo on ${e.adapter.description || e.adapter.vendor} -> ${out}`);
    const cfg = demoTrainConfig(o);
    const size = makeModelConfig(o.preset).vision.imageSize;

    const train = await stage('generate training set', () => {
      const bar = o.quiet ? undefined : progress('generate', o.trainCount);
      const ds = generateDataset({ seed: o.seed, count: o.trainCount, size, backgroundBias: o.backgroundBias, onProgress: (d) => bar?.update(d) });
      bar?.stop();
      return ds;
    });
    writePng(join(out, 'samples.png'), contactSheet(train.records.slice(0, 12), train.images.slice(0, 12), { columns: 4, tile: 128 }));
    const evalSets = await stage('generate held-out sets', () => syntheticEvalSets(o.seed, o.evalCount, size, { backgroundBias: o.backgroundBias }));
    const datasets = evalSets.map(syntheticEvalDataset);
    // The held-out activity set, whose keypoints give the attention probe its heatmaps.
    const activitySet = evalSets.find((s) => s.task === 'activity' && !s.variant)!;
    const data = TrainSet.fromDataset(train, size);
    // A pretrained text tower brings its vocabulary; otherwise one is built from the captions.
    const tok = textVocab ? { vocab: textVocab, tokenizer: new WordPieceTokenizer(textVocab) } : await stage('build vocabulary', () => captionTokenizer(data.texts, 4096));
    writeFileAtomic(join(out, 'vocab.txt'), tok.vocab.join('\n') + '\n');
    const probe = o.evalCount > 0 ? await probeInputs(e, activitySet, size, tok.tokenizer) : undefined;
    const attention = {} as Record<ModelKind, ModelAttentionShare>;

    const results = {} as Record<ModelKind, EvalResult[]>;
    const logs = {} as Record<ModelKind, StepLog[]>;
    for (const kind of ['clip', 'focusclip'] as ModelKind[]) {
      const logPath = join(out, `${kind}-train.jsonl`);
      writeFileAtomic(logPath, '');
      const bar = o.quiet ? undefined : progress(`train ${kind}`, o.steps);
      const trained = await stage(`train ${kind}`, () =>
        trainModel(e, kind, data, cfg, tok, {
          onStep: (l) => {
            appendFileSync(logPath, JSON.stringify(l) + '\n');
            bar?.update(l.step + 1, { loss: l.loss, 'img/s': l.imagesPerSec, ...(l.alpha !== undefined ? { a: l.alpha } : {}) });
          },
          saveBytes: (p, b) => writeFileAtomic(p, b),
        }, join(out, `${kind}.safetensors`), initialize),
      );
      bar?.stop();
      logs[kind] = trained.result.logs;
      results[kind] = await stage(`evaluate ${kind}`, () => evaluateModel(e, trained.model, tok.tokenizer, datasets, kind));
      if (probe) attention[kind] = await modelAttentionShare(e, trained.model, probe.pixels, probe.heatmaps, probe.n);
      writeFileAtomic(join(out, `${kind}-eval.json`), reportJson(makeRunReport(results[kind], kind)));
      for (const r of results[kind]) {
        const m = r.confusion;
        writeFileAtomic(join(out, `confusion-${kind}-${r.dataset}.png`), confusionMatrixPng(m, r.classes, { title: `${kind}: ${r.dataset}` }));
        writeFileAtomic(join(out, `confusion-${kind}-${r.dataset}.svg`), confusionMatrixSvg(m, r.classes, { title: `${kind}: ${r.dataset}` }));
      }
      trained.model.dispose();
    }

    const series = (['clip', 'focusclip'] as ModelKind[]).map((k) => ({ name: k, x: logs[k].map((l) => l.step), y: smooth(logs[k].map((l) => l.loss), 10) }));
    writeFileAtomic(join(out, 'loss.svg'), lineChartSvg(series, { title: 'training loss (moving average of 10 steps)', xLabel: 'step', yLabel: 'loss' }));
    writeFileAtomic(join(out, 'loss.png'), lineChartPng(series, { title: 'training loss (moving average of 10 steps)', xLabel: 'step', yLabel: 'loss' }));

    const heldOut = (k: ModelKind) => results[k].filter((r) => !isProbe(r.dataset));
    const table = paperLayoutTable([
      { name: 'CLIP', results: heldOut('clip') },
      { name: 'FocusCLIP', results: heldOut('focusclip') },
    ]);
    const shiftTable = o.backgroundBias > 0 ? backgroundShiftTable([{ name: 'CLIP', results: results.clip }, { name: 'FocusCLIP', results: results.focusclip }]) : '';
    const attnTable = probe ? attentionTable([{ name: 'CLIP', share: attention.clip }, { name: 'FocusCLIP', share: attention.focusclip }]) : '';
    const learning = learningLines(logs, o.batchSize);
    if (probe) {
      const k = Math.min(PICTURE_IMAGES, probe.n);
      const N = attention.clip.rollout.length / probe.n;
      writePng(
        join(out, 'attention.png'),
        attentionGrid(activitySet.items.slice(0, k).map((it) => it.image), (['clip', 'focusclip'] as ModelKind[]).map((kind) => ({ label: kind, maps: attention[kind].rollout.slice(0, k * N) })), Math.round(Math.sqrt(N))),
      );
    }
    const md =
      `# FocusCLIP demo (synthetic people)\n\n` +
      `preset ${o.preset}, recipe ${o.recipe} (lr ${cfg.lr}, temperature ${cfg.temperature}), image tower ${o.initVisual ? `pretrained (${o.initVisual})` : 'from scratch'}, text tower ${o.initText ? `pretrained (${o.initText})` : 'from scratch'}, ${o.trainCount} training images (background bias ${o.backgroundBias}), ${o.steps} steps of batch ${o.batchSize}, seed ${o.seed}, ${o.evalCount} images per held-out set\n\n` +
      `Learning (10-step mean of the loss):\n\n${learning.map((l) => `- ${l}`).join('\n')}\n\n` +
      `Zero-shot accuracy (%):\n\n${table}\n\n` +
      (shiftTable ? `Background shift (activity among the training activities, top-3; aligned: backgrounds co-occur with the activity as in training; swapped: never the activity's training background):\n\n${shiftTable}\n\n` : '') +
      (attnTable ? `Where the model looks (attention rollout of the CLS token on the held-out activity set; share of it inside the subject's heatmap):\n\n${attnTable}\n\n` : '') +
      `Stage times: ${Object.entries(stages).map(([k, v]) => `${k} ${fmtSecs(v)}`).join(', ')}\n`;
    writeFileAtomic(join(out, 'report.md'), md);
    say('\n' + learning.join('\n') + '\n');
    say('\n' + table + '\n');
    if (shiftTable) say('background shift:\n' + shiftTable + '\n');
    if (attnTable) say('attention inside the subject:\n' + attnTable + '\n');
    say(`Results, pictures and checkpoints: ${out}`);
    const shares = Object.fromEntries(Object.entries(attention).map(([k, v]) => [k, { mean: v.mean, uniform: v.uniform }])) as DemoResult['attention'];
    return { results, table, stages, logs, attention: shares, out };
  });
}

/** Trailing moving average (loss curves of small batches are noisy). */
function smooth(ys: readonly number[], w: number): number[] {
  return ys.map((_, i) => {
    const lo = Math.max(0, i - w + 1);
    let s = 0;
    for (let j = lo; j <= i; j++) s += ys[j];
    return s / (i - lo + 1);
  });
}

export function parseRecipe(v: string): 'modern' | 'paper' {
  if (v !== 'modern' && v !== 'paper') throw new Error(`--recipe must be modern or paper, got "${v}".`);
  return v;
}

export function parseProbability(flag: string, v: string): number {
  const p = Number(v);
  if (v.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) throw new Error(`--${flag} must be a probability from 0 to 1, got "${v}".`);
  return p;
}

export function registerDemo(program: Command, run: RunCommand) {
  program
    .command('demo')
    .description('generate synthetic people, train CLIP and FocusCLIP (tiny preset), evaluate both zero-shot, write tables and pictures')
    .option('--out <dir>', 'output folder', DEMO_DEFAULTS.out)
    .option('--seed <n>', 'random seed (data, init, order)', String(DEMO_DEFAULTS.seed))
    .option('--train-count <n>', 'synthetic training images', String(DEMO_DEFAULTS.trainCount))
    .option('--eval-count <n>', 'images per held-out set', String(DEMO_DEFAULTS.evalCount))
    .option('--steps <n>', 'training steps per model', String(DEMO_DEFAULTS.steps))
    .option('--batch-size <n>', 'batch size', String(DEMO_DEFAULTS.batchSize))
    .option('--preset <name>', 'model preset', DEMO_DEFAULTS.preset)
    .option('--lr <x>', 'learning rate (AdamW)')
    .option('--recipe <name>', 'modern (feature normalisation, temperature 0.1) or paper (the paper objective: temperature 0.5, no normalisation)', DEMO_DEFAULTS.recipe)
    .option('--background-bias <p>', "probability that a training image shows its activity's home background (0 = none)", String(DEMO_DEFAULTS.backgroundBias))
    .option('--init-visual <file>', 'pretrained image tower both models start from (default: the one shipped for the preset, weights/<preset>-vision.safetensors)')
    .option('--from-scratch', 'start both image towers from random weights instead')
    .option('--init-text <file>', 'pretrained text tower and vocabulary both models start from (`focusclip pretrain text`; default: from scratch)')
    .action(async (opts) => {
      if (!(opts.preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${opts.preset}"`);
      await runDemo(run, {
        out: opts.out,
        seed: intFlag('seed', opts.seed, 0, 2 ** 32 - 1),
        trainCount: intFlag('train-count', opts.trainCount, 2),
        evalCount: intFlag('eval-count', opts.evalCount, 1),
        steps: intFlag('steps', opts.steps, 1),
        batchSize: intFlag('batch-size', opts.batchSize, 2),
        preset: opts.preset,
        lr: opts.lr !== undefined ? numFlag('lr', opts.lr, Number.MIN_VALUE) : undefined,
        recipe: parseRecipe(opts.recipe),
        backgroundBias: parseProbability('background-bias', opts.backgroundBias),
        initVisual: demoInitVisual(opts.preset, opts),
        initText: opts.initText,
      });
    });
}
