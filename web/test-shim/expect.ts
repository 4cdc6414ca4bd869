// `expect` for the browser test shim: the matchers our tests use, with `.not`, `.resolves` and
// `.rejects`, plus the common asymmetric matchers. Messages follow vitest's wording closely enough
// that a failure reads the same in Node and in Chromium.

import { equals, fmt, isAsymmetric, matchesObject, type Asymmetric } from './equals.js';

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

type Check = { pass: boolean; message: () => string; notMessage?: () => string };
type Matcher = (actual: unknown, ...args: any[]) => Check;

function thrownBy(fn: unknown): { threw: boolean; error?: unknown } {
  if (typeof fn !== 'function') throw new AssertionError(`expected a function to call, got ${fmt(fn)}`);
  try {
    fn();
  } catch (error) {
    return { threw: true, error };
  }
  return { threw: false };
}

/** Does a thrown value fit toThrow's argument (substring, RegExp, Error class, Error, asymmetric)? */
function errorMatches(error: unknown, expected: unknown): boolean {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String((error as any)?.message ?? error);
  if (expected === undefined) return true;
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === 'function') return error instanceof expected;
  if (isAsymmetric(expected)) return expected.asymmetricMatch(error);
  if (expected instanceof Error) return message === expected.message;
  if (typeof expected === 'object' && expected) return matchesObject(error, expected);
  return false;
}

function throwMatcher(actual: unknown, expected: unknown, rejected?: { threw: boolean; error?: unknown }): Check {
  const r = rejected ?? thrownBy(actual);
  const what = expected === undefined ? '' : ` matching ${expected instanceof RegExp ? String(expected) : typeof expected === 'function' ? expected.name : fmt(expected)}`;
  return {
    pass: r.threw && errorMatches(r.error, expected),
    message: () => (r.threw ? `expected the error${what}, but got ${fmt(r.error)}` : `expected to throw an error${what}, but it did not throw`),
    notMessage: () => `expected not to throw an error${what}, but it threw ${fmt(r.error)}`,
  };
}

function num(x: unknown, what: string): number | bigint {
  if (typeof x !== 'number' && typeof x !== 'bigint') throw new AssertionError(`${what}: expected a number, got ${fmt(x)}`);
  return x;
}

function getPath(obj: unknown, path: string | readonly (string | number)[]): { found: boolean; value?: unknown } {
  const parts = typeof path === 'string' ? path.replace(/\[(\w+)\]/g, '.$1').split('.').filter(Boolean) : path;
  let cur: any = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined || !(p in Object(cur))) return { found: false };
    cur = cur[p];
  }
  return { found: true, value: cur };
}

const matchers: Record<string, Matcher> = {
  toBe: (a, e) => ({ pass: Object.is(a, e), message: () => `expected ${fmt(a)} to be ${fmt(e)} // Object.is equality` }),
  toEqual: (a, e) => ({ pass: equals(a, e), message: () => `expected ${fmt(a)} to deeply equal ${fmt(e)}` }),
  toStrictEqual: (a, e) => ({ pass: equals(a, e, true), message: () => `expected ${fmt(a)} to strictly equal ${fmt(e)}` }),
  toMatchObject: (a, e) => ({ pass: matchesObject(a, e), message: () => `expected ${fmt(a)} to match object ${fmt(e)}` }),
  toBeCloseTo: (a, e, digits = 2) => {
    const x = num(a, 'toBeCloseTo') as number;
    const y = num(e, 'toBeCloseTo') as number;
    const pass = (x === Infinity && y === Infinity) || (x === -Infinity && y === -Infinity) || Math.abs(x - y) < 10 ** -digits / 2;
    return { pass, message: () => `expected ${fmt(x)} to be close to ${fmt(y)} (${digits} digits; difference ${Math.abs(x - y)})` };
  },
  toBeLessThan: (a, e) => ({ pass: num(a, 'toBeLessThan') < num(e, 'toBeLessThan'), message: () => `expected ${fmt(a)} to be less than ${fmt(e)}` }),
  toBeLessThanOrEqual: (a, e) => ({ pass: num(a, 'toBeLessThanOrEqual') <= num(e, 'toBeLessThanOrEqual'), message: () => `expected ${fmt(a)} to be less than or equal to ${fmt(e)}` }),
  toBeGreaterThan: (a, e) => ({ pass: num(a, 'toBeGreaterThan') > num(e, 'toBeGreaterThan'), message: () => `expected ${fmt(a)} to be greater than ${fmt(e)}` }),
  toBeGreaterThanOrEqual: (a, e) => ({
    pass: num(a, 'toBeGreaterThanOrEqual') >= num(e, 'toBeGreaterThanOrEqual'),
    message: () => `expected ${fmt(a)} to be greater than or equal to ${fmt(e)}`,
  }),
  toBeNaN: (a) => ({ pass: Number.isNaN(a), message: () => `expected ${fmt(a)} to be NaN` }),
  toBeDefined: (a) => ({ pass: a !== undefined, message: () => `expected ${fmt(a)} to be defined` }),
  toBeUndefined: (a) => ({ pass: a === undefined, message: () => `expected ${fmt(a)} to be undefined` }),
  toBeNull: (a) => ({ pass: a === null, message: () => `expected ${fmt(a)} to be null` }),
  toBeTruthy: (a) => ({ pass: !!a, message: () => `expected ${fmt(a)} to be truthy` }),
  toBeFalsy: (a) => ({ pass: !a, message: () => `expected ${fmt(a)} to be falsy` }),
  toBeTypeOf: (a, t) => ({ pass: typeof a === t, message: () => `expected ${fmt(a)} to be type of ${t}` }),
  toBeInstanceOf: (a, c) => ({ pass: a instanceof c, message: () => `expected ${fmt(a)} to be an instance of ${c?.name}` }),
  toBeOneOf: (a, list: unknown[]) => ({ pass: list.some((v) => equals(a, v)), message: () => `expected ${fmt(a)} to be one of ${fmt(list)}` }),
  toSatisfy: (a, pred: (x: unknown) => boolean) => ({ pass: !!pred(a), message: () => `expected ${fmt(a)} to satisfy ${pred.name || 'the predicate'}` }),
  toMatch: (a, e) => {
    if (typeof a !== 'string') throw new AssertionError(`toMatch: expected a string, got ${fmt(a)}`);
    return { pass: typeof e === 'string' ? a.includes(e) : e.test(a), message: () => `expected ${fmt(a)} to match ${typeof e === 'string' ? fmt(e) : String(e)}` };
  },
  toContain: (a, e) => {
    const pass = typeof a === 'string' ? a.includes(String(e)) : a != null && typeof (a as any)[Symbol.iterator] === 'function' ? [...(a as Iterable<unknown>)].includes(e) : false;
    return { pass, message: () => `expected ${fmt(a)} to contain ${fmt(e)}` };
  },
  toContainEqual: (a, e) => ({ pass: [...((a as Iterable<unknown>) ?? [])].some((v) => equals(v, e)), message: () => `expected ${fmt(a)} to contain an item equal to ${fmt(e)}` }),
  toHaveLength: (a, n) => ({ pass: (a as any)?.length === n, message: () => `expected ${fmt(a)} to have length ${n}, got ${(a as any)?.length}` }),
  toHaveProperty: (a, path, ...value) => {
    const r = getPath(a, path);
    const pass = r.found && (value.length === 0 || equals(r.value, value[0]));
    return { pass, message: () => `expected ${fmt(a)} to have property ${fmt(path)}${value.length ? ` equal to ${fmt(value[0])}` : ''}${r.found ? ` (it is ${fmt(r.value)})` : ''}` };
  },
  toThrow: (a, e) => throwMatcher(a, e),
  toThrowError: (a, e) => throwMatcher(a, e),
};

export type Assertion = Record<string, (...args: any[]) => any> & { not: Assertion; resolves: Assertion; rejects: Assertion };

function assertion(actual: unknown, label: string | undefined, negate: boolean, mode: 'sync' | 'resolves' | 'rejects'): Assertion {
  const apply = (name: string, value: unknown, args: unknown[], rejected?: { threw: boolean; error?: unknown }) => {
    const c = rejected ? throwMatcher(value, args[0], rejected) : matchers[name](value, ...args);
    if (c.pass === negate) {
      const msg = !negate ? c.message() : c.notMessage ? c.notMessage() : c.message().replace(/^expected (.*?) to /, 'expected $1 not to ');
      throw new AssertionError(`${label ? label + ': ' : ''}${msg}`);
    }
  };
  const target: Record<string, unknown> = {};
  for (const name of Object.keys(matchers)) {
    target[name] = (...args: unknown[]) => {
      if (mode === 'sync') return apply(name, actual, args);
      return Promise.resolve(actual).then(
        (v) => {
          if (mode === 'rejects') throw new AssertionError(`${label ? label + ': ' : ''}promise resolved ${fmt(v)} instead of rejecting`);
          apply(name, v, args);
        },
        (err) => {
          if (mode === 'resolves') throw new AssertionError(`${label ? label + ': ' : ''}promise rejected ${fmt(err)} instead of resolving`);
          // Thrown-error matchers look at the rejection reason; others match the reason as a value.
          if (name === 'toThrow' || name === 'toThrowError') apply(name, err, args, { threw: true, error: err });
          else apply(name, err, args);
        },
      );
    };
  }
  Object.defineProperty(target, 'not', { get: () => assertion(actual, label, !negate, mode) });
  Object.defineProperty(target, 'resolves', { get: () => assertion(actual, label, negate, 'resolves') });
  Object.defineProperty(target, 'rejects', { get: () => assertion(actual, label, negate, 'rejects') });
  return target as Assertion;
}

function asym(name: string, match: (x: unknown) => boolean): Asymmetric {
  return { asymmetricMatch: match, toString: () => name };
}

export interface ExpectStatic {
  (actual: unknown, message?: string): Assertion;
  any(c: unknown): Asymmetric;
  anything(): Asymmetric;
  closeTo(n: number, digits?: number): Asymmetric;
  stringContaining(s: string): Asymmetric;
  stringMatching(r: string | RegExp): Asymmetric;
  arrayContaining(items: unknown[]): Asymmetric;
  objectContaining(o: object): Asymmetric;
}

const primitiveOf = new Map<unknown, string>([
  [Number, 'number'],
  [String, 'string'],
  [Boolean, 'boolean'],
  [BigInt, 'bigint'],
  [Symbol, 'symbol'],
  [Function, 'function'],
]);

export const expect = Object.assign((actual: unknown, message?: string) => assertion(actual, message, false, 'sync'), {
  any: (c: any) => asym(`Any<${c?.name}>`, (x) => typeof x === primitiveOf.get(c) || x instanceof c),
  anything: () => asym('Anything', (x) => x !== null && x !== undefined),
  closeTo: (n: number, digits = 2) => asym(`CloseTo ${n} (${digits} digits)`, (x) => typeof x === 'number' && Math.abs(x - n) < 10 ** -digits / 2),
  stringContaining: (s: string) => asym(`StringContaining ${fmt(s)}`, (x) => typeof x === 'string' && x.includes(s)),
  stringMatching: (r: string | RegExp) => asym(`StringMatching ${String(r)}`, (x) => typeof x === 'string' && new RegExp(r).test(x)),
  arrayContaining: (items: unknown[]) => asym(`ArrayContaining ${fmt(items)}`, (x) => Array.isArray(x) && items.every((i) => x.some((v) => equals(v, i)))),
  objectContaining: (o: object) => asym(`ObjectContaining ${fmt(o)}`, (x) => matchesObject(x, o)),
}) as ExpectStatic;
