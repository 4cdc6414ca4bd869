// `focusclip bench <suite> [options]`: the benchmark suites of bench/ on this machine's adapter, so
// an installed package measures the user's GPU. Options after the suite name go to the suite; the
// peers it compares with (TF.js, jax-js, PyTorch) are used where installed and named as skipped,
// with the command that installs them, where not. `focusclip bench all` runs the correctness smoke
// of every kernel family and then every suite at a reduced size (bench/all.ts).
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
    .argument('[suite]', `one of: ${Object.keys(suites).join(', ')}, all`)
    .argument('[options...]', 'options of the suite, e.g. gemm --quick --runs 3; --out DIR for the results (default bench/results)')
    .passThroughOptions()
    .addHelpText('after', `\nSuites:\n${suiteList()}\n\nExamples: focusclip bench gemm --quick; focusclip bench all --json > all.json\n`)
    .action(async (name: string | undefined, options: string[]) => {
      if (!name) {
        console.log(`usage: focusclip bench <suite> [options]\n\nSuites:\n${suiteList()}`);
        return;
      }
      if (name === 'all') return benchAll(options);
      const suite = suites[name];
      if (!suite) throw new Error(`unknown benchmark suite "${name}". Suites:\n${suiteList()}`);
      const { out, rest } = takeOut(options);
      await (await suite.load()).run(rest, benchOutput(out));
    });
}

/** `bench all`: with --json the report goes to stdout and everything else to stderr. Exit status 1
 *  when a check or a suite failed; a failed suite may have left its device open, so the process
 *  then exits explicitly once the output is out. */
async function benchAll(options: string[]): Promise<void> {
  const { runAll } = await import('../bench/all.js');
  const { out, rest } = takeOut(options);
  const json = rest.includes('--json');
  const print = console.log;
  // The suites print with console.log: with --json that goes to stderr too.
  if (json) console.log = console.error;
  let result: Awaited<ReturnType<typeof runAll>>;
  try {
    result = await runAll(rest, benchOutput(out), (line) => (json ? console.error(line) : print(line)));
  } finally {
    console.log = print;
  }
  const { report } = result;
  const finish = () => {
    if (report.ok) return;
    process.exitCode = 1;
    if (Object.values(report.suites).some((s) => s.status === 'failed')) process.exit(1);
  };
  if (json) process.stdout.write(JSON.stringify(report, null, 1) + '\n', finish);
  else finish();
}
