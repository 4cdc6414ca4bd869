// A printable summary of a model config: architecture and parameter counts per part, with the
// reference counts of the pretrained models the `paper` preset mirrors. Used by `focusclip info --model`.

import { countParams, numPatches, type ModelConfig, type ParamCounts } from './config.js';
import { modelFlops } from './flops.js';

export interface ModelSummary {
  preset: string;
  kind: string;
  counts: ParamCounts;
  lines: string[];
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function summarizeModel(cfg: ModelConfig): ModelSummary {
  const c = countParams(cfg);
  const v = cfg.vision;
  const t = cfg.text;
  const lines = [
    `Model preset ${cfg.preset} (${cfg.kind}, loss ${cfg.loss}, temperature ${cfg.temperature})`,
    `  visual       ViT ${v.imageSize}px/${v.patchSize} (${numPatches(v)} patches + CLS), width ${v.width}, depth ${v.depth}, heads ${v.heads}, MLP ${v.mlpDim}, LN eps ${v.lnEps}`,
    `  text         BERT vocab ${t.vocabSize}, context ${t.contextLength}, width ${t.width}, depth ${t.depth}, heads ${t.heads}, FFN ${t.ffnDim}, LN eps ${t.lnEps}, pooling ${t.pooling}`,
    `  embedding    ${cfg.embedDim}`,
    'Parameters',
    `  visual.*     ${fmt(c.visual).padStart(13)}${cfg.preset === 'paper' ? '   (= timm vit_base_patch16_224 without head: 85,798,656)' : ''}`,
    `  text.*       ${fmt(c.text).padStart(13)}${cfg.preset === 'paper' ? '   (= HF bert-base-uncased without pooler: 108,891,648)' : ''}`,
    `  visual_proj  ${fmt(c.visual_proj).padStart(13)}`,
    `  text_proj    ${fmt(c.text_proj).padStart(13)}`,
  ];
  if (c.focus_alpha) lines.push(`  focus_alpha  ${fmt(c.focus_alpha).padStart(13)}`);
  if (c.logit_scale) lines.push(`  logit_scale  ${fmt(c.logit_scale).padStart(13)}`);
  lines.push(`  total        ${fmt(c.total).padStart(13)}   (${(c.total * 4 / 2 ** 20).toFixed(1)} MiB f32; training with gradients + 2 optimiser moments: ~${(c.total * 16 / 2 ** 20).toFixed(0)} MiB)`);
  const f = modelFlops(cfg);
  const g = (x: number) => `${(x / 1e9).toFixed(x < 1e9 ? 3 : 1)} GFLOP`;
  lines.push(
    'Compute per sample (matrix products, 2 FLOPs per multiply-add)',
    `  image        ${g(f.image)} per view${f.views > 1 ? ` x ${f.views} views (raw and focused)` : ''}`,
    `  text         ${g(f.text)} (context ${t.contextLength}, padded)`,
    `  training     ${g(f.train)} (forward ${g(f.forward)}, backward ~2x forward)`,
  );
  return { preset: cfg.preset, kind: cfg.kind, counts: c, lines };
}
