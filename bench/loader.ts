// Data loader throughput: samples/s of the shard loader (read + decode + uint8 -> float [B,3,H,W]
// + keypoints) from files with prefetch and from memory, at 64 and 224 pixels; plus how fast the
// synthetic generator renders. `npm run bench -- loader [--count 2048] [--batch 32] [--sizes 64,224]`.
// Writes (under --out, default bench/results/) loader.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Loader, memorySource } from '../data/loader.js';
import { buildShards } from '../data/shards.js';
import { fileSource, writeShardDir } from '../data/shards-node.js';
import { generateDataset } from '../data/synthetic/generate.js';
import { benchOutput, type BenchOutput } from './output.js';

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

async function epochRate(loader: Loader, epochs: number): Promise<number> {
  let n = 0;
  const t = performance.now();
  for (let e = 0; e < epochs; e++) for await (const b of loader.epoch(e)) n += b.size;
  return n / ((performance.now() - t) / 1000);
}

export async function run(args: string[], out: BenchOutput = benchOutput()): Promise<void> {
  const count = Number(flag(args, 'count', '2048'));
  const batch = Number(flag(args, 'batch', '32'));
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
      const mem = await epochRate(new Loader(memorySource(built.index, built.shards), { batchSize: batch, seed: 1 }), 3);
      const file = await epochRate(new Loader(fileSource(dir), { batchSize: batch, seed: 1 }), 3);
      const row = { size, samples: n, batch, generateImagesPerSec: Math.round(genRate), loaderMemorySamplesPerSec: Math.round(mem), loaderFileSamplesPerSec: Math.round(file) };
      rows.push(row);
      console.log(`${size}x${size}: generate ${row.generateImagesPerSec} img/s, loader ${row.loaderFileSamplesPerSec} samples/s from files (${row.loaderMemorySamplesPerSec} from memory), batch ${batch}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`wrote ${out.write('loader.json', JSON.stringify({ suite: 'loader', date: new Date().toISOString(), node: process.version, rows }, null, 2))}`);
}
