// Exports the demo's world (training set with heatmaps and tokenised captions, the four held-out
// zero-shot sets with tokenised class prompts, and both models' initial weights) to one
// safetensors file, so that scripts/study/train_torch.py can replay the demo's training in PyTorch
// on the CPU: several times faster than lavapipe, which makes budget and recipe questions
// (how many steps until zero-shot transfer?) answerable in minutes.
//
// Build and run: node scripts/study/run-export.mjs --seed 42 --train-count 400 --eval-count 960 --out /tmp/world.safetensors

import { writeFileSync } from 'node:fs';
import { Engine } from '../../ops/engine.js';
import { generateDataset } from '../../data/synthetic/generate.js';
import { makeTrainConfig } from '../../train/config.js';
import { makeBatch, TrainSet } from '../../train/batches.js';
import { captionTokenizer, modelConfigFor } from '../../train/pipeline.js';
import { syntheticEvalDatasets, syntheticValidationDatasets } from '../../train/zeroshot.js';
import { applyPromptOverrides, buildPrompts, type PromptOverride } from '../../eval/prompts.js';
import { toCHW, type RGBAImage } from '../../data/image.js';
import type { EvalItem } from '../../eval/types.js';
import { createModel } from '../../model/focusclip.js';
import { makeModelConfig } from '../../model/config.js';
import { encodeSafetensors, type TensorInput } from '../../model/safetensors.js';
import { generateObjectImages } from '../../data/synthetic/objects.js';
import { decodeSafetensors } from '../../model/safetensors.js';
import { pretrainedVocab } from '../../model/pretrained.js';
import { WordPieceTokenizer } from '../../model/tokenizer.js';
import { readFileSync } from 'node:fs';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const seed = Number(arg('seed', '42'));
const trainCount = Number(arg('train-count', '400'));
const evalCount = Number(arg('eval-count', '960'));
const preset = arg('preset', 'tiny');
const out = arg('out', '/tmp/world.safetensors');
const extra = JSON.parse(arg('gen', '{}')); // generator options, e.g. {"maxClutter":0}
const backgroundBias = Number(arg('background-bias', '0'));
const variantsFile = arg('prompt-variants', '');
const variants: Record<string, PromptOverride[]> = variantsFile ? JSON.parse(readFileSync(variantsFile, 'utf8')) : {};

const e = await Engine.create();
try {
  const size = Number(arg('size', String(makeModelConfig(preset).vision.imageSize)));
  const ds = generateDataset({ seed, count: trainCount, size, backgroundBias, ...extra });
  const data = TrainSet.fromDataset(ds, size);
  // --vocab-from: the vocabulary of a pretrained text tower (`focusclip pretrain text`), as the demo uses it.
  const vocabFrom = arg('vocab-from', '');
  const pre = vocabFrom ? pretrainedVocab(decodeSafetensors(new Uint8Array(readFileSync(vocabFrom)))) : undefined;
  const tok = pre ? { vocab: pre, tokenizer: new WordPieceTokenizer(pre) } : captionTokenizer(data.texts, 4096);
  const cfg = makeTrainConfig('modern', { model: preset, seed });
  const L = makeModelConfig(preset).text.contextLength;
  const tensors: [string, TensorInput][] = [];
  const all = Array.from({ length: data.size }, (_, i) => i);
  for (let s = 0; s < all.length; s += 256) {
    const idx = all.slice(s, s + 256);
    const b = makeBatch(e, data, idx, { tokenizer: tok.tokenizer, contextLength: L, heatmaps: true });
    for (const [k, t] of Object.entries(b)) tensors.push([`train.${k}.${s}`, { data: (await t.toArray()) as Float32Array | Int32Array, shape: t.shape }]);
    for (const t of Object.values(b)) t.dispose();
  }
  const meta: Record<string, string> = { vocab: JSON.stringify(tok.vocab), seed: String(seed) };
  // val.* : the validation split (tune on these); eval.* : the held-out sets (report only).
  const splits = [
    ...syntheticValidationDatasets(seed, evalCount, size, { backgroundBias }).map((d) => ['val', d] as const),
    ...syntheticEvalDatasets(seed, evalCount, size, { backgroundBias }).map((d) => ['eval', d] as const),
  ];
  for (const [split, d] of splits) {
    const items = d.items as EvalItem[]; // the synthetic sets are in memory, not streamed
    const px = new Float32Array(items.length * 3 * size * size);
    for (let i = 0; i < items.length; i++) toCHW((await items[i].load()) as RGBAImage, px, i * 3 * size * size);
    const pushPrompts = (key: string, prompts: string[]) => {
      const enc = tok.tokenizer.encode(prompts, L);
      tensors.push([`${key}.ids`, { data: enc.ids, shape: [prompts.length, L] }]);
      tensors.push([`${key}.mask`, { data: enc.mask, shape: [prompts.length, L] }]);
    };
    tensors.push([`${split}.${d.name}.pixels`, { data: px, shape: [items.length, 3, size, size] }]);
    tensors.push([`${split}.${d.name}.labels`, { data: Int32Array.from(items.map((it) => it.label)), shape: [items.length] }]);
    pushPrompts(`${split}.${d.name}`, buildPrompts(d.templates, d.promptNames).map((p) => p[0]));
    meta[`${split}.${d.name}.classes`] = JSON.stringify(d.classes);
    // Other prompts for the same set (--prompt-variants FILE: {"age": [{"templates": [...], "promptNames": {...}}, ...]}),
    // each flattened to [classes x templates] rows, which the replay averages per class.
    (variants[d.name.replace(/^synthetic-/, '').replace(/-(val|aligned|swapped)$/, '')] ?? []).forEach((v, k) => {
      const vd = applyPromptOverrides(d, { [d.name]: v });
      pushPrompts(`${split}.${d.name}.p${k}`, buildPrompts(vd.templates, vd.promptNames).flat());
      meta[`${split}.${d.name}.p${k}.templates`] = String(vd.templates.length);
    });
  }
  for (const kind of ['clip', 'focusclip'] as const) {
    const mc = modelConfigFor(cfg, kind, tok.vocab.length);
    const m = createModel(e, mc, { seed });
    meta[`config.${kind}`] = JSON.stringify(mc);
    for (const [name, t] of m.params) tensors.push([`init.${kind}.${name}`, { data: (await t.toArray()) as Float32Array, shape: t.shape }]);
    m.dispose();
  }
  const objects = Number(arg('objects', '0')); // the image tower's pretraining world
  if (objects > 0) {
    const objs = generateObjectImages({ seed, count: objects, size });
    const px = new Float32Array(objects * 3 * size * size);
    objs.forEach((o, i) => toCHW(o.image, px, i * 3 * size * size));
    tensors.push(['objects.pixels', { data: px, shape: [objects, 3, size, size] }]);
    tensors.push(['objects.shape', { data: Int32Array.from(objs.map((o) => o.shape)), shape: [objects] }]);
    tensors.push(['objects.cell', { data: Int32Array.from(objs.map((o) => o.cell)), shape: [objects] }]);
  }
  writeFileSync(out, encodeSafetensors(tensors, meta));
  console.log(`wrote ${out}: ${data.size} training samples, vocab ${tok.vocab.length}`);
} finally {
  e.destroy();
}
