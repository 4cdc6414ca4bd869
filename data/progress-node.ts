// Progress for long loops in Node commands: a cli-progress bar on a terminal, plain lines every
// ~10% otherwise (logs and CI stay readable).
import cliProgress from 'cli-progress';

export interface Progress { tick(done: number): void; stop(): void }

export function progress(label: string, total: number, quiet = false): Progress {
  if (quiet || total <= 0) return { tick() {}, stop() {} };
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { tick: (d) => bar.update(d), stop: () => bar.stop() };
  }
  let next = 0;
  const t0 = Date.now();
  return {
    tick(d) {
      if (d >= next || d === total) {
        console.log(`${label}: ${d}/${total} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        next = d + Math.max(1, Math.ceil(total / 10));
      }
    },
    stop() {},
  };
}
