// Node-only: a local chat-completions server on 127.0.0.1 scripted per test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessages, chatComplete, LLM_DEFAULTS, llmConfigFromEnv, mapConcurrent, SYSTEM_PROMPT, type LlmConfig } from './llm.js';
import { describeWithLlm, readCache } from './llm-node.js';
import type { PoseRecord } from './record.js';

type Handler = (body: any, req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let handler: Handler = () => {};
let base = '';
const bodies: any[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const body = JSON.parse(data);
      bodies.push({ body, auth: req.headers.authorization, url: req.url });
      handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as any).port}/v1`;
});
afterAll(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

const reply = (res: ServerResponse, content: string) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
};
const cfg = (o: Partial<LlmConfig> = {}): LlmConfig => llmConfigFromEnv({ FOCUSCLIP_LLM_BASE_URL: base, FOCUSCLIP_LLM_MODEL: 'test-model', FOCUSCLIP_LLM_API_KEY: 'sk-test' }, { backoffMs: 5, timeoutMs: 300, ...o });

const rec = (i: number): PoseRecord => ({
  image: `img${i}.jpg`, video_id: 7, activity_id: 3, activity: 'sports, curling', count: 1, istrain: true, description: '',
  people: [{ id: 0, center: [10.4, 20.6], scale: 1.23456, kpts: Array.from({ length: 16 }, (_, j) => [j + 0.4, 2 * j + 0.6] as [number, number]), kpts_vis: Array.from({ length: 16 }, (_, j) => (j === 9 ? 0 : 1)) }],
});

describe('prompt builder', () => {
  it('sends the structure in the system message and the record without ids as the user message', () => {
    const [sys, user] = buildMessages(rec(0));
    expect(sys.role).toBe('system');
    expect(SYSTEM_PROMPT).toContain('0 right ankle, 1 right knee');
    expect(SYSTEM_PROMPT).toContain('[-1, -1]');
    expect(SYSTEM_PROMPT).toContain('left leg, right leg, left arm, right arm, torso, head');
    const u = JSON.parse(user.content);
    expect(u).toEqual({ activity: 'sports, curling', count: 1, people: [{ center: [10, 21], scale: 1.235, kpts: rec(0).people[0].kpts.map(([x, y], j) => (j === 9 ? [-1, -1] : [Math.round(x), Math.round(y)])) }] });
    expect(user.content).not.toContain('img0');
    expect(user.content).not.toContain('video');
  });

  it('names the environment variables when unconfigured', () => {
    expect(() => llmConfigFromEnv({})).toThrow('FOCUSCLIP_LLM_BASE_URL');
  });
});

describe('chatComplete', () => {
  it('posts the paper sampling settings and returns the content', async () => {
    bodies.length = 0;
    handler = (_b, _q, res) => reply(res, ' One person is curling. ');
    expect(await chatComplete(cfg(), buildMessages(rec(0)))).toBe('One person is curling.');
    expect(bodies[0].url).toBe('/v1/chat/completions');
    expect(bodies[0].auth).toBe('Bearer sk-test');
    expect(bodies[0].body).toMatchObject({ model: 'test-model', temperature: 0.5, max_tokens: 512, frequency_penalty: 1 });
  });

  it('retries a 500, a 429 and a timeout, then succeeds', async () => {
    bodies.length = 0;
    let n = 0;
    handler = (_b, _q, res) => {
      n++;
      if (n === 1) { res.writeHead(500); res.end('boom'); } else if (n === 2) { res.writeHead(429, { 'retry-after': '0' }); res.end('slow down'); } else if (n === 3) { /* never answer: timeout */ } else reply(res, 'ok after retries');
    };
    expect(await chatComplete(cfg({ retries: 3 }), buildMessages(rec(0)))).toBe('ok after retries');
    expect(n).toBe(4);
  });

  it('gives up after its retries listing every error, and does not retry a 401', async () => {
    let n = 0;
    handler = (_b, _q, res) => { n++; res.writeHead(503); res.end('down'); };
    await expect(chatComplete(cfg({ retries: 3 }), buildMessages(rec(0)))).rejects.toThrow(/failed after 4 attempt\(s\): .*HTTP 503: down/);
    expect(n).toBe(4);
    n = 0;
    handler = (_b, _q, res) => { n++; res.writeHead(401); res.end('bad key'); };
    await expect(chatComplete(cfg(), buildMessages(rec(0)))).rejects.toThrow('HTTP 401: bad key');
    expect(n).toBe(1);
  });
});

describe('LLM time limits', () => {
  it('caps a huge Retry-After at maxRetryWaitMs', async () => {
    let n = 0;
    handler = (_b, _q, res) => {
      n++;
      if (n === 1) { res.writeHead(429, { 'retry-after': '3600' }); res.end('come back in an hour'); } else reply(res, 'ok');
    };
    const t = performance.now();
    await expect(chatComplete(cfg({ maxRetryWaitMs: 50 }), buildMessages(rec(0)))).resolves.toBe('ok');
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('gives up on a dead endpoint within a minute by default', () => {
    const d = LLM_DEFAULTS;
    let worst = (d.retries + 1) * d.timeoutMs;
    for (let k = 0; k < d.retries; k++) worst += Math.min(d.maxRetryWaitMs, d.backoffMs * 2 ** k);
    expect(worst).toBeLessThanOrEqual(60_000);
  });
});

describe('describeWithLlm', () => {
  it('bounds concurrency, caches to JSONL and resumes without repeating calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-'));
    const cache = join(dir, 'cache.jsonl');
    let inFlight = 0, maxInFlight = 0, calls = 0;
    handler = (body, _q, res) => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const img = JSON.parse(body.messages[1].content).people[0].center[0];
      // The fourth image fails permanently (bad request) in the first run.
      if (calls <= 6 && body.messages[1].content.includes('"center":[13,')) { inFlight--; res.writeHead(400); res.end('bad'); return; }
      setTimeout(() => { inFlight--; reply(res, `caption ${img}`); }, 15);
    };
    const recs = Array.from({ length: 6 }, (_, i) => { const r = rec(i); r.people[0].center = [10 + i, 0]; return r; });
    const first = await describeWithLlm(recs, { cfg: cfg(), cachePath: cache, concurrency: 2 });
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(first.failed.map((f) => f.image)).toEqual(['img3.jpg']);
    expect(first.records[0].description).toBe('caption 10');
    expect(readCache(cache).size).toBe(5);
    // A crash mid-write leaves a torn last line: it is ignored and the call redone.
    writeFileSync(cache, readFileSync(cache, 'utf8') + '{"image":"img', { flag: 'w' });
    calls = 100;
    const second = await describeWithLlm(recs, { cfg: cfg(), cachePath: cache, concurrency: 2 });
    expect(second.called).toBe(1);
    expect(second.fromCache).toBe(5);
    expect(second.failed).toEqual([]);
    expect(second.records.map((r) => r.description)).toEqual([10, 11, 12, 13, 14, 15].map((v) => `caption ${v}`));
  });

  it('dry run prints prompts without calling', async () => {
    const out: string[] = [];
    let n = 0;
    handler = () => { n++; };
    await describeWithLlm([rec(0), rec(1)], { cachePath: '/nonexistent/x.jsonl', dryRun: true, print: (s) => out.push(s) });
    expect(n).toBe(0);
    expect(out[0]).toContain('--- system ---');
    expect(out.filter((s) => s.startsWith('--- user'))).toHaveLength(2);
  });

  it('mapConcurrent keeps input order', async () => {
    expect(await mapConcurrent([30, 5, 20, 1], 3, async (v) => { await new Promise((r) => setTimeout(r, v)); return v * 2; })).toEqual([60, 10, 40, 2]);
  });
});
