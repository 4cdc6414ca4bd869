import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allFileName, parseAllArgs, runAll } from './all.js';
import { benchOutput } from './output.js';
import { suites } from './registry.js';

describe('focusclip bench all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'focusclip-bench-all-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON with the adapter, the load average, the smoke and each suite (tiny sizes, two suites)', async () => {
    const lines: string[] = [];
    const { report, path } = await runAll(['--quick', '--suites', 'loader,wait', '--families', 'dropout,layout,gemm'], benchOutput(dir), (l) => lines.push(l));
    expect(path).toBe(join(dir, allFileName(report.info, new Date(report.date))));
    expect(path).toMatch(/all-[a-z0-9-]+-\d{4}-\d\d-\d\d\.json$/);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(json)).toEqual(['command', 'date', 'node', 'host', 'info', 'loadAverage', 'seconds', 'smoke', 'suites', 'budget', 'ok']);
    expect(json.node).toBe(process.version);
    expect(Object.keys(json.info)).toEqual(['platform', 'runtime', 'adapter', 'limits', 'features', 'adapterFeatures']);
    expect(json.loadAverage.start).toHaveLength(3);
    expect(json.loadAverage.end).toHaveLength(3);
    expect(json.smoke).toMatchObject({ size: 'tiny', failed: 0 });
    expect(json.smoke.checks).toBe(json.smoke.results.length);
    expect(json.smoke.results.some((r: { variant: string }) => r.variant.startsWith('tiled'))).toBe(true);
    for (const r of json.smoke.results) expect(Object.keys(r)).toEqual(expect.arrayContaining(['family', 'variant', 'shape', 'pass', 'maxAbsErr', 'maxRelErr', 'tolerance', 'ms']));
    expect(Object.keys(json.suites)).toEqual(['loader', 'wait']);
    for (const name of ['loader', 'wait']) {
      expect(json.suites[name]).toMatchObject({ status: 'ok', args: suites[name].reduced.quick });
      expect(json.suites[name].results[suites[name].json]).toBeTruthy();
      expect(json.suites[name].headline).toMatch(/\d/);
    }
    expect(json.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/summary .*load average/);
  }, 300_000);

  it('with no time budget left skips the suites and says so, without failing', async () => {
    const { report } = await runAll(['--budget', '0', '--suites', 'gemm,loader', '--families', 'dropout'], benchOutput(dir), () => undefined);
    expect(report.smoke.checks).toBeGreaterThan(0);
    for (const name of ['gemm', 'loader']) expect(report.suites[name]).toMatchObject({ status: 'skipped', skipped: expect.stringMatching(/over the time budget .*--budget raises it/) });
    expect(report.ok).toBe(true);
  }, 120_000);

  it('rejects unknown options, suites and families, naming the choices', () => {
    expect(() => parseAllArgs(['--fast'])).toThrow(/unknown option --fast; options: --json, --quick/);
    expect(() => parseAllArgs(['--suites', 'gemm,foo'])).toThrow(/unknown suite foo; suites: gemm, nn/);
    expect(() => parseAllArgs(['--families', 'gemm,conv'])).toThrow(/unknown kernel family conv; families: gemm/);
    expect(() => parseAllArgs(['--budget', 'soon'])).toThrow(/--budget needs a number of seconds/);
    expect(parseAllArgs(['--suites', 'none', '--json'])).toMatchObject({ suites: [], json: true, quick: false, budget: 480 });
    expect(parseAllArgs(['--budget', '60']).budget).toBe(60);
    expect(parseAllArgs([]).suites).toEqual(Object.keys(suites));
  });
});
