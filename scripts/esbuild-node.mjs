// esbuild options for the one-file Node bundles of scripts/study: ESM with a `require`
// for the CommonJS dependencies, the native `webgpu` addon left outside the bundle.
export const nodeBuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['webgpu'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};
