// `focusclip describe` on a records file: bad flags change nothing, --limit keeps every record.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDescribe } from './describe.js';
import { generateDataset } from '../data/synthetic/generate.js';

function recordsFile(): { path: string; original: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fc-describe-'));
  const records = generateDataset({ seed: 3, count: 4, size: 32 }).records.map((r) => ({ ...r, description: '' }));
  const path = join(dir, 'mine.json');
  const original = JSON.stringify(records);
  writeFileSync(path, original);
  return { path, original };
}

describe('focusclip describe', () => {
  it.each([
    [{ limit: 'abc' }, '--limit must be an integer >= 1, got "abc"'],
    [{ limit: '-1' }, '--limit must be an integer >= 1'],
    [{ limit: '0' }, '--limit must be an integer >= 1'],
    [{ llm: true, timeout: '0' }, '--timeout must be a number from 0.001 to 3600, got "0"'],
    [{ llm: true, maxRetryWait: '-1' }, '--max-retry-wait must be a number from 0 to 3600'],
    [{ concurrency: 'abc' }, '--concurrency must be an integer from 1 to 64, got "abc"'],
    [{ concurrency: '0' }, '--concurrency must be an integer from 1 to 64'],
    [{ seed: 'x' }, '--seed must be an integer from 0'],
  ])('rejects %o and leaves the records file as it was', async (flags, message) => {
    const { path, original } = recordsFile();
    await expect(runDescribe({ records: path, seed: '0', concurrency: '4', quiet: true, ...flags })).rejects.toThrow(message);
    expect(readFileSync(path, 'utf8')).toBe(original);
  });

  it('describes only the first n records with --limit and keeps the others in place', async () => {
    const { path, original } = recordsFile();
    await runDescribe({ records: path, seed: '0', concurrency: '4', limit: '2', quiet: true });
    const after = JSON.parse(readFileSync(path, 'utf8'));
    const before = JSON.parse(original);
    expect(after).toHaveLength(4);
    expect(after[0].description.length).toBeGreaterThan(20);
    expect(after[1].description.length).toBeGreaterThan(20);
    expect(after.slice(2)).toEqual(before.slice(2));
  });
});
