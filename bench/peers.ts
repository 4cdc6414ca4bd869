// The benchmark peers: TensorFlow.js's WebGPU backend and jax-js, set up in Node on the same
// adapter (Dawn through the `webgpu` package). Dev dependencies of the benchmarks only.
//
// Facts that make this work: tfjs-backend-webgpu registers its backend at import time only if
// `navigator.gpu` exists, so the shim goes in first and the import is dynamic; jax-js reads
// `navigator.userAgent` (and needs `node --harmony-iterator-helpers` on Node 20). Results are
// awaited through their own read paths (tfjs `data()`, jax-js `blockUntilReady()`), which finish
// and submit their encoders, wrapped in waitQuietly like ours so nobody busy-polls.

import { create, globals } from 'webgpu';
import { waitQuietly } from '../engine/wait.js';

let shimmed = false;

/** How to get each peer, for the line that says it was skipped. */
export const PEER_INSTALL = {
  tfjs: 'npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu',
  jax: 'npm install @jax-js/jax',
  torch: 'apt-get install python3-torch (Debian/Ubuntu) or pip install torch',
} as const;

const PEER_NAMES = { tfjs: 'TensorFlow.js (WebGPU)', jax: 'jax-js (WebGPU)', torch: 'PyTorch (CPU)' } as const;

/** The line printed when a peer cannot run: not installed (with the command that installs it) or failed. */
export function peerSkipped(peer: keyof typeof PEER_INSTALL, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const missing = e?.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(e?.message ?? '');
  const why = missing ? `not installed; to compare with it: ${PEER_INSTALL[peer]}` : (e?.message ?? String(err));
  return `${PEER_NAMES[peer]} skipped: ${why}`;
}

/** Give Node a `navigator` with WebGPU (Dawn) the way browsers have it. */
export function installNavigatorShim(): void {
  if (shimmed) return;
  shimmed = true;
  Object.assign(globalThis, globals);
  const nav = ((globalThis as any).navigator ??= {}) as any;
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
  if (!nav.userAgent) Object.defineProperty(nav, 'userAgent', { value: 'Node.js', configurable: true });
}

export interface TfjsPeer {
  tf: typeof import('@tensorflow/tfjs-core');
  /** Wait (quietly) until everything queued before `t` has run, reading back one element. */
  wait(t: import('@tensorflow/tfjs-core').Tensor): Promise<void>;
}

/** TensorFlow.js with its WebGPU backend active and ready. */
export async function setupTfjs(): Promise<TfjsPeer> {
  installNavigatorShim();
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise.');
  await tf.ready();
  return {
    tf,
    async wait(t) {
      // A 1-element slice: reading it flushes tfjs's encoder and waits for all earlier work
      // without copying the whole result to the host.
      const flat = tf.reshape(t, [-1]);
      const one = tf.slice(flat, [0], [1]);
      flat.dispose();
      await waitQuietly(one.data());
      one.dispose();
    },
  };
}

export interface JaxPeer {
  jax: typeof import('@jax-js/jax');
  np: typeof import('@jax-js/jax').numpy;
  wait(x: import('@jax-js/jax').Array): Promise<void>;
}

/** jax-js with its WebGPU device as the default. */
export async function setupJax(): Promise<JaxPeer> {
  installNavigatorShim();
  if (typeof (globalThis as { Iterator?: { prototype?: { map?: unknown } } }).Iterator?.prototype?.map !== 'function') {
    // Node 20 has iterator helpers only behind a flag; bin/focusclip.js passes it for `bench`.
    throw new Error('jax-js needs JavaScript iterator helpers: Node >= 22, or node --harmony-iterator-helpers');
  }
  const jax = await import('@jax-js/jax');
  const got = await jax.init('webgpu');
  if (!got.includes('webgpu')) throw new Error(`jax-js: no webgpu device (got ${got.join(', ') || 'none'}).`);
  jax.defaultDevice('webgpu');
  return {
    jax,
    np: jax.numpy,
    async wait(x) {
      await waitQuietly(x.blockUntilReady());
    },
  };
}
