// The PyTorch-on-CPU peer of the end-to-end benchmark: writes the peer case (our initial weights,
// the batches, the optimizer settings) to a temporary safetensors file and runs
// bench/torch_step.py on it (which reuses the golden test's PyTorch model) as a server that takes one
// step per request, so that its steps alternate with ours on the shared machine.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCase } from './e2e-case.js';
import { packageFile } from '../cli/package-file.js';
import { PEER_INSTALL } from './peers.js';

export const PYTHON = '/usr/bin/python3';

/** bench/torch_step.py in the repository; the build copies it (with the PyTorch model it imports)
 *  to dist/python/ for the installed package, which has no bench/. */
function torchScript(): string {
  const path = packageFile(['bench/torch_step.py', 'dist/python/torch_step.py']);
  if (!path) throw new Error('torch_step.py not found beside the focusclip package (bench/ or dist/python/); reinstall the package.');
  return path;
}

/** Undefined when PyTorch can run, else why not (for the "skipped" line). */
export function torchUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = (r.stderr || String(r.error ?? '')).trim().split('\n').pop();
  return `${PYTHON} -c "import torch" failed (${why}); to compare with it: ${PEER_INSTALL.torch}`;
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

/** bench/torch_step.py --serve: the two untimed steps are done once `start` resolves. */
export class TorchServer {
  private lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(
    private proc: ChildProcessWithoutNullStreams,
    private dir: string,
    readonly warm: TorchRun,
    lines: AsyncIterator<string>,
  ) {
    this.lines = lines;
  }

  static async start(c: PeerCase): Promise<TorchServer> {
    const dir = mkdtempSync(join(tmpdir(), 'focusclip-e2e-torch-'));
    const path = join(dir, 'case.safetensors');
    writeFileSync(path, c.bytes);
    const proc = spawn(PYTHON, [torchScript(), path, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += String(d)));
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      await new Promise((r) => proc.once('close', r));
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`bench/torch_step.py --serve exited before its first result (status ${proc.exitCode}):\n${stderr}`);
    }
    const server = new TorchServer(proc, dir, JSON.parse(first.value) as TorchRun, lines);
    proc.stderr.on('data', (d) => (server.stderr += String(d)));
    return server;
  }

  /** Milliseconds of training step i, as timed inside Python (no pipe latency). */
  async step(i: number): Promise<number> {
    this.proc.stdin.write(`step ${i}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error(`bench/torch_step.py --serve exited during step ${i}:\n${this.stderr}`);
    return (JSON.parse(r.value) as { ms: number }).ms;
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    if (this.proc.exitCode === null) await new Promise((r) => this.proc.once('close', r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
