// `focusclip generate`: the synthetic people dataset on disk (images, records, contact sheet) plus
// the held-out zero-shot evaluation sets. No GPU needed.
import type { Command } from 'commander';
import { join } from 'node:path';
import { writePng } from '../data/image-node.js';
import { progress } from '../train/progress.js';
import { intFlag } from './flags.js';
import { contactSheet } from '../data/synthetic/contact-sheet.js';
import { EVAL_TASKS, generateDataset, generateEvalSet, type EvalTask } from '../data/synthetic/generate.js';
import { writeDataset, writeEvalSet } from '../data/synthetic/write-node.js';
import { buildShards } from '../data/shards.js';
import { writeShardDir } from '../data/shards-node.js';

export interface GenerateCliOptions {
  out: string; count: string; size: string; seed: string; evalCount: string; evalSeed: string; evalTasks: string;
  includeHeldOut?: boolean; sheet: string; shards?: boolean; shardSize: string; quiet?: boolean; json?: boolean;
}

export async function runGenerate(o: GenerateCliOptions) {
  const count = intFlag('count', o.count), size = intFlag('size', o.size, 8), seed = intFlag('seed', o.seed);
  const evalCount = intFlag('eval-count', o.evalCount), evalSeed = intFlag('eval-seed', o.evalSeed), sheetN = intFlag('sheet', o.sheet);
  const tasks = o.evalTasks.split(',').map((s) => s.trim()).filter(Boolean) as EvalTask[];
  for (const t of tasks) if (!EVAL_TASKS.includes(t)) throw new Error(`--eval-tasks: unknown task "${t}"; known: ${EVAL_TASKS.join(', ')}`);
  const t0 = performance.now();
  const bar = progress('generate', count, { quiet: o.quiet || o.json });
  const ds = generateDataset({ seed, count, size, includeHeldOut: o.includeHeldOut, onProgress: (d) => bar.update(d) });
  bar.stop();
  const genSeconds = (performance.now() - t0) / 1000;
  writeDataset(o.out, ds.records, ds.images);
  if (o.shards) {
    const built = buildShards(ds.records, ds.images, { width: size, height: size, shardSize: intFlag('shard-size', o.shardSize, 1) });
    writeShardDir(join(o.out, 'shards'), built.index, built.shards);
  }
  if (sheetN > 0 && count > 0) writePng(join(o.out, 'contact-sheet.png'), contactSheet(ds.records.slice(0, sheetN), ds.images.slice(0, sheetN), { tile: Math.max(96, Math.min(224, size * 2)) }));
  const evalDirs: Record<string, string> = {};
  if (evalCount > 0) {
    for (const task of tasks) {
      const eb = progress(`eval ${task}`, evalCount, { quiet: o.quiet || o.json });
      const set = generateEvalSet(task, { seed: evalSeed, count: evalCount, size, onProgress: (d) => eb.update(d) });
      eb.stop();
      const dir = join(o.out, 'eval', task);
      writeEvalSet(dir, set);
      writePng(join(dir, 'contact-sheet.png'), contactSheet(set.items.slice(0, 8).map((i) => i.record), set.items.slice(0, 8).map((i) => i.image), { tile: Math.max(96, Math.min(224, size * 2)) }));
      evalDirs[task] = dir;
    }
  }
  const summary = {
    out: o.out, count, size, seed, records: join(o.out, 'records.json'), images: join(o.out, 'images'),
    contactSheet: sheetN > 0 && count > 0 ? join(o.out, 'contact-sheet.png') : null, shards: o.shards ? join(o.out, 'shards') : null, eval: evalDirs,
    generateSeconds: +genSeconds.toFixed(3), imagesPerSecond: count ? Math.round(count / genSeconds) : 0,
    totalSeconds: +((performance.now() - t0) / 1000).toFixed(3),
  };
  if (o.json) console.log(JSON.stringify(summary, null, 2));
  else if (!o.quiet) {
    console.log(`wrote ${count} images (${size}x${size}) and ${summary.records} in ${summary.totalSeconds} s (rendering ${summary.imagesPerSecond} images/s)`);
    if (summary.contactSheet) console.log(`contact sheet: ${summary.contactSheet}`);
    if (summary.shards) console.log(`shards: ${summary.shards}`);
    for (const [t, d] of Object.entries(evalDirs)) console.log(`eval ${t}: ${d} (${evalCount} images, classes.json)`);
  }
  return summary;
}

export function registerGenerate(program: Command) {
  program
    .command('generate')
    .description('render the synthetic people dataset (images, records, contact sheet) and held-out zero-shot evaluation sets')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-n, --count <n>', 'training images', '2000')
    .option('-s, --size <px>', 'square image size (64 = tiny training size, 224 = paper)', '64')
    .option('--seed <n>', 'random seed of the training set', '0')
    .option('--eval-count <n>', 'images per evaluation task (0 = none)', '200')
    .option('--eval-seed <n>', 'random seed of the evaluation sets (keep it different from --seed)', '1000')
    .option('--eval-tasks <list>', `comma-separated evaluation tasks (${EVAL_TASKS.join(', ')})`, EVAL_TASKS.join(','))
    .option('--include-held-out', 'also train on the held-out activities (they are zero-shot only by default)')
    .option('--shards', 'also write training shards (<out>/shards) at --size')
    .option('--shard-size <n>', 'samples per shard', '1024')
    .option('--sheet <n>', 'samples on the contact sheet (0 = none)', '16')
    .option('--quiet', 'no progress output')
    .option('--json', 'print a machine-readable summary')
    .action(async (o: GenerateCliOptions) => {
      await runGenerate(o);
    });
}
