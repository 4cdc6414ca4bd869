// GPU timestamp profiling: per-kernel time and dispatch counts, across a full query set, and
// nothing left over once it stops.
import { describe, expect, it } from 'vitest';
import { useEngine } from '../test/helpers.js';

describe('profiling', () => {
  const engine = useEngine();

  it('counts every dispatch per kernel, past a full query set, and leaves dispatching as it was', async () => {
    const e = engine();
    if (!e.hasTimestamps) {
      expect(() => e.startProfiling()).toThrow(/no 'timestamp-query' feature; time whole steps on the host instead/);
      return;
    }
    const x = e.tensor([1, 2, 3, 4], [4]);
    expect(await e.stopProfiling()).toEqual([]); // not profiling: nothing to report
    e.startProfiling();
    e.startProfiling(); // a second start keeps the first profile
    let y = x;
    e.scope(() => {
      for (let i = 0; i < 600; i++) y = e.keep(y.add(1)); // more dispatches than one query set holds
    });
    expect(Array.from(await y.toArray())).toEqual([601, 602, 603, 604]);
    e.scope(() => void x.exp());
    const timings = await e.stopProfiling();
    expect(timings.map((t) => [t.kernel, t.count]).sort()).toEqual([['map:add_s', 600], ['map:exp', 1]]);
    expect(timings.every((t) => t.ms >= 0 && t.count >= 1)).toBe(true);
    expect(timings.map((t) => t.ms)).toEqual([...timings.map((t) => t.ms)].sort((a, b) => b - a));
    // Stopped: dispatches go back into the shared pass and nothing more is timed.
    const before = e.counters.submits;
    e.scope(() => void x.add(1).add(1));
    expect(e.counters.submits).toBe(before);
    expect(await e.stopProfiling()).toEqual([]);
  });
});
