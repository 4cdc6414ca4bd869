// Device acquisition and loss: the errors a user meets first must say what to do.
import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import { Engine } from '../ops/engine.js';
import { acquireDevice, isNode, NoAdapterError } from './device.js';

type NdView = { data: ArrayLike<number>; shape: number[]; stride: number[]; offset: number };

/** An ndarray view's elements in its own (logical, row-major) order, as the view's array type. */
function ndarrayToFlat(nd: NdView): Float32Array | Int32Array | Uint32Array {
  const n = nd.shape.reduce((a, b) => a * b, 1);
  const out = nd.data instanceof Int32Array ? new Int32Array(n) : nd.data instanceof Uint32Array ? new Uint32Array(n) : new Float32Array(n);
  const idx = new Array(nd.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = nd.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d] * nd.stride[d];
    out[i] = nd.data[off];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < nd.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A tensor from an ndarray view: its elements in view order, with the view's shape. */
const fromNdarray = (e: Engine, nd: NdView) => e.tensor(ndarrayToFlat(nd), nd.shape);

describe('device', () => {
  it.runIf(isNode)('no adapter: the error names the platform and the Debian command', async () => {
    let err: Error | undefined;
    try {
      await Engine.create({ dawnOptions: ['adapter=no-such-adapter'] });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(NoAdapterError);
    expect(err!.message).toMatch(/No WebGPU adapter found on node/);
    expect(err!.message).toMatch(/apt-get install -y -t bookworm-backports mesa-vulkan-drivers/);
    // an adapter list from Dawn helps pick a name
    expect(err!.message).toMatch(/Available adapters|no suitable/);
  });

  it('an injected device is used as it is and survives engine.destroy()', async () => {
    const { device } = await acquireDevice();
    const e = await Engine.create({ device });
    expect(e.device).toBe(device);
    const t = e.tensor([1.5, -2], [2]);
    expect(Array.from(await t.add(1).toArray())).toEqual([2.5, -1]);
    e.destroy();
    // still usable by its owner
    const buf = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE });
    buf.destroy();
    device.destroy();
  });

  it('device loss surfaces as an error naming the last kernel, never as numbers', async () => {
    const { device } = await acquireDevice();
    const e = await Engine.create({ device });
    const t = e.tensor([1, 2, 3], [3]);
    const u = t.exp();
    await u.toArray();
    device.destroy();
    await device.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(() => t.add(1)).toThrow(/GPU device was lost.*last kernel launched: map:exp/);
    await expect(u.toArray()).rejects.toThrow(/device was lost/);
  });

  it('tensors from ndarray views keep the view order (strided, offset)', async () => {
    const e = await Engine.create();
    try {
      const base = ndarray(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), [3, 4]);
      const view = base.transpose(1, 0).hi(3, 2).lo(1, 0); // shape [2, 2] of a transposed view
      const t = fromNdarray(e, view);
      expect(t.shape).toEqual([2, 2]);
      expect(Array.from(await t.toArray())).toEqual([1, 5, 2, 6]);
      const i = fromNdarray(e, ndarray(new Int32Array([7, -3]), [2]));
      expect(i.dtype).toBe('i32');
      expect(Array.from(await i.toArray())).toEqual([7, -3]);
    } finally {
      e.destroy();
    }
  });
});
