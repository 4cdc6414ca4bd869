// Training configuration: two recipes (the paper's and a modern one), every field overridable from a
// JSON file and from flags. Unknown fields are errors, not silently ignored typos; every value is
// checked against one table of ranges, whether it came from a flag, a file or a checkpoint.

import { PRESETS } from '../model/config.js';

export type OptimizerName = 'sgd' | 'adamw';
export type Schedule = 'constant' | 'cosine';
export type LossVariant = 'focusclip3' | 'focusclip2' | 'clip';

export interface TrainConfig {
  /** Model preset (model/config.ts): tiny, small, paper. */
  model: string;
  /** Which objective: FocusCLIP with three NT-Xent terms (released code), two (v3 figure), or CLIP. */
  loss: LossVariant;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  schedule: Schedule;
  warmupSteps: number;
  batchSize: number;
  epochs: number;
  /** Stop after this many steps (0 = run all epochs). */
  maxSteps: number;
  /** Global gradient-norm clipping (0 = off). */
  clipNorm: number;
  seed: number;
  /** Write a checkpoint every N steps (0 = only at the end). */
  checkpointEvery: number;
  /** Validation loss and zero-shot accuracy every N steps (0 = only at the end). */
  evalEvery: number;
  /** Clamp FocusCLIP's focus scalar a to [0, 1] (the released code does not). */
  clampFocus: boolean;
  /** NT-Xent temperature (the paper: 0.5). */
  temperature: number;
  /** Batch-normalise the pooled features before the projections ('batch') or not (the paper). */
  featureNorm: 'none' | 'batch';
}

export const RECIPES: Record<'paper' | 'modern', TrainConfig> = {
  // FOCUSCLIP.md section 3: SGD momentum 0.9, lr 5e-4, no weight decay, no schedule, batch 32,
  // 64 epochs, clip 1.0, seed 42.
  paper: {
    model: 'paper',
    loss: 'focusclip3',
    optimizer: 'sgd',
    lr: 5e-4,
    momentum: 0.9,
    weightDecay: 0,
    beta1: 0.9,
    beta2: 0.999,
    schedule: 'constant',
    warmupSteps: 0,
    batchSize: 32,
    epochs: 64,
    maxSteps: 0,
    clipNorm: 1.0,
    seed: 42,
    checkpointEvery: 500,
    evalEvery: 0,
    clampFocus: false,
    temperature: 0.5,
    featureNorm: 'none',
  },
  // Measured on the validation split of the synthetic world (README.md, "Finding a recipe that
  // learns"): from scratch, the paper's objective sits on the collapse plateau for hundreds of
  // steps; feature normalisation with temperature 0.1 leaves it at once.
  modern: {
    model: 'tiny',
    loss: 'focusclip3',
    optimizer: 'adamw',
    lr: 1e-3,
    momentum: 0.9,
    weightDecay: 0.05,
    beta1: 0.9,
    beta2: 0.98,
    schedule: 'cosine',
    warmupSteps: 50,
    batchSize: 32,
    epochs: 10,
    maxSteps: 0,
    clipNorm: 1.0,
    seed: 42,
    checkpointEvery: 200,
    evalEvery: 0,
    clampFocus: false,
    temperature: 0.1,
    featureNorm: 'batch',
  },
};

/**
 * What the `modern` recipe changes when the image tower starts pretrained (`focusclip pretrain
 * vision`) rather than random: half the learning rate, so that the first updates do not wash out the
 * pretrained features, and temperature 0.2, whose smaller initial logit spread lets CLIP's loss fall
 * below the collapse value ln(2B - 1) within the first ~35 of 560 steps instead of ~150. Measured on
 * the validation split of two training worlds (README.md, "Fine-tuning from the pretrained tower").
 */
export const PRETRAINED_START: Pick<TrainConfig, 'lr' | 'temperature'> = { lr: 5e-4, temperature: 0.2 };

const CHOICES: Partial<Record<keyof TrainConfig, readonly string[]>> = {
  loss: ['focusclip3', 'focusclip2', 'clip'],
  optimizer: ['sgd', 'adamw'],
  schedule: ['constant', 'cosine'],
  featureNorm: ['none', 'batch'],
};

interface Range {
  min: number;
  /** min itself excluded */
  open?: boolean;
  below?: number;
  integer?: boolean;
  say: string;
}

/** Every numeric field's allowed values: the one place where flags, config files and checkpoints are checked. */
const RANGES: Partial<Record<keyof TrainConfig, Range>> = {
  lr: { min: 0, open: true, say: 'a number > 0' },
  temperature: { min: 0, open: true, say: 'a number > 0' },
  epochs: { min: 0, open: true, say: 'a number > 0' },
  batchSize: { min: 2, integer: true, say: 'an integer >= 2 (contrastive losses need negatives)' },
  maxSteps: { min: 0, integer: true, say: 'an integer >= 0 (0 = all epochs)' },
  warmupSteps: { min: 0, integer: true, say: 'an integer >= 0' },
  checkpointEvery: { min: 0, integer: true, say: 'an integer >= 0 (0 = only at the end)' },
  evalEvery: { min: 0, integer: true, say: 'an integer >= 0 (0 = only at the end)' },
  seed: { min: 0, below: 2 ** 32, integer: true, say: 'an integer from 0 to 4294967295' },
  clipNorm: { min: 0, say: 'a number >= 0 (0 = off)' },
  weightDecay: { min: 0, say: 'a number >= 0' },
  momentum: { min: 0, below: 1, say: 'a number in [0, 1)' },
  beta1: { min: 0, below: 1, say: 'a number in [0, 1)' },
  beta2: { min: 0, below: 1, say: 'a number in [0, 1)' },
};

const FLAG_NAMES: Partial<Record<keyof TrainConfig, string>> = {
  batchSize: 'batch-size', maxSteps: 'max-steps', warmupSteps: 'warmup-steps', checkpointEvery: 'checkpoint-every',
  evalEvery: 'eval-every', clipNorm: 'clip-norm', weightDecay: 'weight-decay', featureNorm: 'feature-norm', clampFocus: 'clamp-focus',
};

/** Merge overrides into a recipe, checking every field's name, type and range. */
export function makeTrainConfig(recipe: keyof typeof RECIPES, ...overrides: Record<string, unknown>[]): TrainConfig {
  if (!(recipe in RECIPES)) throw new Error(`Unknown recipe "${recipe}"; choose one of ${Object.keys(RECIPES).join(', ')}.`);
  const cfg: TrainConfig = { ...RECIPES[recipe] };
  for (const o of overrides) {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) continue;
      if (!(k in cfg)) {
        throw new Error(`Unknown config field "${k}". Known fields: ${Object.keys(cfg).join(', ')}.`);
      }
      const key = k as keyof TrainConfig;
      const cur = cfg[key];
      let val: unknown = v;
      if (typeof cur === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) val = Number(v);
      if (typeof cur === 'boolean' && (v === 'true' || v === 'false')) val = v === 'true';
      if (typeof val !== typeof cur) throw new Error(`Config field "${k}" must be a ${typeof cur}, got ${JSON.stringify(v)}.`);
      const choices = CHOICES[key];
      if (choices && !choices.includes(val as string)) throw new Error(`Config field "${k}" must be one of ${choices.join(', ')}, got "${val}".`);
      (cfg as any)[key] = val;
    }
  }
  for (const [k, r] of Object.entries(RANGES) as [keyof TrainConfig, Range][]) {
    const v = cfg[k] as number;
    const ok = Number.isFinite(v) && (r.integer ? Number.isInteger(v) : true) && (r.open ? v > r.min : v >= r.min) && (r.below === undefined || v < r.below);
    if (!ok) throw new Error(`Config field "${k}" (--${FLAG_NAMES[k] ?? k}) must be ${r.say}, got ${v}.`);
  }
  if (!(cfg.model in PRESETS)) throw new Error(`Config field "model" must be one of ${Object.keys(PRESETS).join(', ')}, got "${cfg.model}".`);
  return cfg;
}

/** Learning rate at a step: linear warm-up, then constant or cosine decay to zero. */
export function learningRate(cfg: TrainConfig, step: number, totalSteps: number): number {
  if (cfg.warmupSteps > 0 && step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  if (cfg.schedule === 'constant') return cfg.lr;
  const t = Math.min(1, (step - cfg.warmupSteps) / Math.max(1, totalSteps - cfg.warmupSteps));
  return 0.5 * cfg.lr * (1 + Math.cos(Math.PI * t));
}
