// The browser test shim must fail where vitest fails and pass where it passes, or the browser suite
// would lie. This file runs under the real vitest in Node and drives the shim's own collector and
// runner on small trees.
import { describe, expect as vexpect, it as vit } from 'vitest';
import { resetRegistry, type TestFn } from './collect.js';
import { runCollected, type TestResult } from './run.js';
import * as shim from './vitest.js';

const { expect } = shim;

async function run(define: () => void, opts: Parameters<typeof runCollected>[0] = {}): Promise<Record<string, TestResult>> {
  resetRegistry();
  define();
  const results = await runCollected(opts);
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

/** Runs `body` as one shim test and returns its state and error. */
async function one(body: TestFn): Promise<TestResult> {
  const r = await run(() => shim.it('t', body));
  return r.t;
}

describe('browser test shim: matchers', () => {
  const passing: [string, () => unknown][] = [
    ['toBe', () => expect(3).toBe(3)],
    ['toBe NaN', () => expect(NaN).toBe(NaN)],
    ['toEqual arrays', () => expect([1, [2, { a: 3 }]]).toEqual([1, [2, { a: 3 }]])],
    ['toEqual ignores undefined props', () => expect({ a: 1, b: undefined }).toEqual({ a: 1 })],
    ['toEqual typed arrays', () => expect(new Float32Array([1, 2])).toEqual(new Float32Array([1, 2]))],
    ['toStrictEqual', () => expect({ a: [1] }).toStrictEqual({ a: [1] })],
    ['toBeCloseTo', () => expect(0.1 + 0.2).toBeCloseTo(0.3, 10)],
    ['toBeLessThan', () => expect(1).toBeLessThan(2)],
    ['toBeGreaterThanOrEqual', () => expect(2).toBeGreaterThanOrEqual(2)],
    ['toMatch', () => expect('shape [2, 3]').toMatch(/\[2, 3\]/)],
    ['toContain string', () => expect('matmul: inner').toContain('inner')],
    ['toContain array', () => expect([1, 2, 3]).toContain(2)],
    ['toHaveLength', () => expect([1, 2]).toHaveLength(2)],
    ['toHaveProperty', () => expect({ a: { b: [5] } }).toHaveProperty('a.b[0]', 5)],
    ['toBeDefined', () => expect(0).toBeDefined()],
    ['toBeInstanceOf', () => expect(new RangeError('x')).toBeInstanceOf(Error)],
    ['toThrow substring', () => expect(() => { throw new Error('bad shape [3]'); }).toThrow('shape')],
    ['toThrowError regexp', () => expect(() => { throw new Error('bad shape [3]'); }).toThrowError(/shape \[\d\]/)],
    ['toThrow class', () => expect(() => { throw new TypeError('x'); }).toThrow(TypeError)],
    ['not.toThrow', () => expect(() => 1).not.toThrow()],
    ['not.toEqual', () => expect([1, 2]).not.toEqual([1, 3])],
    ['toEqual asymmetric', () => expect({ n: 0.30000000000000004, s: 'abc' }).toEqual({ n: expect.closeTo(0.3, 5), s: expect.any(String) })],
    ['toMatchObject', () => expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } })],
    ['rejects.toThrow', () => expect(Promise.reject(new Error('device lost'))).rejects.toThrow('lost')],
    ['resolves.toBe', () => expect(Promise.resolve(4)).resolves.toBe(4)],
  ];
  vit.each(passing)('%s passes', async (_name, body) => {
    const r = await one(body);
    vexpect(r.error).toBeUndefined();
    vexpect(r.state).toBe('pass');
  });

  const failing: [string, () => unknown, RegExp][] = [
    ['toBe', () => expect(3).toBe(4), /expected 3 to be 4/],
    ['toEqual -0', () => expect([0]).toEqual([-0]), /deeply equal/],
    ['toEqual typed vs plain', () => expect(new Float32Array([1])).toEqual([1]), /deeply equal/],
    ['toBeCloseTo', () => expect(1.01).toBeCloseTo(1, 3), /close to 1/],
    ['toBeLessThan', () => expect(2).toBeLessThan(2), /less than 2/],
    ['not.toBe', () => expect(1).not.toBe(1), /expected 1 not to be 1/],
    ['toThrow without throw', () => expect(() => 1).toThrow('x'), /did not throw/],
    ['toThrow wrong message', () => expect(() => { throw new Error('abc'); }).toThrow('xyz'), /but got Error: abc/],
    ['not.toThrow', () => expect(() => { throw new Error('abc'); }).not.toThrow(), /not to throw/],
    ['rejects on resolve', () => expect(Promise.resolve(1)).rejects.toThrow(), /resolved 1 instead of rejecting/],
    ['resolves on reject', () => expect(Promise.reject(new Error('e'))).resolves.toBe(1), /rejected/],
    ['labelled', () => expect(1, 'loss').toBeGreaterThan(2), /^AssertionError: loss: expected 1/],
    ['toMatch non-string', () => expect(5).toMatch('5'), /expected a string/],
  ];
  vit.each(failing)('%s fails with a clear message', async (_name, body, message) => {
    const r = await one(body);
    vexpect(r.state).toBe('fail');
    vexpect(r.error).toMatch(message);
  });
});

describe('browser test shim: collection and hooks', () => {
  vit('runs hooks in vitest order and reports nested names', async () => {
    const log: string[] = [];
    const r = await run(() => {
      shim.beforeAll(() => {
        log.push('beforeAll');
        return () => log.push('teardown');
      });
      shim.afterAll(() => log.push('afterAll'));
      shim.beforeEach(() => log.push('beforeEach outer'));
      shim.afterEach(() => log.push('afterEach outer'));
      shim.describe('inner', () => {
        shim.beforeEach(() => log.push('beforeEach inner'));
        shim.afterEach(() => log.push('afterEach inner'));
        shim.it('a', () => log.push('a'));
      });
    });
    vexpect(Object.keys(r)).toEqual(['inner > a']);
    vexpect(log).toEqual(['beforeAll', 'beforeEach outer', 'beforeEach inner', 'a', 'afterEach inner', 'afterEach outer', 'teardown', 'afterAll']);
  });

  vit('a failing beforeAll fails the suite tests, afterAll still runs', async () => {
    let cleaned = false;
    const r = await run(() =>
      shim.describe('s', () => {
        shim.beforeAll(() => {
          throw new Error('no adapter');
        });
        shim.afterAll(() => {
          cleaned = true;
        });
        shim.it('x', () => {});
      }),
    );
    vexpect(r['s > x'].state).toBe('fail');
    vexpect(r['s > x'].error).toMatch(/beforeAll failed: Error: no adapter/);
    vexpect(cleaned).toBe(true);
  });

  vit('skip, todo, skipIf, only, fails, each names and grep', async () => {
    const ran: string[] = [];
    const r = await run(() => {
      shim.it.skip('skipped', () => ran.push('skipped'));
      shim.it.todo('todo');
      shim.it.skipIf(true)('skipIf', () => ran.push('skipIf'));
      shim.it.runIf(true)('runIf', () => ran.push('runIf'));
      shim.it.fails('fails', () => {
        throw new Error('expected');
      });
      shim.it.each([
        [1, 'a'],
        [2, 'b'],
      ])('each %i %s #%#', (n, s) => ran.push(`${n}${s}`));
      shim.it.each([{ size: 7 }])('size $size', ({ size }) => ran.push(`size${size}`));
      shim.describe.skip('off', () => shim.it('in off', () => ran.push('off')));
      shim.it('filtered out', () => ran.push('filtered'));
    }, { grep: /^(?!filtered)/ });
    vexpect(ran).toEqual(['runIf', '1a', '2b', 'size7']);
    vexpect(r.skipped.state).toBe('skip');
    vexpect(r.todo.state).toBe('todo');
    vexpect(r.skipIf.state).toBe('skip');
    vexpect(r.fails.state).toBe('pass');
    vexpect(r['each 1 a #0'].state).toBe('pass');
    vexpect(r['each 2 b #1'].state).toBe('pass');
    vexpect(r['size 7'].state).toBe('pass');
    vexpect(r['off > in off'].state).toBe('skip');
    vexpect(r['filtered out']).toBeUndefined();

    const only = await run(() => {
      shim.it('plain', () => {});
      shim.it.only('chosen', () => {});
    });
    vexpect(only.plain.state).toBe('skip');
    vexpect(only.chosen.state).toBe('pass');
  });

  vit('times out a hung test and keeps going', async () => {
    const r = await run(() => {
      shim.it('hangs', () => new Promise(() => {}), 50);
      shim.it('next', () => {});
    });
    vexpect(r.hangs.state).toBe('fail');
    vexpect(r.hangs.error).toMatch(/timed out in 50 ms/);
    vexpect(r.next.state).toBe('pass');
  });

  vit('ctx.skip() marks the test skipped', async () => {
    const r = await one((ctx) => ctx.skip());
    vexpect(r.state).toBe('skip');
  });
});
