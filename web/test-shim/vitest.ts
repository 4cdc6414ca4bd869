// A small stand-in for the 'vitest' module, aliased in by the browser test bundles, so the same
// test files run unchanged in Chromium. It covers what our tests use: describe/it/test with
// skip/only/todo/fails/skipIf/runIf/each, the four hooks, and expect (see expect.ts). A file that
// imports something missing here fails to bundle and is listed as skipped, never half-run.

import { newSuite, registry, type HookFn, type Mode, type SuiteNode, type TestFn } from './collect.js';

export { expect } from './expect.js';

type Options = { timeout?: number; skip?: boolean; only?: boolean; todo?: boolean; fails?: boolean } | number;

function nameOf(n: unknown): string {
  return typeof n === 'function' ? n.name : String(n);
}

/** vitest accepts (name, fn, options) and (name, options, fn). */
function splitArgs<F>(a?: F | Options, b?: F | Options): { fn?: F; opts: Exclude<Options, number> } {
  const fn = (typeof a === 'function' ? a : typeof b === 'function' ? b : undefined) as F | undefined;
  const o = typeof a === 'function' ? b : a;
  const opts = typeof o === 'number' ? { timeout: o } : ((o as Exclude<Options, number>) ?? {});
  return { fn, opts };
}

function modeOf(base: Mode, opts: Exclude<Options, number>): Mode {
  if (opts.skip) return 'skip';
  if (opts.only) return 'only';
  if (opts.todo) return 'todo';
  if (opts.fails) return 'fails';
  return base;
}

function addSuite(mode: Mode, name: unknown, a?: (() => unknown) | Options, b?: (() => unknown) | Options): void {
  const reg = registry();
  const { fn, opts } = splitArgs<() => unknown>(a, b);
  const m = modeOf(fn ? mode : 'todo', opts);
  if (m === 'only') reg.hasOnly = true;
  const suite = newSuite(nameOf(name), m, reg.current);
  reg.current.children.push(suite);
  if (!fn) return;
  const prev = reg.current;
  reg.current = suite;
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      suite.errors.push('describe() callbacks must be synchronous in the browser shim (register tests synchronously, do async work in beforeAll).');
    }
  } catch (e) {
    suite.errors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  } finally {
    reg.current = prev;
  }
}

function addTest(mode: Mode, name: unknown, a?: TestFn | Options, b?: TestFn | Options): void {
  const reg = registry();
  const { fn, opts } = splitArgs<TestFn>(a, b);
  const m = modeOf(fn ? mode : 'todo', opts);
  if (m === 'only') reg.hasOnly = true;
  reg.current.children.push({ kind: 'test', name: nameOf(name), fn, mode: m, timeout: opts.timeout, parent: reg.current });
}

/** printf-style test names of `.each`: %s %d %i %f %j %o %# %$ %% and $property. */
function formatName(name: string, args: unknown[], index: number): string {
  let i = 0;
  let out = name.replace(/%[sdifjoO#$%]/g, (m) => {
    if (m === '%%') return '%';
    if (m === '%#') return String(index);
    if (m === '%$') return String(index + 1);
    const v = args[i++];
    if (m === '%d' || m === '%i') return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
    if (m === '%f') return String(Number(v));
    if (m === '%j' || m === '%o' || m === '%O') return JSON.stringify(v);
    return typeof v === 'string' ? v : Array.isArray(v) ? JSON.stringify(v) : String(v);
  });
  if (args.length === 1 && args[0] && typeof args[0] === 'object' && !Array.isArray(args[0])) {
    const obj = args[0] as Record<string, unknown>;
    out = out.replace(/\$([\w.]+)/g, (m, key: string) => (key in obj ? (typeof obj[key] === 'string' ? (obj[key] as string) : JSON.stringify(obj[key])) : m));
  }
  return out;
}

function eachOf<F extends (...a: any[]) => unknown>(add: (name: string, fn: F | undefined, opts?: Options) => void) {
  return (table: readonly unknown[]) => {
    if (!Array.isArray(table)) throw new Error('.each with a template literal table is not supported by the browser shim; pass an array.');
    return (name: unknown, fn?: (...args: any[]) => unknown, opts?: Options) => {
      table.forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        add(formatName(nameOf(name), args, index), fn && ((() => fn(...args)) as F), opts);
      });
    };
  };
}

function makeTestApi(base: Mode) {
  const t = (name: unknown, a?: TestFn | Options, b?: TestFn | Options) => addTest(base, name, a, b);
  return t;
}

function makeSuiteApi(base: Mode) {
  return (name: unknown, a?: (() => unknown) | Options, b?: (() => unknown) | Options) => addSuite(base, name, a, b);
}

const testApi = Object.assign(makeTestApi('run'), {
  skip: makeTestApi('skip'),
  only: makeTestApi('only'),
  todo: (name: unknown) => addTest('todo', name),
  fails: makeTestApi('fails'),
  concurrent: makeTestApi('run'),
  sequential: makeTestApi('run'),
  skipIf: (cond: unknown) => makeTestApi(cond ? 'skip' : 'run'),
  runIf: (cond: unknown) => makeTestApi(cond ? 'run' : 'skip'),
  each: eachOf<TestFn>((name, fn, opts) => addTest('run', name, fn, opts)),
});

const suiteApi = Object.assign(makeSuiteApi('run'), {
  skip: makeSuiteApi('skip'),
  only: makeSuiteApi('only'),
  todo: (name: unknown) => addSuite('todo', name),
  concurrent: makeSuiteApi('run'),
  sequential: makeSuiteApi('run'),
  skipIf: (cond: unknown) => makeSuiteApi(cond ? 'skip' : 'run'),
  runIf: (cond: unknown) => makeSuiteApi(cond ? 'run' : 'skip'),
  each: eachOf<() => unknown>((name, fn, opts) => addSuite('run', name, fn, opts)),
});

export const it = testApi;
export const test = testApi;
export const describe = suiteApi;
export const suite = suiteApi;

function hook(kind: 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach') {
  return (fn: HookFn, _timeout?: number) => {
    const s: SuiteNode = registry().current;
    s[kind].push(fn);
  };
}

export const beforeAll = hook('beforeAll');
export const afterAll = hook('afterAll');
export const beforeEach = hook('beforeEach');
export const afterEach = hook('afterEach');
