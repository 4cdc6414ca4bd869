// `npm run bench -- e2e [--presets tiny,small] [--kinds focusclip,clip] [--steps 5] [--batch 32]
//   [--peers tfjs,torch | --no-peers] [--tfjs-presets tiny] [--torch-presets tiny,small]`:
// whole-model numbers: training step time and images/s, zero-shot inference images/s, peak GPU
// memory, and a per-kernel breakdown of one training step (GPU timestamps) so the next
// optimisation target is visible. Then the same model, initial weights, batch and optimizer in the
// peers: TensorFlow.js on its WebGPU backend (same adapter) and PyTorch on the CPU (the native
// reference), with a faithfulness check (first-step losses and gradient norms of all three must
// agree to 1e-3; the values after one update are printed too).
// Writes (under --out, default bench/results/) e2e.json and e2e.svg.

import { loadavg } from 'node:os';
import { Engine } from '../ops/engine.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { makeTrainConfig } from '../train/config.js';
import { TrainSet } from '../train/batches.js';
import { captionTokenizer, modelConfigFor, type ModelKind } from '../train/pipeline.js';
import { Trainer } from '../train/trainer.js';
import { createModel } from '../model/focusclip.js';
import { makeModelConfig } from '../model/config.js';
import { fmtBytes } from '../engine/memory.js';
import { capturePeerCase, type PeerCase } from './e2e-case.js';
import { tfjsTrainer, type TfjsTrainer } from './e2e-tfjs.js';
import { TorchServer, torchUnavailable } from './e2e-torch.js';
import { peerSkipped, setupTfjs, type TfjsPeer } from './peers.js';
import { barChartSvg } from '../eval/plot.js';
import { modelFlops } from '../model/flops.js';
import { fmaCeiling } from './gemm.js';
import { benchOutput, type BenchOutput } from './output.js';
import { flag } from './args.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Group kernel names into families (gemm_..., attention_..., map:gelu ...) for the breakdown. */
function family(kernel: string): string {
  const k = kernel.replace(/^map:/, '');
  for (const f of ['gemm', 'attention', 'layernorm', 'softmax', 'xent', 'embedding', 'gelu', 'heatmap', 'focus', 'l2norm', 'adamw', 'sgd', 'grad_norm', 'reduce', 'permute', 'axis_range', 'patch', 'matmul'])
    if (k.includes(f)) return f;
  return 'elementwise/other';
}

type PeerName = 'tfjs' | 'torch';
const PEER_NAMES: PeerName[] = ['tfjs', 'torch'];
/** Required agreement of the first-step losses and gradient norms (relative). */
const LOSS_TOL = 1e-3;

interface PeerResult {
  stepMs: number;
  runsMs: number[];
  trainImagesPerSec: number;
  /** Loss of the initial weights, then after one update. */
  losses: [number, number];
  /** Gradient norm (before clipping) of the same two steps. */
  gradNorms: [number, number];
  /** |peer - ours| / |ours| of the losses and of the gradient norms. */
  relDiff: { losses: [number, number]; gradNorms: [number, number] };
  info: string;
}

function peerList(args: string[]): PeerName[] {
  if (args.includes('--no-peers')) return [];
  const list = flag(args, 'peers', PEER_NAMES.join(',')).split(',').filter(Boolean);
  const bad = list.filter((p) => !PEER_NAMES.includes(p as PeerName));
  if (bad.length) throw new Error(`e2e: unknown peer(s) ${bad.join(', ')}; --peers takes a comma list of ${PEER_NAMES.join(', ')} (or --no-peers).`);
  return list as PeerName[];
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const presets = flag(args, 'presets', 'tiny').split(',');
  const kinds = flag(args, 'kinds', 'focusclip,clip').split(',') as ModelKind[];
  const steps = Number(flag(args, 'steps', '5'));
  const batch = Number(flag(args, 'batch', '32'));
  // After the interleaved steps, `steps` more of ours back to back and then of PyTorch's: each
  // system alone, to see whether interleaving itself moves either one's times.
  const alone = args.includes('--alone');
  const peers = peerList(args);
  // TF.js at `small` takes minutes a step on lavapipe: opt in with --tfjs-presets tiny,small.
  const tfjsPresets = flag(args, 'tfjs-presets', 'tiny').split(',');
  const torchPresets = flag(args, 'torch-presets', presets.join(',')).split(',');
  const skipped: string[] = [];
  let useTorch = peers.includes('torch');
  if (useTorch) {
    const why = torchUnavailable();
    if (why) {
      skipped.push(`PyTorch (CPU) skipped: ${why}`);
      useTorch = false;
    }
  }
  let tfjs: TfjsPeer | undefined;
  let useTfjs = peers.includes('tfjs');
  for (const line of skipped) console.log(line);

  const e = await Engine.create();
  const results: any[] = [];
  let faithful = true;
  try {
    // The adapter's arithmetic ceiling, measured in this run: what a step's achieved GFLOP/s is a share of.
    const ceiling = await fmaCeiling(e, 5);
    console.log(`FMA ceiling of this adapter (register-only vec4 FMA): ${ceiling.toFixed(1)} GFLOP/s`);
    for (const preset of presets) {
      const size = makeModelConfig(preset).vision.imageSize;
      const ds = generateDataset({ seed: 1, count: Math.max(batch * 2, 64), size });
      const data = TrainSet.fromDataset(ds, size);
      const tok = captionTokenizer(data.texts, 4096);
      for (const kind of kinds) {
        const cfg = makeTrainConfig('modern', { model: preset, batchSize: batch, maxSteps: 1, epochs: 1000, checkpointEvery: 0 });
        const mcfg = modelConfigFor(cfg, kind, tok.vocab.length);
        const model = createModel(e, mcfg, { seed: 1 });
        const stepFlops = modelFlops(mcfg).train * batch;
        const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
        // Each timed train() call is one step: the inference statistics it would calibrate after
        // returning are not part of a training step.
        trainer.calibrateAtEnd = false;
        const wantTfjs = useTfjs && tfjsPresets.includes(preset);
        const wantTorch = useTorch && torchPresets.includes(preset);
        // Before the first step: the weights and batch every system starts from. Steps 0..steps+1
        // are what ours runs (warm-up, timed, profiled), so the peers get those learning rates.
        const peerCase: PeerCase | undefined = wantTfjs || wantTorch ? await capturePeerCase(trainer, steps + 2) : undefined;
        if (wantTfjs && !tfjs) {
          try {
            tfjs = await setupTfjs();
          } catch (err) {
            skipped.push(peerSkipped('tfjs', err));
            console.log(skipped[skipped.length - 1]);
            useTfjs = false;
          }
        }
        // TF.js steps 0 and 1: the loss check and its warm-up (shader compilation), before ours'
        // warm-up so that ours' first timed step does not follow TF.js's compilation burst.
        let tt: TfjsTrainer | undefined;
        let tfjsWarm: Awaited<ReturnType<TfjsTrainer['step']>>[] | undefined;
        if (tfjs && wantTfjs && peerCase) {
          console.log(`  TF.js ${tfjs.tf.version_core} (webgpu backend): 2 untimed steps, then ${steps} timed ones interleaved with ours...`);
          tt = await tfjsTrainer(tfjs, peerCase);
          tfjsWarm = [await tt.step(0), await tt.step(1)];
        }
        let torch: TorchServer | undefined;
        if (wantTorch && peerCase) {
          console.log(`  PyTorch CPU: 2 untimed steps, then ${steps} timed ones interleaved with ours...`);
          torch = await TorchServer.start(peerCase);
        }
        const first = await trainer.train(); // warm-up: compile pipelines, tune GEMMs
        const oursLosses: number[] = [first.logs[0].loss];
        const oursNorms: number[] = [first.logs[0].gradNorm];
        e.pool.resetPeak();
        const times: number[] = [];
        const tfjsRuns: number[] = [];
        const torchRuns: number[] = [];
        // Ours and the peers alternate step by step, so the machine's changing load (it is shared)
        // hits both alike and their ratio is meaningful even when the absolute times drift.
        for (let s = 0; s < steps; s++) {
          const t = performance.now();
          (trainer.cfg as any).maxSteps = trainer.step + 1;
          const r = await trainer.train();
          times.push(performance.now() - t);
          if (s === 0) {
            oursLosses.push(r.logs[0].loss);
            oursNorms.push(r.logs[0].gradNorm);
          }
          if (tt) {
            const t2 = performance.now();
            await tt.stepQuiet(2 + s);
            tfjsRuns.push(performance.now() - t2);
          }
          if (torch) torchRuns.push(await torch.step(2 + s));
        }
        const aloneMs: { ours: number[]; torch: number[] } = { ours: [], torch: [] };
        if (alone) {
          for (let s = 0; s < steps; s++) {
            const t = performance.now();
            (trainer.cfg as any).maxSteps = trainer.step + 1;
            await trainer.train();
            aloneMs.ours.push(performance.now() - t);
          }
          if (torch) for (let s = 0; s < steps; s++) aloneMs.torch.push(await torch.step(2 + steps + s));
        }
        const peak = e.memory().peakLiveBytes + e.memory().arenaBytes;
        e.startProfiling();
        (trainer.cfg as any).maxSteps = trainer.step + 1;
        await trainer.train();
        const kernels = await e.stopProfiling();
        const gpuMs = kernels.reduce((s, k) => s + k.ms, 0);
        const families = new Map<string, number>();
        for (const k of kernels) families.set(family(k.kernel), (families.get(family(k.kernel)) ?? 0) + k.ms);
        // inference: image tower only, as zero-shot evaluation runs it
        const inf: number[] = [];
        for (let s = 0; s < steps; s++) {
          const t = performance.now();
          const z = e.scope(() => e.noGrad(() => model.encodeImage(e.tensor(new Float32Array(batch * 3 * size * size).fill(0.5), [batch, 3, size, size]))));
          await z.toArray();
          z.dispose();
          inf.push(performance.now() - t);
        }
        const stepMs = median(times);
        const minStepMs = Math.min(...times);
        const r: any = {
          preset,
          kind,
          batch,
          stepMs,
          minStepMs,
          runsMs: times,
          // Model FLOPs (matrix products, model/flops.ts) per step over the step's time: the share of
          // the FMA ceiling is the model FLOPs utilisation.
          modelGflopPerStep: stepFlops / 1e9,
          achievedGflops: stepFlops / 1e6 / stepMs,
          bestGflops: stepFlops / 1e6 / minStepMs,
          fmaCeilingGflops: ceiling,
          modelFlopsUtilisation: stepFlops / 1e6 / stepMs / ceiling,
          trainImagesPerSec: (1000 * batch) / stepMs,
          inferenceImagesPerSec: (1000 * batch) / median(inf),
          peakBytes: peak,
          losses: oursLosses,
          gradNorms: oursNorms,
          gpuMsProfiled: gpuMs,
          families: Object.fromEntries([...families].sort((a, b) => b[1] - a[1])),
          topKernels: kernels.slice(0, 12),
        };
        if (alone) {
          const stat = (xs: number[]) => (xs.length ? { medianMs: median(xs), minMs: Math.min(...xs), runsMs: xs } : undefined);
          r.alone = { ours: stat(aloneMs.ours), torch: stat(aloneMs.torch) };
        }
        results.push(r);
        console.log(`\n${preset} ${kind} batch ${batch}: step ${stepMs.toFixed(0)} ms median, ${minStepMs.toFixed(0)} ms min (${r.trainImagesPerSec.toFixed(1)} img/s), inference ${r.inferenceImagesPerSec.toFixed(1)} img/s, peak ${fmtBytes(peak)}`);
        if (r.alone) {
          const f = (x?: { medianMs: number; minMs: number }) => (x ? `${x.medianMs.toFixed(0)} ms median, ${x.minMs.toFixed(0)} min` : '-');
          console.log(`  each alone (${steps} steps back to back): ours ${f(r.alone.ours)}; PyTorch CPU ${f(r.alone.torch)}`);
        }
        console.log(`  model FLOPs: ${r.modelGflopPerStep.toFixed(1)} GFLOP per step -> ${r.achievedGflops.toFixed(1)} GFLOP/s by the median (${r.bestGflops.toFixed(1)} best), ${(100 * r.modelFlopsUtilisation).toFixed(0)}% of the FMA ceiling ${ceiling.toFixed(1)} GFLOP/s`);
        console.log(`  GPU time of one profiled step: ${gpuMs.toFixed(0)} ms`);
        for (const [f, ms] of Object.entries(r.families)) console.log(`    ${f.padEnd(20)} ${(ms as number).toFixed(1).padStart(8)} ms  ${((100 * (ms as number)) / gpuMs).toFixed(1)}%`);
        console.log('  top kernels:');
        for (const k of r.topKernels) console.log(`    ${k.kernel.padEnd(40)} ${k.ms.toFixed(1).padStart(8)} ms  x${k.count}`);
        model.dispose();

        const peerResults: Partial<Record<PeerName, PeerResult>> = {};
        const finish = (runsMs: number[], losses: [number, number], gradNorms: [number, number], info: string): PeerResult => {
          const ms = median(runsMs);
          const relDiff = {
            losses: [rel(losses[0], oursLosses[0]), rel(losses[1], oursLosses[1])] as [number, number],
            gradNorms: [rel(gradNorms[0], oursNorms[0]), rel(gradNorms[1], oursNorms[1])] as [number, number],
          };
          return { stepMs: ms, runsMs, trainImagesPerSec: (1000 * batch) / ms, losses, gradNorms, relDiff, info };
        };
        if (tt && tfjsWarm) {
          const [s0, s1] = tfjsWarm;
          peerResults.tfjs = finish(tfjsRuns, [s0.loss, s1.loss], [s0.gradNorm, s1.gradNorm], `tfjs-core ${tfjs!.tf.version_core}, webgpu backend, timed interleaved with ours`);
          tt.dispose();
        }
        if (torch) {
          const w = torch.warm;
          peerResults.torch = finish(torchRuns, w.losses, w.gradNorms, `torch ${w.torch}, CPU, ${w.threads} threads, timed interleaved with ours`);
          await torch.close();
        }
        if (peerCase) {
          r.peers = peerResults;
          r.ratios = {
            tfjsOverOurs: peerResults.tfjs ? peerResults.tfjs.stepMs / stepMs : undefined,
            torchOverOurs: peerResults.torch ? peerResults.torch.stepMs / stepMs : undefined,
          };
          const fmt = (x: number) => x.toFixed(7);
          const rows: [string, 'losses' | 'gradNorms', number, number[]][] = [
            ['first-step loss (initial weights)', 'losses', 0, oursLosses],
            ['first-step gradient norm', 'gradNorms', 0, oursNorms],
            ['loss after one AdamW update', 'losses', 1, oursLosses],
            ['gradient norm after one update', 'gradNorms', 1, oursNorms],
          ];
          for (const [what, key, i, ours] of rows) {
            const parts = [`ours ${fmt(ours[i])}`];
            for (const [name, p] of Object.entries(peerResults)) parts.push(`${name === 'tfjs' ? 'TF.js' : 'PyTorch'} ${fmt(p[key][i])} (rel ${p.relDiff[key][i].toExponential(1)})`);
            console.log(`  ${what}: ${parts.join(', ')}`);
          }
          // The loss at initialisation is not very sensitive to details (a tanh-GELU passes it at
          // 6e-8); the gradient norm of the same step is checked too.
          const bad = Object.entries(peerResults).filter(([, p]) => !(p.relDiff.losses[0] < LOSS_TOL && p.relDiff.gradNorms[0] < LOSS_TOL));
          r.faithful = bad.length === 0;
          if (bad.length) {
            faithful = false;
            console.log(`  FAITHFULNESS CHECK FAILED: the first-step loss or gradient norm of ${bad.map(([n]) => n).join(', ')} differs from ours by >= ${LOSS_TOL} (relative); the timings compare different computations.`);
          } else console.log(`  faithfulness: first-step losses and gradient norms agree to < ${LOSS_TOL} relative`);
          for (const [name, p] of Object.entries(peerResults)) {
            const ratio = p.stepMs / stepMs;
            const minRatio = Math.min(...p.runsMs) / minStepMs;
            console.log(
              `  ${(name === 'tfjs' ? 'TF.js WebGPU' : 'PyTorch CPU').padEnd(13)} step ${p.stepMs.toFixed(0)} ms median, ${Math.min(...p.runsMs).toFixed(0)} ms min (${p.trainImagesPerSec.toFixed(1)} img/s): ` +
                `by the medians ours is ${ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`}, by the minima ${minRatio >= 1 ? `${minRatio.toFixed(2)}x faster` : `${(1 / minRatio).toFixed(2)}x slower`}`,
            );
          }
        }
      }
    }
  } finally {
    e.destroy();
  }
  const jsonPath = out.write(
    'e2e.json',
    JSON.stringify({ adapter: e.adapter.description, date: new Date().toISOString(), loadavg: loadavg(), steps, lossTolerance: LOSS_TOL, skipped, results }, null, 2),
  );
  const cats = results.map((r) => `${r.preset} ${r.kind}`);
  const svg = barChartSvg(
    cats,
    [
      { name: 'ours (WebGPU)', values: results.map((r) => r.trainImagesPerSec) },
      { name: 'TF.js WebGPU', values: results.map((r) => r.peers?.tfjs?.trainImagesPerSec) },
      { name: 'PyTorch CPU', values: results.map((r) => r.peers?.torch?.trainImagesPerSec) },
    ],
    { title: `FocusCLIP/CLIP training throughput, batch ${batch} (${e.adapter.description.split(':')[0]})`, yLabel: 'training images/s (log)', log: true },
  );
  const svgPath = out.write('e2e.svg', svg);
  console.log('\nsummary (training step, median):');
  for (const r of results) {
    const p = (x?: PeerResult) => (x ? `${x.stepMs.toFixed(0)} ms` : '-');
    console.log(`  ${`${r.preset} ${r.kind}`.padEnd(16)} ours ${r.stepMs.toFixed(0)} ms | TF.js ${p(r.peers?.tfjs)}${r.ratios?.tfjsOverOurs ? ` (ours ${r.ratios.tfjsOverOurs.toFixed(2)}x)` : ''} | PyTorch CPU ${p(r.peers?.torch)}${r.ratios?.torchOverOurs ? ` (ours/torch time ${(1 / r.ratios.torchOverOurs).toFixed(2)})` : ''}`);
  }
  for (const line of skipped) console.log(line);
  console.log(`\nwrote ${jsonPath} and ${svgPath}`);
  if (!faithful) process.exitCode = 1;
}
