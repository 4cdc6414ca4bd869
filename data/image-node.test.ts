// Image decoding in Node: dimensions read from the headers, and a size limit checked before any
// pixel is allocated (a PNG whose header claims 20000 x 20000 would otherwise take 1.6 GB).
import { describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import { decodeImage, encodeJpeg, encodePng, imageDimensions, maxImagePixels, DEFAULT_MAX_IMAGE_PIXELS } from './image-node.js';

function picture(w: number, h: number) {
  const img = createImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256, 255], 4 * i);
  return img;
}

describe('image decoding limits', () => {
  it('reads width and height from PNG and JPEG headers', () => {
    for (const [w, h] of [[1, 1], [37, 5], [8, 61]]) {
      expect(imageDimensions(encodePng(picture(w, h)))).toEqual({ width: w, height: h });
      expect(imageDimensions(encodeJpeg(picture(w, h)))).toEqual({ width: w, height: h });
      const back = decodeImage(encodeJpeg(picture(w, h)), 'x.jpg');
      expect([back.width, back.height]).toEqual([w, h]);
    }
  });

  it('refuses a PNG whose header claims 20000 x 20000 before decoding it', () => {
    const png = Buffer.from(encodePng(picture(4, 4)));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    expect(() => decodeImage(png, 'huge.png')).toThrow(/^huge\.png claims 20000x20000 pixels \(381\.5 M\), more than the limit of 64\.0 M; it was not decoded\. .*FOCUSCLIP_MAX_IMAGE_PIXELS/);
  });

  it('refuses a JPEG whose frame header claims 20000 x 20000', () => {
    const jpg = Buffer.from(encodeJpeg(picture(4, 4)));
    const d = imageDimensions(jpg)!;
    expect(d).toEqual({ width: 4, height: 4 });
    // Patch the SOF marker's height and width.
    let i = 2;
    while (!(jpg[i + 1] >= 0xc0 && jpg[i + 1] <= 0xc2)) i += 2 + jpg.readUInt16BE(i + 2);
    jpg.writeUInt16BE(20000, i + 5);
    jpg.writeUInt16BE(20000, i + 7);
    expect(() => decodeImage(jpg, 'huge.jpg')).toThrow(/^huge\.jpg claims 20000x20000 pixels/);
  });

  it('takes its limit from FOCUSCLIP_MAX_IMAGE_PIXELS and names a bad value', () => {
    expect(maxImagePixels({})).toBe(DEFAULT_MAX_IMAGE_PIXELS);
    expect(maxImagePixels({ FOCUSCLIP_MAX_IMAGE_PIXELS: '100' })).toBe(100);
    expect(() => maxImagePixels({ FOCUSCLIP_MAX_IMAGE_PIXELS: 'lots' })).toThrow(/FOCUSCLIP_MAX_IMAGE_PIXELS must be a positive integer \(pixels\), got "lots"/);
    expect(() => decodeImage(encodePng(picture(11, 10)), 'small.png', 100)).toThrow(/small\.png claims 11x10 pixels/);
    expect(decodeImage(encodePng(picture(10, 10)), 'ok.png', 100).width).toBe(10);
  });
});
