// Image decoding in browsers: the browser's own decoders (JPEG, PNG, WebP, ...) through
// createImageBitmap, read back as RGBA bytes. The Node counterpart is image-node.ts.
import type { RGBAImage } from './image.js';

export async function decodeImageBlob(file: Blob, name = 'image'): Promise<RGBAImage> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file);
  } catch (e) {
    throw new Error(`Cannot decode ${name}: ${(e as Error).message || 'not an image the browser can read'}.`);
  }
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bmp, 0, 0);
  bmp.close();
  const d = g.getImageData(0, 0, canvas.width, canvas.height);
  return { width: d.width, height: d.height, data: new Uint8Array(d.data.buffer) };
}
