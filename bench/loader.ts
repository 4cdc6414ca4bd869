// Shard reading throughput: samples/s of readShards, the reader `focusclip train --shards` loads
// its training set with (read + decode + RGBA images + keypoints, the next shard read while one is
// decoded), from files and from memory, at 64 and 224 pixels; plus how fast the synthetic generator
// renders, and how fast a batch's captions are tokenised (the context's prefix only, as training
// does, against tokenising whole captions). `npm run bench -- loader [--count 2048] [--sizes 64,224]`.
// Writes (under --out, default bench/results/) loader.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShards, memorySource, readShards, type ShardSource } from '../data/shards.js';
import { fileSource, writeShardDir } from '../data/shards-node.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { captionTokenizer } from '../train/pipeline.js';
import { makeModelConfig } from '../model/config.js';
import { benchOutput, type BenchOutput } from './output.js';
import { median } from './timing.js';
import { flag } from './args.js';

async function readRate(source: ShardSource, passes: number): Promise<number> {
  let n = 0;
  const t = performance.now();
  for (let p = 0; p < passes; p++) n += (await readShards(source)).length;
  return n / ((performance.now() - t) / 1000);
}

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const count = Number(flag(args, 'count', '2048'));
  const sizes = flag(args, 'sizes', '64,224').split(',').map(Number);
  const rows: Record<string, number | string>[] = [];
  for (const size of sizes) {
    const n = size > 128 ? Math.min(count, 512) : count;
    const t0 = performance.now();
    const ds = generateDataset({ seed: 1, count: n, size });
    const genRate = n / ((performance.now() - t0) / 1000);
    const built = buildShards(ds.records, ds.images, { width: size, height: size, shardSize: 256 });
    const dir = mkdtempSync(join(tmpdir(), 'focusclip-shards-'));
    try {
      writeShardDir(dir, built.index, built.shards);
      const mem = await readRate(memorySource(built.index, built.shards), 3);
      const file = await readRate(fileSource(dir), 3);
      const row = { size, samples: n, generateImagesPerSec: Math.round(genRate), loaderMemorySamplesPerSec: Math.round(mem), loaderFileSamplesPerSec: Math.round(file) };
      rows.push(row);
      console.log(`${size}x${size}: generate ${row.generateImagesPerSec} img/s, loader ${row.loaderFileSamplesPerSec} samples/s read from shard files (${row.loaderMemorySamplesPerSec} from memory)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const tokenize = captionTiming(Math.min(count, 640));
  console.log(`captions of 32 at context ${tokenize.contextLength}: ${tokenize.prefixMs.toFixed(2)} ms per batch (min ${tokenize.prefixMinMs.toFixed(2)}), whole captions ${tokenize.wholeMs.toFixed(2)} ms (min ${tokenize.wholeMinMs.toFixed(2)}); median of ${tokenize.reps}, interleaved`);
  console.log(`wrote ${out.write('loader.json', JSON.stringify({ suite: 'loader', date: new Date().toISOString(), node: process.version, rows, tokenize }, null, 2))}`);
}

/** ms per batch of 32 synthetic captions: `encode` (a prefix that holds the context) against tokenising each caption whole. */
function captionTiming(n: number, reps = 15) {
  const texts = generateDataset({ seed: 1, count: n, size: 64 }).records.map((r) => r.description);
  const { tokenizer } = captionTokenizer(texts, 4096);
  const L = makeModelConfig('tiny').text.contextLength;
  const batches = Math.ceil(n / 32);
  const prefix: number[] = [];
  const whole: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    for (let b = 0; b < n; b += 32) tokenizer.encode(texts.slice(b, b + 32), L);
    prefix.push((performance.now() - t) / batches);
    t = performance.now();
    for (let b = 0; b < n; b += 32) for (const x of texts.slice(b, b + 32)) tokenizer.tokenIds(x).slice(0, L - 2);
    whole.push((performance.now() - t) / batches);
  }
  return { contextLength: L, captions: n, meanChars: Math.round(texts.reduce((a, x) => a + x.length, 0) / n), reps, prefixMs: median(prefix), prefixMinMs: Math.min(...prefix), wholeMs: median(whole), wholeMinMs: Math.min(...whole) };
}
