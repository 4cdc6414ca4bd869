// Bad input must fail loudly with a message that names the problem, never as wrong numbers.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../test/helpers.js';

const ADD_ONE = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < p.n) { y[g.x] = x[g.x] + 1.0; }
}`;

describe('clear errors', () => {
  const E = useEngine();

  it('mismatched shapes print both shapes', () => {
    const e = E();
    e.scope(() => {
      const a = e.zeros([2, 3]);
      const b = e.zeros([4]);
      expect(() => a.add(b)).toThrow(/\[2, 3\] and \[4\] cannot be broadcast/);
      expect(() => a.matmul(e.zeros([4, 2]))).toThrow(/inner dimensions differ: \[2, 3\] @ \[4, 2\]/);
      expect(() => a.reshape([5])).toThrow(/cannot reshape .*\[2, 3\].* to \[5\]/);
      expect(() => e.tensor([1, 2, 3], [2, 2])).toThrow(/3 values cannot have shape \[2, 2\]/);
    });
  });

  it('dtype mismatch is named', () => {
    const e = E();
    e.scope(() => {
      const a = e.tensor([1, 2], [2]);
      const b = e.tensor(new Int32Array([1, 2]), [2]);
      expect(() => a.add(b)).toThrow(/dtype mismatch, .*f32.*i32/);
    });
  });

  it('reading a disposed tensor says how to keep it', async () => {
    const e = E();
    const t = e.tensor([1, 2, 3], [3]);
    t.dispose();
    await expect(t.toArray()).rejects.toThrow(/disposed tensor.*engine\.keep/);
    const leaked = e.scope(() => e.tensor([4], [1]));
    expect(await leaked.item()).toBe(4); // returned from the scope: still alive
    let inner: any;
    e.scope(() => {
      inner = e.tensor([5], [1]);
    });
    expect(() => inner.add(1)).toThrow(/disposed/);
    leaked.dispose();
  });

  it('a launch missing a binding, with a wrong dtype, or an unknown param is rejected by name', () => {
    const e = E();
    const k = e.kernel('add_one_test', ADD_ONE);
    e.scope(() => {
      const x = e.tensor([1, 2, 3], [3]);
      const y = e.empty([3]);
      expect(() => e.dispatch(k, { bind: { x }, params: { n: 3 }, workgroups: [1] })).toThrow(/add_one_test: missing binding "y"/);
      expect(() => e.dispatch(k, { bind: { x, y: e.empty([3], 'i32') }, params: { n: 3 }, workgroups: [1] })).toThrow(/binding "y" holds f32 but was given a i32/);
      expect(() => e.dispatch(k, { bind: { x, y }, params: { n: 3, m: 1 }, workgroups: [1] })).toThrow(/unknown param "m"/);
      expect(() => e.dispatch(k, { bind: { x, y }, params: {}, workgroups: [1] })).toThrow(/missing param "n"/);
      expect(() => e.dispatch(k, { bind: { x, y, z: x }, params: { n: 3 }, workgroups: [1] })).toThrow(/unknown binding\(s\) z/);
      expect(() => e.dispatch(k, { bind: { x, y }, params: { n: 3 }, workgroups: [70000] })).toThrow(/workgroup count 70000 out of range/);
      // A binding beyond maxStorageBufferBindingSize (128 MiB here; 8 bytes stands in for it) is
      // named before WebGPU rejects the bind group with a validation error.
      expect(() => k.validate({ x, y }, [1], 65535, 8)).toThrow(/binding "x" is 12 B .* more than the adapter's maxStorageBufferBindingSize/);
      expect(() => k.validate({ x, y }, [1], 65535, 12)).not.toThrow();
    });
  });

  it('a kernel that fails to compile is named when the GPU is synchronised', async () => {
    const e = E();
    const broken = ADD_ONE.replace('x[g.x] + 1.0', 'x[g.x] + undefined_symbol');
    let caught: Error | undefined;
    try {
      e.kernel('broken_kernel', broken);
      await e.sync();
    } catch (err) {
      caught = err as Error;
    }
    expect(caught?.message).toMatch(/broken_kernel/);
    await e.sync(); // the error was reported once; the engine stays usable
    const t = e.tensor([1, 2], [2]);
    expect(Array.from(await t.add(1).toArray())).toEqual([2, 3]);
  });

  it('backward on a non-scalar or on a tensor without grad explains why', () => {
    const e = E();
    e.scope(() => {
      const a = e.tensor([1, 2], [2], { requiresGrad: true });
      expect(() => a.mul(2).backward()).toThrow(/not a scalar/);
      expect(() => e.tensor([1], [1]).backward()).toThrow(/does not require grad/);
      expect(() => e.noGrad(() => a.sum()).backward()).toThrow(/does not require grad/);
    });
  });

  it('backward after the scope that computed the loss names the fix instead of losing the gradient', () => {
    const e = E();
    const x = e.tensor([1, 2], [2], { requiresGrad: true });
    const loss = e.scope(() => x.mul(x).sum());
    expect(() => loss.backward()).toThrow(/was released .* Call backward\(\) inside the scope that computed the loss/);
    expect(x.grad).toBeUndefined();
    x.dispose();
    loss.dispose();
  });
});
