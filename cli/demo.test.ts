// The demo's whole pipeline at a toy size: data, both trainings, zero-shot evaluation, the table
// and the pictures.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DEFAULTS, demoTrainConfig, runDemo } from './demo.js';
import { RECIPES } from '../train/config.js';
import { runCommand } from './run.js';

describe('focusclip demo', () => {
  it('runs end to end at a toy size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fc-demo-'));
    const r = await runDemo(runCommand, { out, seed: 1, trainCount: 12, evalCount: 8, steps: 2, batchSize: 4, preset: 'tiny', recipe: 'modern', backgroundBias: 0.8, quiet: true });
    expect(r.logs.clip.length).toBe(2);
    expect(r.logs.focusclip.length).toBe(2);
    expect(Object.keys(r.logs.focusclip[0].terms)).toEqual(['focus-image', 'focus-text', 'image-text']);
    expect(r.results.focusclip.map((x) => x.dataset)).toEqual(['synthetic-activity', 'synthetic-age', 'synthetic-clothing', 'synthetic-count', 'synthetic-activity-bg-aligned', 'synthetic-activity-bg-swapped']);
    // The paper-layout table keeps the four held-out sets; the probe sets get their own table.
    expect(r.table).not.toMatch(/bg-aligned/);
    for (const k of ['clip', 'focusclip'] as const) {
      expect(r.attention[k].mean).toBeGreaterThan(0);
      expect(r.attention[k].mean).toBeLessThan(1);
      expect(r.attention[k].uniform).toBeGreaterThan(0);
    }
    expect(r.table).toMatch(/\| FocusCLIP - CLIP \|/);
    for (const f of ['report.md', 'loss.png', 'loss.svg', 'samples.png', 'vocab.txt', 'clip.safetensors', 'focusclip.safetensors', 'clip-train.jsonl', 'confusion-focusclip-synthetic-age.png', 'attention.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/Zero-shot accuracy/);
    // Two steps never give a 10-step mean; the line says so rather than inventing a step.
    expect(report).toMatch(/- CLIP: never below the collapse value 1\.95 = ln\(2B - 1\); 15 % of training is step 10/);
    expect(report).toMatch(/- FocusCLIP: never below the collapse value 5\.84 = 3 ln\(2B - 1\)/);
    expect(report).toMatch(/\| FocusCLIP \| [\d.]+ \| [\d.]+ \| [-+][\d.]+ \|/); // background-shift row
    expect(report).toMatch(/attention inside the subject/);
    for (const stage of ['generate training set', 'train clip', 'train focusclip', 'evaluate focusclip']) expect(r.stages[stage]).toBeGreaterThanOrEqual(0);
  });

  it('rejects a bad recipe or background bias by name', async () => {
    const { parseRecipe, parseProbability } = await import('./demo.js');
    expect(() => parseRecipe('fast')).toThrow('--recipe must be modern or paper, got "fast"');
    expect(() => parseProbability('background-bias', '1.2')).toThrow('--background-bias must be a probability from 0 to 1, got "1.2"');
    expect(() => parseProbability('background-bias', 'abc')).toThrow('got "abc"');
    expect(parseProbability('background-bias', '0')).toBe(0);
  });

  it('fine-tunes a pretrained tower at half the learning rate and temperature 0.2; from scratch keeps the modern recipe', () => {
    const pre = demoTrainConfig({ ...DEMO_DEFAULTS, initVisual: 'weights/tiny-vision.safetensors' });
    expect([pre.lr, pre.temperature]).toEqual([5e-4, 0.2]);
    const scratch = demoTrainConfig(DEMO_DEFAULTS);
    expect([scratch.lr, scratch.temperature]).toEqual([RECIPES.modern.lr, RECIPES.modern.temperature]);
    // --lr wins; the paper objective keeps its temperature.
    expect(demoTrainConfig({ ...DEMO_DEFAULTS, initVisual: 'x', lr: 3e-3 }).lr).toBe(3e-3);
    expect(demoTrainConfig({ ...DEMO_DEFAULTS, initVisual: 'x', recipe: 'paper' }).temperature).toBe(RECIPES.paper.temperature);
    expect(demoTrainConfig({ ...DEMO_DEFAULTS, initVisual: 'x', steps: 560 }).warmupSteps).toBe(30);
  });
});
