// Cold start: the wall time of
//   focusclip train --model tiny --kind K --data synthetic:64 --max-steps 1 --eval-count 0
// in a fresh process with the driver's shader cache disabled (MESA_SHADER_CACHE_DISABLE=true,
// __GL_SHADER_DISK_CACHE=0: every kernel compiles), interleaved with the same command on a warm
// cache; then, in one more cold process, every kernel's GPU time over the first training step
// (timestamp queries). On lavapipe a kernel compiles when it is first dispatched, so that list says
// which kernels the cold start pays for.
// `npm run bench -- cold [--reps 3] [--kinds focusclip,clip]`. Writes (under --out) cold.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../ops/engine.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { TrainSet } from '../train/batches.js';
import { makeTrainConfig } from '../train/config.js';
import { captionTokenizer, modelConfigFor, type ModelKind } from '../train/pipeline.js';
import { createModel } from '../model/focusclip.js';
import { Trainer } from '../train/trainer.js';
import { median } from './timing.js';
import { benchOutput, type BenchOutput } from './output.js';
import { flag } from './args.js';

const COLD_ENV = { MESA_SHADER_CACHE_DISABLE: 'true', __GL_SHADER_DISK_CACHE: '0' };
const PROFILE_MARK = 'cold-profile:';

/** Seconds of one `focusclip train` process; throws with its output when it fails. */
function timeTrain(cli: string, kind: string, cold: boolean): number {
  const out = mkdtempSync(join(tmpdir(), 'fc-cold-'));
  try {
    const args = [cli, 'train', '--model', 'tiny', '--kind', kind, '--data', 'synthetic:64', '--max-steps', '1', '--eval-count', '0', '--out', out];
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env: { ...process.env, ...(cold ? COLD_ENV : {}) }, encoding: 'utf8' });
    const secs = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`cold start: \`focusclip train\` failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
    return secs;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** In this process (started cold by the parent): every kernel's GPU time over the first step. */
async function profileChild(kind: ModelKind): Promise<void> {
  const e = await Engine.create();
  try {
    if (!e.hasTimestamps) {
      console.log(PROFILE_MARK + JSON.stringify({ skipped: 'no timestamp-query on this adapter' }));
      return;
    }
    const ds = generateDataset({ seed: 1, count: 64, size: 64 });
    const data = TrainSet.fromDataset(ds, 64);
    const tok = captionTokenizer(data.texts, 4096);
    const cfg = makeTrainConfig('modern', { model: 'tiny', batchSize: 32, maxSteps: 1, epochs: 1000, checkpointEvery: 0 });
    const model = createModel(e, modelConfigFor(cfg, kind, tok.vocab.length), { seed: 1 });
    const trainer = new Trainer(e, model, tok.tokenizer, data, cfg, tok.vocab);
    trainer.calibrateAtEnd = false;
    e.startProfiling();
    const t = performance.now();
    await trainer.train();
    const stepSec = (performance.now() - t) / 1000;
    const kernels = await e.stopProfiling();
    console.log(PROFILE_MARK + JSON.stringify({ stepSec, kernels: kernels.map((k) => ({ kernel: k.kernel, ms: Math.round(k.ms), count: k.count })) }));
  } finally {
    e.destroy();
  }
}

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const child = flag(args, 'profile-child', '');
  if (child) return profileChild(child as ModelKind);
  const reps = Number(flag(args, 'reps', '3'));
  const kinds = flag(args, 'kinds', 'focusclip,clip').split(',');
  const cli = process.argv[1] ?? '';
  // bin/focusclip.js, or the bundle it starts (`bench` runs in a second process on Node 20).
  if (!/(focusclip(\.js)?|dist[/\\]node[/\\]cli\.js)$/.test(cli)) throw new Error(`bench cold starts \`focusclip train\` in fresh processes, so run it through the CLI (\`focusclip bench cold\` or \`npm run bench -- cold\`), not from ${cli || 'this process'}.`);
  const load = [loadavg()[0]];
  const results: Record<string, unknown>[] = [];
  for (const kind of kinds) {
    timeTrain(cli, kind, false); // fills the cache the warm runs read
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < reps; r++) {
      cold.push(timeTrain(cli, kind, true));
      warm.push(timeTrain(cli, kind, false));
    }
    const p = spawnSync(process.execPath, [cli, 'bench', 'cold', '--profile-child', kind], { env: { ...process.env, ...COLD_ENV }, encoding: 'utf8' });
    const line = (p.stdout ?? '').split('\n').find((l) => l.startsWith(PROFILE_MARK));
    const profile = line ? JSON.parse(line.slice(PROFILE_MARK.length)) : { skipped: `the profiling process failed: ${(p.stderr ?? '').slice(-500)}` };
    const kernels: { kernel: string; ms: number; count: number }[] = profile.kernels ?? [];
    const gpuSec = kernels.reduce((s, k) => s + k.ms, 0) / 1000;
    const row = {
      kind,
      coldSec: median(cold),
      coldMinSec: Math.min(...cold),
      warmSec: median(warm),
      warmMinSec: Math.min(...warm),
      coldRuns: cold,
      warmRuns: warm,
      profiledStepSec: profile.stepSec,
      kernelsCompiled: kernels.length,
      profiledGpuSec: gpuSec,
      topKernels: kernels.slice(0, 12),
      profileSkipped: profile.skipped,
    };
    results.push(row);
    load.push(loadavg()[0]);
    console.log(`tiny ${kind}: cold ${row.coldSec.toFixed(1)} s median, ${row.coldMinSec.toFixed(1)} min; warm ${row.warmSec.toFixed(1)} s median (${reps} each, interleaved)`);
    if (kernels.length) {
      console.log(`  first step, cold and profiled: ${kernels.length} kernels, ${gpuSec.toFixed(1)} s of GPU time; largest:`);
      for (const k of kernels.slice(0, 8)) console.log(`    ${k.kernel.padEnd(44)} ${(k.ms / 1000).toFixed(2).padStart(6)} s  x${k.count}`);
    } else console.log(`  per-kernel profile skipped: ${profile.skipped}`);
  }
  const path = out.write('cold.json', JSON.stringify({ command: 'focusclip train --model tiny --kind K --data synthetic:64 --max-steps 1 --eval-count 0', env: COLD_ENV, reps, loadAverage: load, results }, null, 2));
  console.log(`wrote ${path} (load average ${load.map((x) => x.toFixed(2)).join(' -> ')})`);
}
