// `focusclip pretrain vision`: the image tower pretrained without people (train/pretrain-vision.ts),
// written as a timm-named safetensors file that `focusclip train --init-visual` and the demo load.

import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import type { RunCommand } from './run.js';
import { intFlag, numFlag } from './flags.js';
import { makeModelConfig, PRESETS } from '../model/config.js';
import { createModel } from '../model/focusclip.js';
import { encodeTextWeights, encodeVisionWeights } from '../model/pretrained.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { captionTokenizer } from '../train/pipeline.js';
import { pretrainText, textPretrainModelConfig, textValidation, TEXT_PRETRAIN_DEFAULTS, type TextPretrainOptions } from '../train/pretrain-text.js';
import { generateObjectImages } from '../data/synthetic/objects.js';
import { ensureDir, writeFileAtomic } from '../data/atomic-write-node.js';
import { featureCheck, pretrainModelConfig, pretrainVision, visionValidation, VISION_PRETRAIN_DEFAULTS, type VisionPretrainOptions } from '../train/pretrain-vision.js';
import { fmtSecs, progress } from '../train/progress.js';

/** Seeds of the validation captions: offset from the pretraining seed so they never overlap. */
const VALIDATION_SEED_OFFSET = 1_000_003;

export function registerPretrain(program: Command, run: RunCommand) {
  const pre = program.command('pretrain').description('pretrain a tower without people or held-out data (the demo starts from the shipped result)');
  const d = VISION_PRETRAIN_DEFAULTS;
  pre
    .command('vision')
    .description('SimCLR on the people-free object world: two augmented views of each image, NT-Xent; writes visual.* weights')
    .option('--preset <name>', `model preset (${Object.keys(PRESETS).join(', ')})`, d.preset)
    .option('--seed <n>', 'seed of the object world, the initialisation and the augmentations', String(d.seed))
    .option('--steps <n>', 'training steps', String(d.steps))
    .option('--batch-size <n>', 'images per step (each seen as two views)', String(d.batchSize))
    .option('--count <n>', 'object images generated', String(d.count))
    .option('--lr <x>', 'AdamW peak learning rate (warm-up, then cosine)', String(d.lr))
    .option('--temperature <x>', 'NT-Xent temperature', String(d.temperature))
    .option('--out <file>', 'where the weights go', 'weights/<preset>-vision.safetensors')
    .action(async (opts) => {
      if (!(opts.preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${opts.preset}".`);
      const o: VisionPretrainOptions = {
        ...d,
        preset: opts.preset,
        seed: intFlag('seed', opts.seed, 0, 2 ** 31 - 1),
        steps: intFlag('steps', opts.steps, 1),
        batchSize: intFlag('batch-size', opts.batchSize, 2),
        count: intFlag('count', opts.count, 2),
        lr: numFlag('lr', opts.lr, 0, 1),
        temperature: numFlag('temperature', opts.temperature, 1e-3, 10),
      };
      if (o.count < o.batchSize) throw new Error(`--count ${o.count} is smaller than --batch-size ${o.batchSize}; generate at least one batch of images.`);
      const out = resolve(String(opts.out).replace('<preset>', o.preset));
      ensureDir(dirname(out), '--out folder');
      const command = `focusclip pretrain vision --preset ${o.preset} --seed ${o.seed} --steps ${o.steps} --batch-size ${o.batchSize} --count ${o.count} --lr ${o.lr} --temperature ${o.temperature}`;
      await run(async (e) => {
        const t0 = performance.now();
        const cfg = pretrainModelConfig(o.preset);
        const genBar = progress('generate objects', o.count);
        const images = generateObjectImages({ seed: o.seed, count: o.count, size: cfg.vision.imageSize, onProgress: (n) => genBar.update(n) });
        genBar.stop();
        const model = createModel(e, cfg, { seed: o.seed });
        const before = await visionValidation(e, model, o.seed);
        console.error(`validation before pretraining (shape of the largest object, 20-NN on pooled features, chance 12.5 %): ${before.toFixed(2)} %`);
        const bar = progress('pretrain vision', o.steps);
        const logs = await pretrainVision(e, model, images, o, (s) => bar.update(s.step + 1, { loss: s.loss }));
        bar.stop();
        const after = await visionValidation(e, model, o.seed);
        const seconds = (performance.now() - t0) / 1000;
        const last = logs.slice(-20).reduce((a, s) => a + s.loss, 0) / Math.min(20, logs.length);
        const info = {
          command,
          objective: 'SimCLR (NT-Xent between two augmented views) on the people-free object world',
          seed: o.seed,
          steps: o.steps,
          batchSize: o.batchSize,
          count: o.count,
          lr: o.lr,
          temperature: o.temperature,
          seconds: Math.round(seconds),
          finalLoss: Number(last.toFixed(4)),
          validation: { metric: 'largest-object shape, 20-NN on pooled ViT features, object images of another seed (chance 12.5 %)', before: Number(before.toFixed(2)), after: Number(after.toFixed(2)) },
          adapter: e.adapter.description || e.adapter.vendor,
          check: { seed: o.seed, features: await featureCheck(e, model, o.seed) },
        };
        writeFileAtomic(out, await encodeVisionWeights(model, info));
        model.dispose();
        console.log(`wrote ${out} in ${fmtSecs(seconds)}: loss ${logs[0].loss.toFixed(3)} -> ${last.toFixed(3)}, validation ${before.toFixed(2)} % -> ${after.toFixed(2)} %`);
      });
    });

  const t = TEXT_PRETRAIN_DEFAULTS;
  pre
    .command('text')
    .description('contrastive pretraining on noisy views of the training captions (tokens dropped and masked), NT-Xent; writes text.* weights and their vocabulary')
    .option('--preset <name>', `model preset (${Object.keys(PRESETS).join(', ')})`, t.preset)
    .option('--seed <n>', 'seed of the caption world, the initialisation and the noise', String(t.seed))
    .option('--steps <n>', 'training steps', String(t.steps))
    .option('--batch-size <n>', 'captions per step (each seen as two views)', String(t.batchSize))
    .option('--count <n>', 'captions generated (they also build the vocabulary)', String(t.count))
    .option('--lr <x>', 'AdamW peak learning rate (warm-up, then cosine)', String(t.lr))
    .option('--temperature <x>', 'NT-Xent temperature', String(t.temperature))
    .option('--out <file>', 'where the weights go', 'weights/<preset>-text.safetensors')
    .action(async (opts) => {
      if (!(opts.preset in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${opts.preset}".`);
      const o: TextPretrainOptions = {
        ...t,
        preset: opts.preset,
        seed: intFlag('seed', opts.seed, 0, 2 ** 31 - 1 - VALIDATION_SEED_OFFSET),
        steps: intFlag('steps', opts.steps, 1),
        batchSize: intFlag('batch-size', opts.batchSize, 2),
        count: intFlag('count', opts.count, 2),
        lr: numFlag('lr', opts.lr, 0, 1),
        temperature: numFlag('temperature', opts.temperature, 1e-3, 10),
      };
      if (o.count < o.batchSize) throw new Error(`--count ${o.count} is smaller than --batch-size ${o.batchSize}; generate at least one batch of captions.`);
      const out = resolve(String(opts.out).replace('<preset>', o.preset));
      ensureDir(dirname(out), '--out folder');
      const command = `focusclip pretrain text --preset ${o.preset} --seed ${o.seed} --steps ${o.steps} --batch-size ${o.batchSize} --count ${o.count} --lr ${o.lr} --temperature ${o.temperature}`;
      await run(async (e) => {
        const t0 = performance.now();
        // Captions only: the images are generated (descriptions come from the drawn poses) and dropped.
        const captions = generateDataset({ seed: o.seed, count: o.count, size: makeModelConfig(o.preset).vision.imageSize }).records.map((r) => r.description);
        const valCaptions = generateDataset({ seed: o.seed + VALIDATION_SEED_OFFSET, count: 1000, size: makeModelConfig(o.preset).vision.imageSize }).records.map((r) => r.description);
        const tok = captionTokenizer(captions, 4096);
        const model = createModel(e, textPretrainModelConfig(o.preset, tok.vocab.length), { seed: o.seed });
        const before = await textValidation(e, model, tok.tokenizer, valCaptions, o.seed);
        console.error(`validation before pretraining: mean caption cosine ${before.meanCosine.toFixed(3)}, view retrieval ${before.viewRetrieval.toFixed(1)} %`);
        const bar = progress('pretrain text', o.steps);
        const logs = await pretrainText(e, model, tok.tokenizer, captions, o, (s) => bar.update(s.step + 1, { loss: s.loss }));
        bar.stop();
        const after = await textValidation(e, model, tok.tokenizer, valCaptions, o.seed);
        const seconds = (performance.now() - t0) / 1000;
        const last = logs.slice(-20).reduce((a, s) => a + s.loss, 0) / Math.min(20, logs.length);
        const round = (v: { meanCosine: number; viewRetrieval: number }) => ({ meanCosine: Number(v.meanCosine.toFixed(4)), viewRetrieval: Number(v.viewRetrieval.toFixed(2)) });
        const info = {
          command,
          objective: 'contrastive (NT-Xent between two noisy views: 10 % of tokens dropped, 15 % masked) on the training world\'s captions',
          seed: o.seed,
          steps: o.steps,
          batchSize: o.batchSize,
          count: o.count,
          lr: o.lr,
          temperature: o.temperature,
          seconds: Math.round(seconds),
          finalLoss: Number(last.toFixed(4)),
          validation: { metric: '1000 captions of another seed: mean pairwise cosine of pooled features; top-1 retrieval of each caption from a noisy view', before: round(before), after: round(after) },
          adapter: e.adapter.description || e.adapter.vendor,
        };
        writeFileAtomic(out, await encodeTextWeights(model, tok.vocab, info));
        model.dispose();
        console.log(`wrote ${out} in ${fmtSecs(seconds)}: loss ${logs[0].loss.toFixed(3)} -> ${last.toFixed(3)}, mean caption cosine ${before.meanCosine.toFixed(3)} -> ${after.meanCosine.toFixed(3)}, view retrieval ${before.viewRetrieval.toFixed(1)} % -> ${after.viewRetrieval.toFixed(1)} %`);
      });
    });
}
