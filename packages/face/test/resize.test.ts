// The resize rule Node and the browser share (src/resize.ts): sizes, exact area
// averages, alpha dropped, and Node's decoder running it on sharp's pixels.

import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImage } from '../src/decode.js';
import { RESIZE_RULE, fitInside, resizeToRgb } from '../src/resize.js';

describe('fitInside', () => {
  it('caps the long side and rounds the short one, never enlarging', () => {
    expect(fitInside(1382, 1868, 1280)).toEqual({ width: 947, height: 1280 });
    expect(fitInside(4352, 2903, 1280)).toEqual({ width: 1280, height: 854 });
    expect(fitInside(2048, 2048, 1280)).toEqual({ width: 1280, height: 1280 });
    expect(fitInside(640, 480, 1280)).toEqual({ width: 640, height: 480 });
    expect(fitInside(10_000, 3, 100)).toEqual({ width: 100, height: 1 });
  });
});

describe('resizeToRgb', () => {
  it('averages exact pixel areas: halving gives the mean of each 2x2 block', () => {
    // 4x2 RGB, shrunk to 2x1 (maxSide 2).
    const pixels = Uint8Array.from([
      0, 0, 0, 10, 20, 30, 100, 100, 100, 200, 200, 200,
      4, 8, 12, 14, 24, 34, 50, 60, 70, 250, 240, 230,
    ]);
    const out = resizeToRgb(pixels, 4, 2, 3, 2);
    expect(out).toMatchObject({ width: 2, height: 1 });
    expect(Array.from(out.data)).toEqual([7, 13, 19, 150, 150, 150]);
  });

  it('splits a source pixel between two outputs by its overlap (3 -> 2)', () => {
    const pixels = Uint8Array.from([0, 0, 0, 90, 90, 90, 180, 180, 180]);
    // Output 0 covers [0, 1.5): 0 * 2/3 + 90 * 1/3 = 30; output 1 covers [1.5, 3): 90 * 1/3 + 180 * 2/3 = 150.
    expect(Array.from(resizeToRgb(pixels, 3, 1, 3, 2).data)).toEqual([30, 30, 30, 150, 150, 150]);
  });

  it('drops alpha (RGBA in, RGB out) whether or not it resizes', () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 0, 40, 50, 60, 255]);
    expect(Array.from(resizeToRgb(rgba, 2, 1, 4, 100).data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(Array.from(resizeToRgb(rgba, 2, 1, 4, 1).data)).toEqual([25, 35, 45]);
  });

  it('keeps a flat colour flat at any ratio', () => {
    const width = 997;
    const height = 631;
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < pixels.length; i += 3) pixels.set([200, 17, 99], i);
    const out = resizeToRgb(pixels, width, height, 3, 128);
    expect(out).toMatchObject({ width: 128, height: 81 });
    const off = out.data.findIndex((value, i) => value !== [200, 17, 99][i % 3]);
    expect(off).toBe(-1);
  });
});

describe("Node's decoder", () => {
  it('decodes with sharp at full size, then shrinks with the shared rule', async () => {
    const width = 300;
    const height = 200;
    const raw = new Uint8Array(width * height * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
    const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const decoded = await decodeImage(new Uint8Array(png), { maxSide: 64 });
    const expected = resizeToRgb(raw, width, height, 3, 64);
    expect(decoded).toMatchObject({ width: expected.width, height: expected.height, originalWidth: width, originalHeight: height });
    expect(Buffer.from(decoded.data).equals(Buffer.from(expected.data))).toBe(true);
    expect(decoded.scale).toBeCloseTo(300 / 64, 10);
    expect(RESIZE_RULE).toBe('area');
  });

  it('ignores an embedded colour profile (the colour rule the browser follows too)', async () => {
    const width = 40;
    const height = 30;
    const raw = new Uint8Array(width * height * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 31) % 256;
    // Written with a Display P3 profile: the stored samples differ from what a
    // colour-managed decode (converting to sRGB) returns.
    const png = await sharp(raw, { raw: { width, height, channels: 3 } }).withIccProfile('p3').png().toBuffer();
    const asStored = await sharp(png, { ignoreIcc: true }).raw().toBuffer();
    const managed = await sharp(png).toColourspace('srgb').raw().toBuffer();
    expect(asStored.equals(managed)).toBe(false);
    const decoded = await decodeImage(new Uint8Array(png));
    expect(Buffer.from(decoded.data).equals(asStored)).toBe(true);
  });
});
