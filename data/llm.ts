// The LLM caption pipeline of FOCUSCLIP.md section 5 in our own words: one chat call per image, no
// in-context example; the system message fixes the structure, the user message is the record
// without ids. The client speaks the OpenAI-compatible chat-completions protocol with the paper's
// sampling (temperature 0.5, 512 tokens, frequency penalty 1.0) and retries transient failures
// (timeouts, 429, 5xx) with exponential backoff. Uses only `fetch`, so it runs in the browser too.
import { JOINT_NAMES } from './mpii.js';
import type { PoseRecord } from './record.js';

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export const SYSTEM_PROMPT = [
  'You are an expert in analysing human body poses from joint coordinates.',
  `Each person is given by 16 joints in this order: ${JOINT_NAMES.map((n, i) => `${i} ${n}`).join(', ')}.`,
  'Coordinates are image pixels (x to the right, y downward). A joint that is not visible is written as [-1, -1].',
  "Left and right are the person's own.",
  'Write a concise, gender-neutral description of the image with this structure:',
  '1. One sentence with the number of people and the activity they are doing.',
  '2. A few general attributes of that activity (typical posture and movement).',
  '3. For each person, located by their centre and scale (for example "the person in the centre" or "the person on the left, further away"):',
  '   their overall state (standing, sitting, lying, kneeling, ...), then each limb in turn: left leg, right leg, left arm, right arm, torso, head,',
  '   giving relative positions of the joints and approximate bend angles.',
  'Do not mention coordinates or joint numbers, and do not guess at things the joints cannot tell.',
].join('\n');

/** The user message: the record as JSON without ids, integer keypoints, invisible joints at (-1, -1). */
export function userMessage(rec: PoseRecord): string {
  return JSON.stringify({
    activity: rec.activity,
    count: rec.people.length,
    people: rec.people.map((p) => ({
      center: p.center.map(Math.round),
      scale: Math.round(p.scale * 1000) / 1000,
      kpts: p.kpts.map(([x, y], j) => (p.kpts_vis[j] ? [Math.round(x), Math.round(y)] : [-1, -1])),
    })),
  });
}

export function buildMessages(rec: PoseRecord): ChatMessage[] {
  return [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: userMessage(rec) }];
}

export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature: number;
  maxTokens: number;
  frequencyPenalty: number;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles each retry (a Retry-After header wins when larger, capped at maxRetryWaitMs). */
  backoffMs: number;
  /** The longest wait between attempts, whatever a Retry-After header asks for. */
  maxRetryWaitMs: number;
}

// A dead endpoint fails within a minute: 3 attempts of 15 s plus backoffs of 1 s and 2 s.
export const LLM_DEFAULTS = { temperature: 0.5, maxTokens: 512, frequencyPenalty: 1.0, timeoutMs: 15_000, retries: 2, backoffMs: 1000, maxRetryWaitMs: 10_000 };

export function llmConfigFromEnv(env: Record<string, string | undefined>, overrides: Partial<LlmConfig> = {}): LlmConfig {
  const baseUrl = overrides.baseUrl ?? env.FOCUSCLIP_LLM_BASE_URL;
  const model = overrides.model ?? env.FOCUSCLIP_LLM_MODEL;
  if (!baseUrl || !model) {
    throw new Error('LLM not configured: set FOCUSCLIP_LLM_BASE_URL (e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1), FOCUSCLIP_LLM_MODEL and, if the server needs one, FOCUSCLIP_LLM_API_KEY; or use --dry-run to print the prompts');
  }
  return { ...LLM_DEFAULTS, apiKey: env.FOCUSCLIP_LLM_API_KEY, ...overrides, baseUrl, model };
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly retryAfterMs?: number) { super(message); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attempt(cfg: LlmConfig, messages: ChatMessage[], fetchImpl: typeof fetch): Promise<string> {
  const url = `${cfg.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), cfg.timeoutMs);
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}) },
      body: JSON.stringify({ model: cfg.model, messages, temperature: cfg.temperature, max_tokens: cfg.maxTokens, frequency_penalty: cfg.frequencyPenalty }),
      signal: ctl.signal,
    });
    const text = await res.text();
    if (!res.ok) {
      const ra = Number(res.headers.get('retry-after'));
      throw new HttpError(res.status, `${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
    }
    let body: any;
    try { body = JSON.parse(text); } catch { throw new HttpError(0, `${url} returned non-JSON: ${text.slice(0, 200)}`); }
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || !content.trim()) throw new HttpError(0, `${url} returned no message content: ${text.slice(0, 200)}`);
    return content.trim();
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw new HttpError(-1, `${url} timed out after ${cfg.timeoutMs} ms`);
    if (e instanceof HttpError) throw e;
    throw new HttpError(-2, `${url} unreachable: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** One chat completion with retries; throws with every attempt's error when all fail. */
export async function chatComplete(cfg: LlmConfig, messages: ChatMessage[], fetchImpl: typeof fetch = fetch): Promise<string> {
  const errors: string[] = [];
  for (let k = 0; k <= cfg.retries; k++) {
    try {
      return await attempt(cfg, messages, fetchImpl);
    } catch (e) {
      const err = e as HttpError;
      errors.push(err.message);
      // Client errors other than rate limits will not improve by retrying (bad key, bad model).
      const transient = err.status === 429 || err.status >= 500 || err.status <= 0;
      if (!transient || k === cfg.retries) break;
      await sleep(Math.min(cfg.maxRetryWaitMs, Math.max(cfg.backoffMs * 2 ** k, err.retryAfterMs ?? 0)));
    }
  }
  throw new Error(`LLM call failed after ${errors.length} attempt(s): ${errors.join(' | ')}`);
}

/** Run `fn` over items with at most `limit` in flight; results in input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
