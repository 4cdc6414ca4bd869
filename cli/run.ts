// Every command that needs the GPU goes through here: one engine, destroyed at the end whatever
// happens, so the process exits by itself; errors print as one clear message.
import { Engine } from '../ops/engine.js';
import type { DeviceOptions } from '../engine/device.js';

export type RunCommand = <T>(fn: (engine: Engine) => Promise<T>, opts?: DeviceOptions) => Promise<T>;

export const runCommand: RunCommand = async (fn, opts = {}) => {
  const engine = await Engine.create(opts);
  try {
    return await fn(engine);
  } finally {
    engine.destroy();
  }
};
