// The model half of the demo page, loaded by web/demo.ts once the heatmap and benchmark panels are
// done (a separate bundle, so the rest of the demo works while the model modules are still landing).
// - Training: the tiny FocusCLIP trains for a few steps on synthetic people in this tab, the loss
//   plotted live, from the pretrained image tower served beside the page (tiny-vision.safetensors,
//   copied there by the build) as `focusclip demo` does; the tower is first checked to compute in
//   this tab the features it computed when it was written.
// - Zero-shot: a synthetic held-out image (or an image dropped on the page) classified against the
//   prompts of a task, with the model trained here or a checkpoint served beside the page
//   (focusclip.safetensors, written by `focusclip train`, or ?checkpoint=URL).

import { decodeImageBlob } from '../data/image-browser.js';
import type { Engine } from '../ops/engine.js';
import { generateDataset, generateEvalSet, EVAL_TASKS, type EvalTask } from '../data/synthetic/generate.js';
import type { RGBAImage } from '../data/image.js';
import { TrainSet } from '../train/batches.js';
import { makeTrainConfig, PRETRAINED_START } from '../train/config.js';
import { featureCheck } from '../train/pretrain-vision.js';
import { captionTokenizer, modelConfigFor } from '../train/pipeline.js';
import { asZeroShotModel } from '../train/zeroshot.js';
import { Trainer } from '../train/trainer.js';
import { loadCheckpoint } from '../train/load-checkpoint.js';
import { classifyImage } from '../eval/classify.js';
import { makeModelConfig, type ModelConfig } from '../model/config.js';
import { checkPretrainedFile, initVisualFromTimm } from '../model/pretrained.js';
import { decodeSafetensors, type SafeFile } from '../model/safetensors.js';
import { createModel, type FocusClipModel } from '../model/focusclip.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import type { ZeroShotModel } from '../eval/types.js';
import { lineChartSvg } from '../eval/plot.js';
import { drawImage } from './demo/focus-view.js';

export interface DemoContext {
  engine: Engine;
  quick: boolean;
  check(name: string, ok: boolean, detail?: string): void;
  status(text: string): void;
  results: Record<string, unknown>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function html(id: string, markup: string): void {
  $(id).classList.remove('placeholder');
  $(id).innerHTML = markup;
}

interface Classifier {
  zs: ZeroShotModel;
  source: string;
}

interface Tower {
  file: SafeFile;
  source: string;
  stored: { seed: number; features: number[][] };
}

/** The pretrained image tower served beside the page; absent (a page served without it) means training from scratch. */
async function pretrainedTower(): Promise<Tower | undefined> {
  const url = new URL('./tiny-vision.safetensors', location.href);
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) return undefined;
  const source = url.pathname;
  const file = decodeSafetensors(new Uint8Array(await res.arrayBuffer()), source);
  const info = checkPretrainedFile(file, 'vision', makeModelConfig('tiny'), source);
  const stored = info?.check as Tower['stored'] | undefined;
  if (!stored) throw new Error(`${source} carries no feature check; rewrite it with \`focusclip pretrain vision\`.`);
  return { file, source, stored };
}

/**
 * A model whose image tower was just loaded from `tower` must give the pooled features stored in
 * the file for its check images (to 1e-3: another adapter rounds differently).
 */
async function checkTower(ctx: DemoContext, model: FocusClipModel, tower: Tower): Promise<void> {
  const { stored, source } = tower;
  const got = await featureCheck(ctx.engine, model, stored.seed);
  const worst = Math.max(...got.flatMap((row, k) => row.map((v, j) => Math.abs(v - stored.features[k][j]) / (1 + Math.abs(stored.features[k][j])))));
  ctx.check('the pretrained image tower gives in this tab the features it gave when it was written', worst < 1e-3, `${source}, largest relative difference ${worst.toExponential(2)}`);
  ctx.results.pretrained = { source, worst };
}

/** Train the tiny model for a few steps (from the pretrained tower when there is one) and plot the loss as the numbers come back. */
async function trainHere(ctx: DemoContext): Promise<{ model: FocusClipModel; tokenizer: WordPieceTokenizer; losses: number[] }> {
  const e = ctx.engine;
  // The quick variant (CI, SwiftShader at ~1 GFLOP/s) keeps the tiny preset's shape but one layer
  // per tower at width 64: the full tiny model takes tens of seconds per step there.
  const steps = ctx.quick ? 4 : 40;
  const batchSize = ctx.quick ? 4 : 8;
  const count = ctx.quick ? 16 : 96;
  const tower = await pretrainedTower();
  if (tower && ctx.quick) {
    // The quick model is too small for the tower, so a full tiny model loads it for the check alone.
    const m = createModel(e, makeModelConfig('tiny', { kind: 'clip', featureNorm: 'batch' }), { seed: 0 });
    try {
      initVisualFromTimm(m, tower.file, tower.source);
      await checkTower(ctx, m, tower);
    } finally {
      m.dispose();
    }
  }
  // The quick variant's towers are too small for the pretrained weights: it trains from scratch.
  const fineTune = tower && !ctx.quick ? PRETRAINED_START : {};
  const cfg = makeTrainConfig('modern', fineTune, { model: 'tiny', batchSize, maxSteps: steps, epochs: 1000, checkpointEvery: 0, warmupSteps: 2, seed: 7 });
  html(
    'training',
    `<div class="row"><div id="loss-chart"></div><div><p id="train-status" class="muted">generating ${count} synthetic images…</p>` +
      `<p class="muted" id="train-model"></p></div></div>`,
  );
  await new Promise((r) => setTimeout(r, 0)); // let the status paint before the generator blocks
  const ds = generateDataset({ seed: 7, count, size: 64 });
  const data = TrainSet.fromDataset(ds, 64);
  const tok = captionTokenizer(data.texts, 4096);
  const base = modelConfigFor(cfg, 'focusclip', tok.vocab.length);
  const mc: ModelConfig = ctx.quick
    ? { ...base, vision: { ...base.vision, depth: 1, width: 64, heads: 2, mlpDim: 128 }, text: { ...base.text, depth: 1, width: 64, heads: 2, ffnDim: 128 } }
    : base;
  $('train-model').textContent =
    `${ctx.quick ? 'quick variant of preset tiny' : 'preset tiny'}: ${mc.vision.imageSize} px, ViT ${mc.vision.depth}×${mc.vision.width}, BERT ${mc.text.depth}×${mc.text.width}, ` +
    `vocabulary ${tok.vocab.length}; image tower ${tower && !ctx.quick ? `pretrained (${tower.source})` : 'from scratch'}; AdamW, batch ${batchSize}, ${steps} steps; loss focus-image + focus-text + image-text`;
  const losses: number[] = [];
  const alphas: number[] = [];
  const draw = () => {
    // The axes are fixed to the whole run, so the line grows to the right as steps come back.
    $('loss-chart').innerHTML = losses.length
      ? lineChartSvg([{ name: 'FocusCLIP loss', color: [217, 72, 15], y: losses }], { title: 'training loss (live)', yLabel: 'loss', xLabel: 'step', xMin: 1, xMax: steps, width: 560, height: 260 })
      : '<p class="muted">the loss appears here after the first step</p>';
  };
  draw();
  const t0 = performance.now();
  let firstStepAt = NaN;
  const model = createModel(e, mc, { seed: cfg.seed });
  if (tower && !ctx.quick) {
    // The model about to train is checked itself, before its first step.
    initVisualFromTimm(model, tower.file, tower.source);
    await checkTower(ctx, model, tower);
  }
  const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
  await trainer.train({
    onStep: (l) => {
      // Seconds from the page's navigation to its first finished training step: the cold start a
      // visitor waits through (shader compilation included; the browser suite prints it).
      if (!losses.length) firstStepAt = performance.now() / 1000;
      losses.push(l.loss);
      if (l.alpha !== undefined) alphas.push(l.alpha);
      $('train-status').textContent = `step ${l.step + 1}/${steps} · loss ${l.loss.toFixed(3)} · a ${l.alpha?.toFixed(3) ?? '-'} · ${l.imagesPerSec.toFixed(1)} img/s`;
      draw();
    },
  });
  const secs = (performance.now() - t0) / 1000;
  $('train-status').textContent += ` · ${secs.toFixed(1)} s`;
  ctx.results.training = { steps: losses.length, losses, alphas, seconds: secs, firstStepAt };
  ctx.check('training ran every step with a finite loss', losses.length === steps && losses.every(Number.isFinite), `${losses.length} steps, loss ${losses[0]?.toFixed(3)} → ${losses[losses.length - 1]?.toFixed(3)} in ${secs.toFixed(1)} s`);
  ctx.check('the live loss chart shows every step', ($('loss-chart').querySelector('polyline')?.getAttribute('points') ?? '').split(' ').length === steps);
  return { model, tokenizer: tok.tokenizer, losses };
}

/** A checkpoint served next to the page, if there is one. */
async function servedCheckpoint(e: Engine): Promise<Classifier | undefined> {
  const asked = new URLSearchParams(location.search).get('checkpoint');
  const url = new URL(asked ?? './focusclip.safetensors', location.href);
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) {
    if (asked) throw new Error(`checkpoint ${url} could not be loaded (HTTP ${res?.status ?? 'error'}).`);
    return undefined;
  }
  const loaded = loadCheckpoint(e, new Uint8Array(await res.arrayBuffer()), { source: url.pathname });
  return { zs: loaded.zeroShot, source: `checkpoint ${url.pathname} (${loaded.config.preset})` };
}

function bars(classes: string[], probs: number[], truth?: number): string {
  const order = probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 6);
  return order
    .map(([p, i]) => `<div class="bar-row${i === truth ? ' truth' : ''}"><span>${classes[i]}</span><span class="bar" style="width:${(200 * p).toFixed(0)}px"></span><span>${(100 * p).toFixed(1)}%</span></div>`)
    .join('');
}

async function zeroShotPanel(ctx: DemoContext, c: Classifier): Promise<void> {
  html(
    'zeroshot',
    `<div class="controls"><label>task <select id="zs-task">${EVAL_TASKS.map((t) => `<option>${t}</option>`).join('')}</select></label>` +
      `<button id="zs-next">next held-out image</button><span class="muted">or drop an image on this box · model: ${c.source}</span></div>` +
      `<div class="row"><figure><canvas id="zs-image"></canvas><figcaption id="zs-caption"></figcaption></figure><div id="zs-bars"></div></div>` +
      (c.source.startsWith('trained in this tab')
        ? `<p class="muted">A few steps in a tab leave the model near chance. For real predictions serve a trained checkpoint beside this page: ` +
          `copy the <code>focusclip.safetensors</code> written by <code>focusclip train</code> to <code>dist/web/</code>, or open <code>demo.html?checkpoint=URL</code>.</p>`
        : ''),
  );
  const box = $('zeroshot');
  let index = 0;
  let prompts: string[] = [];
  let classes: string[] = [];
  const show = async (image: RGBAImage, caption: string, truth?: number) => {
    drawImage($('zs-image'), image);
    $('zs-caption').textContent = caption;
    $('zs-bars').innerHTML = ''; // empty until this image's scores are in (the browser suite waits on it)
    const { probs } = await classifyImage(c.zs, image, prompts);
    $('zs-bars').innerHTML = bars(classes, probs, truth);
    return probs;
  };
  const next = async () => {
    const task = $<HTMLSelectElement>('zs-task').value as EvalTask;
    const set = generateEvalSet(task, { seed: 4242, count: index + 1, size: 128 });
    const item = set.items[index];
    prompts = set.prompts;
    classes = set.classes;
    index++;
    return { probs: await show(item.image, `held-out ${task}: ${set.classes[item.label]}`, item.label), set };
  };
  const first = await next();
  const sum = first.probs.reduce((a, b) => a + b, 0);
  ctx.check('zero-shot gives a probability per class prompt', first.probs.length === first.set.classes.length && Math.abs(sum - 1) < 1e-4 && first.probs.every((p) => p >= 0), `${first.set.classes.length} classes (${first.set.task})`);
  ctx.results.zeroshot = { task: first.set.task, probs: first.probs, source: c.source };

  const queue = (fn: () => Promise<unknown>) => fn().catch((err: Error) => ctx.status(`error: ${err.message}`));
  $('zs-next').addEventListener('click', () => queue(next));
  $('zs-task').addEventListener('change', () => {
    index = 0;
    queue(next);
  });
  box.addEventListener('dragover', (ev) => ev.preventDefault());
  box.addEventListener('drop', (ev) => {
    ev.preventDefault();
    const file = ev.dataTransfer?.files[0];
    if (file) queue(async () => show(await decodeImageBlob(file, file.name), file.name));
  });
}

export async function runModelDemo(ctx: DemoContext): Promise<void> {
  ctx.status('training the tiny model…');
  const trained = await trainHere(ctx);
  ctx.status('zero-shot classification…');
  const served = await servedCheckpoint(ctx.engine);
  await zeroShotPanel(ctx, served ?? { zs: asZeroShotModel(ctx.engine, trained.model, trained.tokenizer, 'trained in this tab'), source: `trained in this tab for ${trained.losses.length} steps` });
}
