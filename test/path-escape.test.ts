// Paths read from data stay inside their dataset, and output names built from data stay inside
// --out: a record, a classes.json or an annotation file that points elsewhere is an error that
// names it, not a file read from (or written to) outside.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveInside, safeFileName } from '../data/paths-node.js';
import { createImage } from '../data/image.js';
import { encodePng } from '../data/image-node.js';
import { openDatasets } from '../eval/adapters/index.js';
import { prepareMpii } from '../data/mpii-loaders.js';
import { registerTrain } from '../cli/train.js';
import { runCommand } from '../cli/run.js';
import { parseEvalArgs, runEval } from '../cli/eval.js';
import { useEngine } from './helpers.js';
import type { ZeroShotModel } from '../eval/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'fc-paths-'));
const put = (path: string, data: string | Uint8Array) => {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, data);
};
const png = () => encodePng(createImage(8, 8));
// A file outside every dataset below, which no command may read.
put(join(tmp, 'outside', 'secret.png'), png());

describe('the path rule', () => {
  it('keeps relative paths inside their folder and names the offender', () => {
    const root = join(tmp, 'root');
    expect(resolveInside(root, 'a/b.png', 'x')).toBe(join(root, 'a', 'b.png'));
    expect(resolveInside(root, 'a/../b.png', 'x')).toBe(join(root, 'b.png'));
    expect(resolveInside(root, join(root, 'c.png'), 'x')).toBe(join(root, 'c.png'));
    expect(resolveInside(root, '..foo.png', 'x')).toBe(join(root, '..foo.png'));
    for (const bad of ['../outside/secret.png', 'a/../../outside/secret.png', '/etc/passwd', '..', '.', '']) {
      expect(() => resolveInside(root, bad, 'record 3'), bad).toThrow(/^record 3: the path ".*" leaves its folder .*root/);
    }
  });

  it('reduces names from data to safe file names', () => {
    expect(safeFileName('synthetic-age')).toBe('synthetic-age');
    expect(safeFileName('../../../tmp/x')).toBe('__.._.._tmp_x');
    expect(safeFileName('..')).toBe('_');
    expect(safeFileName('a b/c\\d')).toBe('a_b_c_d');
    expect(safeFileName('x'.repeat(300))).toHaveLength(100);
    expect(safeFileName('')).toBe('_');
  });
});

describe('paths planted in data', () => {
  const E = useEngine();
  const record = (image: string) => ({
    image,
    people: [{ kpts: Array.from({ length: 16 }, () => [4, 4]), kpts_vis: Array(16).fill(1), center: [4, 4], scale: 0.1 }],
    description: 'a person standing',
  });

  it('train --records refuses an image outside the image folder', async () => {
    const dir = join(tmp, 'train');
    put(join(dir, 'images', 'ok.png'), png());
    writeFileSync(join(dir, 'records.json'), JSON.stringify([record('ok.png'), record('../../outside/secret.png')]));
    const program = new Command().exitOverride();
    registerTrain(program, runCommand);
    await expect(
      program.parseAsync(['node', 'focusclip', 'train', '--records', join(dir, 'records.json'), '--model', 'tiny', '--batch-size', '2', '--max-steps', '1', '--out', join(dir, 'run'), '--eval-count', '0']),
    ).rejects.toThrow(/records\.json, record 1: the path "\.\.\/\.\.\/outside\/secret\.png" leaves its folder/);
    expect(existsSync(join(dir, 'run', 'focusclip.safetensors'))).toBe(false);
  });

  it('prepare refuses a record image outside the image folder', () => {
    const dir = join(tmp, 'prepare');
    put(join(dir, 'images', 'ok.png'), png());
    expect(() => prepareMpii({ images: join(dir, 'images'), records: [record('ok.png'), record('../../outside/secret.png')] as never, out: join(dir, 'shards'), width: 8, height: 8 })).toThrow(
      /record 1 .*leaves its folder/,
    );
  });

  it('a folder dataset refuses a class name that leaves the dataset', () => {
    const root = join(tmp, 'folder');
    put(join(root, 'red', 'a.png'), png());
    writeFileSync(join(root, 'classes.json'), JSON.stringify({ task: 'other', classes: ['red', '../../outside'] }));
    expect(() => openDatasets(`folder:${root}`)).toThrow(/class "\.\.\/\.\.\/outside" of .*classes\.json: the path "\.\.\/\.\.\/outside" leaves its folder/);
  });

  it('eval writes pictures of a dataset named "../../../x" inside --out', async () => {
    const root = join(tmp, 'named');
    for (const c of ['red', 'blue']) put(join(root, c, 'a.png'), png());
    writeFileSync(join(root, 'classes.json'), JSON.stringify({ name: '../../../escaped', task: 'other', classes: ['red', 'blue'] }));
    const out = join(tmp, 'eval-out');
    const model: ZeroShotModel = {
      embedDim: 2,
      imageSize: 8,
      encodeImages: async (_px, n) => new Float32Array(2 * n).fill(1),
      encodeTexts: async (texts) => new Float32Array(2 * texts.length).map((_, i) => (i % 2 ? 1 : 0.5)),
    };
    writeFileSync(join(tmp, 'm.safetensors'), 'x');
    await runEval(E(), parseEvalArgs({ checkpoint: join(tmp, 'm.safetensors'), dataset: [`folder:${root}`], out }), { loadModel: async () => model, log: () => {} });
    const written = readdirSync(out, { recursive: true }).map(String);
    expect(written.some((f) => f.startsWith('confusion-') && f.includes('escaped'))).toBe(true);
    expect(readdirSync(tmp).includes('escaped.png') || existsSync(resolve(out, '../../../escaped.png'))).toBe(false);
  });
});
