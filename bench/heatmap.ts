// Heatmap rasterisation throughput: heatmaps per second at 224x224 with 1-4 people per image, the
// GPU kernel (keypoints already on the device, one submit + wait per batch) against the float64 CPU
// reference. `npm run bench -- heatmap [--batch 64] [--reps 5] [--size 224] [--mode axis|oriented|person|all]`.
// Writes (under --out, default bench/results/) heatmap.json.
import { Engine } from '../ops/engine.js';
import { Rng } from '../engine/rng.js';
import { NUM_JOINTS, type Person } from '../data/mpii.js';
import { assertMode, heatmapRef, HEATMAP_MODES, type HeatmapMode } from '../data/heatmap-ref.js';
import { rasterizeHeatmaps } from '../kernels/heatmap.js';
import { packKeypoints } from '../data/pack-keypoints.js';
import { posedPerson } from '../data/synthetic/sample.js';
import { loadavg } from 'node:os';
import { benchOutput, type BenchOutput } from './output.js';
import { flag } from './args.js';

/** `people` posed figures in a 640x480 image, about 10% of joints invisible. */
function sample(rng: Rng, people: number): Person[] {
  return Array.from({ length: people }, () => {
    const p = posedPerson(rng, rng.uniform(80, 560), rng.uniform(300, 470), rng.uniform(150, 350));
    return { ...p, vis: p.vis.map(() => (rng.next() < 0.9 ? 1 : 0)) };
  });
}

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const batch = Number(flag(args, 'batch', '64'));
  const reps = Number(flag(args, 'reps', '5'));
  const size = Number(flag(args, 'size', '224'));
  const modeArg = flag(args, 'mode', 'all');
  const modes = (modeArg === 'all' ? HEATMAP_MODES : [modeArg]) as HeatmapMode[];
  modes.forEach((m) => assertMode(m));
  const engine = await Engine.create();
  const rows: Record<string, number | string>[] = [];
  try {
    for (const mode of modes) for (let people = 1; people <= 4; people++) {
      const rng = new Rng(people);
      const samples = Array.from({ length: batch }, () => sample(rng, people));
      const sizes = samples.map(() => ({ width: 640, height: 480 }));
      const packed = packKeypoints(samples, sizes);
      const kp = engine.tensor(packed.keypoints, [batch, packed.maxPeople, NUM_JOINTS, 3]);
      const sz = engine.tensor(packed.sizes, [batch, 2]);
      const opts = { width: size, height: size, mode };
      rasterizeHeatmaps(engine, kp, sz, opts).dispose(); // compile + warm up
      await engine.sync();
      const gpuMs: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        const out = rasterizeHeatmaps(engine, kp, sz, opts);
        await engine.sync();
        gpuMs.push(performance.now() - t0);
        out.dispose();
      }
      kp.dispose();
      sz.dispose();
      // The CPU reference on a few of the same samples (it is the slow one).
      const cpuN = Math.min(batch, 8);
      const t0 = performance.now();
      for (let b = 0; b < cpuN; b++) heatmapRef(samples[b], 640, 480, size, size, { mode });
      const cpuMs = (performance.now() - t0) / cpuN;
      const gpuBest = Math.min(...gpuMs);
      const gpuMedian = [...gpuMs].sort((a, b) => a - b)[Math.floor(gpuMs.length / 2)];
      const row = {
        people,
        batch,
        size,
        mode,
        gpu_ms_per_batch_median: +gpuMedian.toFixed(2),
        gpu_heatmaps_per_s: Math.round((batch * 1000) / gpuMedian),
        gpu_heatmaps_per_s_best: Math.round((batch * 1000) / gpuBest),
        cpu_ref_ms_per_heatmap: +cpuMs.toFixed(2),
        cpu_ref_heatmaps_per_s: Math.round(1000 / cpuMs),
      };
      rows.push(row);
      console.log(
        `${people} ${people === 1 ? 'person ' : 'people '} ${size}x${size} ${mode}: GPU ${row.gpu_heatmaps_per_s} heatmaps/s (batch ${batch}, ${row.gpu_ms_per_batch_median} ms), CPU float64 reference ${row.cpu_ref_heatmaps_per_s} heatmaps/s`,
      );
    }
  } finally {
    engine.destroy();
  }
  // The machine is shared: the load average says how much of it the numbers had.
  const result = { suite: 'heatmap', adapter: engine.adapter.description || engine.adapter.device, date: new Date().toISOString(), load_average_1min: +loadavg()[0].toFixed(2), rows };
  console.log(`wrote ${out.write('heatmap.json', JSON.stringify(result, null, 2) + '\n')}`);
}
