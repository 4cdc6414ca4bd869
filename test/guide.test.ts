// docs/library.md shows the example files verbatim: every block marked `<!-- file: PATH -->` must be
// that file, and every file under docs/examples must be shown. The consumer tests run the files, so
// what the guide shows is what CI runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const guide = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
const shown = [...guide.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map((m) => ({ path: m[1], code: m[2] }));

describe('docs/library.md', () => {
  it('shows each example file exactly', () => {
    expect(shown.length).toBeGreaterThan(0);
    for (const { path, code } of shown) expect(code, path).toBe(readFileSync(join(ROOT, path), 'utf8'));
  });

  it('shows every file under docs/examples', () => {
    const files = readdirSync(join(ROOT, 'docs/examples'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(ROOT.length + 1))
      .sort();
    expect(shown.map((s) => s.path).sort()).toEqual(files);
  });
});
