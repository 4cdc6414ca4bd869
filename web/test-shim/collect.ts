// The tree a test file builds while it is imported: suites, tests and hooks, the way vitest
// collects them. The state lives on globalThis so that every copy of the shim (one per bundle,
// if a bundler ever duplicates it) registers into the same tree.

export type Mode = 'run' | 'skip' | 'only' | 'todo' | 'fails';
export type HookFn = () => unknown;
export type TestFn = (ctx: TestContext) => unknown;

export interface TestContext {
  task: { name: string; fullName: string };
  /** Skip the running test (vitest's `ctx.skip()`). */
  skip(note?: string): never;
}

export interface TestNode {
  kind: 'test';
  name: string;
  fn?: TestFn;
  mode: Mode;
  timeout?: number;
  parent: SuiteNode;
}

export interface SuiteNode {
  kind: 'suite';
  name: string;
  mode: Mode;
  parent?: SuiteNode;
  children: (SuiteNode | TestNode)[];
  beforeAll: HookFn[];
  afterAll: HookFn[];
  beforeEach: HookFn[];
  afterEach: HookFn[];
  /** Errors thrown while collecting (e.g. a describe body that throws). */
  errors: string[];
}

interface Registry {
  root: SuiteNode;
  current: SuiteNode;
  hasOnly: boolean;
}

const KEY = '__focusclipVitestShim';

export function newSuite(name: string, mode: Mode, parent?: SuiteNode): SuiteNode {
  return { kind: 'suite', name, mode, parent, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], errors: [] };
}

export function registry(): Registry {
  const g = globalThis as any;
  if (!g[KEY]) resetRegistry();
  return g[KEY];
}

/** Start a fresh tree: called by the page runner before importing each test file. */
export function resetRegistry(): void {
  const root = newSuite('', 'run');
  (globalThis as any)[KEY] = { root, current: root, hasOnly: false } satisfies Registry;
}

export function fullName(node: SuiteNode | TestNode): string {
  const parts: string[] = [];
  for (let n: SuiteNode | TestNode | undefined = node; n; n = n.parent) if (n.name) parts.unshift(n.name);
  return parts.join(' > ');
}
