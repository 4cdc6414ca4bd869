// Image files in Node: PNG (pngjs) and JPEG (jpeg-js) decoding, PNG writing. Decoding errors name
// the file.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { RGBAImage } from './image.js';
import { writeFileAtomic } from './atomic-write-node.js';

export function decodeImage(bytes: Uint8Array, name = 'image'): RGBAImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
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
