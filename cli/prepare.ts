// `focusclip prepare mpii`: check an MPII images folder against pose-captions records (or MMPose
// annotations joined with captions), report what is missing, and write training shards.
import type { Command } from 'commander';
import { joinCaptions, loadCaptions, loadMmpose, prepareMpii } from '../data/mpii-loaders.js';
import { progress } from '../train/progress.js';
import { intFlag } from './flags.js';

export interface PrepareCliOptions { images: string; captions?: string; annotations?: string; out: string; size: string; letterbox?: boolean; maxPeople: string; shardSize: string; split: string; strict?: boolean; quiet?: boolean; json?: boolean }

export async function runPrepare(dataset: string, o: PrepareCliOptions) {
  if (dataset !== 'mpii') throw new Error(`unknown dataset "${dataset}"; supported: mpii`);
  const size = intFlag('size', o.size, 8, 4096);
  const maxPeople = intFlag('max-people', o.maxPeople, 1, 64);
  const shardSize = intFlag('shard-size', o.shardSize, 1);
  if (!['train', 'val', 'all'].includes(o.split)) throw new Error(`--split must be train, val or all, got "${o.split}"`);
  if (!o.captions && !o.annotations) throw new Error('give --captions FILE (pose-captions JSON from the hub) and/or --annotations FILE (MMPose mpii_train.json)');
  let records = o.annotations ? loadMmpose(o.annotations, o.split !== 'val') : loadCaptions(o.captions!);
  if (o.annotations && o.captions) records = joinCaptions(records, loadCaptions(o.captions));
  if (o.split === 'train' || o.split === 'val') records = records.filter((r) => r.istrain === (o.split === 'train'));
  const bar = progress('prepare', records.length, { quiet: o.quiet || o.json });
  const rep = prepareMpii({ images: o.images, records, out: o.out, width: size, height: size, letterbox: o.letterbox, maxPeople, shardSize, onProgress: (d) => bar.update(d) });
  bar.stop();
  if (o.json) console.log(JSON.stringify(rep, null, 2));
  else {
    console.log(`${rep.written} of ${rep.total} records written to ${rep.index}`);
    if (rep.missingImages.length) console.log(`${rep.missingImages.length} image(s) missing from ${o.images}, e.g. ${rep.missingImages.slice(0, 5).join(', ')}`);
    if (rep.badImages.length) console.log(`${rep.badImages.length} image(s) could not be decoded, e.g. ${rep.badImages.slice(0, 3).map((b) => b.error).join('; ')}`);
    if (rep.badRecords.length) console.log(`${rep.badRecords.length} record problem(s):\n  ${rep.badRecords.slice(0, 10).join('\n  ')}`);
    if (rep.missingImages.length + rep.badImages.length + rep.badRecords.length) console.log(`full list: ${rep.index.replace(/index\.json$/, 'prepare-report.json')}`);
  }
  if (o.strict && rep.written < rep.total) throw new Error(`${rep.total - rep.written} record(s) skipped (--strict)`);
  return rep;
}

export function registerPrepare(program: Command) {
  program
    .command('prepare <dataset>')
    .description('check a real dataset (mpii) against its records, report what is missing, write training shards')
    .requiredOption('--images <dir>', 'MPII images folder (e.g. mpii_human_pose_v1/images)')
    .option('--captions <file>', 'pose-captions records JSON from the hub (any config)')
    .option('--annotations <file>', "MMPose's mpii_train.json / mpii_val.json (per person, merged per image)")
    .requiredOption('-o, --out <dir>', 'output shard folder')
    .option('-s, --size <px>', 'training image size', '224')
    .option('--letterbox', 'keep the aspect ratio (pad) instead of stretching as the paper')
    .option('--max-people <n>', 'people kept per image', '4')
    .option('--shard-size <n>', 'samples per shard', '1024')
    .option('--split <which>', 'train, val or all (by the records\' istrain)', 'all')
    .option('--strict', 'fail when any record is skipped')
    .option('--quiet', 'no progress output')
    .option('--json', 'print the report as JSON')
    .action(async (dataset: string, o: PrepareCliOptions) => {
      await runPrepare(dataset, o);
    });
}
