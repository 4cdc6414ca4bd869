// Deep equality with vitest's `toEqual` semantics (Object.is for primitives, so NaN equals NaN and
// 0 differs from -0; undefined properties are ignored; typed arrays must have the same type) and a
// compact value printer for failure messages. Asymmetric matchers (expect.any, expect.closeTo...)
// plug in through `asymmetricMatch`.

export interface Asymmetric {
  asymmetricMatch(other: unknown): boolean;
  toString(): string;
}

export function isAsymmetric(x: unknown): x is Asymmetric {
  return !!x && typeof (x as Asymmetric).asymmetricMatch === 'function';
}

const tag = (x: unknown) => Object.prototype.toString.call(x);

export function equals(a: unknown, b: unknown, strict = false, seen: [unknown, unknown][] = []): boolean {
  if (isAsymmetric(b)) return b.asymmetricMatch(a);
  if (isAsymmetric(a)) return a.asymmetricMatch(b);
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (tag(a) !== tag(b)) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Error && b instanceof Error) return a.message === b.message && a.name === b.name;
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (a instanceof RegExp && b instanceof RegExp) return a.source === b.source && a.flags === b.flags;
  for (const [x, y] of seen) if (x === a && y === b) return true;
  seen = [...seen, [a, b]];
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !equals(v, b.get(k), strict, seen)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v) && ![...b].some((w) => equals(v, w, strict, seen))) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (strict && (i in a) !== (i in b)) return false;
      if (!equals(a[i], b[i], strict, seen)) return false;
    }
    return true;
  }
  const keys = (o: object) => Object.keys(o).filter((k) => strict || (o as Record<string, unknown>)[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!equals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], strict, seen)) return false;
  }
  return true;
}

/** `actual` contains at least `expected`'s properties, recursively (toMatchObject). */
export function matchesObject(actual: unknown, expected: unknown): boolean {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual);
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return equals(actual, expected);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((v, i) => matchesObject(actual[i], v));
  }
  return Object.keys(expected).every(
    (k) => k in (actual as object) && matchesObject((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]),
  );
}

const MAX_ITEMS = 12;

export function fmt(x: unknown, depth = 0): string {
  if (isAsymmetric(x)) return x.toString();
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return `[Function ${x.name || 'anonymous'}]`;
  if (typeof x !== 'object' || x === null) return String(x);
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (depth > 3) return Array.isArray(x) ? '[Array]' : '[Object]';
  const list = (items: unknown[], total: number) =>
    items.map((v) => fmt(v, depth + 1)).join(', ') + (total > items.length ? `, ... ${total - items.length} more` : '');
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = Array.from(x as unknown as ArrayLike<number>);
    return `${x.constructor.name}(${arr.length}) [${list(arr.slice(0, MAX_ITEMS), arr.length)}]`;
  }
  if (Array.isArray(x)) return `[${list(x.slice(0, MAX_ITEMS), x.length)}]`;
  if (x instanceof Map) return `Map {${[...x].slice(0, MAX_ITEMS).map(([k, v]) => `${fmt(k, depth + 1)} => ${fmt(v, depth + 1)}`).join(', ')}}`;
  if (x instanceof Set) return `Set {${list([...x].slice(0, MAX_ITEMS), x.size)}}`;
  const entries = Object.entries(x);
  const name = x.constructor && x.constructor !== Object ? `${x.constructor.name} ` : '';
  return `${name}{${entries.slice(0, MAX_ITEMS).map(([k, v]) => `${k}: ${fmt(v, depth + 1)}`).join(', ')}${entries.length > MAX_ITEMS ? ', ...' : ''}}`;
}
