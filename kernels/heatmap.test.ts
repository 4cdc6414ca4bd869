import { describe, it, expect } from 'vitest';
import { useEngine, read, assertClose } from '../test/helpers.js';
import { Rng } from '../engine/rng.js';
import { NUM_JOINTS, J, type Person } from '../data/mpii.js';
import { heatmapRef, heatmapGaussians, targetToSource, HEATMAP_MODES, ORIENTED_MIN_ASPECT, type HeatmapMode } from '../data/heatmap-ref.js';
import { rasterizeHeatmaps } from './heatmap.js';
import { packKeypoints, type ImageSize } from '../data/pack-keypoints.js';
import { heatmapsFromPeople } from '../model/heatmaps.js';

/** A person scattered around (cx, cy) with spread `s`, some joints invisible, f32-exact coordinates. */
function randomPerson(rng: Rng, cx: number, cy: number, s: number, pVisible = 0.8): Person {
  const kpts: [number, number][] = [];
  const vis: number[] = [];
  for (let j = 0; j < NUM_JOINTS; j++) {
    kpts.push([Math.fround(cx + rng.uniform(-s, s)), Math.fround(cy + rng.uniform(-s, s))]);
    vis.push(rng.next() < pVisible ? 1 : 0);
  }
  return { kpts, vis };
}

function randomSample(rng: Rng, size: ImageSize, people: number): Person[] {
  return Array.from({ length: people }, () =>
    // Centres up to 20% outside the image: joints outside are valid input.
    randomPerson(rng, rng.uniform(-0.2, 1.2) * size.width, rng.uniform(-0.2, 1.2) * size.height, rng.uniform(0.5, 0.4 * Math.max(size.width, size.height))),
  );
}

function refBatch(samples: Person[][], sizes: ImageSize[], width: number, height: number, mode: HeatmapMode): Float64Array {
  const out = new Float64Array(samples.length * width * height);
  samples.forEach((people, b) => out.set(heatmapRef(people, sizes[b].width, sizes[b].height, width, height, { mode }), b * width * height));
  return out;
}

function person(points: Record<number, [number, number]>): Person {
  const kpts: [number, number][] = [];
  const vis: number[] = [];
  for (let j = 0; j < NUM_JOINTS; j++) {
    kpts.push(points[j] ?? [-1, -1]);
    vis.push(points[j] ? 1 : 0);
  }
  return { kpts, vis };
}

describe('heatmap reference (the rule itself)', () => {
  it('places the box-centred Gaussian with half-extent semi-axes', () => {
    // Left lower leg only: knee (4), ankle (5), left hip (3).
    const p = person({ [J.lHip]: [10, 4], [J.lKnee]: [14, 12], [J.lAnkle]: [12, 20] });
    const gs = heatmapGaussians([p]);
    // Head, torso and most parts lack 2 visible joints; l upper leg (3,4,6) has hip+knee; l lower leg has 3.
    expect(gs.length).toBe(2);
    const h = heatmapRef([p], 32, 32, 32, 32);
    // Lower leg box: x 10..14, y 4..20 -> centre (12, 12), semi-axes (2, 8). Upper leg: hip+knee box
    // x 10..14, y 4..12 -> centre (12, 8), semi-axes (2, 4).
    const g = (x: number, y: number) =>
      Math.exp(-((x - 12) ** 2 / 8 + (y - 12) ** 2 / 128)) + Math.exp(-((x - 12) ** 2 / 8 + (y - 8) ** 2 / 32));
    for (const [x, y] of [[12, 12], [14, 12], [12, 20], [3, 30], [20, 5]]) {
      expect(h[y * 32 + x]).toBeCloseTo(Math.min(1, g(x, y)), 12);
    }
    expect(h[12 * 32 + 12]).toBe(1); // clipped sum
    // (14, 20): lower leg (2/2)^2/2 + (8/8)^2/2 = 1; upper leg (2/2)^2/2 + (12/4)^2/2 = 5.
    expect(h[20 * 32 + 14]).toBeCloseTo(Math.exp(-1) + Math.exp(-5), 12);
  });

  it('guards zero extents with a 1-pixel semi-axis and skips parts with < 2 visible joints', () => {
    // Coincident elbow and wrist: right lower arm (11, 10, 12) has extent 0 in both axes.
    const p = person({ [J.rElbow]: [5, 5], [J.rWrist]: [5, 5] });
    const h = heatmapRef([p], 11, 11, 11, 11);
    expect(h[5 * 11 + 5]).toBe(1);
    expect(h[5 * 11 + 6]).toBeCloseTo(Math.exp(-0.5), 12);
    expect(h[7 * 11 + 5]).toBeCloseTo(Math.exp(-2), 12);
    expect(Array.from(h).every(Number.isFinite)).toBe(true);
    // One visible joint per part: nothing at all.
    const lone = person({ [J.headTop]: [5, 5], [J.rAnkle]: [1, 1] });
    expect(Math.max(...heatmapRef([lone], 11, 11, 11, 11))).toBe(0);
  });

  it('maps target pixel centres back to source pixels like resizeBilinear', () => {
    // A 2x downscale: target pixel 3 covers source pixels 6 and 7, centre 6.5.
    const p = person({ [J.rElbow]: [6.5, 2.5], [J.rWrist]: [6.5, 2.5] });
    const h = heatmapRef([p], 20, 10, 10, 5);
    expect(h[1 * 10 + 3]).toBe(1);
    expect(h[1 * 10 + 4]).toBeCloseTo(Math.exp(-0.5 * 4), 12); // 2 source pixels away
  });

  it("orients the 'oriented' ellipse along the limb", () => {
    // Diagonal lower arm, elbow (0,0) -> wrist (30,40): length 50, su = 25, sv = 25 * aspect.
    const p = person({ [J.lElbow]: [20, 20], [J.lWrist]: [50, 60] });
    const h = heatmapRef([p], 80, 80, 80, 80, { mode: 'oriented' });
    const at = (x: number, y: number) => h[Math.round(y) * 80 + Math.round(x)];
    expect(at(35, 40)).toBe(1);
    expect(at(50, 60)).toBeCloseTo(Math.exp(-0.5), 10); // end of the major axis
    // 5 pixels across the limb (direction (-0.8, 0.6)): exp(-0.5 (5 / sv)^2).
    const sv = 25 * ORIENTED_MIN_ASPECT;
    expect(at(35 - 4, 40 + 3)).toBeCloseTo(Math.exp(-0.5 * (5 / sv) ** 2), 10);
    // The axis-aligned box of the same joints is much fatter there.
    const axis = heatmapRef([p], 80, 80, 80, 80)[43 * 80 + 31];
    expect(axis).toBeGreaterThan(at(31, 43) + 0.2);
  });

  it("'person' mode fits one Gaussian over all visible joints", () => {
    const p = person({ [J.headTop]: [10, 2], [J.rAnkle]: [6, 40], [J.lWrist]: [20, 20] });
    const gs = heatmapGaussians([p], 'person');
    expect(gs).toEqual([{ cx: 13, cy: 21, ux: 1, uy: 0, su: 7, sv: 19 }]);
  });
});

describe('heatmap kernel vs reference', () => {
  const E = useEngine();

  for (const mode of HEATMAP_MODES) {
    it(`matches the reference to 1e-5 (${mode}, odd sizes, several people)`, async () => {
      const e = E();
      const rng = new Rng(17 + mode.length);
      const sizes: ImageSize[] = [
        { width: 640, height: 480 },
        { width: 37, height: 23 },
        { width: 1280, height: 721 },
        { width: 1, height: 1 },
        { width: 333, height: 999 },
      ];
      const counts = [3, 1, 4, 2, 0];
      const samples = sizes.map((s, b) => randomSample(rng, s, counts[b]));
      for (const [width, height] of [[37, 23], [1, 1], [64, 33]]) {
        const out = heatmapsFromPeople(e, samples, sizes, { width, height, mode });
        expect(out.shape).toEqual([sizes.length, 1, height, width]);
        const got = await read(out);
        const want = refBatch(samples, sizes, width, height, mode);
        assertClose(got, want, { atol: 1e-5, rtol: 0, what: `${mode} ${width}x${height}` });
        // The comparison is not vacuous: every populated sample has real signal.
        expect(Math.max(...want)).toBeGreaterThan(0.1);
        out.dispose();
      }
    });
  }

  it('stays within 1e-5 for 1-pixel Gaussians far from the origin (the precision worst case)', async () => {
    const e = E();
    const rng = new Rng(5);
    // Tight clusters (spread < 2 px, so most semi-axes hit the 1-pixel guard) at coordinates in the
    // thousands, on a target grid of non-integer scale (4000 / 1999).
    const [sw, sh, tw, th] = [4000, 3000, 1999, 1499];
    const people = Array.from({ length: 3 }, () => randomPerson(rng, rng.uniform(3000, 3900), rng.uniform(2000, 2900), 1.5, 1));
    for (const mode of HEATMAP_MODES) {
      const out = heatmapsFromPeople(e, [people], [{ width: sw, height: sh }], { width: tw, height: th, mode });
      const got = await read(out);
      out.dispose();
      // The reference over the window that holds the people (the rest is exactly 0 in both).
      const gs = heatmapGaussians(people, mode);
      let maxErr = 0;
      let peak = 0;
      for (let j = 950; j < 1460; j++) {
        const y = targetToSource(j, th, sh);
        for (let i = 1450; i < 1960; i++) {
          const x = targetToSource(i, tw, sw);
          let acc = 0;
          for (const g of gs) {
            const tu = ((x - g.cx) * g.ux + (y - g.cy) * g.uy) / g.su;
            const tv = (-(x - g.cx) * g.uy + (y - g.cy) * g.ux) / g.sv;
            acc += Math.exp(-0.5 * (tu * tu + tv * tv));
          }
          const want = Math.min(1, acc);
          peak = Math.max(peak, want);
          maxErr = Math.max(maxErr, Math.abs(got[j * tw + i] - want));
        }
      }
      expect(peak, mode).toBeGreaterThan(0.5);
      expect(maxErr, mode).toBeLessThan(1e-5);
    }
  });
});

describe('heatmap bad input', () => {
  const E = useEngine();

  it('gives zeros for zero people, padding people and all-invisible people', async () => {
    const e = E();
    const rng = new Rng(3);
    const invisible = { ...randomPerson(rng, 10, 10, 5), vis: new Array(NUM_JOINTS).fill(0) };
    const sizes = [{ width: 20, height: 20 }, { width: 20, height: 20 }, { width: 20, height: 20 }];
    const real = randomPerson(rng, 10, 10, 5, 1);
    const out = heatmapsFromPeople(e, [[], [invisible], [real]], sizes, { width: 7, height: 9, maxPeople: 3 });
    const got = await read(out);
    expect(Array.from(got.subarray(0, 2 * 63)).every((v) => v === 0)).toBe(true);
    assertClose(got.subarray(2 * 63), heatmapRef([real], 20, 20, 7, 9), { atol: 1e-5, rtol: 0 });
    expect(Math.max(...got.subarray(2 * 63))).toBeGreaterThan(0.5);
  });

  it('an empty batch gives an empty tensor', async () => {
    const out = heatmapsFromPeople(E(), [], [], { width: 5, height: 5 });
    expect(out.shape).toEqual([0, 1, 5, 5]);
  });

  it('treats NaN/Inf coordinates and flags in a raw tensor as invisible, never NaN out', async () => {
    const e = E();
    const rng = new Rng(9);
    const p = randomPerson(rng, 15, 12, 8, 1);
    const packed = packKeypoints([[p]], [{ width: 30, height: 24 }]);
    const kp = packed.keypoints;
    kp[J.headTop * 3] = NaN;
    kp[J.lWrist * 3 + 1] = Infinity;
    kp[J.rAnkle * 3 + 2] = NaN; // visibility flag
    kp[J.lAnkle * 3] = -Infinity;
    const out = rasterizeHeatmaps(e, e.tensor(kp, [1, 1, NUM_JOINTS, 3]), e.tensor(packed.sizes, [1, 2]), { width: 30, height: 24 });
    const got = await read(out);
    expect(got.every(Number.isFinite)).toBe(true);
    const dropped = { ...p, vis: p.vis.map((v, j) => ([J.headTop, J.lWrist, J.rAnkle, J.lAnkle] as number[]).includes(j) ? 0 : v) };
    assertClose(got, heatmapRef([dropped], 30, 24, 30, 24), { atol: 1e-5, rtol: 0 });
    // ...and the reference agrees that NaN means invisible.
    const nanRef = heatmapRef([{ ...p, kpts: p.kpts.map((k, j) => (j === J.headTop ? [NaN, k[1]] : k)) as [number, number][] }], 30, 24, 30, 24);
    const dropHead = heatmapRef([{ ...p, vis: p.vis.map((v, j) => (j === J.headTop ? 0 : v)) }], 30, 24, 30, 24);
    expect(Array.from(nanRef)).toEqual(Array.from(dropHead));
  });

  it('handles absurd coordinates (clamped, finite) and joints outside the image', async () => {
    const e = E();
    const far = person({ [J.rElbow]: [1e30, -3e38], [J.rWrist]: [5, 5], [J.rShoulder]: [-1e9, 7], [J.lHip]: [-50, -40], [J.lKnee]: [-45, -20] });
    const out = heatmapsFromPeople(e, [[far]], [{ width: 16, height: 16 }], { width: 16, height: 16, mode: 'oriented' });
    const got = await read(out);
    expect(got.every(Number.isFinite)).toBe(true);
    for (const mode of HEATMAP_MODES) {
      const o = heatmapsFromPeople(e, [[far]], [{ width: 16, height: 16 }], { width: 16, height: 16, mode });
      assertClose(await read(o), heatmapRef([far], 16, 16, 16, 16, { mode }), { atol: 1e-5, rtol: 0, what: mode });
    }
  });

  it('the packer rejects bad input with errors that name the problem', () => {
    const rng = new Rng(1);
    const p = randomPerson(rng, 10, 10, 5, 1);
    const bad = { ...p, kpts: p.kpts.map((k, j) => (j === J.headTop ? [NaN, 3] : k)) as [number, number][] };
    expect(() => packKeypoints([[p], [p, bad]], [{ width: 20, height: 20 }, { width: 20, height: 20 }])).toThrow(/sample 1, person 1, joint 9 \(head top\).*not finite/);
    // Invisible joints may hold anything.
    expect(() => packKeypoints([[{ ...bad, vis: bad.vis.map((v, j) => (j === J.headTop ? 0 : v)) }]], [{ width: 20, height: 20 }])).not.toThrow();
    expect(() => packKeypoints([[p, p, p]], [{ width: 20, height: 20 }], { maxPeople: 2 })).toThrow(/sample 0 has 3 people but maxPeople is 2/);
    expect(() => packKeypoints([[p]], [])).toThrow(/1 samples of people but 0 image sizes/);
    expect(() => packKeypoints([[p]], [{ width: 0, height: 20 }])).toThrow(/sample 0 has image size 0 x 20/);
    expect(() => packKeypoints([[{ kpts: p.kpts.slice(0, 14), vis: p.vis }]], [{ width: 20, height: 20 }])).toThrow(/14 joints/);
  });

  it('the launcher rejects wrong tensor shapes and modes', () => {
    const e = E();
    const kp = e.zeros([2, 1, 16, 3]);
    expect(() => rasterizeHeatmaps(e, e.zeros([2, 1, 16, 2]), e.zeros([2, 2]), { width: 4, height: 4 })).toThrow(/keypoints must be f32 \[batch, maxPeople, 16, 3\]/);
    expect(() => rasterizeHeatmaps(e, kp, e.zeros([3, 2]), { width: 4, height: 4 })).toThrow(/sizes must be f32 \[2, 2\]/);
    expect(() => rasterizeHeatmaps(e, kp, e.zeros([2, 2]), { width: 0, height: 4 })).toThrow(/width must be a positive integer/);
    expect(() => rasterizeHeatmaps(e, kp, e.zeros([2, 2]), { width: 4, height: 4, mode: 'round' as HeatmapMode })).toThrow(/Unknown heatmap mode "round"/);
  });
});
