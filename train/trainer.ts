// The training loop: one command-encoder submission per step, the loss read back asynchronously
// while the next step is recorded, JSONL logs, atomic checkpoints that resume a run exactly (same
// data order, optimizer state, step), and a clean stop on request (Ctrl-C) with a checkpoint.

import type { Engine } from '../ops/engine.js';
import type { Tensor } from '../engine/tensor.js';
import { OutOfMemoryError } from '../engine/memory.js';
import type { FocusClipModel } from '../model/focusclip.js';
import type { WordPieceTokenizer } from '../model/tokenizer.js';
import { encodeParams, loadParams, decodeCheckpoint, META_CONFIG, META_STATE } from '../model/checkpoint.js';
import { toFloat32 } from '../model/safetensors.js';
import { layoutOf, META_OPTIMIZER_LAYOUT, parseLayout, relayout, sameLayout } from './optimizer-layout.js';
import { learningRate, type TrainConfig } from './config.js';
import { makeBatch, type TrainSet } from './batches.js';
import { createOptimizer, type Optimizer } from './optimizer.js';

export interface StepLog {
  step: number;
  epoch: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
  gradNorm: number;
  /** FocusCLIP's focus scalar a (undefined for CLIP). */
  alpha?: number;
  imagesPerSec: number;
  liveBytes: number;
  elapsedSec: number;
}

export interface TrainerHooks {
  /** Every step's log, in order, once its numbers are back from the GPU. */
  onStep?: (log: StepLog) => void;
  /** Called every `evalEvery` steps and at the end; returned numbers are logged. */
  onEval?: (step: number) => Promise<Record<string, number>>;
  /** Write checkpoint bytes (atomically). Node: writeFileAtomic; browser: keep in memory. */
  saveBytes?: (path: string, bytes: Uint8Array) => void;
}

export interface TrainResult {
  steps: number;
  logs: StepLog[];
  evals: { step: number; metrics: Record<string, number> }[];
  stoppedEarly: boolean;
  lastCheckpoint?: string;
}

/** Metadata stored with every checkpoint next to the model config. */
export interface TrainingState {
  step: number;
  train: TrainConfig;
  vocab: string;
  optimizer: string;
  /** Where the training samples came from and how many there were: an exact resume needs the same. */
  data?: { source: string; size: number };
}

export class Trainer {
  step = 0;
  private stopRequested = false;
  readonly optimizer: Optimizer;
  lastCheckpoint?: string;
  /** How the caller names the training data (e.g. "synthetic:2400"); stored in checkpoints. */
  dataSource = 'in-memory';
  /** Calibrate the feature normalisation when train() returns, so the model is ready for
   *  inference; a benchmark that times train() step by step turns it off. */
  calibrateAtEnd = true;

  constructor(
    readonly engine: Engine,
    readonly model: FocusClipModel,
    readonly tokenizer: WordPieceTokenizer,
    readonly data: TrainSet,
    readonly cfg: TrainConfig,
    readonly vocab: readonly string[],
  ) {
    if (cfg.batchSize > data.size) {
      throw new Error(`batchSize ${cfg.batchSize} is larger than the training set (${data.size} samples); lower --batch-size or generate more data.`);
    }
    if (data.imageSize !== model.config.vision.imageSize) {
      throw new Error(`The training images are ${data.imageSize}px but the model expects ${model.config.vision.imageSize}px.`);
    }
    this.optimizer = createOptimizer(engine, model, cfg);
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.data.size / this.cfg.batchSize);
  }

  get totalSteps(): number {
    const all = this.stepsPerEpoch * this.cfg.epochs;
    return this.cfg.maxSteps > 0 ? Math.min(all, this.cfg.maxSteps) : all;
  }

  /** Ask the loop to stop after the current step (it writes a checkpoint first). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** Sample indices of a step: a pure function of (seed, step). */
  batchIndices(step: number): number[] {
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const k = step % this.stepsPerEpoch;
    return this.data.epochOrder(this.cfg.seed, epoch).slice(k * this.cfg.batchSize, (k + 1) * this.cfg.batchSize);
  }

  /** Record one training step; returns the scalars to read back (kept alive by the caller). */
  private recordStep(lr: number): Tensor[] {
    const e = this.engine;
    return e.scope(() => {
      // Uploads first: a host write flushes whatever is already recorded, so recording the
      // uploads before any GPU command keeps the whole step in one submission.
      const batch = makeBatch(e, this.data, this.batchIndices(this.step), {
        tokenizer: this.tokenizer,
        contextLength: this.model.config.text.contextLength,
        heatmaps: this.model.isFocus,
      });
      this.model.zeroGrad();
      const { loss, terms } = this.model.loss(batch);
      loss.backward();
      const gradNorm = this.optimizer.clipAndStep(lr, this.cfg.clipNorm);
      const out = [loss, gradNorm, ...Object.values(terms)];
      if (this.model.isFocus) out.push(this.model.param('focus_alpha'));
      // Copies: the scope releases temporaries, and parameters change on the next step.
      return out.map((t) => e.keep(e.ops.copy(t)));
    });
  }

  async train(hooks: TrainerHooks = {}, checkpointPath?: string): Promise<TrainResult> {
    const e = this.engine;
    const total = this.totalSteps;
    const termNames = this.termNames();
    const logs: StepLog[] = [];
    const evals: TrainResult['evals'] = [];
    const t0 = performance.now();
    let pending: Promise<void> | undefined;
    let stoppedEarly = false;
    let lastGoodStep = this.step;
    const startStep = this.step;

    while (this.step < total) {
      const step = this.step;
      const lr = learningRate(this.cfg, step, total);
      let scalars: Tensor[];
      try {
        scalars = this.recordStep(lr);
      } catch (err) {
        if (!(err instanceof OutOfMemoryError)) throw err;
        if (pending) await pending.catch(() => {});
        throw new OutOfMemoryError(
          `${err.message} (training step ${step}, batch size ${this.cfg.batchSize}). ` +
            (this.lastCheckpoint ? `The last good checkpoint is ${this.lastCheckpoint} (step ${lastGoodStep}).` : 'No checkpoint was written yet.'),
        );
      }
      this.step++;
      // Read this step's numbers while the next step is being recorded; wait for the previous read
      // first so at most one is in flight.
      if (pending) await pending;
      const epoch = Math.floor(step / this.stepsPerEpoch);
      pending = Promise.all(scalars.map((t) => t.toArray())).then((vals) => {
        scalars.forEach((t) => t.dispose());
        const [loss, gradNorm] = [vals[0][0], vals[1][0]];
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          throw new Error(
            `Training diverged: the loss is ${loss} (gradient norm ${gradNorm}) at step ${step}. ` +
              (this.lastCheckpoint ? `The last good checkpoint is ${this.lastCheckpoint} (step ${lastGoodStep}); ` : 'No checkpoint was written yet; ') +
              'lower the learning rate or keep gradient clipping on.',
          );
        }
        const terms: Record<string, number> = {};
        termNames.forEach((n, i) => (terms[n] = vals[2 + i][0]));
        const elapsed = (performance.now() - t0) / 1000;
        const log: StepLog = {
          step,
          epoch,
          loss,
          terms,
          lr,
          gradNorm,
          alpha: this.model.isFocus ? vals[vals.length - 1][0] : undefined,
          imagesPerSec: ((step + 1 - startStep) * this.cfg.batchSize) / Math.max(elapsed, 1e-9),
          liveBytes: e.memory().liveBytes,
          elapsedSec: elapsed,
        };
        logs.push(log);
        hooks.onStep?.(log);
      });
      const atEnd = this.step === total;
      const wantCkpt = checkpointPath && (atEnd || this.stopRequested || (this.cfg.checkpointEvery > 0 && this.step % this.cfg.checkpointEvery === 0));
      const wantEval = hooks.onEval && (atEnd || (this.cfg.evalEvery > 0 && this.step % this.cfg.evalEvery === 0));
      if (wantCkpt || wantEval || this.stopRequested) {
        await pending;
        pending = undefined;
      }
      if (wantCkpt) {
        try {
          await this.saveCheckpoint(checkpointPath!, hooks.saveBytes);
        } catch (err) {
          throw new Error(
            `${(err as Error).message} Training stopped after step ${this.step}; ` +
              (this.lastCheckpoint ? `the last good checkpoint is ${this.lastCheckpoint} (step ${lastGoodStep}).` : 'no checkpoint was written yet.'),
          );
        }
        lastGoodStep = this.step;
      }
      if (wantEval) {
        await this.calibrate();
        evals.push({ step: this.step, metrics: await hooks.onEval!(this.step) });
      }
      if (this.stopRequested && !atEnd) {
        stoppedEarly = true;
        break;
      }
    }
    if (pending) await pending;
    if (this.calibrateAtEnd) await this.calibrate();
    await e.sync();
    return { steps: this.step, logs, evals, stoppedEarly, lastCheckpoint: this.lastCheckpoint };
  }

  /** Samples whose features set the inference statistics of the feature normalisation. */
  static readonly CALIBRATION_SAMPLES = 512;

  /**
   * Inference statistics of the feature normalisation from the first CALIBRATION_SAMPLES training
   * samples (a fixed set, so the same weights always give the same statistics); a no-op for models
   * without it. Runs before every checkpoint and evaluation, and at the end of training.
   */
  async calibrate(): Promise<void> {
    if (!this.model.buffers.size || this.calibratedAt === this.step) return;
    const e = this.engine;
    const n = Math.min(this.data.size, Trainer.CALIBRATION_SAMPLES);
    const L = this.model.config.text.contextLength;
    // No larger than a training batch: at the paper preset 64 images' MLP activations
    // (64 x 197 x 3072 floats) exceed a storage binding, while a training batch is known to fit.
    const chunk = Math.min(64, this.cfg.batchSize);
    const model = this.model;
    const data = this.data;
    const tokenizer = this.tokenizer;
    function* batches() {
      for (let s = 0; s < n; s += chunk) {
        const idx = Array.from({ length: Math.min(chunk, n - s) }, (_, i) => s + i);
        const b = makeBatch(e, data, idx, { tokenizer, contextLength: L, heatmaps: false });
        try {
          yield b;
        } finally {
          for (const t of Object.values(b)) t?.dispose();
        }
      }
    }
    await model.calibrateFeatureStats(batches());
    this.calibratedAt = this.step;
  }
  private calibratedAt = -1;

  termNames(): string[] {
    if (!this.model.isFocus) return ['image-text'];
    return this.model.config.loss === 'focus3' ? ['focus-image', 'focus-text', 'image-text'] : ['focus-text', 'image-text'];
  }

  /** Parameters, optimizer state, config, step and vocabulary in one safetensors file. */
  async checkpointBytes(): Promise<Uint8Array> {
    await this.calibrate();
    const tensors = new Map<string, Tensor>(this.model.weights);
    for (const [name, t] of this.optimizer.state) tensors.set(`optimizer.${name}`, t);
    const state: TrainingState = {
      step: this.step,
      train: this.cfg,
      vocab: this.vocab.join('\n'),
      optimizer: this.optimizer.describe(),
      data: { source: this.dataSource, size: this.data.size },
    };
    return encodeParams(this.engine, tensors, {
      [META_CONFIG]: JSON.stringify(this.model.config),
      [META_STATE]: JSON.stringify(state),
      [META_OPTIMIZER_LAYOUT]: JSON.stringify(layoutOf(this.model.params, this.model.paramsFlat)),
    });
  }

  async saveCheckpoint(path: string, save?: (path: string, bytes: Uint8Array) => void): Promise<void> {
    const bytes = await this.checkpointBytes();
    if (!save) throw new Error('saveCheckpoint: no writer given (Node: writeFileAtomic from model/safetensors-node.ts).');
    save(path, bytes);
    this.lastCheckpoint = path;
  }

  /** Continue from a checkpoint written by this trainer: weights, optimizer state and step. */
  restore(bytes: Uint8Array, source = 'checkpoint'): void {
    const file = decodeCheckpoint(bytes, source);
    loadParams(this.engine, this.model.weights, file, { ignore: (n) => n.startsWith('optimizer.'), source });
    const optState = new Map([...this.optimizer.state].map(([n, t]) => [`optimizer.${n}`, t]));
    const fileLayout = parseLayout(file.metadata[META_OPTIMIZER_LAYOUT], source);
    const here = layoutOf(this.model.params, this.model.paramsFlat);
    if (optState.size && fileLayout && !sameLayout(fileLayout, here)) {
      // Written on an adapter with another buffer alignment (or by another program): move each
      // parameter's state to this arena's offsets.
      for (const [name, t] of optState) {
        const st = file.tensors.get(name);
        if (!st) throw new Error(`${source}: ${name} is missing; the checkpoint was written with another optimizer (${this.optimizer.describe()} needs it).`);
        this.engine.write(t, relayout(toFloat32(st), fileLayout, here, source));
      }
    } else if (optState.size) loadParams(this.engine, optState, file, { select: () => true, ignore: (n) => !n.startsWith('optimizer.'), source });
    const state = readTrainingState(file.metadata, source);
    this.step = state.step;
    this.optimizer.setStep(state.step);
  }
}

export function readTrainingState(metadata: Record<string, string>, source: string): TrainingState {
  const raw = metadata[META_STATE];
  if (!raw) throw new Error(`${source} has no training state (it was not written by focusclip train); it can initialise a model but not resume a run.`);
  let s: TrainingState;
  try {
    s = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${source}: __metadata__.${META_STATE} is not valid JSON (${(err as Error).message}); the checkpoint is damaged.`);
  }
  const bad =
    !s || typeof s !== 'object' ? 'it is not an object'
    : !Number.isInteger(s.step) || s.step < 0 ? `step ${JSON.stringify(s.step)} is not a non-negative integer`
    : !s.train || typeof s.train !== 'object' ? 'the training config is missing'
    : typeof s.vocab !== 'string' || !s.vocab ? 'the vocabulary is missing'
    : s.data !== undefined && (typeof s.data?.source !== 'string' || !Number.isInteger(s.data?.size)) ? 'the data description is malformed'
    : '';
  if (bad) throw new Error(`${source}: the training state is invalid (${bad}); the checkpoint is damaged or was not written by focusclip train.`);
  return s;
}
