// The PyTorch-on-CPU peer of the end-to-end benchmark: writes the peer case (our initial weights,
// the first batch, the optimizer settings) to a temporary safetensors file and runs
// bench/torch_step.py on it, which reuses the golden test's PyTorch model.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeerCase } from './e2e-case.js';

export const PYTHON = '/usr/bin/python3';
// Resolved from this module's URL: bench/ when run from source, dist/ (-> ../bench) when bundled.
const SCRIPT = fileURLToPath(new URL('../bench/torch_step.py', import.meta.url));

/** Undefined when PyTorch can run, else why not (for the "skipped" line). */
export function torchUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = (r.stderr || String(r.error ?? '')).trim().split('\n').pop();
  return `${PYTHON} -c "import torch" failed (${why}); install python3-torch to get the PyTorch CPU reference`;
}

export interface TorchRun {
  torch: string;
  threads: number;
  /** Loss of the initial weights, then after one update. */
  losses: [number, number];
  /** Gradient norms before clipping of the same steps. */
  gradNorms: [number, number];
  firstStepMs: number;
  stepMs: number[];
}

export function runTorchStep(c: PeerCase, steps: number, timeoutMs = 20 * 60_000): TorchRun {
  const dir = mkdtempSync(join(tmpdir(), 'focusclip-e2e-torch-'));
  try {
    const path = join(dir, 'case.safetensors');
    writeFileSync(path, c.bytes);
    const r = spawnSync(PYTHON, [SCRIPT, path, '--steps', String(steps)], { encoding: 'utf8', timeout: timeoutMs });
    if (r.status !== 0) throw new Error(`bench/torch_step.py failed (status ${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr || r.error}`);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as TorchRun;
    } catch {
      throw new Error(`bench/torch_step.py printed no JSON result; its output was:\n${r.stdout}\n${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
