// Pass/fail lines for the consumer tests and a child-process runner that keeps what a failure said.
import { spawnSync } from 'node:child_process';

const tty = process.stdout.isTTY;
const mark = { pass: tty ? '\x1b[32m✓\x1b[0m' : '✓', fail: tty ? '\x1b[31m✗\x1b[0m' : '✗', skip: '-' };

export class Report {
  passed = 0;
  failed = 0;
  skipped = 0;

  /** Record one check; `detail` is shown after the name (the numbers it looked at). */
  check(name, ok, detail = '') {
    if (ok) this.passed++;
    else this.failed++;
    console.log(`${ok ? mark.pass : mark.fail} ${name}${detail ? `  ${detail}` : ''}`);
    return ok;
  }

  skip(name, why) {
    this.skipped++;
    console.log(`${mark.skip} ${name} skipped: ${why}`);
  }

  /** Run `fn`; an exception fails the check with its message instead of ending the run. */
  async step(name, fn) {
    try {
      await fn();
    } catch (e) {
      this.check(name, false, String(e?.stack ?? e).split('\n').slice(0, 12).join('\n    '));
    }
  }
}

/** Run a command; returns { status, out } with stdout and stderr together (Dawn's warnings dropped). */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20, ...opts });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
    .split('\n')
    .filter((l) => !/^Warning: max\w+ artificially reduced/.test(l))
    .join('\n');
  return { status: r.status ?? (r.error ? `${r.error.code ?? r.error.message}` : r.signal), out };
}

/** The last lines of a child's output, indented, for a failed check. */
export const tail = (out, n = 15) => '\n    ' + out.trim().split('\n').slice(-n).join('\n    ');
