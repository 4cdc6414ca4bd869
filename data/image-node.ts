// Image files in Node: PNG (pngjs) and JPEG (jpeg-js) decoding, PNG writing. Decoding errors name
// the file.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { RGBAImage } from './image.js';
import { writeFileAtomic } from './atomic-write-node.js';

/** Decoding allocates width x height x 4 bytes, so a header may not claim more than this many
 *  pixels (default 64 M, e.g. 8000 x 8000); FOCUSCLIP_MAX_IMAGE_PIXELS changes it. */
export const DEFAULT_MAX_IMAGE_PIXELS = 64 * 2 ** 20;

export function maxImagePixels(env: Record<string, string | undefined> = process.env): number {
  const raw = env.FOCUSCLIP_MAX_IMAGE_PIXELS;
  if (raw === undefined || raw === '') return DEFAULT_MAX_IMAGE_PIXELS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FOCUSCLIP_MAX_IMAGE_PIXELS must be a positive integer (pixels), got "${raw}".`);
  return n;
}

/** Width and height from a PNG's IHDR or a JPEG's SOF marker, without decoding. */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  const be16 = (i: number) => (bytes[i] << 8) | bytes[i + 1];
  const be32 = (i: number) => ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes.length >= 24) return { width: be32(16), height: be32(20) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return undefined;
      const m = bytes[i + 1];
      if (m === 0xff) { i++; continue; }
      const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
      if (isSof) return { height: be16(i + 5), width: be16(i + 7) };
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { i += 2; continue; }
      i += 2 + be16(i + 2);
    }
  }
  return undefined;
}

export function decodeImage(bytes: Uint8Array, name = 'image', maxPixels = maxImagePixels()): RGBAImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const dims = imageDimensions(bytes);
  if (dims && dims.width * dims.height > maxPixels) {
    throw new Error(
      `${name} claims ${dims.width}x${dims.height} pixels (${((dims.width * dims.height) / 2 ** 20).toFixed(1)} M), more than the limit of ${(maxPixels / 2 ** 20).toFixed(1)} M; ` +
        'it was not decoded. Resize the image, or raise FOCUSCLIP_MAX_IMAGE_PIXELS if it is genuine.',
    );
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024, maxResolutionInMP: maxPixels / 1e6 });
      return { width: j.width, height: j.height, data: j.data as Uint8Array };
    }
  } catch (e) {
    throw new Error(`Cannot decode ${name}: ${(e as Error).message}`);
  }
  throw new Error(`Cannot decode ${name}: not a PNG or JPEG file.`);
}

export function readImage(path: string): RGBAImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`Image file not found or unreadable: ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeImage(bytes, path);
}

export function encodePng(img: RGBAImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

export function encodeJpeg(img: RGBAImage, quality = 90): Buffer {
  return Buffer.from(jpeg.encode({ width: img.width, height: img.height, data: img.data }, quality).data);
}

// Image writers go through the project's one durable writer; callers that import it from here keep working.
export { writeFileAtomic };

export function writePng(path: string, img: RGBAImage): void {
  writeFileAtomic(path, encodePng(img));
}
