// loadCheckpoint for a file path (Node): the file named in every error.
import type { Engine } from '../ops/engine.js';
import { readFileBytes } from '../model/safetensors-node.js';
import { loadCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint } from './load-checkpoint.js';

export function loadCheckpointFile(engine: Engine, path: string, opts: Omit<LoadCheckpointOptions, 'source'> = {}): LoadedCheckpoint {
  return loadCheckpoint(engine, readFileBytes(path), { ...opts, source: path });
}
