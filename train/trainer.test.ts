// The trainer on a small synthetic set with a micro model: the loss falls, checkpoints round-trip
// bit-exactly, and an interrupted + resumed run ends with exactly the weights of an uninterrupted
// one (same data order, optimizer state and step).
import { describe, expect, it } from 'vitest';
import { useEngine } from '../test/helpers.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { makeTrainConfig } from './config.js';
import { TrainSet } from './batches.js';
import { captionTokenizer, modelConfigFor } from './pipeline.js';
import { Trainer } from './trainer.js';
import { createModel } from '../model/focusclip.js';
import type { Engine } from '../ops/engine.js';
import type { TrainConfig } from './config.js';

const SIZE = 32;

function microModel(e: Engine, cfg: TrainConfig, kind: 'clip' | 'focusclip', vocabSize: number) {
  const mc = modelConfigFor(cfg, kind, vocabSize);
  // A model small enough for a test: 16 tokens of width 32, two layers per tower.
  mc.vision = { ...mc.vision, imageSize: SIZE, patchSize: 8, width: 32, depth: 2, heads: 2, mlpDim: 64 };
  mc.text = { ...mc.text, contextLength: 24, width: 32, depth: 1, heads: 2, ffnDim: 64 };
  mc.embedDim = 32;
  return createModel(e, mc, { seed: cfg.seed });
}

async function weights(e: Engine, t: { paramsFlat: { toArray(): Promise<ArrayLike<number>> } }) {
  return Float32Array.from(await t.paramsFlat.toArray());
}

describe('trainer', () => {
  const E = useEngine();
  const ds = generateDataset({ seed: 5, count: 24, size: SIZE });
  const data = TrainSet.fromDataset(ds, SIZE);
  const tok = captionTokenizer(data.texts, 600);
  // One batch's worth: the model can memorise it within a test's time.
  const small = new TrainSet(
    ds.records.slice(0, 8).map((record, i) => ({ record, image: ds.images[i] })),
    SIZE,
  );

  for (const kind of ['focusclip', 'clip'] as const) {
    it(`${kind}: the loss falls well below chance on a small set`, async () => {
      const e = E();
      const B = 8;
      const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: B, maxSteps: 60, epochs: 100, lr: 1e-3, warmupSteps: 5, checkpointEvery: 0, seed: 3 });
      const model = microModel(e, cfg, kind, tok.vocab.length);
      const trainer = new Trainer(e, model, tok.tokenizer, small, cfg, tok.vocab);
      const live0 = e.memory().liveBytes;
      const res = await trainer.train();
      expect(res.steps).toBe(60);
      const terms = kind === 'focusclip' ? 3 : 1;
      expect(Object.keys(res.logs[0].terms).length).toBe(terms);
      // NT-Xent is log(2B - 1) per term when all embeddings coincide (the state a fresh model
      // first falls into); learning means going clearly below that.
      const chance = terms * Math.log(2 * B - 1);
      const last = res.logs.slice(-5).reduce((s, l) => s + l.loss, 0) / 5;
      expect(res.logs[0].loss).toBeGreaterThan(chance);
      expect(last).toBeLessThan(chance - terms * 0.25);
      if (kind === 'focusclip') expect(res.logs[59].alpha).not.toBe(0.5); // a is learned
      // steady state: the last steps leave memory where the first left it
      expect(e.memory().liveBytes).toBeLessThanOrEqual(live0 + 4096);
      model.dispose();
    });
  }

  it('checkpoints round-trip and resume is exact', async () => {
    const e = E();
    const cfg = makeTrainConfig('paper', { model: 'tiny', batchSize: 6, maxSteps: 8, epochs: 100, lr: 0.05, checkpointEvery: 0, seed: 11 });
    const files = new Map<string, Uint8Array>();
    const save = (p: string, b: Uint8Array) => files.set(p, b);

    const a = microModel(e, cfg, 'focusclip', tok.vocab.length);
    const ta = new Trainer(e, a, tok.tokenizer, data, cfg, tok.vocab);
    await ta.train();
    const straight = await weights(e, a);

    const b = microModel(e, cfg, 'focusclip', tok.vocab.length);
    const tb = new Trainer(e, b, tok.tokenizer, data, { ...cfg, maxSteps: 3 }, tok.vocab);
    await tb.train({ saveBytes: save }, 'half.safetensors');
    expect(tb.lastCheckpoint).toBe('half.safetensors');

    const c = microModel(e, { ...cfg, seed: 99 }, 'focusclip', tok.vocab.length); // other init: restore must overwrite it
    const tc = new Trainer(e, c, tok.tokenizer, data, cfg, tok.vocab);
    tc.restore(files.get('half.safetensors')!);
    expect(tc.step).toBe(3);
    expect(Array.from(await weights(e, c))).toEqual(Array.from(await weights(e, b)));
    await tc.train();
    const resumed = await weights(e, c);
    expect(resumed.length).toBe(straight.length);
    let maxDiff = 0;
    for (let i = 0; i < straight.length; i++) maxDiff = Math.max(maxDiff, Math.abs(straight[i] - resumed[i]));
    expect(maxDiff).toBe(0);
    for (const m of [a, b, c]) m.dispose();
  });

  it('running out of GPU memory names the buffer, the step and the last checkpoint', async () => {
    const e = E();
    const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: 6, maxSteps: 4, epochs: 100, checkpointEvery: 2, seed: 4 });
    const m = microModel(e, cfg, 'focusclip', tok.vocab.length);
    const t = new Trainer(e, m, tok.tokenizer, data, cfg, tok.vocab);
    const files = new Map<string, Uint8Array>();
    await t.train({ saveBytes: (p, b) => files.set(p, b) }, 'ok.safetensors'); // 4 steps fit
    e.pool.trim();
    e.pool.budgetBytes = e.memory().deviceBytes + 256 * 1024; // parameters fit, a step's activations do not
    try {
      (t.cfg as { maxSteps: number }).maxSteps = 6;
      await expect(t.train({ saveBytes: (p, b) => files.set(p, b) }, 'ok.safetensors')).rejects.toThrow(
        /Out of GPU memory: tensor f32\[[\d, ]+\] needs .* budget .* \(training step 4, batch size 6\)\. The last good checkpoint is ok\.safetensors \(step 4\)\./,
      );
    } finally {
      e.pool.budgetBytes = 0;
    }
    expect(files.has('ok.safetensors')).toBe(true);
    m.dispose();
  });

  it('rejects a batch larger than the data', () => {
    const e = E();
    const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: 64 });
    const m = microModel(e, cfg, 'clip', tok.vocab.length);
    expect(() => new Trainer(e, m, tok.tokenizer, data, cfg, tok.vocab)).toThrow(/batchSize 64 is larger than the training set \(24 samples\)/);
    m.dispose();
  });

  it('builds a training set from a generated dataset, pairing records with images', () => {
    expect(data.size).toBe(24);
    expect(data.texts[5]).toBe(ds.records[5].description);
    // Keypoints follow the resize to the model's resolution.
    expect(data.people[3][0].kpts[0][0]).toBeCloseTo((ds.records[3].people[0].kpts[0][0] * SIZE) / ds.images[3].width, 5);
    expect(() => TrainSet.fromDataset({ records: ds.records, images: ds.images.slice(1) }, SIZE)).toThrow(/24 records but 23 images/);
  });
});
