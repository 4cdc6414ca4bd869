// `focusclip heatmap`: the ROI heatmap of one image's people, the focused image the encoder sees,
// and an overlay with the skeleton, as three PNGs. Output names for `--out overlay.png`:
//   overlay.png (image + heatmap + skeleton), overlay-heatmap.png, overlay-focused.png.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Engine } from '../ops/engine.js';
import type { RunCommand } from './run.js';
import { BONES, NUM_JOINTS, type Person } from '../data/mpii.js';
import { blend, drawDisc, drawLine, fromCHW, heatColor, resizeBilinear, toCHW, type RGBAImage } from '../data/image.js';
import { readImage, writePng } from '../data/image-node.js';
import { assertMode, sourceToTarget, type HeatmapMode } from '../data/heatmap-ref.js';
import { heatmapsFromPeople } from '../model/heatmaps.js';
import { focus } from '../ops/focus.js';
import { keypointsFromJson, parseJsonOrLines } from './heatmap-input.js';
import { syntheticSample } from '../data/synthetic/sample.js';
import { resolveInside } from '../data/paths-node.js';
import { intFlag, numFlag } from './flags.js';
import { ensureDir } from '../data/atomic-write-node.js';

export interface HeatmapCommandOptions {
  image?: string;
  keypoints?: string;
  /** Record index when the keypoints file holds several records. */
  index?: number;
  synthetic?: number;
  out: string;
  /** Longer side of the output in pixels (the aspect ratio is kept). */
  size?: number;
  mode?: string;
  /** The focusing parameter a of I * (a + (1 - a) H). */
  a?: number;
}

export interface HeatmapCommandResult {
  files: { overlay: string; heatmap: string; focused: string };
  width: number;
  height: number;
  people: number;
  /** Fraction of pixels with heatmap > 0.5 (a quick sanity number). */
  coverage: number;
}

/** `<stem>.png` -> `<stem>-heatmap.png`, `<stem>-focused.png` (".png" is appended if missing). */
export function outputNames(out: string): HeatmapCommandResult['files'] {
  const overlay = /\.png$/i.test(out) ? out : `${out}.png`;
  const stem = overlay.slice(0, -4);
  return { overlay, heatmap: `${stem}-heatmap.png`, focused: `${stem}-focused.png` };
}

const RIGHT = new Set([0, 1, 2, 10, 11, 12]);
const LEFT = new Set([3, 4, 5, 13, 14, 15]);
const sideColour = (j: number) => (RIGHT.has(j) ? [255, 70, 60] : LEFT.has(j) ? [70, 140, 255] : [80, 230, 90]);

/** Bones (coloured by body side) and joints of every person, in target-pixel coordinates. */
export function drawSkeletons(img: RGBAImage, people: readonly Person[], srcW: number, srcH: number): void {
  const at = (p: Person, j: number): [number, number] => [sourceToTarget(p.kpts[j][0], img.width, srcW), sourceToTarget(p.kpts[j][1], img.height, srcH)];
  const ok = (p: Person, j: number) => p.vis[j] > 0 && Number.isFinite(p.kpts[j][0]) && Number.isFinite(p.kpts[j][1]);
  const thick = Math.max(1.5, Math.min(img.width, img.height) / 110);
  for (const p of people) {
    for (const [a, b] of BONES) if (ok(p, a) && ok(p, b)) drawLine(img, ...at(p, a), ...at(p, b), sideColour(b), thick);
    for (let j = 0; j < NUM_JOINTS; j++) if (ok(p, j)) drawDisc(img, ...at(p, j), thick * 1.3, [255, 255, 255]);
  }
}

function loadInput(opts: HeatmapCommandOptions): { image: RGBAImage; people: Person[]; source: string } {
  if (opts.synthetic !== undefined) {
    if (opts.image || opts.keypoints) throw new Error('--synthetic draws its own image and keypoints; do not combine it with --image or --keypoints.');
    if (!Number.isInteger(opts.synthetic)) throw new Error(`--synthetic needs an integer seed, got ${opts.synthetic}.`);
    const s = syntheticSample(opts.synthetic);
    return { ...s, source: `synthetic sample ${opts.synthetic}` };
  }
  if (!opts.keypoints) throw new Error('Give --keypoints <record.json> (with --image <photo>), or --synthetic <seed> for a sample without files.');
  let text: string;
  try {
    text = readFileSync(opts.keypoints, 'utf8');
  } catch (e) {
    throw new Error(`Keypoints file not found or unreadable: ${opts.keypoints} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const parsed = keypointsFromJson(parseJsonOrLines(text, opts.keypoints), opts.keypoints, opts.index ?? 0);
  // A record names its image; it is looked up next to the keypoints file unless --image is given.
  const imagePath = opts.image ?? (parsed.image ? resolveInside(dirname(resolve(opts.keypoints)), parsed.image, `${opts.keypoints}: image`) : undefined);
  if (!imagePath) throw new Error(`${opts.keypoints} is a list of people without an image name; give --image <photo>.`);
  return { image: readImage(imagePath), people: parsed.people, source: imagePath };
}

/** Every option checked and the inputs read, before a GPU is touched. */
export function heatmapInput(opts: HeatmapCommandOptions) {
  const mode = (opts.mode ?? 'axis') as HeatmapMode;
  assertMode(mode);
  const size = intFlag('size', opts.size ?? 224, 1, 8192);
  const a = numFlag('a', opts.a ?? 0.5, 0, 1);
  if (opts.index !== undefined) intFlag('index', opts.index, 0);
  if (opts.synthetic !== undefined) intFlag('synthetic', opts.synthetic, 0, 2 ** 32 - 1);
  const files = outputNames(opts.out);
  ensureDir(dirname(resolve(files.overlay)), '--out folder');
  return { mode, size, a, files, ...loadInput(opts) };
}

export async function heatmapCommand(engine: Engine, opts: HeatmapCommandOptions, input = heatmapInput(opts)): Promise<HeatmapCommandResult> {
  const { mode, size, a, files, image, people } = input;
  const s = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * s));
  const height = Math.max(1, Math.round(image.height * s));
  const small = resizeBilinear(image, width, height);

  const { heat, focused } = await engine.scope(async () =>
    engine.noGrad(async () => {
      const h = heatmapsFromPeople(engine, [people], [{ width: image.width, height: image.height }], { width, height, mode });
      const img = engine.tensor(toCHW(small), [1, 3, height, width]);
      const f = focus(engine, img, h, engine.tensor([a], [1]));
      return { heat: (await h.toArray()) as Float32Array, focused: (await f.toArray()) as Float32Array };
    }),
  );

  const heatImg = heatColor(heat, width, height);
  const overlay = blend(small, heatImg, 0.5);
  drawSkeletons(overlay, people, image.width, image.height);
  writePng(files.heatmap, heatImg);
  writePng(files.focused, fromCHW(focused, width, height));
  writePng(files.overlay, overlay);
  let covered = 0;
  for (const v of heat) if (v > 0.5) covered++;
  return { files, width, height, people: people.length, coverage: covered / heat.length };
}

export function registerHeatmap(program: Command, run: RunCommand) {
  const int = (v: string) => Number(v);
  program
    .command('heatmap')
    .description('draw the ROI heatmap of an image\'s people, the focused image and a skeleton overlay (three PNGs)')
    .option('--image <file>', 'photo (PNG or JPEG); default: the image named by the record, next to it')
    .option('--keypoints <file>', 'pose-captions record {image, people: [{kpts, kpts_vis}]}, a list of records, or a list of people (JSON or JSON Lines)')
    .option('--index <n>', 'which record, when the file holds several', int)
    .option('--synthetic <seed>', 'no files: draw a synthetic sample (people from the synthetic generator) from this seed', int)
    .option('--out <file>', 'overlay PNG; <stem>-heatmap.png and <stem>-focused.png are written next to it', 'heatmap.png')
    .option('--size <n>', 'longer side of the outputs in pixels (aspect ratio kept)', int, 224)
    .option('--mode <mode>', 'axis (the paper), oriented (ellipses along limbs) or person (one per person)', 'axis')
    .option('--a <value>', 'focusing parameter a in I * (a + (1 - a) H)', Number, 0.5)
    .action(async (opts: HeatmapCommandOptions) => {
      const input = heatmapInput(opts);
      const r = await run((engine) => heatmapCommand(engine, opts, input));
      console.log(`${r.people} ${r.people === 1 ? 'person' : 'people'}, ${r.width}x${r.height}, ${(100 * r.coverage).toFixed(1)}% of pixels above 0.5`);
      console.log(`wrote ${r.files.overlay}\n      ${r.files.heatmap}\n      ${r.files.focused}`);
    });
}
