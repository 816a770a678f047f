// Decodes a photo in the browser (File/Blob, ImageBitmap, <img>, ImageData or a URL)
// with the platform (createImageBitmap, OffscreenCanvas): EXIF rotation applied, colour profile ignored, then
// shrunk by the package's resize rule (../resize.ts), the very code Node runs after sharp.

import { SmallworldTypeError } from '@smallworld/hnsw';
import { describeValue } from '../check.js';
import { FaceRangeError, FaceTypeError } from '../errors.js';
import type { RgbPixels } from '../pipeline.js';
import { COLOUR_RULE, RESIZE_RULE, resizeToRgb } from '../resize.js';

/**
 * A photo in the browser: a `File` or `Blob` of an encoded image (JPEG, PNG,
 * WebP, ... whatever the browser decodes), an `ImageBitmap`, an
 * `HTMLImageElement`, an `ImageData`, or a URL string (fetched; relative to
 * the page or worker).
 */
export type BrowserImageInput = Blob | ImageBitmap | HTMLImageElement | ImageData | string;

/** RGB pixels ready for the detector, and the original's size. */
export interface BrowserDecodedImage extends RgbPixels {
  /** Width of the (EXIF-rotated) original, pixels. */
  originalWidth: number;
  /** Height of the (EXIF-rotated) original, pixels. */
  originalHeight: number;
}

/** The browser decoder's identity, recorded with descriptors (Node's is `sharp@.../libvips@.../no-icc/area-max-side-N`). */
export function browserDecoderId(maxSide: number): string {
  return `browser/${COLOUR_RULE}/${RESIZE_RULE}-max-side-${maxSide}`;
}

/** Short description of an input for error messages. */
export function describeBrowserInput(input: BrowserImageInput): string {
  if (typeof input === 'string') return input;
  if (typeof File !== 'undefined' && input instanceof File) return input.name;
  if (input instanceof Blob) return `a blob of ${input.size} bytes`;
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return `image data ${input.width}x${input.height}`;
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) return input.currentSrc || input.src || 'an <img>';
  return `a bitmap ${(input as ImageBitmap).width}x${(input as ImageBitmap).height}`;
}

/**
 * Decodes `input` to RGB, EXIF orientation applied, its long side shrunk to
 * `maxSide` by the package's resize rule. Throws `FaceTypeError`
 * 'UNREADABLE_IMAGE' for a URL that cannot be fetched or bytes the browser
 * cannot decode, `FaceRangeError` (same code) over `maxInputPixels`.
 */
export async function decodeBrowserImage(
  input: BrowserImageInput, options: { maxSide: number; maxInputPixels: number },
): Promise<BrowserDecodedImage> {
  const what = describeBrowserInput(input);
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    checkSize(what, input.width, input.height, options.maxInputPixels);
    return finish(input.data, input.width, input.height, options.maxSide);
  }
  const bitmap = await toBitmap(input, what);
  try {
    checkSize(what, bitmap.width, bitmap.height, options.maxInputPixels);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${what}: no 2d canvas context in this browser`);
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return finish(data, bitmap.width, bitmap.height, options.maxSide);
  } finally {
    // Bitmaps the caller passed stay theirs.
    if (bitmap !== input) bitmap.close();
  }
}

function finish(rgba: Uint8ClampedArray, width: number, height: number, maxSide: number): BrowserDecodedImage {
  const shrunk = resizeToRgb(rgba, width, height, 4, maxSide);
  return {
    data: shrunk.data, width: shrunk.width, height: shrunk.height, originalWidth: width, originalHeight: height,
    scale: Math.max(width, height) / Math.max(shrunk.width, shrunk.height),
  };
}

function checkSize(what: string, width: number, height: number, limit: number): void {
  if (width * height > limit) {
    throw new FaceRangeError('UNREADABLE_IMAGE',
      `image too large: ${what} (${(width * height / 1e6).toFixed(1)} MP) is over the limit of ${(limit / 1e6).toFixed(1)} MP (option \`maxInputPixels\`)`);
  }
}

// EXIF orientation applied as sharp's rotate() does; no premultiplication
// (sharp drops alpha without it); the embedded colour profile ignored, as
// Node does (the package's colour rule, resize.ts).
const BITMAP_OPTIONS: ImageBitmapOptions = { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' };

async function toBitmap(input: BrowserImageInput, what: string): Promise<ImageBitmap> {
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) return input;
  let source: Blob | HTMLImageElement;
  if (typeof input === 'string') {
    let response: Response;
    try {
      response = await fetch(input);
    } catch (error) {
      throw new FaceTypeError('UNREADABLE_IMAGE', `cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw new FaceTypeError('UNREADABLE_IMAGE', `cannot read ${what}: HTTP ${response.status}`);
    source = await response.blob();
  } else if (input instanceof Blob) {
    source = input;
  } else if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    try {
      await input.decode();
    } catch {
      throw new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${what}: the <img> did not load an image`);
    }
    source = input;
  } else {
    throw new SmallworldTypeError('INVALID_ARGUMENT',
      `\`image\` must be a File/Blob, ImageBitmap, HTMLImageElement, ImageData or URL string (got ${describeValue(input)})`);
  }
  try {
    return await createImageBitmap(source, BITMAP_OPTIONS);
  } catch {
    throw new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${what}: not an image in a format this browser reads`);
  }
}
