// Node-only: the data commands end to end into a temp dir (generate -> describe -> shards).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readImage } from '../data/image-node.js';
import { readShards } from '../data/shards.js';
import { fileSource } from '../data/shards-node.js';
import { runDescribe } from './describe.js';
import { runGenerate } from './generate.js';

describe('focusclip generate / describe', () => {
  it('writes images, records, shards, a contact sheet and image-folder eval sets', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gen-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const s = await runGenerate({ out, count: '24', size: '32', seed: '3', evalCount: '8', evalSeed: '1000', evalTasks: 'age,count', sheet: '8', shards: true, shardSize: '10', quiet: true });
    log.mockRestore();
    const recs = JSON.parse(readFileSync(join(out, 'records.json'), 'utf8'));
    expect(recs).toHaveLength(24);
    expect(readImage(join(out, 'images', recs[5].image)).width).toBe(32);
    expect(readImage(join(out, 'contact-sheet.png')).width).toBeGreaterThan(300);
    const cls = JSON.parse(readFileSync(join(out, 'eval', 'age', 'classes.json'), 'utf8'));
    expect(cls.classes).toEqual(['kid', 'teenager', 'adult', 'elderly']);
    expect(cls.template).toBe('a photo of a {} person');
    expect(readdirSync(join(out, 'eval', 'age', 'kid'))).toHaveLength(2);
    expect(readdirSync(join(out, 'eval', 'count', 'three people'))).toHaveLength(2);
    expect(s.eval).toEqual({ age: join(out, 'eval', 'age'), count: join(out, 'eval', 'count') });
    const shards = fileSource(join(out, 'shards'));
    expect(shards.index.shards).toHaveLength(3);
    expect(new Set((await readShards(shards)).map((s) => s.text))).toEqual(new Set(recs.map((r: any) => r.description)));

    // describe: rule-based, with another seed, into another file.
    const log2 = vi.spyOn(console, 'log').mockImplementation(() => {});
    await runDescribe({ records: join(out, 'records.json'), out: join(out, 're.json'), seed: '7', concurrency: '1', quiet: true });
    log2.mockRestore();
    const re = JSON.parse(readFileSync(join(out, 're.json'), 'utf8'));
    expect(re.map((r: any) => r.image)).toEqual(recs.map((r: any) => r.image));
    expect(re.some((r: any, i: number) => r.description !== recs[i].description)).toBe(true);
    expect(existsSync(join(out, 'records.json.llm-cache.jsonl'))).toBe(false);
  });

  it('rejects bad options with the flag name', async () => {
    await expect(runGenerate({ out: '/tmp/x', count: 'ten', size: '64', seed: '0', evalCount: '0', evalSeed: '1', evalTasks: '', sheet: '0', shardSize: '1' })).rejects.toThrow('--count must be an integer >= 0, got "ten"');
    await expect(runGenerate({ out: '/tmp/x', count: '1', size: '64', seed: '0', evalCount: '1', evalSeed: '1', evalTasks: 'mood', sheet: '0', shardSize: '1' })).rejects.toThrow('--eval-tasks: unknown task "mood"');
    await expect(runDescribe({ records: '/nonexistent.json', seed: '0', concurrency: '1' })).rejects.toThrow('records file not found: /nonexistent.json');
  });
});
