// `focusclip export-data`: a run's training data (and optionally evaluation sets) as one
// safetensors file of model-ready tensors, for the PyTorch package (python/focusclip_torch). The
// checkpoint decides everything that must agree with the model: image size, context length,
// vocabulary, whether heatmaps are needed, and the seed of synthetic data.

import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { RunCommand } from './run.js';
import { dataSourceOf, loadExamples } from './train.js';
import { configFromMetadata, decodeCheckpoint } from '../model/checkpoint.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { encodeSafetensors, type TensorInput } from '../model/safetensors.js';
import { WordPieceTokenizer } from '../model/tokenizer.js';
import { TrainSet } from '../train/batches.js';
import { readTrainingState } from '../train/trainer.js';
import { evalTensors, META_DATA, trainTensors, type DataFileInfo } from '../train/tensor-export.js';
import { openDatasets } from '../eval/adapters/index.js';
import { writeFileAtomic } from '../data/atomic-write-node.js';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function registerExportData(program: Command, run: RunCommand) {
  program
    .command('export-data')
    .description('write a run\'s training data (and evaluation sets) as model-ready tensors for python/focusclip_torch')
    .requiredOption('--checkpoint <file>', 'the run\'s checkpoint (image size, vocabulary, model kind and seed come from it)')
    .option('--data <source>', 'synthetic[:count] (generated with the run\'s seed)', 'synthetic')
    .option('--records <file>', 'pose-captions records JSON (instead of synthetic data)')
    .option('--images <dir>', 'image folder of the records (default: images/ next to the records)')
    .option('--shards <dir>', 'a shard folder (instead of synthetic data)')
    .option('--eval-dataset <kind:path>', 'also export an evaluation set as `focusclip eval` sees it (repeatable)', collect)
    .requiredOption('--out <file>', 'output .safetensors file')
    .action(async (opts) => {
      const ckptPath = resolve(opts.checkpoint);
      const file = decodeCheckpoint(readFileBytes(ckptPath), opts.checkpoint);
      const mcfg = configFromMetadata(file, opts.checkpoint);
      if (!mcfg) throw new Error(`${opts.checkpoint} carries no model config (it was not written by focusclip train); export-data needs a run's checkpoint.`);
      const state = readTrainingState(file.metadata, opts.checkpoint);
      const vocab = state.vocab.split('\n');
      const tokenizer = new WordPieceTokenizer(vocab);
      const S = mcfg.vision.imageSize;
      const L = mcfg.text.contextLength;
      const evalSpecs: string[] = opts.evalDataset ?? [];
      const evalSets = evalSpecs.flatMap((s) => openDatasets(s));
      await run(async (e) => {
        console.error(`loading data (${opts.shards ?? opts.records ?? opts.data}) at ${S}px ...`);
        const data = new TrainSet(await loadExamples(opts, S, state.train.seed), S);
        const heatmaps = mcfg.kind === 'focusclip';
        const tensors: [string, TensorInput][] = await trainTensors(e, data, tokenizer, L, heatmaps);
        const meta: Record<string, string> = {};
        for (const ds of evalSets) {
          const t = await evalTensors(ds, tokenizer, S, L);
          tensors.push(...t.tensors);
          Object.assign(meta, t.meta);
        }
        const info: DataFileInfo = {
          count: data.size,
          imageSize: S,
          contextLength: L,
          heatmaps,
          vocab: state.vocab,
          source: dataSourceOf(opts),
          evalSets: evalSets.map((d) => d.name),
        };
        const out = resolve(opts.out);
        writeFileAtomic(out, encodeSafetensors(tensors, { ...meta, [META_DATA]: JSON.stringify(info) }));
        console.log(`wrote ${out}: ${data.size} training samples at ${S}px${heatmaps ? ' with heatmaps' : ''}${evalSets.length ? `, evaluation sets ${info.evalSets.join(', ')}` : ''}`);
      });
    });
}
