// Train the `tiny` FocusCLIP for a few steps on synthetic people and save a checkpoint.
// Usage: node train.mjs [checkpoint path, default focusclip-tiny.safetensors] [steps, default 2]
import {
  Engine, Trainer, TrainSet, captionTokenizer, createModel, generateDataset, makeTrainConfig, modelConfigFor, writeFileAtomic,
} from 'focusclip';

const out = process.argv[2] ?? 'focusclip-tiny.safetensors';
const steps = Number(process.argv[3] ?? 2);
const engine = await Engine.create();
try {
  // 32 synthetic images (64 px) with pose-captions records; the vocabulary comes from their captions.
  const data = generateDataset({ seed: 1, count: 32, size: 64 });
  const train = TrainSet.fromDataset(data, 64);
  const { vocab, tokenizer } = captionTokenizer(train.texts, 4096);

  // The `modern` recipe (AdamW, warm-up + cosine, feature normalisation, temperature 0.1) at batch 8.
  const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: 8, maxSteps: steps, warmupSteps: 1, seed: 1 });
  const model = createModel(engine, modelConfigFor(cfg, 'focusclip', vocab.length), { seed: cfg.seed });
  const trainer = new Trainer(engine, model, tokenizer, train, cfg, vocab);
  const result = await trainer.train({
    onStep: (s) => console.log(`step ${s.step}: loss ${s.loss.toFixed(4)} (${Object.entries(s.terms).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}), a ${s.alpha?.toFixed(4)}`),
  });
  // A non-finite loss stops training with an error that names the step.
  console.log(`${result.steps} steps, loss ${result.logs[0].loss.toFixed(4)} -> ${result.logs.at(-1).loss.toFixed(4)}`);

  await trainer.saveCheckpoint(out, writeFileAtomic);
  console.log(`checkpoint: ${out}`);
} finally {
  engine.destroy();
}
