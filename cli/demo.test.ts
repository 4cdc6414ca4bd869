// The demo's whole pipeline at a toy size: data, both trainings, zero-shot evaluation, the table
// and the pictures.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from './demo.js';
import { runCommand } from './run.js';

describe('focusclip demo', () => {
  it('runs end to end at a toy size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fc-demo-'));
    const r = await runDemo(runCommand, { out, seed: 1, trainCount: 12, evalCount: 8, steps: 2, batchSize: 4, preset: 'tiny', quiet: true });
    expect(r.logs.clip.length).toBe(2);
    expect(r.logs.focusclip.length).toBe(2);
    expect(Object.keys(r.logs.focusclip[0].terms)).toEqual(['focus-image', 'focus-text', 'image-text']);
    expect(r.results.focusclip.map((x) => x.dataset)).toEqual(['synthetic-activity', 'synthetic-age', 'synthetic-clothing', 'synthetic-count']);
    expect(r.table).toMatch(/\| FocusCLIP - CLIP \|/);
    for (const f of ['report.md', 'loss.png', 'loss.svg', 'samples.png', 'vocab.txt', 'clip.safetensors', 'focusclip.safetensors', 'clip-train.jsonl', 'confusion-focusclip-synthetic-age.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Zero-shot accuracy/);
    for (const stage of ['generate training set', 'train clip', 'train focusclip', 'evaluate focusclip']) expect(r.stages[stage]).toBeGreaterThanOrEqual(0);
  });
});
