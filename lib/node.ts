// The package's Node entry (`import ... from 'focusclip'` in Node): everything the browser entry
// has, plus the helpers that read and write files. Bundled to dist/node/index.js; the browser
// build of the same library is web/index.ts -> dist/web/focusclip.js.
/// <reference types="@webgpu/types" preserve="true" />

/**
 * FocusCLIP on a WebGPU engine of its own: tensors and autograd, WGSL kernels, the FocusCLIP and
 * CLIP models, training and zero-shot evaluation. `import ... from 'focusclip'` in Node gets
 * everything listed here; in a browser (the bundler's "browser" condition, or
 * `'focusclip/browser'`) the same library without the file helpers: readImage, decodeImage,
 * encodePng, encodeJpeg, writePng, writeFileAtomic, readFileBytes, loadCheckpointFile,
 * writeShardDir, fileSource, writeDataset, writeEvalSet, openDatasets, parseDatasetSpec,
 * DATASET_ADAPTERS, useNodeGemmCache and nodeGemmCacheStore. The guide with examples is
 * docs/library.md.
 *
 * @packageDocumentation
 */

export * from '../web/index.js';

// Files: images, checkpoints, durable writes, shards, synthetic data on disk.
export { readImage, decodeImage, encodePng, encodeJpeg, writePng } from '../data/image-node.js';
export { writeFileAtomic } from '../data/atomic-write-node.js';
export { readFileBytes } from '../model/safetensors-node.js';
export { loadCheckpointFile } from '../train/load-checkpoint-node.js';
export { writeShardDir, fileSource } from '../data/shards-node.js';
export { writeDataset, writeEvalSet } from '../data/synthetic/write-node.js';
// Datasets on disk for zero-shot evaluation (Stanford40, Kinetics-400, ..., image folders).
export { openDatasets, parseDatasetSpec, ADAPTERS as DATASET_ADAPTERS } from '../eval/adapters/index.js';
// The GEMM tuner's choices kept in a JSON file between runs.
export { useNodeGemmCache, nodeGemmCacheStore } from '../kernels/gemm-cache-node.js';
