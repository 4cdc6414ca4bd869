// `focusclip bench all [--json] [--out DIR] [--quick] [--budget S] [--suites a,b] [--families a,b]`:
// what to run on a new adapter. First the correctness smoke (bench/smoke.ts: every kernel family and layout,
// the discrete-GPU kernels included, against the CPU references), then every suite of
// bench/registry.ts at its reduced size, each in its own engine. One JSON holds it all: the
// adapter (as `focusclip info --json` prints it), the date, Node, the load average at the start and
// the end, the smoke's checks and each suite's results. Exit status 1 when a check or a suite
// fails (after the JSON is written).
//
// The time budget (--budget, default 480 s) keeps the whole run within minutes where kernels compile
// slowly (a CPU adapter with a cold shader cache). The smoke always runs. The suites run cheapest
// first; before each, its time is predicted as a multiple of the smoke's (registry `cost`), and it
// runs at its reduced size if that fits in what is left of the budget, at its quick size if that
// fits, and is otherwise skipped and named so.

import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../ops/engine.js';
import { adapterReport, type AdapterReport } from '../cli/info.js';
import { runSmoke, smokeTable, SMOKE_FAMILIES, type SmokeResult, type SmokeSize } from './smoke.js';
import { suites } from './registry.js';
import type { BenchOutput } from './output.js';

export interface SuiteRun {
  args: string[];
  status: 'ok' | 'failed' | 'skipped';
  seconds: number;
  headline?: string;
  error?: string;
  /** Why the suite did not run (the time budget). */
  skipped?: string;
  /** The files the suite wrote (its JSON parsed), by name; charts are left out. */
  results: Record<string, unknown>;
}

export interface AllReport {
  command: string;
  date: string;
  node: string;
  host: { platform: string; arch: string; cpus: number };
  info: AdapterReport;
  /** 1, 5 and 15 minute load averages (the machine may be shared). */
  loadAverage: { start: number[]; end: number[] };
  seconds: number;
  smoke: { size: SmokeSize; checks: number; passed: number; failed: number; skipped: number; seconds: number; results: SmokeResult[] };
  suites: Record<string, SuiteRun>;
  /** Seconds the suites are fitted into (the smoke always runs). */
  budget: number;
  /** True when every check passed and no suite failed. */
  ok: boolean;
}

export const DEFAULT_BUDGET_S = 480;

export interface AllOptions {
  quick: boolean;
  budget: number;
  json: boolean;
  suites: string[];
  families?: string[];
}

export function parseAllArgs(args: string[]): AllOptions {
  const value = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`bench all: ${name} needs a comma list, e.g. ${name} ${name === '--suites' ? 'gemm,nn' : 'gemm,attention'}.`);
    return v.split(',').filter(Boolean);
  };
  const known = new Set(['--quick', '--json', '--suites', '--families', '--budget']);
  for (let i = 0; i < args.length; i++) {
    if (!known.has(args[i])) throw new Error(`bench all: unknown option ${args[i]}; options: --json, --quick, --out DIR, --budget SECONDS, --suites a,b (or none), --families a,b.`);
    if (args[i] === '--suites' || args[i] === '--families' || args[i] === '--budget') i++;
  }
  const b = args.indexOf('--budget');
  const budget = b < 0 ? DEFAULT_BUDGET_S : Number(args[b + 1]);
  if (!(budget >= 0)) throw new Error(`bench all: --budget needs a number of seconds >= 0, got ${args[b + 1]}.`);
  const picked = value('--suites');
  const names = picked?.includes('none') ? [] : (picked ?? Object.keys(suites));
  const bad = names.filter((s) => !suites[s]);
  if (bad.length) throw new Error(`bench all: unknown suite ${bad.join(', ')}; suites: ${Object.keys(suites).join(', ')} (or none).`);
  const families = value('--families');
  const badF = (families ?? []).filter((f) => !(SMOKE_FAMILIES as readonly string[]).includes(f));
  if (badF.length) throw new Error(`bench all: unknown kernel family ${badF.join(', ')}; families: ${SMOKE_FAMILIES.join(', ')}.`);
  return { quick: args.includes('--quick'), json: args.includes('--json'), budget, suites: names, families };
}

/** A BenchOutput that keeps what a suite writes instead of writing it: its JSON goes into the report. */
function captureOutput(into: Record<string, unknown>, where: string): BenchOutput {
  return {
    dir: where,
    write(name, data) {
      if (name.endsWith('.json')) {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        into[name] = JSON.parse(text);
      }
      return `${where} (${name})`;
    },
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'adapter';

/** bench/results/all-<adapter>-<date>.json (under the output folder). */
export function allFileName(info: AdapterReport, date: Date): string {
  const a = info.adapter;
  return `all-${slug(a.device || a.description || a.vendor)}-${date.toISOString().slice(0, 10)}.json`;
}

const loads = () => loadavg().map((x) => +x.toFixed(2));

/**
 * Run the smoke and the suites; write the report under `out`. Progress goes to `log` (stderr with
 * --json, so stdout holds only the JSON). Returns the report and where it was written.
 */
export async function runAll(args: string[], out: BenchOutput, log: (line: string) => void = console.log): Promise<{ report: AllReport; path: string }> {
  const opts = parseAllArgs(args);
  const t0 = performance.now();
  const start = new Date();
  const loadStart = loads();
  const size: SmokeSize = opts.quick ? 'tiny' : 'small';

  // 1. The correctness smoke, on one engine.
  const e = await Engine.create();
  let info: AdapterReport;
  let smoke: SmokeResult[];
  const s0 = performance.now();
  try {
    info = adapterReport(e);
    log(`adapter: ${info.adapter.description || info.adapter.device} (${info.adapter.vendor}, ${info.adapter.architecture}); features: ${Object.entries(info.features).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ')}; load average ${loadStart.join(' ')}`);
    log(`correctness smoke (${size} shapes): every kernel family and layout vs the CPU references...`);
    smoke = await runSmoke(e, {
      size,
      families: opts.families,
    });
  } finally {
    e.destroy();
  }
  const smokeSeconds = (performance.now() - s0) / 1000;
  const failed = smoke.filter((r) => !r.pass);
  const skipped = smoke.filter((r) => r.skipped);
  log(smokeTable(smoke).join('\n'));
  log(`smoke: ${smoke.length} checks, ${smoke.length - failed.length - skipped.length} passed, ${failed.length} failed, ${skipped.length} skipped (${smokeSeconds.toFixed(1)} s)\n`);

  // 2. Every suite at its reduced size, each with its own engine.
  const path = join(out.dir, allFileName(info, start));
  const runs: Record<string, SuiteRun> = {};
  const order = [...opts.suites].sort((a, b) => suites[a].reduced.cost - suites[b].reduced.cost);
  for (const name of order) {
    const suite = suites[name];
    const elapsed = (performance.now() - t0) / 1000;
    const left = opts.budget - elapsed;
    const full = !opts.quick && suite.reduced.cost * smokeSeconds <= left;
    if (!full && suite.reduced.quickCost * smokeSeconds > left) {
      const why = `over the time budget (${elapsed.toFixed(0)} s of ${opts.budget} s used, ~${(suite.reduced.quickCost * smokeSeconds).toFixed(0)} s predicted; --budget raises it)`;
      runs[name] = { args: [], status: 'skipped', seconds: 0, results: {}, skipped: why };
      log(`== ${name}: skipped, ${why}\n`);
      continue;
    }
    const suiteArgs = full ? suite.reduced.args : suite.reduced.quick;
    log(`== bench ${name} ${suiteArgs.join(' ')}${!full && !opts.quick ? ` (quick size: ${elapsed.toFixed(0)} s of the ${opts.budget} s budget used)` : ''}`);
    const results: Record<string, unknown> = {};
    const t = performance.now();
    const exitBefore = process.exitCode;
    process.exitCode = undefined;
    let run: SuiteRun;
    try {
      await (await suite.load()).run(suiteArgs, captureOutput(results, path));
      // A suite reports a failed check of its own (e2e: the peers' losses disagree) through the exit code.
      const bad = process.exitCode !== undefined && process.exitCode !== 0;
      run = { args: suiteArgs, status: bad ? 'failed' : 'ok', seconds: (performance.now() - t) / 1000, results, ...(bad ? { error: 'the suite reported a failed check' } : {}) };
    } catch (err) {
      run = { args: suiteArgs, status: 'failed', seconds: (performance.now() - t) / 1000, results, error: err instanceof Error ? err.message : String(err) };
    }
    process.exitCode = exitBefore;
    const json = results[suite.json];
    if (json) {
      try {
        run.headline = suite.headline(json);
      } catch (err) {
        run.headline = `(no headline: ${err instanceof Error ? err.message : err})`;
      }
    }
    runs[name] = run;
    log(`== ${name}: ${run.status} in ${run.seconds.toFixed(1)} s${run.error ? `: ${run.error}` : ''}\n`);
  }

  const ok = failed.length === 0 && Object.values(runs).every((r) => r.status !== 'failed');
  const report: AllReport = {
    command: `focusclip bench all ${args.join(' ')}`.trim(),
    date: start.toISOString(),
    node: process.version,
    host: { platform: process.platform, arch: process.arch, cpus: cpus().length },
    info,
    loadAverage: { start: loadStart, end: loads() },
    seconds: (performance.now() - t0) / 1000,
    smoke: { size, checks: smoke.length, passed: smoke.length - failed.length - skipped.length, failed: failed.length, skipped: skipped.length, seconds: smokeSeconds, results: smoke },
    suites: runs,
    budget: opts.budget,
    ok,
  };
  const written = out.write(allFileName(info, start), JSON.stringify(report, null, 1) + '\n');

  // 3. The summary: the smoke's failures first, then each suite's headline.
  log(`summary (${report.seconds.toFixed(0)} s, load average ${report.loadAverage.start.join(' ')} at the start, ${report.loadAverage.end.join(' ')} at the end):`);
  log(`  smoke: ${report.smoke.passed}/${smoke.length} checks pass${failed.length ? `, ${failed.length} FAIL` : ''}${skipped.length ? `, ${skipped.length} skipped (${[...new Set(skipped.map((r) => r.skipped))].join('; ')})` : ''}`);
  for (const r of failed) log(`    FAIL ${r.family} / ${r.variant} / ${r.shape}`);
  if (skipped.length) log(`    skipped: ${skipped.map((r) => `${r.family} / ${r.variant}`).join(', ')}`);
  const width = Math.max(0, ...Object.keys(runs).map((n) => n.length));
  for (const [name, r] of Object.entries(runs)) log(`  ${name.padEnd(width)}  ${r.status === 'ok' ? (r.headline ?? '') : r.status === 'failed' ? `FAILED: ${r.error}` : `skipped: ${r.skipped}`} (${r.seconds.toFixed(0)} s)`);
  log(`wrote ${written}`);
  return { report, path: written };
}
