import type { Command } from 'commander';
import type { RunCommand } from './run.js';
import type { Engine } from '../ops/engine.js';
import { fmtBytes } from '../engine/memory.js';
import { RAISED_LIMITS } from '../engine/device.js';
import { makeModelConfig } from '../model/config.js';
import { summarizeModel } from '../model/summary.js';

/** The limits and features a FocusCLIP user should see first. */
const KEY_LIMITS = [...RAISED_LIMITS.filter((k) => k !== 'maxBindGroups'), 'minStorageBufferOffsetAlignment', 'subgroupMinSize', 'subgroupMaxSize'];
const KEY_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'];

export interface AdapterReport {
  platform: string;
  runtime: string;
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean };
  limits: Record<string, number>;
  features: Record<string, boolean>;
  adapterFeatures: string[];
}

/** What `focusclip info --json` prints: the adapter, the key limits and the features FocusCLIP uses. */
export function adapterReport(engine: Engine): AdapterReport {
  const a = engine.adapter;
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) {
    const v = (engine.limits as any)[k] ?? a.limits[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const features: Record<string, boolean> = {};
  for (const f of KEY_FEATURES) features[f] = engine.features.has(f);
  return {
    platform: engine.platform,
    runtime: `node ${process.version}`,
    adapter: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, isFallbackAdapter: a.isFallbackAdapter },
    limits,
    features,
    adapterFeatures: [...a.features],
  };
}

export function registerInfo(program: Command, run: RunCommand) {
  program
    .command('info')
    .description('show the WebGPU adapter, its limits and the features FocusCLIP uses')
    .option('--json', 'machine-readable output')
    .option('--dawn <options>', 'Dawn options for create(), e.g. "backend=vulkan adapter=llvmpipe" (also FOCUSCLIP_DAWN)')
    .option('--model <preset>', 'instead: the parameter counts of a model preset (tiny, small, paper; no GPU needed)')
    .option('--clip', 'with --model: the CLIP variant (no heatmap branch)')
    .action(async (opts: { json?: boolean; dawn?: string; model?: string; clip?: boolean }) => {
      if (opts.model) {
        const s = summarizeModel(makeModelConfig(opts.model, opts.clip ? { kind: 'clip' } : {}));
        console.log(opts.json ? JSON.stringify({ preset: s.preset, kind: s.kind, parameters: s.counts }, null, 2) : s.lines.join('\n'));
        return;
      }
      const dawnOptions = opts.dawn ? opts.dawn.split(/[\s,;]+/).filter(Boolean) : undefined;
      await run(
        async (engine) => {
          const report = adapterReport(engine);
          const { limits, features } = report;
          const a = engine.adapter;
          if (opts.json) {
            console.log(JSON.stringify(report, null, 2));
            return;
          }
          console.log(`WebGPU adapter   ${a.description || a.device || '(unnamed)'}`);
          console.log(`  vendor         ${a.vendor || '-'}`);
          console.log(`  architecture   ${a.architecture || '-'}`);
          console.log(`  platform       ${engine.platform} (${report.runtime})`);
          console.log('Features used by FocusCLIP');
          for (const f of KEY_FEATURES) console.log(`  ${f.padEnd(18)} ${features[f] ? 'yes' : 'no'}`);
          console.log('Limits (device, raised to the adapter maximum)');
          for (const [k, v] of Object.entries(limits)) {
            const bytes = /Size$/.test(k) && k !== 'maxComputeWorkgroupSizeX' && !/WorkgroupSize/.test(k) ? ` (${fmtBytes(v)})` : '';
            console.log(`  ${k.padEnd(36)} ${v}${bytes}`);
          }
        },
        { dawnOptions },
      );
    });
}
