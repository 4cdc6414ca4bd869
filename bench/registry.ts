// Benchmark suites by name: `npm run bench -- <name> [...]`. One line per suite; each module
// exports `run(args: string[]): Promise<void>` and writes its JSON (and chart) under bench/results/.
export const suites: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  gemm: () => import('./gemm.js'),
  wait: () => import('./wait.js'),
  heatmap: () => import('./heatmap.js'),
  loader: () => import('./loader.js'),
  e2e: () => import('./e2e.js'),
  nn: () => import('./nn.js'),
};
