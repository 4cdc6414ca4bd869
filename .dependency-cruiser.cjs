// The layering the code keeps, checked by `npm run deps` (the first step of `npm test`):
//
//   engine/  the runtime (device, tensors, memory, dispatch, scopes, profiling, the tape's data)
//     <- kernels/  WGSL and the host code that launches it; kernels take the runtime
//       <- ops/  the differentiable ops: forwards in the two op tables (ops.ts, nn.ts, linear.ts,
//          focus.ts), every gradient rule in one table (gradients.ts), the tape walker, and the
//          Engine class (engine.ts: the runtime with the op tables) that everything above holds
//         <- model/ <- train/, eval/  (training may call evaluation, never the reverse)
//   data/ sits beside the stack: it may use the engine runtime (the seeded Rng), nothing above it.
//   spec/ holds constants two layers must agree on (the heatmap rule, read by kernels/ and data/);
//   it imports nothing, so every layer may import it.
//   cli/, web/, bench/ and lib/ sit on top and may use anything below.
//
// Arrows point down only. Skipping a layer is allowed, except that model/, train/ and eval/ reach
// kernels only through the op tables (e.ops, e.nn). Tests may reach across layers.

const TESTS = '\\.test\\.ts$';
const RUNTIME = '^engine/';
const TOP = '^(cli|web|bench|lib)/';

const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      'no-circular',
      'Cycles are not allowed outside the runtime (see the next rule for the runtime).',
      { pathNot: RUNTIME },
      { circular: true },
    ),
    forbid(
      'no-circular-in-the-runtime',
      'Inside the runtime a cycle is allowed only through a type-only import (a Tensor names the Runtime that made it).',
      { path: RUNTIME },
      { circular: true, viaOnly: { path: RUNTIME, dependencyTypesNot: ['type-only'] } },
    ),
    forbid(
      'runtime-stays-below',
      'The engine runtime uses nothing above it.',
      { path: RUNTIME, pathNot: TESTS },
      { path: ['^(kernels|ops|model|train|eval|data)/', TOP] },
    ),
    forbid(
      'kernels-stay-below-ops',
      'Kernels use the engine runtime and other kernels only.',
      { path: '^kernels/', pathNot: TESTS },
      { path: ['^(ops|model|train|eval|data)/', TOP] },
    ),
    forbid(
      'ops-stay-below-model',
      'Differentiable ops use the runtime and kernels only.',
      { path: '^ops/', pathNot: TESTS },
      { path: ['^(model|train|eval|data)/', TOP] },
    ),
    forbid(
      'model-stays-below-train-and-eval',
      'The model uses ops, the runtime and data only (kernels through the op tables, e.ops and e.nn).',
      { path: '^model/', pathNot: TESTS },
      { path: ['^(kernels|train|eval)/', TOP] },
    ),
    forbid(
      'eval-does-not-use-train',
      'Training may call evaluation; evaluation never reaches into training.',
      { path: '^eval/', pathNot: TESTS },
      { path: ['^(kernels|train)/', TOP] },
    ),
    forbid(
      'train-stays-below-apps',
      'Training uses the layers below it only (kernels through the op tables).',
      { path: '^train/', pathNot: TESTS },
      { path: ['^kernels/', TOP] },
    ),
    forbid(
      'data-beside-the-stack',
      'Data uses the engine runtime only (the seeded Rng), never kernels, ops or anything above.',
      { path: '^data/', pathNot: TESTS },
      { path: ['^(kernels|ops|model|train|eval)/', TOP] },
    ),
    forbid(
      'spec-imports-nothing',
      'spec/ holds constants shared across layers (the heatmap rule); it imports nothing, so anything may import it.',
      { path: '^spec/' },
      { path: '.' },
    ),
    forbid(
      'no-test-code-in-the-product',
      'Test files and test helpers are imported by tests only.',
      { path: '^(spec|engine|kernels|ops|model|train|eval|data|cli|web|bench|lib)/', pathNot: TESTS },
      { path: [TESTS, '^test/'] },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
