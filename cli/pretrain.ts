// `focusclip pretrain vision|text`: a tower pretrained without people or held-out data
// (train/pretrain-vision.ts, train/pretrain-text.ts), written with the names its loader reads
// (timm's ViT, Hugging Face's BERT) so that `focusclip train --init-visual/--init-text` and the demo
// load it. The file's metadata records the command, the numbers and what it measured.

import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { loadavg } from 'node:os';
import type { RunCommand } from './run.js';
import type { Engine } from '../ops/engine.js';
import { intFlag, numFlag } from './flags.js';
import { makeModelConfig, PRESETS } from '../model/config.js';
import { createModel, type FocusClipModel } from '../model/focusclip.js';
import { encodeTextWeights, encodeVisionWeights } from '../model/pretrained.js';
import { generateObjectImages } from '../data/synthetic/objects.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { ensureDir, writeFileAtomic } from '../data/atomic-write-node.js';
import { captionTokenizer } from '../train/pipeline.js';
import { pretrainModelConfig, VALIDATION_SEED_OFFSET, type PretrainOptions, type PretrainStep } from '../train/pretrain-loop.js';
import { featureCheck, pretrainVision, visionValidation, VISION_PRETRAIN_DEFAULTS } from '../train/pretrain-vision.js';
import { pretrainText, textValidation, TEXT_PRETRAIN_DEFAULTS } from '../train/pretrain-text.js';
import { fmtSecs, progress } from '../train/progress.js';

type Tower = 'vision' | 'text';

/**
 * `focusclip pretrain <tower>` with the options both towers take (`items` names what a step is made
 * of); `body` runs on the engine with the checked options, the output path and the start time.
 */
function pretrainCommand(
  pre: Command,
  run: RunCommand,
  tower: Tower,
  d: PretrainOptions,
  description: string,
  items: string,
  body: (e: Engine, o: PretrainOptions, out: string, t0: number) => Promise<void>,
): void {
  pre
    .command(tower)
    .description(description)
    .option('--preset <name>', `model preset (${Object.keys(PRESETS).join(', ')})`, d.preset)
    .option('--seed <n>', `seed of the ${items}, the initialisation and the views`, String(d.seed))
    .option('--steps <n>', 'training steps', String(d.steps))
    .option('--batch-size <n>', `${items} per step (each seen as two views)`, String(d.batchSize))
    .option('--count <n>', `${items} generated`, String(d.count))
    .option('--lr <x>', 'AdamW peak learning rate (warm-up, then cosine)', String(d.lr))
    .option('--temperature <x>', 'NT-Xent temperature', String(d.temperature))
    .option('--out <file>', 'where the weights go', `weights/<preset>-${tower}.safetensors`)
    .action(async (opts) => {
      const o = parseOptions(opts, d, items);
      const out = resolve(String(opts.out).replace('<preset>', o.preset));
      ensureDir(dirname(out), '--out folder');
      await run((e) => body(e, o, out, performance.now()));
    });
}

function parseOptions(opts: Record<string, string>, d: PretrainOptions, items: string): PretrainOptions {
  if (!(opts.preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${opts.preset}".`);
  const o: PretrainOptions = {
    ...d,
    preset: opts.preset,
    seed: intFlag('seed', opts.seed, 0, 2 ** 31 - 1 - VALIDATION_SEED_OFFSET),
    steps: intFlag('steps', opts.steps, 1),
    batchSize: intFlag('batch-size', opts.batchSize, 2),
    count: intFlag('count', opts.count, 2),
    lr: numFlag('lr', opts.lr, 0, 1),
    temperature: numFlag('temperature', opts.temperature, 1e-3, 10),
  };
  if (o.count < o.batchSize) throw new Error(`--count ${o.count} is smaller than --batch-size ${o.batchSize}; generate at least one batch of ${items}.`);
  return o;
}

interface TowerRun<V> {
  model: FocusClipModel;
  objective: string;
  metric: string;
  validate(): Promise<V>;
  show(v: V): string;
  train(onStep: (s: PretrainStep) => void): Promise<PretrainStep[]>;
  encode(info: Record<string, unknown>): Promise<Uint8Array>;
}

/** Validate, pretrain, validate again and write the tower with what it measured. */
async function pretrainAndWrite<V>(e: Engine, tower: Tower, o: PretrainOptions, out: string, t0: number, r: TowerRun<V>): Promise<void> {
  const before = await r.validate();
  console.error(`validation before pretraining: ${r.show(before)}`);
  const bar = progress(`pretrain ${tower}`, o.steps);
  const logs = await r.train((s) => bar.update(s.step + 1, { loss: s.loss }));
  bar.stop();
  const after = await r.validate();
  const seconds = (performance.now() - t0) / 1000;
  const last = logs.slice(-20).reduce((a, s) => a + s.loss, 0) / Math.min(20, logs.length);
  const { preset, warmupSteps, weightDecay, ...numbers } = o;
  const info = {
    command: `focusclip pretrain ${tower} --preset ${preset} --seed ${o.seed} --steps ${o.steps} --batch-size ${o.batchSize} --count ${o.count} --lr ${o.lr} --temperature ${o.temperature}`,
    objective: r.objective,
    ...numbers,
    warmupSteps,
    weightDecay,
    seconds: Math.round(seconds),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    finalLoss: Number(last.toFixed(4)),
    validation: { metric: r.metric, before, after },
    adapter: e.adapter.description || e.adapter.vendor,
  };
  writeFileAtomic(out, await r.encode(info));
  r.model.dispose();
  console.log(`wrote ${out} in ${fmtSecs(seconds)}: loss ${logs[0].loss.toFixed(3)} -> ${last.toFixed(3)}, validation ${r.show(before)} -> ${r.show(after)}`);
}

export function registerPretrain(program: Command, run: RunCommand) {
  const pre = program.command('pretrain').description('pretrain a tower without people or held-out data (the demo starts from the shipped result)');

  pretrainCommand(pre, run, 'vision', VISION_PRETRAIN_DEFAULTS, 'SimCLR on the people-free object world: two augmented views of each image, NT-Xent; writes visual.* weights', 'object images', async (e, o, out, t0) => {
    const cfg = pretrainModelConfig(o.preset);
    const genBar = progress('generate objects', o.count);
    const images = generateObjectImages({ seed: o.seed, count: o.count, size: cfg.vision.imageSize, onProgress: (n) => genBar.update(n) });
    genBar.stop();
    const model = createModel(e, cfg, { seed: o.seed });
    await pretrainAndWrite(e, 'vision', o, out, t0, {
      model,
      objective: 'SimCLR (NT-Xent between two augmented views) on the people-free object world',
      metric: 'largest-object shape, 20-NN on pooled ViT features, object images of another seed (chance 12.5 %)',
      validate: async () => Number((await visionValidation(e, model, o.seed)).toFixed(2)),
      show: (v) => `${v.toFixed(2)} %`,
      train: (onStep) => pretrainVision(e, model, images, o, onStep),
      encode: async (info) => encodeVisionWeights(model, { ...info, check: { seed: o.seed, features: await featureCheck(e, model, o.seed) } }),
    });
  });

  pretrainCommand(pre, run, 'text', TEXT_PRETRAIN_DEFAULTS, 'contrastive pretraining on noisy views of the training captions (tokens dropped and masked), NT-Xent; writes text.* weights and their vocabulary', 'captions', async (e, o, out, t0) => {
    // Captions only: the images are generated (descriptions come from the drawn poses) and dropped.
    const size = makeModelConfig(o.preset).vision.imageSize;
    const captions = generateDataset({ seed: o.seed, count: o.count, size }).records.map((r) => r.description);
    const valCaptions = generateDataset({ seed: o.seed + VALIDATION_SEED_OFFSET, count: 1000, size }).records.map((r) => r.description);
    const tok = captionTokenizer(captions, 4096);
    const model = createModel(e, pretrainModelConfig(o.preset, tok.vocab.length), { seed: o.seed });
    const round = (v: { meanCosine: number; viewRetrieval: number }) => ({ meanCosine: Number(v.meanCosine.toFixed(4)), viewRetrieval: Number(v.viewRetrieval.toFixed(2)) });
    await pretrainAndWrite(e, 'text', o, out, t0, {
      model,
      objective: "contrastive (NT-Xent between two noisy views: 10 % of tokens dropped, 15 % masked) on the training world's captions",
      metric: '1000 captions of another seed: mean pairwise cosine of pooled features; top-1 retrieval of each caption from a noisy view',
      validate: async () => round(await textValidation(e, model, tok.tokenizer, valCaptions, o.seed)),
      show: (v) => `mean caption cosine ${v.meanCosine.toFixed(3)}, view retrieval ${v.viewRetrieval.toFixed(1)} %`,
      train: (onStep) => pretrainText(e, model, tok.tokenizer, captions, o, onStep),
      encode: (info) => encodeTextWeights(model, tok.vocab, info),
    });
  });
}
