// Pretrained encoders into our model (`--init-visual`, `--init-text`): a timm ViT safetensors file
// (e.g. vit_base_patch16_224's model.safetensors) fills every `visual.*` parameter, a Hugging Face
// BERT file (bert-base-uncased's model.safetensors) every `text.*` one. Projections, focus_alpha and
// logit_scale keep their fresh initialisation. Any mismatch (another ViT size or resolution, a
// vocabulary other than the config's) is reported tensor by tensor before anything is written.

import type { FocusClipModel } from './focusclip.js';
import { encodeParams, hfBertIgnore, hfBertRename, loadParams, timmIgnore } from './checkpoint.js';
import type { SafeFile } from './safetensors.js';
import type { ModelConfig, TextConfig, VisionConfig } from './config.js';

/** Load a timm VisionTransformer state dict (names without prefix); returns the loaded names. */
export function initVisualFromTimm(model: FocusClipModel, file: SafeFile, source = 'the timm ViT file'): string[] {
  checkPretrainedFile(file, 'vision', model.config, source);
  return loadParams(model.engine, model.params, file, { prefix: 'visual.', ignore: timmIgnore, source });
}

/** Load a Hugging Face BertModel / BertFor* state dict ('bert.' prefix, gamma/beta and the pooler handled). */
export function initTextFromHf(model: FocusClipModel, file: SafeFile, source = 'the Hugging Face BERT file'): string[] {
  checkPretrainedFile(file, 'text', model.config, source);
  return loadParams(model.engine, model.params, file, { prefix: 'text.', rename: hfBertRename, ignore: hfBertIgnore, source });
}

// ------------------------------------------------------------------ our own pretrained towers

/** Metadata key of a tower pretrained by `focusclip pretrain` (JSON of PretrainInfo). */
export const META_PRETRAIN = 'focusclip_pretrain';

export interface PretrainInfo {
  tower: 'vision' | 'text';
  preset: string;
  /** The tower's architecture, compared with the model's before anything is loaded. */
  config: VisionConfig | TextConfig;
  /** What made the file and what it measured (command, seed, steps, seconds, validation). */
  [key: string]: unknown;
}

/** The tower's parameters under the names its loader reads (timm's ViT names, no prefix). */
export async function encodeVisionWeights(model: FocusClipModel, info: Omit<PretrainInfo, 'tower' | 'preset' | 'config'>): Promise<Uint8Array> {
  const visual = new Map([...model.params].filter(([n]) => n.startsWith('visual.')).map(([n, t]) => [n.slice('visual.'.length), t]));
  const meta: PretrainInfo = { tower: 'vision', preset: model.config.preset, config: model.config.vision, ...info };
  return encodeParams(model.engine, visual, { [META_PRETRAIN]: JSON.stringify(meta) });
}

/** Metadata key of a pretrained text tower's vocabulary (one token per line, as vocab.txt). */
export const META_VOCAB = 'focusclip_vocab';

/** The text tower's parameters under Hugging Face BERT names, with the vocabulary it was trained on. */
export async function encodeTextWeights(model: FocusClipModel, vocab: readonly string[], info: Omit<PretrainInfo, 'tower' | 'preset' | 'config'>): Promise<Uint8Array> {
  const text = new Map([...model.params].filter(([n]) => n.startsWith('text.')).map(([n, t]) => [n.slice('text.'.length), t]));
  const meta: PretrainInfo = { tower: 'text', preset: model.config.preset, config: model.config.text, ...info };
  return encodeParams(model.engine, text, { [META_PRETRAIN]: JSON.stringify(meta), [META_VOCAB]: vocab.join('\n') });
}

/** The vocabulary stored with a pretrained text tower (undefined for files without one). */
export function pretrainedVocab(file: SafeFile): string[] | undefined {
  const v = file.metadata[META_VOCAB];
  return v === undefined ? undefined : v.split('\n');
}

/**
 * A file written by `focusclip pretrain` must be for this tower and architecture; the error names the
 * preset the file was made for and the command that makes one for this model. Files without our
 * metadata (timm, Hugging Face) are checked tensor by tensor only.
 */
export function checkPretrainedFile(file: SafeFile, tower: 'vision' | 'text', model: ModelConfig, source: string): PretrainInfo | undefined {
  const raw = file.metadata[META_PRETRAIN];
  if (raw === undefined) return undefined;
  let info: PretrainInfo;
  try {
    info = JSON.parse(raw) as PretrainInfo;
  } catch {
    throw new Error(`${source}: its ${META_PRETRAIN} metadata is not JSON; the file is damaged. Make it again with \`focusclip pretrain ${tower}\`.`);
  }
  if (info.tower !== tower) {
    throw new Error(`${source} holds a pretrained ${info.tower} tower, not a ${tower} one; pass it to --init-${info.tower === 'vision' ? 'visual' : 'text'}.`);
  }
  const want = tower === 'vision' ? model.vision : model.text;
  const diff = Object.keys(want).filter((k) => k !== 'vocabSize' && JSON.stringify((info.config as unknown as Record<string, unknown>)[k]) !== JSON.stringify((want as unknown as Record<string, unknown>)[k]));
  if (diff.length) {
    throw new Error(
      `${source} was pretrained for preset ${info.preset} (${diff.map((k) => `${k} ${JSON.stringify((info.config as unknown as Record<string, unknown>)[k])}`).join(', ')}), ` +
        `but this model is ${model.preset} (${diff.map((k) => `${k} ${JSON.stringify((want as unknown as Record<string, unknown>)[k])}`).join(', ')}). ` +
        `Make weights for it with \`focusclip pretrain ${tower} --preset ${model.preset}\`, or train with --from-scratch.`,
    );
  }
  return info;
}
