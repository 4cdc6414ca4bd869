// Waiting for the GPU without burning a core.
//
// While a WebGPU promise (onSubmittedWorkDone, mapAsync) is pending, dawn.node re-arms a
// setImmediate loop that calls ProcessEvents as fast as it can: Node's main thread then spins at
// 80-100% of a core. On a 2-core machine that core is taken from lavapipe's worker threads, and GPU
// work runs 1.3-3x slower. We cannot stop Dawn from scheduling its poll, but we can make every turn
// of the event loop cheap: between turns the main thread sleeps in Atomics.wait (a real futex
// sleep, no CPU), so Dawn's poll still runs regularly but only once per slice.
//
// In browsers Atomics.wait is forbidden on the main thread and the browser does not busy-poll, so
// there a plain await is right.

import { isNode } from './device.js';

const sleeper = typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;

export type WaitMode = 'quiet' | 'busy';

let defaultMode: WaitMode = isNode && process.env.FOCUSCLIP_WAIT === 'busy' ? 'busy' : 'quiet';
export function setDefaultWaitMode(mode: WaitMode) {
  defaultMode = mode;
}

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

/** Await `p`, sleeping between event-loop turns instead of letting Dawn's poll loop spin. */
export async function waitQuietly<T>(p: Promise<T>, mode: WaitMode = defaultMode): Promise<T> {
  if (mode === 'busy' || !isNode || !sleeper) return p;
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Start with short slices so that small jobs are not delayed; long jobs settle at 2 ms slices,
  // which costs at most 2 ms of latency and a few hundred wake-ups per second.
  let sliceMs = 0.05;
  await yieldTurn();
  while (!settled) {
    Atomics.wait(sleeper, 0, 0, sliceMs);
    sliceMs = Math.min(2, sliceMs * 1.5);
    await yieldTurn();
  }
  return p;
}
