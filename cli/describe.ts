// `focusclip describe`: fill the descriptions of a records file, rule-based (offline, seeded) or
// through an OpenAI-compatible LLM (env FOCUSCLIP_LLM_*; resumable JSONL cache; --dry-run prints
// the prompts). No GPU needed.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { describeRecord } from '../data/describe.js';
import { writeFileAtomic } from '../data/image-node.js';
import { llmConfigFromEnv } from '../data/llm.js';
import { describeWithLlm } from '../data/llm-node.js';
import { progress } from '../train/progress.js';
import { validateRecords } from '../data/record.js';

export interface DescribeCliOptions {
  records: string; out?: string; seed: string; llm?: boolean; cache?: string; concurrency: string; dryRun?: boolean; limit?: string; quiet?: boolean;
}

export async function runDescribe(o: DescribeCliOptions) {
  let text: string;
  try { text = readFileSync(o.records, 'utf8'); } catch { throw new Error(`records file not found: ${o.records}`); }
  let recs;
  try { recs = JSON.parse(text); } catch (e) { throw new Error(`${o.records} is not JSON: ${(e as Error).message}`); }
  recs = validateRecords(recs, { source: o.records, allowEmptyDescription: true });
  if (o.limit) recs = recs.slice(0, Number(o.limit));
  const out = o.out ?? o.records;
  if (o.llm || o.dryRun) {
    const bar = progress('llm', recs.length, { quiet: o.quiet || o.dryRun });
    const r = await describeWithLlm(recs, {
      cfg: o.dryRun ? undefined : llmConfigFromEnv(process.env),
      cachePath: o.cache ?? `${out}.llm-cache.jsonl`,
      concurrency: Number(o.concurrency),
      dryRun: o.dryRun,
      onProgress: (d) => bar.update(d),
    });
    bar.stop();
    if (o.dryRun) return;
    writeFileAtomic(out, JSON.stringify(r.records));
    console.log(`${r.records.length} records -> ${out}: ${r.fromCache} from cache, ${r.called} called, ${r.failed.length} failed`);
    for (const f of r.failed.slice(0, 10)) console.log(`  failed ${f.image}: ${f.error}`);
    if (r.failed.length) throw new Error(`${r.failed.length} LLM call(s) failed; rerun the same command to retry only those (finished ones are cached)`);
    return;
  }
  const t0 = performance.now();
  const seed = Number(o.seed);
  const done = recs.map((r) => ({ ...r, description: describeRecord(r, { seed }) }));
  const ms = performance.now() - t0;
  writeFileAtomic(out, JSON.stringify(done));
  if (!o.quiet) console.log(`described ${done.length} records in ${(ms / 1000).toFixed(2)} s (${Math.round((done.length / ms) * 60_000)} records/min) -> ${out}`);
}

export function registerDescribe(program: Command) {
  program
    .command('describe')
    .description('write pose descriptions into a records JSON file: rule-based (default) or with an LLM (--llm)')
    .requiredOption('-r, --records <file>', 'pose-captions records JSON (a list)')
    .option('-o, --out <file>', 'output records file (default: overwrite --records)')
    .option('--seed <n>', 'phrasing seed of the rule-based describer', '0')
    .option('--llm', 'use the OpenAI-compatible LLM from FOCUSCLIP_LLM_BASE_URL / _MODEL / _API_KEY')
    .option('--cache <file>', 'JSONL cache of LLM answers (default: <out>.llm-cache.jsonl)')
    .option('--concurrency <n>', 'LLM calls in flight', '4')
    .option('--dry-run', 'print the LLM prompts and exit')
    .option('--limit <n>', 'only the first n records')
    .option('--quiet', 'no progress output')
    .action(async (o: DescribeCliOptions) => {
      await runDescribe(o);
    });
}
