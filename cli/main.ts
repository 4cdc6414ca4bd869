// `focusclip <command>`: one file per subcommand, thin over the modules.
import { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerHeatmap } from './heatmap.js';
import { runCommand } from './run.js';
import { registerGenerate } from './generate.js';
import { registerDescribe } from './describe.js';
import { registerEval } from './eval.js';
import { registerPrepare } from './prepare.js';
import { registerDemo } from './demo.js';
import { registerTrain } from './train.js';
import { registerStudy } from './study.js';
import { registerExportData } from './export-data.js';
import { registerBench } from './bench.js';
import { registerPretrain } from './pretrain.js';

const program = new Command();
program
  .name('focusclip')
  .description('FocusCLIP on a hand-written WebGPU engine: generate data, train, evaluate, benchmark.')
  .version('0.1.0')
  .showHelpAfterError()
  // `bench <suite> --quick`: options after a subcommand's arguments go to that subcommand.
  .enablePositionalOptions();

registerDemo(program, runCommand);
registerTrain(program, runCommand);
registerPretrain(program, runCommand);
registerStudy(program, runCommand);
registerInfo(program, runCommand);
registerGenerate(program);
registerDescribe(program);
registerPrepare(program);
registerHeatmap(program, runCommand);
registerEval(program, runCommand);
registerExportData(program, runCommand);
registerBench(program);

program.parseAsync(process.argv).catch((e) => {
  console.error(`focusclip: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
