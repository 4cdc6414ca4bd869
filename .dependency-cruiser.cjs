// The layering the code keeps, checked by `npm run deps` (the first step of `npm test`):
//
//   engine runtime (device, tensors, memory, dispatch, autograd tape)
//     <- kernels (WGSL and the host code that launches it)
//       <- ops (engine/ops.ts, engine/nn.ts, engine/linear.ts, engine/focus.ts: differentiable
//          operations, each forward launch with its gradient rule)
//         <- model <- train, eval
//   data sits beside the stack: it may use the engine runtime (the seeded Rng), nothing above it.
//   cli, web, bench and lib sit on top and may use anything below.
//
// Arrows point down only; skipping a layer is allowed. Tests may reach across layers.
// A few edges break the rule today. They are listed one by one below as KNOWN exceptions so that
// any new edge of that kind fails; remove an entry when the edge goes.

const TESTS = '\\.test\\.ts$';
const OPS = '^engine/(ops|nn|linear|focus)\\.ts$';
const RUNTIME = '^engine/(?!(ops|nn|linear|focus)\\.ts$)';
const TOP = '^(cli|web|bench|lib)/';

// KNOWN: the Engine class builds its op table (ops, nn), so engine/engine.ts imports upward and
// every kernel that names the Engine type closes a type-level cycle through it. Cycles through it
// are excused only when they leave the runtime; a cycle inside the runtime fails unless one of its
// edges is type-only.
const ENGINE_CLASS = '^engine/engine\\.ts$';
const ENGINE_CLASS_KNOWN = ['^engine/(ops|nn)\\.ts$'];

const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      'no-circular',
      'Cycles are not allowed, except the known ones through the Engine class (see ENGINE_CLASS).',
      {},
      { circular: true, viaOnly: { pathNot: ENGINE_CLASS } },
    ),
    forbid(
      'no-circular-in-the-runtime',
      'The exception above covers cycles through the op table only, never a cycle inside the runtime.',
      { path: RUNTIME },
      { circular: true, viaOnly: { path: RUNTIME, dependencyTypesNot: ['type-only'] } },
    ),
    forbid(
      'runtime-stays-below',
      'The engine runtime uses nothing above it.',
      { path: RUNTIME, pathNot: [TESTS, ENGINE_CLASS] },
      { path: ['^(kernels|model|train|eval|data)/', OPS, TOP] },
    ),
    forbid(
      'engine-class-known-edges',
      'The Engine class may import only the op table from above the runtime.',
      { path: ENGINE_CLASS },
      { path: ['^(kernels|model|train|eval|data)/', OPS, TOP], pathNot: ENGINE_CLASS_KNOWN },
    ),
    forbid(
      'kernels-stay-below-ops',
      'Kernels use the engine runtime and other kernels only.',
      { path: '^kernels/', pathNot: TESTS },
      { path: ['^(model|train|eval|data)/', OPS, TOP] },
    ),
    forbid(
      'ops-stay-below-model',
      'Differentiable ops use the runtime and kernels only.',
      { path: OPS, pathNot: TESTS },
      { path: ['^(model|train|eval|data)/', TOP] },
    ),
    forbid(
      'model-stays-below-train-and-eval',
      'The model uses ops, kernels, the runtime and data only.',
      { path: '^model/', pathNot: TESTS },
      { path: ['^(train|eval)/', TOP] },
    ),
    forbid(
      'eval-does-not-use-train',
      'Training may call evaluation; evaluation never reaches into training.',
      { path: '^eval/', pathNot: TESTS },
      { path: ['^train/', TOP] },
    ),
    forbid(
      'train-stays-below-apps',
      'Training uses the layers below it only.',
      { path: '^train/', pathNot: TESTS },
      { path: TOP },
    ),
    forbid(
      'data-beside-the-stack',
      'Data uses the engine runtime only (the seeded Rng), never kernels, ops or anything above.',
      { path: '^data/', pathNot: TESTS },
      { path: ['^(kernels|model|train|eval)/', OPS, TOP] },
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
      { path: '^(spec|engine|kernels|model|train|eval|data|cli|web|bench|lib)/', pathNot: TESTS },
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
