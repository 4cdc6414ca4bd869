// `focusclip train`: train FocusCLIP or the CLIP baseline from a recipe (paper | modern), a JSON
// config file and flags, on synthetic people, on records + images from disk, or on shards. Logs
// every step to JSONL, redraws the loss curve as it goes, checkpoints atomically, resumes exactly,
// and on Ctrl-C writes a checkpoint before exiting.

import type { Command } from 'commander';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunCommand } from './run.js';
import { makeTrainConfig, RECIPES, type TrainConfig } from '../train/config.js';
import { TrainSet, type TrainExample } from '../train/batches.js';
import { captionTokenizer, modelConfigFor, type ModelKind } from '../train/pipeline.js';
import { heldOutEvaluator } from '../train/held-out-eval.js';
import { Trainer, readTrainingState, type StepLog } from '../train/trainer.js';
import { progress } from '../train/progress.js';
import { createModel } from '../model/focusclip.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { decodeCheckpoint, configFromMetadata } from '../model/checkpoint.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { initTextFromHf, initVisualFromTimm, pretrainedVocab } from '../model/pretrained.js';
import { makeModelConfig } from '../model/config.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { readImage, writeFileAtomic } from '../data/image-node.js';
import { validateRecords, type PoseRecord } from '../data/record.js';
import { readShards } from '../data/shards.js';
import { fileSource } from '../data/shards-node.js';
import { lineChartSvg } from '../eval/plot.js';
import { lineChartPng } from '../eval/plot-png-node.js';
import { resolveInside } from '../data/paths-node.js';
import { intFlag } from './flags.js';
import { ensureDir } from '../data/atomic-write-node.js';

/** Flag name -> config field, for every numeric/string field a user may set on the command line. */
const FLAGS: [string, keyof TrainConfig, string][] = [
  ['model', 'model', 'model preset: tiny, small, paper'],
  ['loss', 'loss', 'focusclip3 (released code), focusclip2 (v3 figure)'],
  ['optimizer', 'optimizer', 'sgd | adamw'],
  ['lr', 'lr', 'learning rate'],
  ['momentum', 'momentum', 'SGD momentum'],
  ['weight-decay', 'weightDecay', 'weight decay'],
  ['schedule', 'schedule', 'constant | cosine'],
  ['warmup-steps', 'warmupSteps', 'linear warm-up steps'],
  ['batch-size', 'batchSize', 'batch size'],
  ['epochs', 'epochs', 'epochs'],
  ['max-steps', 'maxSteps', 'stop after this many steps (0 = all epochs)'],
  ['clip-norm', 'clipNorm', 'global gradient-norm clipping (0 = off)'],
  ['seed', 'seed', 'random seed (init, data order)'],
  ['checkpoint-every', 'checkpointEvery', 'checkpoint every N steps'],
  ['temperature', 'temperature', 'NT-Xent temperature (paper 0.5, modern 0.1)'],
  ['feature-norm', 'featureNorm', 'none (paper) | batch (modern): batch-normalise pooled features before the projections'],
  ['eval-every', 'evalEvery', 'validation loss + zero-shot accuracy on held-out synthetic sets every N steps (0 = at the end only)'],
];

/** The sample count of a --data spec: synthetic or synthetic:<count>. */
function syntheticCount(data: string): number {
  const m = /^synthetic(?::(\d+))?$/.exec(data);
  if (!m) throw new Error(`--data must be "synthetic" or "synthetic:<count>" (or use --records FILE --images DIR, or --shards DIR), got "${data}".`);
  return Number(m[1] ?? 2400);
}

/** Where the training data comes from: --data, --records (+ --images) or --shards. */
export interface DataOptions {
  data: string;
  records?: string;
  images?: string;
  shards?: string;
}

/** The training data as checkpoints record it: records:<absolute path>, shards:<absolute folder> or synthetic:<count>. */
export function dataSourceOf(opts: DataOptions): string {
  if (opts.records && opts.shards) throw new Error('--records and --shards both name training data; pass one of them.');
  if (opts.shards) return `shards:${resolve(opts.shards)}`;
  return opts.records ? `records:${resolve(opts.records)}` : `synthetic:${syntheticCount(opts.data)}`;
}

/** The examples of the training data, in a fixed order (the data order of a run is drawn from it). */
export async function loadExamples(opts: DataOptions, size: number, seed: number): Promise<TrainExample[]> {
  dataSourceOf(opts); // one source
  if (opts.shards) {
    const samples = await readShards(fileSource(resolve(opts.shards)));
    return samples.map((s) => ({ image: s.image, record: { image: s.name, description: s.text, people: s.people } }));
  }
  if (opts.records) {
    const path = resolve(opts.records);
    if (!existsSync(path)) throw new Error(`Records file not found: ${path}`);
    const records = JSON.parse(readFileSync(path, 'utf8')) as PoseRecord[];
    if (!Array.isArray(records)) throw new Error(`${path} must hold a JSON list of pose-captions records.`);
    const dir = resolve(opts.images ?? join(dirname(path), 'images'));
    // Every path is checked before any record is validated or any image is read.
    const paths = records.map((r, i) => resolveInside(dir, String(r?.image ?? ''), `${path}, record ${i}`));
    validateRecords(records, { source: path, folder: dir, exists: (image) => existsSync(join(dir, image)) });
    return records.map((record, i) => ({ record, image: readImage(paths[i]) }));
  }
  const ds = generateDataset({ seed, count: syntheticCount(opts.data), size });
  return ds.records.map((record, i) => ({ record, image: ds.images[i] }));
}

export function registerTrain(program: Command, run: RunCommand) {
  const cmd = program
    .command('train')
    .description('train FocusCLIP or the CLIP baseline (recipes: paper, modern; every field overridable)')
    .option('--recipe <name>', `paper | modern`, 'modern')
    .option('--config <file>', 'JSON file with config fields (applied before flags)')
    .option('--kind <kind>', 'focusclip | clip', 'focusclip')
    .option('--data <source>', 'synthetic[:count] (generated in memory)', 'synthetic')
    .option('--records <file>', 'pose-captions records JSON (instead of synthetic data)')
    .option('--images <dir>', 'image folder of the records (default: images/ next to the records)')
    .option('--shards <dir>', 'a shard folder written by focusclip generate --shards or focusclip prepare (instead of synthetic data)')
    .option('--out <dir>', 'run folder: checkpoints, train.jsonl, loss curve', 'runs/focusclip')
    .option('--resume <checkpoint>', 'continue a run from its checkpoint (weights, optimizer, step, data order)')
    .option('--force', 'with --resume: continue on other data than the run was trained on (the data order changes)')
    .option('--init-visual <file>', 'initialise the ViT from a timm safetensors file (e.g. vit_base_patch16_224 with --model paper, or weights/tiny-vision.safetensors from focusclip pretrain vision)')
    .option('--init-text <file>', 'initialise the text encoder from a Hugging Face BERT safetensors file (e.g. bert-base-uncased), or a focusclip pretrain text file (which brings its vocabulary)')
    .option('--vocab <file>', 'a BERT vocab.txt (needed with --init-text; default: a vocabulary built from the captions)')
    .option('--eval-count <n>', 'images per held-out synthetic set for the periodic evaluation (0 = no evaluation)', '60');
  for (const [flag, , help] of FLAGS) cmd.option(`--${flag} <value>`, help);
  cmd.action(async (opts) => {
    const fromFile = opts.config ? readConfigFile(resolve(opts.config)) : {};
    const fromFlags: Record<string, unknown> = {};
    for (const [flag, field] of FLAGS) {
      const key = flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      if (opts[key] !== undefined) fromFlags[field] = opts[key];
    }
    if (!(opts.recipe in RECIPES)) throw new Error(`--recipe must be one of ${Object.keys(RECIPES).join(', ')}, got "${opts.recipe}".`);
    let cfg: TrainConfig = makeTrainConfig(opts.recipe, fromFile, fromFlags);
    const kind = opts.kind as ModelKind;
    if (kind !== 'focusclip' && kind !== 'clip') throw new Error(`--kind must be focusclip or clip, got "${opts.kind}".`);
    const evalCount = intFlag('eval-count', opts.evalCount, 0);
    const out = resolve(opts.out);
    ensureDir(out, '--out folder');
    const ckpt = join(out, `${kind}.safetensors`);

    await run(async (e) => {
      let resumeFile: ReturnType<typeof decodeCheckpoint> | undefined;
      let resumeState: ReturnType<typeof readTrainingState> | undefined;
      let vocab: string[] | undefined;
      if (opts.resume) {
        resumeFile = decodeCheckpoint(readFileBytes(resolve(opts.resume)), opts.resume);
        resumeState = readTrainingState(resumeFile.metadata, opts.resume);
        cfg = makeTrainConfig(opts.recipe, resumeState.train as unknown as Record<string, unknown>, fromFlags); // the run's own config; flags may extend it (e.g. --epochs)
        vocab = resumeState.vocab.split('\n');
      }
      const size = makeModelConfig(cfg.model).vision.imageSize;
      const source = dataSourceOf(opts);
      console.error(`loading data (${opts.shards ?? opts.records ?? opts.data}) at ${size}px ...`);
      const data = new TrainSet(await loadExamples(opts, size, cfg.seed), size);
      if (resumeState) {
        const was = resumeState.data;
        if (was && (was.source !== source || was.size !== data.size) && !opts.force) {
          throw new Error(
            `${opts.resume} was trained on ${was.source} (${was.size} samples) but this run loads ${source} (${data.size} samples), ` +
              'so the resumed run would not be the one that was interrupted. Resume with the same data, or pass --force to continue on this data.',
          );
        }
      }
      if (!vocab && opts.vocab) vocab = readFileSync(resolve(opts.vocab), 'utf8').split('\n').filter((l: string) => l.length);
      const textFile = opts.initText ? decodeCheckpoint(readFileBytes(resolve(opts.initText)), opts.initText) : undefined;
      // A text tower from `focusclip pretrain text` carries its vocabulary.
      if (!vocab && textFile) vocab = pretrainedVocab(textFile);
      if (opts.initText && !vocab) throw new Error('--init-text needs the vocabulary of those weights: pass --vocab vocab.txt (bert-base-uncased ships one).');
      const tok = vocab ? { vocab, tokenizer: new WordPieceTokenizer(vocab) } : captionTokenizer(data.texts, 4096);
      writeFileAtomic(join(out, 'vocab.txt'), tok.vocab.join('\n') + '\n');
      const mcfg = resumeFile ? configFromMetadata(resumeFile, opts.resume) ?? modelConfigFor(cfg, kind, tok.vocab.length) : modelConfigFor(cfg, kind, tok.vocab.length);
      if (resumeFile && mcfg.kind !== kind) {
        // The checkpoint decides the model; a different --kind would train one model and save it under the other's name.
        throw new Error(`${opts.resume} holds a ${mcfg.kind} model but --kind is ${kind}; resume it with --kind ${mcfg.kind}.`);
      }
      const model = createModel(e, mcfg, { seed: cfg.seed, noInit: !!resumeFile });
      if (opts.initVisual) console.error(`visual: ${initVisualFromTimm(model, decodeCheckpoint(readFileBytes(resolve(opts.initVisual)), opts.initVisual), opts.initVisual).length} tensors from ${opts.initVisual}`);
      if (textFile) console.error(`text: ${initTextFromHf(model, textFile, opts.initText).length} tensors from ${opts.initText}`);
      const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
      if (!(trainer.totalSteps >= 1)) {
        model.dispose();
        throw new Error(`--epochs ${cfg.epochs} of ${data.size} samples at batch ${cfg.batchSize} is less than one step (${trainer.stepsPerEpoch} steps per epoch); train at least 1 / ${trainer.stepsPerEpoch} epochs.`);
      }
      trainer.dataSource = source;
      if (opts.resume) {
        trainer.restore(readFileBytes(resolve(opts.resume)), opts.resume);
        if (trainer.step >= trainer.totalSteps) {
          console.log(`${opts.resume} has finished its run (step ${trainer.step} of ${trainer.totalSteps}); nothing to do. Raise --max-steps or --epochs to train further.`);
          model.dispose();
          return;
        }
        console.error(`resumed from ${opts.resume} at step ${trainer.step}`);
      }
      writeFileAtomic(join(out, 'config.json'), JSON.stringify({ train: cfg, model: mcfg }, null, 2));
      const logPath = join(out, 'train.jsonl');
      if (!opts.resume) writeFileAtomic(logPath, '');
      else cutLog(logPath, trainer.step);
      const logs: StepLog[] = [];
      const bar = progress(`train ${kind}`, trainer.totalSteps);
      const redraw = () => {
        const series = [{ name: 'loss', x: logs.map((l) => l.step), y: logs.map((l) => l.loss) }];
        writeFileAtomic(join(out, 'loss.svg'), lineChartSvg(series, { title: `${kind} training loss`, xLabel: 'step', yLabel: 'loss' }));
        writeFileAtomic(join(out, 'loss.png'), lineChartPng(series, { title: `${kind} training loss`, xLabel: 'step', yLabel: 'loss' }));
      };
      const onSigint = () => {
        console.error('\nstopping after this step; writing a checkpoint ...');
        trainer.requestStop();
      };
      const evals: { step: number; metrics: Record<string, number> }[] = [];
      const onEval = evalCount > 0 ? heldOutEvaluator(e, model, tok.tokenizer, cfg, size, evalCount, (step, metrics) => {
        evals.push({ step, metrics });
        appendFileSync(join(out, 'eval.jsonl'), JSON.stringify({ step, ...metrics }) + '\n');
        const names = Object.keys(metrics).filter((k) => k.startsWith('zero-shot '));
        const series = names.map((n) => ({ name: n.slice('zero-shot '.length), x: evals.map((v) => v.step), y: evals.map((v) => 100 * v.metrics[n]) }));
        writeFileAtomic(join(out, 'accuracy.svg'), lineChartSvg(series, { title: `${kind} zero-shot accuracy on held-out synthetic sets`, xLabel: 'step', yLabel: '%' }));
        writeFileAtomic(join(out, 'accuracy.png'), lineChartPng(series, { title: `${kind} zero-shot accuracy`, xLabel: 'step', yLabel: '%' }));
        console.error(`\nstep ${step}: ${Object.entries(metrics).map(([k, v]) => `${k} ${k.startsWith('zero') ? (100 * v).toFixed(1) + '%' : v.toFixed(4)}`).join(', ')}`);
      }) : undefined;
      process.once('SIGINT', onSigint);
      try {
        const res = await trainer.train(
          {
            onStep: (l) => {
              logs.push(l);
              appendFileSync(logPath, JSON.stringify(l) + '\n');
              bar.update(l.step + 1, { epoch: l.epoch, loss: l.loss, 'img/s': l.imagesPerSec, ...(l.alpha !== undefined ? { a: l.alpha } : {}) });
              if (logs.length % 50 === 0) redraw();
            },
            saveBytes: (p, b) => writeFileAtomic(p, b),
            onEval,
          },
          ckpt,
        );
        bar.stop();
        redraw();
        console.log(`${res.stoppedEarly ? 'stopped' : 'finished'} at step ${res.steps}/${trainer.totalSteps}; checkpoint ${ckpt}; log ${logPath}`);
      } finally {
        process.removeListener('SIGINT', onSigint);
        model.dispose();
      }
    });
  });
}

/** A resumed run logs again the steps after its checkpoint: drop the old lines for those steps. */
function cutLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
  const kept = lines.filter((l) => {
    try {
      return JSON.parse(l).step < step;
    } catch {
      return false; // a line cut short by a crash
    }
  });
  if (kept.length !== lines.length) writeFileAtomic(path, kept.map((l) => l + '\n').join(''));
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--config ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`--config ${path} is not valid JSON (${(err as Error).message}).`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`--config ${path} must hold a JSON object of config fields, e.g. {"lr": 0.001}.`);
  return v as Record<string, unknown>;
}
