// TypeScript against the shipped declarations (checked by `tsc --strict --noEmit` in CI): the
// types come with the package, @webgpu/types included.
import {
  Engine, Tensor, classifyImage, createModel, generateEvalSet, loadCheckpointFile, makeModelConfig, type Classification,
  type ModelConfig, type RGBAImage, type StepLog,
} from 'focusclip';
import type { Engine as BrowserEngine } from 'focusclip/browser';

export async function gradientOfSquares(values: number[]): Promise<Float32Array> {
  const engine: Engine = await Engine.create();
  try {
    const x: Tensor = engine.tensor(values, [values.length], { requiresGrad: true });
    engine.scope(() => x.mul(x).sum().backward());
    return (await x.grad!.toArray()) as Float32Array;
  } finally {
    engine.destroy();
  }
}

export function tinyConfig(): ModelConfig {
  const config = makeModelConfig('tiny', { kind: 'clip' });
  // @ts-expect-error: a preset name is a string, the types say so
  makeModelConfig(64);
  return config;
}

export async function classify(engine: Engine, checkpoint: string, image?: RGBAImage): Promise<Classification> {
  const { zeroShot, config } = loadCheckpointFile(engine, checkpoint);
  const set = generateEvalSet('age', { count: 1, size: config.vision.imageSize });
  return classifyImage(zeroShot, image ?? set.items[0].image, set.prompts);
}

export const lossOf = (log: StepLog): number => log.loss;
export const modelOn = (engine: Engine) => createModel(engine, tinyConfig(), { seed: 1 });
// The browser entry has the same Engine.
export const sameEngine = (e: BrowserEngine): Engine => e;
