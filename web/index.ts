// The library entry for browsers (bundled to dist/web/focusclip.js). Only browser-safe modules are
// re-exported here: the build rejects any Node built-in reached from this file (web/build-web.mjs).
// Node-only helpers live in *-node.ts files and are never imported from this entry; the package's
// Node entry (lib/node.ts) is this file plus those helpers.
/// <reference types="@webgpu/types" preserve="true" />

export { Engine } from '../ops/engine.js';
export { Runtime, type DispatchArgs, type ParamSpec, type KernelTiming } from '../engine/runtime.js';
export { Tensor } from '../engine/tensor.js';
export type { Ops } from '../ops/ops.js';
export type { MatmulImpl } from '../ops/matmul-impl.js';
export type { NN, Activation, AttentionOptions, CrossEntropyOptions, AdamWOptions, SgdOptions, ChunkOptions, RasterOptions } from '../ops/nn.js';
export {
  acquireDevice,
  requestAdapter,
  summarizeAdapter,
  NoAdapterError,
  type DeviceOptions,
  type AdapterSummary,
} from '../engine/device.js';
export { type DType, type AnyTypedArray, shapeSize, fmtShape } from '../engine/dtype.js';
export { Kernel, type BufferRange } from '../engine/kernel.js';
export { Rng } from '../engine/rng.js';
export { fmtBytes, type MemoryStats } from '../engine/memory.js';
export * as image from '../data/image.js';
export type { RGBAImage } from '../data/image.js';
export * as mpii from '../data/mpii.js';

// Kernels with their own entry points (the rest are reached through engine.ops / engine.nn).
export { gemm } from '../kernels/gemm.js';
export { installGemm } from '../ops/matmul-impl.js';
export { rasterizeHeatmaps } from '../kernels/heatmap.js';
export { packKeypoints } from '../data/pack-keypoints.js';
export { heatmapsFromPeople } from '../model/heatmaps.js';
export { focus } from '../ops/focus.js';

// Synthetic data (generated in memory; writing files is Node-only in data/synthetic/write-node.ts).
export { generateDataset, generateEvalSet, evalClasses, EVAL_TASKS, type EvalTask, type EvalSet } from '../data/synthetic/generate.js';

// The model, its checkpoints and tokenizer. Checkpoints are bytes here: fetch them, or keep what
// Trainer.checkpointBytes() returns; reading and writing files is in *-node.ts.
export { createModel, FocusClipModel, type Batch, type LossResult } from '../model/focusclip.js';
export { PRESETS, makeModelConfig, countParams, type ModelConfig } from '../model/config.js';
export { encodeParams, decodeCheckpoint, loadParams, configFromMetadata } from '../model/checkpoint.js';
export { encodeSafetensors, decodeSafetensors } from '../model/safetensors.js';
export { WordPieceTokenizer } from '../model/tokenizer.js';
export { buildVocab } from '../model/vocab.js';

// Training and zero-shot evaluation.
export { Trainer, readTrainingState, type StepLog, type TrainerHooks } from '../train/trainer.js';
export { TrainSet } from '../train/batches.js';
export { RECIPES, makeTrainConfig, type TrainConfig } from '../train/config.js';
export { captionTokenizer, modelConfigFor } from '../train/pipeline.js';
export { asZeroShotModel, syntheticEvalDataset } from '../train/zeroshot.js';
export { loadCheckpoint, type LoadedCheckpoint, type LoadCheckpointOptions } from '../train/load-checkpoint.js';
export { evaluate, type EvaluateOptions } from '../eval/zeroshot.js';
export { classifyImage, type Classification } from '../eval/classify.js';
export type { ZeroShotModel, EvalDataset, EvalResult } from '../eval/types.js';
