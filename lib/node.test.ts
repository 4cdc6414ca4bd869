// The Node entry is the browser entry plus the file helpers, and its documentation (the comment at
// the top of lib/node.ts, the API reference's front page) names exactly those helpers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nodeEntry from './node.js';
import * as browserEntry from '../web/index.js';

describe('package entries', () => {
  it('Node has everything the browser has', () => {
    const missing = Object.keys(browserEntry).filter((k) => !(k in nodeEntry));
    expect(missing).toEqual([]);
  });

  const nodeOnly = Object.keys(nodeEntry).filter((k) => !(k in browserEntry)).sort();
  const names = (list: string) => list.replace(/\s*\*\s*|`/g, ' ').split(/,\s*|\s+and\s+/).map((s) => s.trim()).filter(Boolean).sort();

  it('the Node-only exports are the ones the entry documents', () => {
    const doc = /without the file helpers: ([\s\S]*?)\. The guide/.exec(readFileSync(new URL('./node.ts', import.meta.url), 'utf8'))![1];
    expect(names(doc)).toEqual(nodeOnly);
  });

  it('and the ones the library guide lists', () => {
    const guide = /The file helpers, Node only: ([\s\S]*?)\. In a browser/.exec(readFileSync(new URL('../docs/library.md', import.meta.url), 'utf8'))![1];
    expect(names(guide)).toEqual(nodeOnly);
  });
});
