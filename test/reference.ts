// The float64 CPU references the tests check the engine against. They are product code
// (kernels/reference.ts), shared with `focusclip bench all`'s correctness smoke; tests import them
// from here or from there.
export * from '../kernels/reference.js';
