// Bad input to every command, table-driven: each case is a command line (and the files it
// reads), the message it must fail with, and the promise that nothing outside the case's own
// folder changed and that a file the command would edit in place is untouched. Every case fails
// before any heavy work (no GPU, no training), so the whole table runs in seconds.
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrain } from '../cli/train.js';
import { registerDemo } from '../cli/demo.js';
import { registerStudy } from '../cli/study.js';
import { registerGenerate } from '../cli/generate.js';
import { registerDescribe } from '../cli/describe.js';
import { registerPrepare } from '../cli/prepare.js';
import { registerHeatmap } from '../cli/heatmap.js';
import { registerEval } from '../cli/eval.js';
import { registerExportData } from '../cli/export-data.js';
import { registerInfo } from '../cli/info.js';
import type { RunCommand } from '../cli/run.js';
import { generateDataset } from '../data/synthetic/generate.js';

const root = mkdtempSync(join(tmpdir(), 'fc-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Shared inputs, read by the cases and never to be changed by them.
const shared = join(root, 'shared');
mkdirSync(shared);
const records = join(shared, 'records.json');
const record = { image: 'a.png', people: [{ kpts: Array.from({ length: 16 }, () => [4, 4]), kpts_vis: Array(16).fill(1), center: [4, 4], scale: 0.1 }], description: 'a person standing' };
writeFileSync(records, JSON.stringify([record, record]));
// Records the describer accepts (the ones above only need to exist), for cases that fail later.
const validRecords = join(shared, 'valid-records.json');
writeFileSync(validRecords, JSON.stringify(generateDataset({ seed: 1, count: 2, size: 32 }).records));
writeFileSync(join(shared, 'not-a-list.json'), JSON.stringify({ image: 'a.png' }));
writeFileSync(join(shared, 'broken.json'), '{"lr": 0.1');
writeFileSync(join(shared, 'unknown-field.json'), JSON.stringify({ learningRate: 0.1 }));
writeFileSync(join(shared, 'array.json'), '[1, 2]');
writeFileSync(join(shared, 'bad-lr.json'), JSON.stringify({ lr: -1 }));
writeFileSync(join(shared, 'not.safetensors'), 'not a checkpoint');
writeFileSync(join(shared, 'fake.safetensors'), 'x');

/** A command must fail before it needs the GPU: a case that reaches `run` is itself a failure. */
const noGpu: RunCommand = async () => {
  throw new Error('REACHED THE GPU: the bad input was not caught before the run started');
};

async function focusclip(args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerTrain(program, noGpu);
  registerDemo(program, noGpu);
  registerStudy(program, noGpu);
  registerGenerate(program);
  registerDescribe(program);
  registerPrepare(program);
  registerHeatmap(program, noGpu);
  registerEval(program, noGpu);
  registerExportData(program, noGpu);
  registerInfo(program, noGpu);
  try {
    await program.parseAsync(['node', 'focusclip', ...args]);
  } catch (err) {
    return (err as Error).message;
  }
  return 'SUCCEEDED';
}

function snapshot(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((f) => {
      const s = statSync(join(dir, f));
      return `${f} ${s.isFile() ? `${s.size} ${s.mtimeMs}` : 'dir'}`;
    })
    .join('\n');
}

type Case = [string, (w: string) => string[], RegExp];
const R = records;
const S = shared;

// train: every config field by flag, then the files it reads.
const trainFlag = (flag: string, value: string, msg: RegExp): Case => [`train --${flag} ${JSON.stringify(value)}`, (w) => ['train', '--out', w, `--${flag}`, value], msg];
const cases: Case[] = [
  ...['abc', '0', '-1', 'Infinity', ''].map((v) => trainFlag('lr', v, /"lr" \(--lr\) must be a number > 0|"lr" must be a number/)),
  ...['1', '2.5', 'abc', '-4'].map((v) => trainFlag('batch-size', v, /"batchSize" \(--batch-size\) must be an integer >= 2|"batchSize" must be a number/)),
  ...['0', '-3', 'abc'].map((v) => trainFlag('epochs', v, /"epochs" \(--epochs\) must be a number > 0|"epochs" must be a number/)),
  ...['-3', '1.5', 'abc'].map((v) => trainFlag('max-steps', v, /"maxSteps" \(--max-steps\) must be an integer >= 0|"maxSteps" must be a number/)),
  ...['-1', '0.5'].map((v) => trainFlag('warmup-steps', v, /"warmupSteps" \(--warmup-steps\) must be an integer >= 0/)),
  ...['-1', '2.5', 'x'].map((v) => trainFlag('checkpoint-every', v, /"checkpointEvery" \(--checkpoint-every\) must be an integer >= 0|"checkpointEvery" must be a number/)),
  ...['-1', 'x'].map((v) => trainFlag('eval-every', v, /"evalEvery" \(--eval-every\) must be an integer >= 0|"evalEvery" must be a number/)),
  ...['-1', 'abc', 'NaN'].map((v) => trainFlag('clip-norm', v, /"clipNorm" \(--clip-norm\) must be a number >= 0|"clipNorm" must be a number/)),
  ...['-0.1', 'abc'].map((v) => trainFlag('weight-decay', v, /"weightDecay" \(--weight-decay\) must be a number >= 0|"weightDecay" must be a number/)),
  ...['1', '-0.1', '7'].map((v) => trainFlag('momentum', v, /"momentum" \(--momentum\) must be a number in \[0, 1\)/)),
  ...['abc', '-1', '1.5', '4294967296'].map((v) => trainFlag('seed', v, /"seed" \(--seed\) must be an integer from 0 to 4294967295|"seed" must be a number/)),
  ...['0', '-1', 'abc'].map((v) => trainFlag('temperature', v, /"temperature" \(--temperature\) must be a number > 0|"temperature" must be a number/)),
  trainFlag('optimizer', 'lamb', /"optimizer" must be one of sgd, adamw/),
  trainFlag('schedule', 'linear', /"schedule" must be one of constant, cosine/),
  trainFlag('loss', 'triplet', /"loss" must be one of focusclip3, focusclip2, clip/),
  trainFlag('feature-norm', 'layer', /"featureNorm" must be one of none, batch/),
  trainFlag('model', 'huge', /"model" must be one of tiny, small, paper/),
  trainFlag('recipe', 'fast', /--recipe must be one of paper, modern/),
  trainFlag('kind', 'vit', /--kind must be focusclip or clip, got "vit"/),
  ...['abc', '-1', '2.5'].map((v) => trainFlag('eval-count', v, /--eval-count must be an integer >= 0/)),
  ['train --config missing', (w) => ['train', '--out', w, '--config', join(S, 'missing.json')], /--config .*missing\.json cannot be read \(ENOENT\)/],
  ['train --config broken JSON', (w) => ['train', '--out', w, '--config', join(S, 'broken.json')], /--config .*broken\.json is not valid JSON/],
  ['train --config unknown field', (w) => ['train', '--out', w, '--config', join(S, 'unknown-field.json')], /Unknown config field "learningRate"/],
  ['train --config a list', (w) => ['train', '--out', w, '--config', join(S, 'array.json')], /must hold a JSON object of config fields/],
  ['train --config lr -1', (w) => ['train', '--out', w, '--config', join(S, 'bad-lr.json')], /"lr" \(--lr\) must be a number > 0/],
  ['train unknown option', (w) => ['train', '--out', w, '--learning-rate', '1'], /unknown option '--learning-rate'/],

  // demo and study
  ...['abc', '-1', '4294967296'].map((v): Case => [`demo --seed ${v}`, (w) => ['demo', '--out', w, '--seed', v], /--seed must be an integer from 0 to 4294967295/]),
  ...['0', 'abc', '1'].map((v): Case => [`demo --train-count ${v}`, (w) => ['demo', '--out', w, '--train-count', v], /--train-count must be an integer >= 2/]),
  ...['-1', 'x', '0'].map((v): Case => [`demo --eval-count ${v}`, (w) => ['demo', '--out', w, '--eval-count', v], /--eval-count must be an integer >= 1/]),
  ...['0', '2.5'].map((v): Case => [`demo --steps ${v}`, (w) => ['demo', '--out', w, '--steps', v], /--steps must be an integer >= 1/]),
  ['demo --batch-size 1', (w) => ['demo', '--out', w, '--batch-size', '1'], /--batch-size must be an integer >= 2/],
  ['demo --preset huge', (w) => ['demo', '--out', w, '--preset', 'huge'], /--preset must be one of tiny, small, paper/],
  ['demo --recipe fast', (w) => ['demo', '--out', w, '--recipe', 'fast'], /--recipe must be (one of )?modern or paper|--recipe must be one of/],
  ...['1.5', '-0.1', 'abc'].map((v): Case => [`demo --background-bias ${v}`, (w) => ['demo', '--out', w, '--background-bias', v], /--background-bias must be/]),
  ...['-1', '0', 'abc'].map((v): Case => [`demo --lr ${v}`, (w) => ['demo', '--out', w, '--lr', v], /--lr must be a number >= /]),
  ...['0', 'abc', '1,,2', '-1'].map((v): Case => [`study --seeds ${v}`, (w) => ['study', '--out', w, '--seeds', v], /--seeds/]),
  ['study --steps 0', (w) => ['study', '--out', w, '--seeds', '2', '--steps', '0'], /--steps must be an integer >= 1/],
  ['study --background-bias 2', (w) => ['study', '--out', w, '--seeds', '2', '--background-bias', '2'], /--background-bias must be/],
  ['study without --seeds', (w) => ['study', '--out', w], /required option '--seeds/],

  // generate
  ...['abc', '-1'].map((v): Case => [`generate --count ${v}`, (w) => ['generate', '--out', w, '--count', v], /--count must be an integer/]),
  ...['0', 'abc'].map((v): Case => [`generate --size ${v}`, (w) => ['generate', '--out', w, '--size', v], /--size must be an integer/]),
  ['generate --seed abc', (w) => ['generate', '--out', w, '--seed', 'abc'], /--seed must be an integer/],
  ['generate --eval-count -1', (w) => ['generate', '--out', w, '--eval-count', '-1'], /--eval-count must be an integer/],
  ['generate --eval-tasks foo', (w) => ['generate', '--out', w, '--eval-tasks', 'foo'], /foo/],
  ['generate --shard-size 0', (w) => ['generate', '--out', w, '--shards', '--shard-size', '0'], /--shard-size must be an integer/],
  ['generate --sheet -1', (w) => ['generate', '--out', w, '--sheet', '-1'], /--sheet must be an integer/],
  ['generate without --out', () => ['generate'], /required option '-o, --out/],

  // describe: it edits the records file in place, which must stay untouched
  ...['abc', '-1', '1.5'].map((v): Case => [`describe --limit ${v}`, () => ['describe', '--records', R, '--limit', v], /--limit must be/]),
  ...['abc', '0'].map((v): Case => [`describe --llm --concurrency ${v}`, () => ['describe', '--records', R, '--llm', '--concurrency', v], /--concurrency must be/]),
  ['describe --seed abc', () => ['describe', '--records', R, '--seed', 'abc'], /--seed must be/],
  ['describe missing records', () => ['describe', '--records', join(S, 'missing.json')], /missing\.json/],
  ['describe records not a list', () => ['describe', '--records', join(S, 'not-a-list.json')], /list/],
  ['describe --out through a file', () => ['describe', '--records', validRecords, '--quiet', '--out', join(R, 'x', 'out.json')], /Could not write .*records\.json\/x\/out\.json: a part of the path is a file, not a folder/],
  ['describe broken JSON', () => ['describe', '--records', join(S, 'broken.json')], /broken\.json/],

  // prepare
  ...['abc', '0'].map((v): Case => [`prepare --size ${v}`, (w) => ['prepare', 'mpii', '--images', w, '--captions', R, '--out', w, '--size', v], /--size must be an integer from 8 to 4096/]),
  ['prepare --max-people 0', (w) => ['prepare', 'mpii', '--images', w, '--captions', R, '--out', w, '--max-people', '0'], /--max-people must be an integer from 1 to 64/],
  ['prepare --shard-size 0', (w) => ['prepare', 'mpii', '--images', w, '--captions', R, '--out', w, '--shard-size', '0'], /--shard-size must be an integer >= 1/],
  ['prepare --split test', (w) => ['prepare', 'mpii', '--images', w, '--captions', R, '--out', w, '--split', 'test'], /--split must be train, val or all/],
  ['prepare without captions', (w) => ['prepare', 'mpii', '--images', w, '--out', w], /give --captions FILE/],
  ['prepare coco', (w) => ['prepare', 'coco', '--images', w, '--captions', R, '--out', w], /unknown dataset "coco"; supported: mpii/],

  // heatmap
  ...['5', '-0.5', 'abc'].map((v): Case => [`heatmap --a ${v}`, (w) => ['heatmap', '--synthetic', '1', '--out', join(w, 'h.png'), '--a', v], /--a must be a number from 0 to 1/]),
  ...['0', 'abc', '9000'].map((v): Case => [`heatmap --size ${v}`, (w) => ['heatmap', '--synthetic', '1', '--out', join(w, 'h.png'), '--size', v], /--size must be an integer from 1 to 8192/]),
  ['heatmap --mode blur', (w) => ['heatmap', '--synthetic', '1', '--out', join(w, 'h.png'), '--mode', 'blur'], /blur/],
  ['heatmap --index -1', (w) => ['heatmap', '--keypoints', R, '--out', join(w, 'h.png'), '--index', '-1'], /--index must be an integer >= 0/],
  ['heatmap --synthetic abc', (w) => ['heatmap', '--synthetic', 'abc', '--out', join(w, 'h.png')], /--synthetic must be an integer/],
  ['heatmap without input', (w) => ['heatmap', '--out', join(w, 'h.png')], /Give --keypoints/],
  ['heatmap missing keypoints', (w) => ['heatmap', '--keypoints', join(S, 'missing.json'), '--out', join(w, 'h.png')], /Keypoints file not found or unreadable: .*missing\.json/],

  // eval
  ['eval --batch-size 0', (w) => ['eval', '--checkpoint', join(S, 'fake.safetensors'), '--dataset', `synthetic:${w}`, '--batch-size', '0', '--out', w], /--batch-size must be a positive integer/],
  ...['abc', '0'].map((v): Case => [`eval --limit ${v}`, (w) => ['eval', '--checkpoint', join(S, 'fake.safetensors'), '--dataset', `synthetic:${w}`, '--limit', v, '--out', w], /--limit must be an integer >= 1/]),
  ['eval unknown kind', (w) => ['eval', '--checkpoint', join(S, 'fake.safetensors'), '--dataset', 'mnist:/x', '--out', w], /unknown dataset kind "mnist"/],
  ['eval without dataset', (w) => ['eval', '--checkpoint', join(S, 'fake.safetensors'), '--out', w], /at least one --dataset/],
  ['eval missing checkpoint', (w) => ['eval', '--checkpoint', join(S, 'nope.safetensors'), '--dataset', `synthetic:${w}`, '--out', w], /checkpoint not found: .*nope\.safetensors/],
  ['eval --compare one', (w) => ['eval', '--compare', join(S, 'fake.safetensors'), '--dataset', `synthetic:${w}`, '--out', w], /exactly two checkpoints/],
  ['eval dataset spec without path', (w) => ['eval', '--checkpoint', join(S, 'fake.safetensors'), '--dataset', 'stanford40', '--out', w], /must be <kind>:<path>/],

  // export-data
  ['export-data missing checkpoint', (w) => ['export-data', '--checkpoint', join(S, 'nope.safetensors'), '--out', join(w, 'd.safetensors')], /nope\.safetensors/],
  ['export-data not a checkpoint', (w) => ['export-data', '--checkpoint', join(S, 'not.safetensors'), '--out', join(w, 'd.safetensors')], /not\.safetensors/],
  ['export-data without --out', () => ['export-data', '--checkpoint', join(S, 'not.safetensors')], /required option '--out/],

  // info
  ['info --model huge', () => ['info', '--model', 'huge'], /huge/],
  ['unknown command', () => ['fly'], /unknown command 'fly'/],

  // outputs that cannot be written
  ['train --out through a file', () => ['train', '--out', join(R, 'run')], /Cannot create the --out folder .*records\.json\/run: a part of the path is a file, not a folder/],
  ['demo --out through a file', () => ['demo', '--out', join(R, 'demo')], /Cannot create the --out folder .*records\.json\/demo: a part of the path is a file, not a folder/],
  ['heatmap --out through a file', () => ['heatmap', '--synthetic', '1', '--out', join(R, 'x', 'h.png')], /Cannot create the --out folder .*records\.json\/x: a part of the path is a file, not a folder/],
  ['study --out through a file', () => ['study', '--seeds', '2', '--out', join(R, 'study')], /Cannot create the --out folder .*: a part of the path is a file, not a folder/],
];

describe('bad input to every command', () => {
  it(`has at least 100 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
  });

  it.each(cases)('%s', async (_name, args, message) => {
    const work = mkdtempSync(join(root, 'case-'));
    const before = snapshot(shared);
    const recordsBefore = readFileSync(records);
    const got = await focusclip(args(work));
    expect(got).toMatch(message);
    expect(got).not.toMatch(/REACHED THE GPU|SUCCEEDED|Cannot read properties|undefined is not|is not a function/);
    expect(snapshot(shared)).toBe(before);
    expect(readFileSync(records).equals(recordsBefore)).toBe(true);
  });
});
