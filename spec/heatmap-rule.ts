// The constants of FocusCLIP's ROI heatmap rule, shared by the float64 reference
// (data/heatmap-ref.ts, which states the rule) and the GPU rasteriser (kernels/heatmap.ts, which
// compiles them into its WGSL), so that the two cannot drift apart. The skeleton's joint count and
// body parts are here for the same reason; data/mpii.ts re-exports them with the rest of the skeleton.
// This module imports nothing, so every layer may import it.

/** MPII's joint count. */
export const NUM_JOINTS = 16;

/** FocusCLIP's ten body parts (FOCUSCLIP.md section 2), each a set of MPII joint indices. */
export const BODY_PARTS: readonly { name: string; joints: readonly number[] }[] = [
  { name: 'head', joints: [7, 8, 9, 12, 13] },
  { name: 'torso', joints: [6, 7, 12, 13, 2, 3] },
  { name: 'left upper arm', joints: [13, 14, 7] },
  { name: 'right upper arm', joints: [12, 11, 7] },
  { name: 'left lower arm', joints: [14, 15, 13] },
  { name: 'right lower arm', joints: [11, 10, 12] },
  { name: 'left upper leg', joints: [3, 4, 6] },
  { name: 'right upper leg', joints: [2, 1, 6] },
  { name: 'left lower leg', joints: [4, 5, 3] },
  { name: 'right lower leg', joints: [1, 0, 2] },
];

export type HeatmapMode = 'axis' | 'oriented' | 'person';
export const HEATMAP_MODES: readonly HeatmapMode[] = ['axis', 'oriented', 'person'];

/** Zero-extent guard: no semi-axis is shorter than this many source pixels. */
export const MIN_SEMI_AXIS = 1;
/** 'oriented' mode: the minor semi-axis is at least this fraction of the major one. */
export const ORIENTED_MIN_ASPECT = 0.25;
/** Coordinates are clamped to +-COORD_LIMIT source pixels. */
export const COORD_LIMIT = 2 ** 20;
/** The joint sets one Gaussian is fitted to, per person, in each mode. */
export const ALL_JOINTS: readonly number[] = Array.from({ length: NUM_JOINTS }, (_, j) => j);

export function partsOf(mode: HeatmapMode): readonly (readonly number[])[] {
  return mode === 'person' ? [ALL_JOINTS] : BODY_PARTS.map((p) => p.joints);
}

export function assertMode(mode: string): asserts mode is HeatmapMode {
  if (!HEATMAP_MODES.includes(mode as HeatmapMode)) {
    throw new Error(`Unknown heatmap mode "${mode}"; use one of ${HEATMAP_MODES.join(', ')}.`);
  }
}
