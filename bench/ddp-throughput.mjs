// Training throughput of python/focusclip_torch on this machine with 1 process (all cores) and
// with 2 processes (DDP over gloo, one core each), at tiny and small, FocusCLIP and CLIP, batch 32.
// Runs alternate (1 process, 2 processes, 1, 2, ...) so that both see the same machine; each
// run resumes the same engine checkpoint for STEPS steps; the first step of every run is dropped
// (warm-up). Per-step times come from the run's train.jsonl. Writes bench/results/ddp-throughput.json.
//
// Run alone on the machine: npm run build && node bench/ddp-throughput.mjs [--reps 3] [--steps 12]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (n, d) => (process.argv.includes(`--${n}`) ? Number(process.argv[process.argv.indexOf(`--${n}`) + 1]) : d);
const REPS = arg('reps', 3);
const STEPS = arg('steps', 12);
const CLI = join(ROOT, 'bin', 'focusclip.js');
const PY = '/usr/bin/python3';
const env = { ...process.env, PYTHONPATH: join(ROOT, 'python') };
const dir = mkdtempSync(join(tmpdir(), 'fc-ddp-bench-'));
const cores = cpus().length;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quiet = { stdio: ['ignore', 'ignore', 'pipe'], env };

const started = { loadavg: loadavg(), date: new Date().toISOString() };
const results = [];
for (const preset of ['tiny', 'small']) {
  for (const kind of ['focusclip', 'clip']) {
    const run = join(dir, `${preset}-${kind}`);
    execFileSync('node', [CLI, 'train', '--model', preset, '--kind', kind, '--data', 'synthetic:256', '--batch-size', '32', '--max-steps', '1', '--eval-count', '0', '--out', run], quiet);
    const ckpt = join(run, `${kind}.safetensors`);
    const data = join(run, 'data.safetensors');
    execFileSync('node', [CLI, 'export-data', '--checkpoint', ckpt, '--data', 'synthetic:256', '--out', data], quiet);
    const times = { 1: [], 2: [] };
    for (let r = 0; r < REPS; r++) {
      for (const n of [1, 2]) {
        const out = join(run, `p${n}-${r}`);
        const threads = String(Math.max(1, Math.floor(cores / n)));
        execFileSync(PY, ['-m', 'focusclip_torch.train', '--resume', ckpt, '--data', data, '--out', out, '--max-steps', String(STEPS), '--nproc', String(n), '--threads', threads], quiet);
        const log = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        for (let i = 2; i < log.length; i++) times[n].push(log[i].elapsedSec - log[i - 1].elapsedSec);
      }
    }
    for (const n of [1, 2]) {
      const med = median(times[n]);
      const min = Math.min(...times[n]);
      results.push({ preset, kind, processes: n, threadsPerProcess: Math.max(1, Math.floor(cores / n)), batch: 32, steps: times[n].length, medianStepSec: med, minStepSec: min, imagesPerSecMedian: 32 / med, imagesPerSecBest: 32 / min });
      console.log(`${preset} ${kind} ${n} process${n > 1 ? 'es' : ''}: median ${(med * 1000).toFixed(0)} ms/step (${(32 / med).toFixed(1)} img/s), min ${(min * 1000).toFixed(0)} ms, ${times[n].length} steps`);
    }
  }
}
const torchVersion = execFileSync(PY, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
const report = { bench: 'ddp-throughput', torch: torchVersion, cores, started, finished: { loadavg: loadavg(), date: new Date().toISOString() }, results };
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'ddp-throughput.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`load average before ${started.loadavg.map((x) => x.toFixed(2)).join(' ')}, after ${report.finished.loadavg.map((x) => x.toFixed(2)).join(' ')}; wrote bench/results/ddp-throughput.json`);
