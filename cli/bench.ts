// `focusclip bench <suite> [options]`: the benchmark suites of bench/ on this machine's adapter, so
// an installed package measures the user's GPU. Options after the suite name go to the suite; the
// peers it compares with (TF.js, jax-js, PyTorch) are used where installed and named as skipped,
// with the command that installs them, where not.
import type { Command } from 'commander';
import { suites, suiteList } from '../bench/registry.js';
import { benchOutput, DEFAULT_BENCH_OUT } from '../bench/output.js';

/** `--out DIR` is the bench command's; everything else belongs to the suite. */
function takeOut(args: string[]): { out: string; rest: string[] } {
  const rest = [...args];
  const i = rest.indexOf('--out');
  if (i < 0) return { out: DEFAULT_BENCH_OUT, rest };
  const out = rest[i + 1];
  if (!out || out.startsWith('--')) throw new Error('bench: --out needs a folder, e.g. --out bench-results.');
  rest.splice(i, 2);
  return { out, rest };
}

export function registerBench(program: Command) {
  program
    .command('bench')
    .description('benchmark this machine\'s WebGPU adapter: our kernels and training vs TF.js, jax-js and PyTorch where installed')
    .argument('[suite]', `one of: ${Object.keys(suites).join(', ')}`)
    .argument('[options...]', 'options of the suite, e.g. gemm --quick --runs 3; --out DIR for the results (default bench/results)')
    .passThroughOptions()
    .addHelpText('after', `\nSuites:\n${suiteList()}\n\nExample: focusclip bench gemm --quick\n`)
    .action(async (name: string | undefined, options: string[]) => {
      if (!name) {
        console.log(`usage: focusclip bench <suite> [options]\n\nSuites:\n${suiteList()}`);
        return;
      }
      const suite = suites[name];
      if (!suite) throw new Error(`unknown benchmark suite "${name}". Suites:\n${suiteList()}`);
      const { out, rest } = takeOut(options);
      await (await suite.load()).run(rest, benchOutput(out));
    });
}
