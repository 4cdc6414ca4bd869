// The resumable LLM captioning run: a JSONL cache keyed by image name (one line appended and
// flushed per finished call, so an interrupted run loses nothing and a rerun only asks for what is
// missing), bounded concurrency, and a dry run that prints the prompts instead of calling.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildMessages, chatComplete, mapConcurrent, type LlmConfig } from './llm.js';
import type { PoseRecord } from './record.js';
import { ensureDir } from './atomic-write-node.js';

export interface CacheLine { image: string; model: string; description: string }

export function readCache(path: string): Map<string, CacheLine> {
  const m = new Map<string, CacheLine>();
  if (!existsSync(path)) return m;
  for (const [i, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      const c = JSON.parse(line) as CacheLine;
      if (typeof c.image === 'string' && typeof c.description === 'string') m.set(c.image, c);
    } catch {
      // A line cut by a crash mid-write (only ever the last one): the call is simply redone.
      void i;
    }
  }
  return m;
}

export interface LlmRunOptions {
  cfg?: LlmConfig;
  cachePath: string;
  concurrency?: number;
  dryRun?: boolean;
  print?: (s: string) => void;
  onProgress?: (done: number, total: number) => void;
  fetchImpl?: typeof fetch;
}

export interface LlmRunResult { records: PoseRecord[]; fromCache: number; called: number; failed: { image: string; error: string }[] }

export async function describeWithLlm(records: readonly PoseRecord[], o: LlmRunOptions): Promise<LlmRunResult> {
  const print = o.print ?? console.log;
  if (o.dryRun) {
    records.forEach((r, i) => {
      const [sys, user] = buildMessages(r);
      if (i === 0) print(`--- system ---\n${sys.content}`);
      print(`--- user (${r.image}) ---\n${user.content}`);
    });
    return { records: [...records], fromCache: 0, called: 0, failed: [] };
  }
  if (!o.cfg) throw new Error('describeWithLlm: no LLM configuration (see llmConfigFromEnv)');
  const cfg = o.cfg;
  ensureDir(dirname(o.cachePath), 'LLM cache folder');
  const cache = readCache(o.cachePath);
  const todo = records.filter((r) => !cache.has(r.image));
  const failed: LlmRunResult['failed'] = [];
  let done = records.length - todo.length;
  o.onProgress?.(done, records.length);
  await mapConcurrent(todo, o.concurrency ?? 4, async (r) => {
    try {
      const description = await chatComplete(cfg, buildMessages(r), o.fetchImpl);
      const line: CacheLine = { image: r.image, model: cfg.model, description };
      appendFileSync(o.cachePath, JSON.stringify(line) + '\n');
      cache.set(r.image, line);
    } catch (e) {
      failed.push({ image: r.image, error: (e as Error).message });
    }
    o.onProgress?.(++done, records.length);
  });
  return {
    records: records.map((r) => ({ ...r, description: cache.get(r.image)?.description ?? r.description })),
    fromCache: records.length - todo.length,
    called: todo.length,
    failed,
  };
}
