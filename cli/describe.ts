// `focusclip describe`: fill the descriptions of a records file, rule-based (offline, seeded) or
// through an OpenAI-compatible LLM (env FOCUSCLIP_LLM_*; resumable JSONL cache; --dry-run prints
// the prompts). No GPU needed.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { describeRecord } from '../data/describe.js';
import { writeFileAtomic } from '../data/image-node.js';
import { llmConfigFromEnv, LLM_DEFAULTS } from '../data/llm.js';
import { intFlag, numFlag } from './flags.js';
import { describeWithLlm } from '../data/llm-node.js';
import { progress } from '../train/progress.js';
import { validateRecords } from '../data/record.js';

export interface DescribeCliOptions {
  records: string; out?: string; seed: string; llm?: boolean; cache?: string; concurrency: string; dryRun?: boolean; limit?: string; quiet?: boolean;
  timeout?: string; maxRetryWait?: string;
}

export async function runDescribe(o: DescribeCliOptions) {
  // Every flag is checked before any file is read or written.
  const limit = o.limit === undefined ? undefined : intFlag('limit', o.limit, 1);
  const concurrency = intFlag('concurrency', o.concurrency, 1, 64);
  const seed = intFlag('seed', o.seed, 0, 2 ** 32 - 1);
  const timeoutMs = 1000 * numFlag('timeout', o.timeout ?? LLM_DEFAULTS.timeoutMs / 1000, 0.001, 3600);
  const maxRetryWaitMs = 1000 * numFlag('max-retry-wait', o.maxRetryWait ?? LLM_DEFAULTS.maxRetryWaitMs / 1000, 0, 3600);
  let text: string;
  try { text = readFileSync(o.records, 'utf8'); } catch { throw new Error(`records file not found: ${o.records}`); }
  let recs;
  try { recs = JSON.parse(text); } catch (e) { throw new Error(`${o.records} is not JSON: ${(e as Error).message}`); }
  const all = validateRecords(recs, { source: o.records, allowEmptyDescription: true });
  // --limit describes the first n records; the others are written back unchanged, so an in-place
  // run never drops records.
  recs = limit === undefined ? all : all.slice(0, limit);
  const rest = all.slice(recs.length);
  const out = o.out ?? o.records;
  if (o.llm || o.dryRun) {
    const bar = progress('llm', recs.length, { quiet: o.quiet || o.dryRun });
    const r = await describeWithLlm(recs, {
      cfg: o.dryRun ? undefined : llmConfigFromEnv(process.env, { timeoutMs, maxRetryWaitMs }),
      cachePath: o.cache ?? `${out}.llm-cache.jsonl`,
      concurrency,
      dryRun: o.dryRun,
      onProgress: (d) => bar.update(d),
    });
    bar.stop();
    if (o.dryRun) return;
    writeFileAtomic(out, JSON.stringify([...r.records, ...rest]));
    console.log(`${r.records.length} records -> ${out}: ${r.fromCache} from cache, ${r.called} called, ${r.failed.length} failed`);
    for (const f of r.failed.slice(0, 10)) console.log(`  failed ${f.image}: ${f.error}`);
    if (r.failed.length) throw new Error(`${r.failed.length} LLM call(s) failed; rerun the same command to retry only those (finished ones are cached)`);
    return;
  }
  const t0 = performance.now();
  const done = recs.map((r) => ({ ...r, description: describeRecord(r, { seed }) }));
  const ms = performance.now() - t0;
  writeFileAtomic(out, JSON.stringify([...done, ...rest]));
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
    .option('--timeout <s>', `seconds an LLM call may take before it is retried (default ${LLM_DEFAULTS.timeoutMs / 1000})`)
    .option('--max-retry-wait <s>', `longest wait between retries, whatever Retry-After asks (default ${LLM_DEFAULTS.maxRetryWaitMs / 1000})`)
    .option('--dry-run', 'print the LLM prompts and exit')
    .option('--limit <n>', 'describe only the first n records (the others are kept unchanged)')
    .option('--quiet', 'no progress output')
    .action(async (o: DescribeCliOptions) => {
      await runDescribe(o);
    });
}
