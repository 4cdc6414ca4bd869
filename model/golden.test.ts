// Golden test against PyTorch (Node-only: it runs /usr/bin/python3). Small models with awkward
// sizes and random parameters are saved to safetensors; test/golden/focusclip_golden.py rebuilds
// them in PyTorch from that file (timm/HF names, strict load), runs the same batch and writes back
// embeddings, loss terms and every parameter's gradient, which must match ours to 1e-4.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine, read, relFrobenius } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';
import { makeModelConfig, type ConfigOverrides, type ModelConfig } from './config.js';
import { createModel, type FocusClipModel } from './focusclip.js';
import { encodeParams, META_CONFIG } from './checkpoint.js';
import { decodeSafetensors, toFloat32, type TensorInput } from './safetensors.js';
import { readFileBytes } from './safetensors-node.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', 'test', 'golden', 'focusclip_golden.py');
const torchCheck = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
if (!hasTorch) {
  console.warn(`SKIPPED golden test vs PyTorch: ${PYTHON} cannot import torch (${(torchCheck.stderr || String(torchCheck.error)).trim().split('\n').pop()}). Install python3-torch to run it.`);
}

const MICRO: ConfigOverrides = {
  vision: { imageSize: 12, patchSize: 4, channels: 3, width: 24, depth: 2, heads: 2, mlpDim: 40 },
  text: { vocabSize: 37, contextLength: 9, width: 20, depth: 2, heads: 2, ffnDim: 36 },
  embedDim: 12,
};

const CASES: { name: string; over: ConfigOverrides }[] = [
  { name: 'focusclip-3term-meanall', over: { kind: 'focusclip', loss: 'focus3', text: { pooling: 'mean-all' } } },
  { name: 'focusclip-2term-meanmasked-clamp', over: { kind: 'focusclip', loss: 'focus2', clampAlpha: true, alphaInit: 0.7, text: { pooling: 'mean-masked' } } },
  { name: 'clip-infonce-cls', over: { kind: 'clip', loss: 'infonce', text: { pooling: 'cls' } } },
  { name: 'clip-ntxent-meanall', over: { kind: 'clip', loss: 'ntxent' } },
  { name: 'focusclip-3term-featurenorm', over: { kind: 'focusclip', loss: 'focus3', featureNorm: 'batch', temperature: 0.1 } },
  { name: 'clip-ntxent-featurenorm-t02', over: { kind: 'clip', loss: 'ntxent', featureNorm: 'batch', temperature: 0.2 } },
];
const BATCH = 5;

/** Parameters whose gradient feature normalisation cancels (a per-feature affine right before it). */
function cancelledByFeatureNorm(cfg: ModelConfig, name: string): boolean {
  if (cfg.featureNorm !== 'batch') return false;
  return name === 'visual.norm.weight' || name === 'visual.norm.bias' || name.startsWith(`text.encoder.layer.${cfg.text.depth - 1}.output.LayerNorm.`);
}

function configFor(over: ConfigOverrides): ModelConfig {
  return makeModelConfig('tiny', { ...MICRO, ...over, vision: { ...MICRO.vision, ...over.vision }, text: { ...MICRO.text, ...over.text } });
}

/** Random parameters everywhere (biases and LN gains too) so every gradient path is exercised. */
function randomizeParams(m: FocusClipModel, seed: number): void {
  const rng = new Rng(seed);
  const host = new Float32Array(m.paramsFlat.size);
  for (const [name, t] of m.params) {
    const v = new Float32Array(t.size);
    const isGain = /norm\d?\.weight$|LayerNorm\.weight$/.test(name);
    for (let i = 0; i < v.length; i++) v[i] = isGain ? 1 + 0.2 * rng.normal() : 0.15 * rng.normal();
    if (name === 'focus_alpha') v[0] = m.config.alphaInit;
    if (name === 'logit_scale') v[0] = Math.log(5);
    host.set(v, t.offset / 4);
  }
  m.engine.write(m.paramsFlat, host);
}

function makeBatch(cfg: ModelConfig, seed: number) {
  const rng = new Rng(seed);
  const S = cfg.vision.imageSize;
  const L = cfg.text.contextLength;
  const pixels = Float32Array.from({ length: BATCH * 3 * S * S }, () => rng.next());
  const heatmap = Float32Array.from({ length: BATCH * S * S }, () => rng.next());
  const ids = new Int32Array(BATCH * L);
  const mask = new Float32Array(BATCH * L);
  const lengths = [L, 2, 5, L - 1, 4];
  lengths.forEach((n, b) => {
    for (let j = 0; j < n; j++) {
      ids[b * L + j] = j === 0 ? 2 : j === n - 1 ? 3 : 5 + rng.int(cfg.text.vocabSize - 5);
      mask[b * L + j] = 1;
    }
  });
  return { pixels, heatmap, ids, mask };
}

function compare(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): number {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let norm = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    norm += expected[i] ** 2;
    diff += (actual[i] - expected[i]) ** 2;
  }
  // Gradients that are zero in exact arithmetic (BERT's key bias: softmax ignores a per-row shift;
  // rows of unused tokens) come out as float32 noise on both sides: compare those absolutely.
  if (Math.sqrt(norm) < 1e-6) {
    expect(Math.sqrt(diff), `${what}: expected a (numerically) zero gradient, got norm ${Math.sqrt(diff + norm)}`).toBeLessThan(1e-6);
    return 0;
  }
  const err = relFrobenius(actual, expected);
  expect(err, `${what}: relative error ${err.toExponential(2)}`).toBeLessThan(tol);
  return err;
}

describe('golden test vs PyTorch', () => {
  const E = useEngine();
  it.skipIf(!hasTorch)(
    'embeddings, loss terms and all parameter gradients match PyTorch',
    async () => {
      const e = E();
      const dir = mkdtempSync(join(tmpdir(), 'focusclip-golden-'));
      try {
        const runs: { name: string; m: FocusClipModel; batch: ReturnType<typeof makeBatch>; path: string }[] = [];
        for (const [k, c] of CASES.entries()) {
          const cfg = configFor(c.over);
          const m = createModel(e, cfg, { seed: k });
          randomizeParams(m, 100 + k);
          const batch = makeBatch(cfg, 200 + k);
          const S = cfg.vision.imageSize;
          const L = cfg.text.contextLength;
          const extra: [string, TensorInput][] = [
            ['input.pixels', { shape: [BATCH, 3, S, S], data: batch.pixels }],
            ['input.heatmap', { shape: [BATCH, 1, S, S], data: batch.heatmap }],
            ['input.ids', { shape: [BATCH, L], data: batch.ids }],
            ['input.mask', { shape: [BATCH, L], data: batch.mask }],
          ];
          const path = join(dir, `${c.name}.safetensors`);
          writeFileSync(path, await encodeParams(e, m.weights, { [META_CONFIG]: JSON.stringify(cfg) }, extra));
          runs.push({ name: c.name, m, batch, path });
        }
        const py = spawnSync(PYTHON, [SCRIPT, ...runs.map((r) => r.path)], { encoding: 'utf8', timeout: 120_000 });
        if (py.status !== 0) throw new Error(`focusclip_golden.py failed (status ${py.status}):\n${py.stderr || py.error}`);

        const worst: Record<string, string> = {};
        for (const r of runs) {
          const ref = decodeSafetensors(readFileBytes(r.path.replace('.safetensors', '.out.safetensors')));
          const want = (n: string) => {
            const t = ref.tensors.get(n);
            if (!t) throw new Error(`${r.name}: PyTorch output lacks ${n}`);
            return toFloat32(t);
          };
          const { m, batch } = r;
          const cfg = m.config;
          const S = cfg.vision.imageSize;
          const L = cfg.text.contextLength;
          let maxErr = 0;
          let maxWhat = '';
          await e.scope(async () => {
            m.zeroGrad();
            const res = m.loss({
              pixels: e.tensor(batch.pixels, [BATCH, 3, S, S]),
              heatmap: e.tensor(batch.heatmap, [BATCH, 1, S, S]),
              ids: e.tensor(batch.ids, [BATCH, L], { dtype: 'i32' }),
              mask: e.tensor(batch.mask, [BATCH, L]),
            });
            res.loss.backward();
            const check = async (what: string, t: ArrayLike<number>, ref: ArrayLike<number>) => {
              const err = compare(`${r.name} ${what}`, t, ref);
              if (err > maxErr) [maxErr, maxWhat] = [err, what];
            };
            await check('z.text', await read(res.z.text), want('z.text'));
            await check('z.image', await read(res.z.image), want('z.image'));
            if (res.z.focus) await check('z.focus', await read(res.z.focus), want('z.focus'));
            await check('loss', await read(res.loss), want('loss'));
            const refTerms = [...ref.tensors.keys()].filter((k) => k.startsWith('term.')).map((k) => k.slice(5));
            expect(Object.keys(res.terms).sort()).toEqual(refTerms.sort());
            for (const [k, t] of Object.entries(res.terms)) await check(`term ${k}`, await read(t), want(`term.${k}`));
            const refGrads = [...ref.tensors.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5));
            expect([...m.grads.keys()].sort()).toEqual(refGrads.sort());
            for (const [name, g] of m.grads) {
              if (cancelledByFeatureNorm(cfg, name)) {
                // A per-feature gain or shift right before the batch normalisation cancels out:
                // its exact gradient is zero but for eps, so both sides are float32 noise.
                const a = await read(g), b = want(`grad.${name}`);
                let d = 0, n = 0;
                for (let i = 0; i < b.length; i++) [d, n] = [d + (a[i] - b[i]) ** 2, n + b[i] ** 2];
                expect(Math.sqrt(d), `${r.name} grad ${name}: difference ${Math.sqrt(d)} from PyTorch's (norm ${Math.sqrt(n)})`).toBeLessThan(1e-4);
                continue;
              }
              await check(`grad ${name}`, await read(g), want(`grad.${name}`));
            }
          });
          // A real loss, not a degenerate one.
          expect(toFloat32(ref.tensors.get('loss')!)[0]).toBeGreaterThan(0.1);
          worst[r.name] = `${maxErr.toExponential(2)} (${maxWhat})`;
        }
        console.log('golden max relative errors:', JSON.stringify(worst, null, 1));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
