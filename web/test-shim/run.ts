// Runs the tree collected from one test file, in order, with vitest's hook semantics: beforeAll
// once per suite (skipped when none of its tests run), beforeEach outer to inner, afterEach and
// afterAll inner to outer, a failing beforeAll fails the suite's tests, and per-test timeouts.

import { fullName, registry, type HookFn, type SuiteNode, type TestContext, type TestNode } from './collect.js';

export type TestState = 'pass' | 'fail' | 'skip' | 'todo';

export interface TestResult {
  name: string;
  state: TestState;
  ms: number;
  error?: string;
}

export interface RunOptions {
  /** Only tests whose full name ("suite > test") matches run; the others are not reported. */
  grep?: RegExp;
  testTimeout?: number;
  hookTimeout?: number;
  onResult?: (r: TestResult) => void;
}

class SkipSignal extends Error {}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frames = (e.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l) && !l.includes('/test-shim/') && !l.includes('test-runner.js'))
      .slice(0, 4)
      .join('\n');
    return `${e.name}: ${e.message}${frames && e.name !== 'AssertionError' ? '\n' + frames : ''}`;
  }
  return String(e);
}

async function withTimeout<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runCollected(opts: RunOptions = {}): Promise<TestResult[]> {
  const reg = registry();
  const testTimeout = opts.testTimeout ?? 120_000;
  const hookTimeout = opts.hookTimeout ?? 60_000;
  const results: TestResult[] = [];
  const report = (r: TestResult) => {
    results.push(r);
    opts.onResult?.(r);
  };

  const chain = (s: SuiteNode): SuiteNode[] => (s.parent ? [...chain(s.parent), s] : [s]);
  const listed = (t: TestNode) => !opts.grep || opts.grep.test(fullName(t));
  const skipped = (t: TestNode) => {
    const modes = [t.mode, ...chain(t.parent).map((s) => s.mode)];
    if (modes.includes('skip') || modes.includes('todo')) return true;
    return reg.hasOnly && !modes.includes('only');
  };
  const tests = (s: SuiteNode): TestNode[] => s.children.flatMap((c) => (c.kind === 'test' ? [c] : tests(c)));
  const runs = (s: SuiteNode) => tests(s).some((t) => listed(t) && !skipped(t));

  async function runTest(t: TestNode): Promise<void> {
    const name = fullName(t);
    if (skipped(t)) return report({ name, state: t.mode === 'todo' || !t.fn ? 'todo' : 'skip', ms: 0 });
    const t0 = performance.now();
    const ctx: TestContext = {
      task: { name: t.name, fullName: name },
      skip: (note?: string) => {
        throw new SkipSignal(note ?? 'skipped');
      },
    };
    const teardowns: HookFn[] = [];
    let error: unknown;
    let threw = false;
    try {
      for (const s of chain(t.parent))
        for (const h of s.beforeEach) {
          const r = await withTimeout(h, hookTimeout, 'beforeEach hook');
          if (typeof r === 'function') teardowns.unshift(r as HookFn);
        }
      await withTimeout(() => t.fn!(ctx), t.timeout ?? testTimeout, 'test');
    } catch (e) {
      threw = true;
      error = e;
    }
    for (const s of chain(t.parent).reverse())
      for (const h of [...s.afterEach].reverse()) teardowns.push(h);
    for (const h of teardowns) {
      try {
        await withTimeout(h, hookTimeout, 'afterEach hook');
      } catch (e) {
        if (!threw || t.mode === 'fails') [threw, error] = [true, e];
      }
    }
    const ms = performance.now() - t0;
    if (error instanceof SkipSignal) return report({ name, state: 'skip', ms });
    if (t.mode === 'fails') {
      return report(threw ? { name, state: 'pass', ms } : { name, state: 'fail', ms, error: 'expected this test to fail (it.fails), but it passed' });
    }
    report(threw ? { name, state: 'fail', ms, error: describeError(error) } : { name, state: 'pass', ms });
  }

  async function runSuite(s: SuiteNode): Promise<void> {
    for (const err of s.errors) report({ name: fullName(s) || '(file)', state: 'fail', ms: 0, error: `while collecting: ${err}` });
    if (!runs(s)) {
      for (const t of tests(s)) if (listed(t)) await runTest(t);
      return;
    }
    const afterAll: HookFn[] = [];
    let setupError: unknown;
    for (const h of s.beforeAll) {
      try {
        const r = await withTimeout(h, hookTimeout, 'beforeAll hook');
        if (typeof r === 'function') afterAll.unshift(r as HookFn);
      } catch (e) {
        setupError = e;
        break;
      }
    }
    if (setupError !== undefined) {
      for (const t of tests(s))
        if (listed(t)) report(skipped(t) ? { name: fullName(t), state: 'skip', ms: 0 } : { name: fullName(t), state: 'fail', ms: 0, error: `beforeAll failed: ${describeError(setupError)}` });
    } else {
      for (const c of s.children) {
        if (c.kind === 'suite') await runSuite(c);
        else if (listed(c)) await runTest(c);
      }
    }
    afterAll.push(...[...s.afterAll].reverse());
    for (const h of afterAll) {
      try {
        await withTimeout(h, hookTimeout, 'afterAll hook');
      } catch (e) {
        report({ name: `${fullName(s) || '(file)'} [afterAll]`, state: 'fail', ms: 0, error: describeError(e) });
      }
    }
  }

  await runSuite(reg.root);
  return results;
}
