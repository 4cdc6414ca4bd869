// Pretrained encoders into our model (`--init-visual`, `--init-text`): a timm ViT safetensors file
// (e.g. vit_base_patch16_224's model.safetensors) fills every `visual.*` parameter, a Hugging Face
// BERT file (bert-base-uncased's model.safetensors) every `text.*` one. Projections, focus_alpha and
// logit_scale keep their fresh initialisation. Any mismatch (another ViT size or resolution, a
// vocabulary other than the config's) is reported tensor by tensor before anything is written.

import type { FocusClipModel } from './focusclip.js';
import { hfBertIgnore, hfBertRename, loadParams, timmIgnore } from './checkpoint.js';
import type { SafeFile } from './safetensors.js';

/** Load a timm VisionTransformer state dict (names without prefix); returns the loaded names. */
export function initVisualFromTimm(model: FocusClipModel, file: SafeFile, source = 'the timm ViT file'): string[] {
  return loadParams(model.engine, model.params, file, { prefix: 'visual.', ignore: timmIgnore, source });
}

/** Load a Hugging Face BertModel / BertFor* state dict ('bert.' prefix, gamma/beta and the pooler handled). */
export function initTextFromHf(model: FocusClipModel, file: SafeFile, source = 'the Hugging Face BERT file'): string[] {
  return loadParams(model.engine, model.params, file, { prefix: 'text.', rename: hfBertRename, ignore: hfBertIgnore, source });
}
