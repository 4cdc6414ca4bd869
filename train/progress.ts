// A progress display for long loops: a live bar on a terminal, plain periodic lines otherwise (CI
// logs, pipes), so output stays readable in both.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** `quiet` (or nothing to count) gives a display that shows nothing. */
export function progress(label: string, total: number, opts: { stream?: NodeJS.WriteStream; everyMs?: number; quiet?: boolean } = {}): Progress {
  if (opts.quiet || total <= 0) return { update() {}, stop() {} };
  const stream = opts.stream ?? process.stderr;
  const start = Date.now();
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} |{bar}| {value}/{total} {info} | {rate} | ETA {eta_formatted}`,
        hideCursor: true,
        stream,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '', rate: '' });
    return {
      update(done, fields = {}) {
        const info = Object.entries(fields)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? fmtNum(v) : v}`)
          .join(' ');
        const rate = `${(done / Math.max(1e-3, (Date.now() - start) / 1000)).toFixed(1)}/s`;
        bar.update(done, { info, rate });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let last = 0;
  const every = opts.everyMs ?? 10_000;
  return {
    update(done, fields = {}) {
      const now = Date.now();
      if (now - last < every && done < total) return;
      last = now;
      const secs = (now - start) / 1000;
      const eta = done > 0 ? ((total - done) * secs) / done : 0;
      const info = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? fmtNum(v) : v}`)
        .join(' ');
      stream.write(`${label} ${done}/${total} ${info} elapsed ${fmtSecs(secs)} eta ${fmtSecs(eta)}\n`);
    },
    stop() {},
  };
}

export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 2);
}

export function fmtSecs(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
