// `focusclip eval` end to end with a fake model on a synthetic-format folder written here (the
// real model loader is injected, as the CLI does). Node-only: it writes files.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../test/helpers.js';
import { createImage } from '../data/image.js';
import { encodePng, readImage } from '../data/image-node.js';
import { checkDatasets, parseEvalArgs, runEval, sideNames } from './eval.js';
import type { ZeroShotModel } from '../eval/types.js';

const getEngine = useEngine();
const tmp = mkdtempSync(join(tmpdir(), 'focusclip-cli-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const COLOURS: Record<string, [number, number, number]> = { red: [250, 10, 10], green: [10, 250, 10], blue: [10, 10, 250] };
const set = join(tmp, 'colours');
for (const [name, rgb] of Object.entries(COLOURS)) {
  mkdirSync(join(set, name), { recursive: true });
  for (let i = 0; i < 3; i++) writeFileSync(join(set, name, `${i}.png`), encodePng(createImage(6, 5, rgb)));
}
writeFileSync(join(set, 'green', 'corrupt.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]));
writeFileSync(join(set, 'classes.json'), JSON.stringify({ task: 'clothing', classes: ['red', 'green', 'blue'], template: 'a photo of a person wearing a {} shirt', prompts: ['a red shirt', 'a green shirt', 'a blue shirt'], heldOut: [] }));
const ckA = join(tmp, 'clip.safetensors');
const ckB = join(tmp, 'focusclip.safetensors');
writeFileSync(ckA, 'x');
writeFileSync(ckB, 'y');

/** 'clip' confuses blue for green; 'focusclip' sees colours as they are. */
function fakeModel(path: string): ZeroShotModel {
  const swapBlue = path.endsWith('clip.safetensors') && !path.endsWith('focusclip.safetensors');
  return {
    embedDim: 3,
    imageSize: 8,
    async encodeImages(px, n, S) {
      const out = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = px[i * 3 * S * S + c * S * S];
      if (swapBlue) for (let i = 0; i < n; i++) if (out[i * 3 + 2] > 0.5) (out[i * 3 + 1] = 1), (out[i * 3 + 2] = 0);
      return out;
    },
    async encodeTexts(texts) {
      const out = new Float32Array(texts.length * 3);
      texts.forEach((t, i) => (out[i * 3 + ['red', 'green', 'blue'].findIndex((w) => t.includes(w))] = 1));
      return out;
    },
  };
}

describe('focusclip eval', () => {
  it('validates arguments with clear errors', () => {
    expect(() => parseEvalArgs({ checkpoint: ckA })).toThrow(/at least one --dataset/);
    expect(() => parseEvalArgs({ dataset: [`synthetic:${set}`] })).toThrow(/give --checkpoint/);
    expect(() => parseEvalArgs({ dataset: [`synthetic:${set}`], checkpoint: join(tmp, 'nope.safetensors') })).toThrow(/checkpoint not found: .*nope.safetensors/);
    expect(() => parseEvalArgs({ dataset: [`synthetic:${set}`], compare: [ckA] })).toThrow(/exactly two checkpoints/);
    expect(() => parseEvalArgs({ dataset: [`synthetic:${set}`], checkpoint: ckA, batchSize: '0' })).toThrow(/--batch-size must be a positive integer/);
    expect(() => parseEvalArgs({ dataset: ['mnist:/x'], check: true })).toThrow(/unknown dataset kind "mnist"/);
    expect(sideNames('/a/model.safetensors', '/b/model.safetensors')).toEqual(['A-model', 'B-model']);
  });

  it('--check opens datasets without a model and names missing files', () => {
    const rows = checkDatasets(parseEvalArgs({ dataset: [`synthetic:${set}`], check: true }));
    expect(rows).toEqual([{ name: 'synthetic-clothing', task: 'other', classes: 3, items: 10, dropped: 0, prompt: 'a red shirt' }]);
    expect(() => checkDatasets(parseEvalArgs({ dataset: [`stanford40:${join(tmp, 'S40')}`], check: true }))).toThrow(/stanford40: missing file .*S40\/ImageSplits\/actions.txt/);
  });

  it('evaluates one checkpoint and writes reports and a confusion matrix', async () => {
    const out = join(tmp, 'one');
    const logs: string[] = [];
    const plan = parseEvalArgs({ dataset: [`synthetic:${set}`], checkpoint: ckB, out, batchSize: '4' });
    const { results, stdout } = await runEval(getEngine(), plan, { loadModel: async (_e, p) => fakeModel(p), log: (s) => logs.push(s) });
    const r = results[0][0];
    expect([r.n, r.top1, r.skipped.count]).toEqual([9, 1, 1]);
    expect(logs[0]).toBe('synthetic-clothing: 9 images, top-1 100.00% (1 unreadable, skipped)');
    expect(stdout).toContain('| synthetic-clothing | other | 3 | 9 | 1 | 100.00 |');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.results[0].model).toBe('focusclip.safetensors');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Skipped 1 unreadable images');
    const png = readImage(join(out, 'confusion-synthetic-clothing.png'));
    expect(png.width).toBeGreaterThan(60);
    expect(existsSync(join(out, 'confusion-synthetic-clothing.svg'))).toBe(true);
  });

  it('--compare evaluates both and prints the difference', async () => {
    const out = join(tmp, 'cmp');
    const plan = parseEvalArgs({ dataset: [`synthetic:${set}`], compare: [ckA, ckB], out });
    const { results, stdout } = await runEval(getEngine(), plan, { loadModel: async (_e, p) => fakeModel(p), log: () => {} });
    expect(results.map((r) => r[0].top1)).toEqual([6 / 9, 1]);
    expect(stdout).toContain('| synthetic-clothing | other | 1 | 66.67 | 100.00 | +33.33 |');
    expect(stdout).toContain('| focusclip - clip |');
    for (const f of ['compare.md', 'compare.json', 'compare.svg', 'clip/report.json', 'focusclip/report.md', 'clip/confusion-synthetic-clothing.png']) expect(existsSync(join(out, f))).toBe(true);
  });
});
