// In a browser: train a FocusCLIP for a step on synthetic people, keep the checkpoint as bytes (no
// files here: download it, or store it in IndexedDB), load it back and classify an image zero-shot.
import {
  Engine, Trainer, TrainSet, captionTokenizer, classifyImage, createModel, generateDataset, generateEvalSet, loadCheckpoint,
  makeTrainConfig, modelConfigFor,
} from 'focusclip';

const engine = await Engine.create();
try {
  const data = generateDataset({ seed: 1, count: 8, size: 64 });
  const train = TrainSet.fromDataset(data, 64);
  const { vocab, tokenizer } = captionTokenizer(train.texts, 4096);
  const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: 4, maxSteps: 1, warmupSteps: 1, seed: 1 });
  const base = modelConfigFor(cfg, 'focusclip', vocab.length);
  // The tiny preset cut to one layer of width 64 per tower: a software GPU (SwiftShader) takes
  // seconds per step at this size and tens of seconds at the full tiny preset.
  const config = {
    ...base,
    vision: { ...base.vision, depth: 1, width: 64, heads: 2, mlpDim: 128 },
    text: { ...base.text, depth: 1, width: 64, heads: 2, ffnDim: 128 },
  };
  const trainer = new Trainer(engine, createModel(engine, config, { seed: 1 }), tokenizer, train, cfg, vocab);
  const { logs } = await trainer.train();
  console.log(`trained ${logs.length} step: loss ${logs[0].loss.toFixed(4)}, a ${logs[0].alpha.toFixed(4)}`);
  if (!Number.isFinite(logs[0].loss)) throw new Error('the loss is not finite');

  const bytes = await trainer.checkpointBytes();
  const { zeroShot } = loadCheckpoint(engine, bytes, { source: 'in-memory checkpoint' });
  const set = generateEvalSet('count', { seed: 5, count: 1, size: 64 });
  const { probs, best } = await classifyImage(zeroShot, set.items[0].image, set.prompts);
  console.log(`checkpoint ${bytes.length} bytes; zero-shot "${set.prompts[best]}" at ${(100 * probs[best]).toFixed(1)} % (probabilities sum to ${probs.reduce((a, b) => a + b, 0).toFixed(6)})`);
} finally {
  engine.destroy();
}
