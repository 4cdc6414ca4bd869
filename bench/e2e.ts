// `npm run bench -- e2e [--presets tiny,small] [--kinds focusclip,clip] [--steps 5] [--batch 32]`:
// whole-model numbers: training step time and images/s, zero-shot inference images/s, peak GPU
// memory, and a per-kernel breakdown of one training step (GPU timestamps) so the next
// optimisation target is visible. Writes bench/results/e2e.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { Engine } from '../engine/engine.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { makeConfig } from '../train/config.js';
import { TrainSet } from '../train/batches.js';
import { captionTokenizer, modelConfigFor, type ModelKind } from '../train/pipeline.js';
import { Trainer } from '../train/trainer.js';
import { createModel } from '../model/focusclip.js';
import { makeConfig as makeModelConfig } from '../model/config.js';
import { fmtBytes } from '../engine/memory.js';

function arg(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Group kernel names into families (gemm_..., attention_..., map:gelu ...) for the breakdown. */
function family(kernel: string): string {
  const k = kernel.replace(/^map:/, '');
  for (const f of ['gemm', 'attention', 'layernorm', 'softmax', 'xent', 'embedding', 'gelu', 'heatmap', 'focus', 'l2norm', 'adamw', 'sgd', 'grad_norm', 'reduce', 'permute', 'axis_range', 'patch', 'matmul'])
    if (k.includes(f)) return f;
  return 'elementwise/other';
}

export async function run(args: string[]): Promise<void> {
  const presets = arg(args, 'presets', 'tiny').split(',');
  const kinds = arg(args, 'kinds', 'focusclip,clip').split(',') as ModelKind[];
  const steps = Number(arg(args, 'steps', '5'));
  const batch = Number(arg(args, 'batch', '32'));
  const e = await Engine.create();
  const results: any[] = [];
  try {
    for (const preset of presets) {
      const size = makeModelConfig(preset).vision.imageSize;
      const ds = generateDataset({ seed: 1, count: Math.max(batch * 2, 64), size });
      const data = new TrainSet(ds.records.map((record, i) => ({ record, image: ds.images[i] })), size);
      const tok = captionTokenizer(data.texts, 4096);
      for (const kind of kinds) {
        const cfg = makeConfig('modern', { model: preset, batchSize: batch, maxSteps: 1, epochs: 1000, checkpointEvery: 0 });
        const model = createModel(e, modelConfigFor(cfg, kind, tok.vocab.length), { seed: 1 });
        const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
        await trainer.train(); // warm-up: compile pipelines, tune GEMMs
        e.pool.resetPeak();
        const times: number[] = [];
        for (let s = 0; s < steps; s++) {
          const t = performance.now();
          (trainer.cfg as any).maxSteps = trainer.step + 1;
          await trainer.train();
          times.push(performance.now() - t);
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
        const r = {
          preset,
          kind,
          batch,
          stepMs,
          trainImagesPerSec: (1000 * batch) / stepMs,
          inferenceImagesPerSec: (1000 * batch) / median(inf),
          peakBytes: peak,
          gpuMsProfiled: gpuMs,
          families: Object.fromEntries([...families].sort((a, b) => b[1] - a[1])),
          topKernels: kernels.slice(0, 12),
        };
        results.push(r);
        console.log(`\n${preset} ${kind} batch ${batch}: step ${stepMs.toFixed(0)} ms (${r.trainImagesPerSec.toFixed(1)} img/s), inference ${r.inferenceImagesPerSec.toFixed(1)} img/s, peak ${fmtBytes(peak)}`);
        console.log(`  GPU time of one profiled step: ${gpuMs.toFixed(0)} ms`);
        for (const [f, ms] of Object.entries(r.families)) console.log(`    ${f.padEnd(20)} ${(ms as number).toFixed(1).padStart(8)} ms  ${((100 * (ms as number)) / gpuMs).toFixed(1)}%`);
        console.log('  top kernels:');
        for (const k of r.topKernels) console.log(`    ${k.kernel.padEnd(40)} ${k.ms.toFixed(1).padStart(8)} ms  x${k.count}`);
        model.dispose();
      }
    }
  } finally {
    e.destroy();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/e2e.json', JSON.stringify({ adapter: e.adapter.description, date: new Date().toISOString(), results }, null, 2));
  console.log('\nwrote bench/results/e2e.json');
}
