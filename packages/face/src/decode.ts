// Decodes a photo (path, encoded bytes or raw pixels) into RGB bytes with sharp:
// EXIF rotation applied, any format libvips reads (JPEG, PNG, WebP, AVIF, ...), long side
// capped by the package's own resize rule (resize.ts), the one the browser entry uses too.

import sharp, { type Sharp } from 'sharp';
import { SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';
import { checkInteger, describeValue } from './check.js';
import { FaceRangeError, FaceTypeError } from './errors.js';
import { COLOUR_RULE, RESIZE_RULE, resizeToRgb } from './resize.js';

/** Raw interleaved pixels, row by row: RGB (3 channels, the default) or RGBA (4). */
export interface RawImage {
  /** Interleaved pixels, `width * height * channels` bytes. */
  data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 3 (RGB, the default) or 4 (RGBA). */
  channels?: 3 | 4;
}

/** A photo: a file path, the bytes of an encoded file (JPEG, PNG, WebP, ...), or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Default cap of the long side, in pixels: faces stay well above the detector's minimum and inference stays under a second. */
export const DEFAULT_MAX_SIDE = 1280;
/** Default refusal threshold on the decoded size (width x height), before resizing: 100 megapixels. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

/** Decoding options (checked by the caller once). */
export interface DecodeOptions {
  /** Long side after resizing, px (never enlarged). Default 1280. */
  maxSide?: number;
  /** Images with more pixels than this are refused. Default 100 megapixels. */
  maxInputPixels?: number;
}

/** RGB pixels ready for the detector, and the factor back to the original's coordinates. */
export interface DecodedImage {
  /** Interleaved RGB, `width * height * 3` bytes. */
  data: Uint8Array;
  /** Width of the decoded (possibly downscaled) image, pixels. */
  width: number;
  /** Height of the decoded (possibly downscaled) image, pixels. */
  height: number;
  /** Size of the (EXIF-rotated) original. */
  originalWidth: number;
  /** Height of the (EXIF-rotated) original, pixels. */
  originalHeight: number;
  /** original / decoded: multiply detector coordinates by it to get the original's. */
  scale: number;
}

/** The decoder's identity, recorded with descriptors (they depend on it). */
export function decoderId(maxSide: number): string {
  return `sharp@${sharp.versions.sharp}/libvips@${sharp.versions.vips}/${COLOUR_RULE}/${RESIZE_RULE}-max-side-${maxSide}`;
}

/** Short description of an input for error messages. */
export function describeInput(input: ImageInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `a buffer of ${input.length} bytes`;
  return `raw ${input.width}x${input.height} pixels`;
}

function isRawImage(input: unknown): input is RawImage {
  return typeof input === 'object' && input !== null && !ArrayBuffer.isView(input) && 'data' in input && 'width' in input && 'height' in input;
}

/**
 * Decodes `input` to RGB, applies EXIF orientation and shrinks it so its long
 * side is at most `maxSide`. Throws `FaceTypeError` with code
 * `UNREADABLE_IMAGE` for a missing, unreadable or non-image file, and
 * `FaceRangeError` (same code) for an image over `maxInputPixels`.
 */
export async function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  let image: Sharp;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // failOn 'error' (not 'warning'): photos from phones often carry minor
    // warnings (truncated EXIF) and decode fine.
    // ignoreIcc: the package's colour rule (resize.ts), the browser's too.
    image = sharp(input, { limitInputPixels: maxInputPixels, failOn: 'error', ignoreIcc: true });
  } else if (isRawImage(input)) {
    const channels = input.channels ?? 3;
    if (channels !== 3 && channels !== 4) {
      throw new SmallworldRangeError('INVALID_ARGUMENT', `\`image.channels\` must be 3 or 4 (got ${describeValue(channels)})`);
    }
    checkInteger('image.width', input.width, 1);
    checkInteger('image.height', input.height, 1);
    if (!(input.data instanceof Uint8Array || input.data instanceof Uint8ClampedArray)) {
      throw new SmallworldTypeError('INVALID_ARGUMENT', `\`image.data\` must be a Uint8Array (got ${describeValue(input.data)})`);
    }
    const expected = input.width * input.height * channels;
    if (input.data.length !== expected) {
      throw new SmallworldRangeError('INVALID_ARGUMENT',
        `\`image.data\` must hold width x height x ${channels} = ${expected} bytes (got ${input.data.length})`);
    }
    if (input.width * input.height > maxInputPixels) throw tooLarge(describeInput(input), input.width * input.height, maxInputPixels);
    image = sharp(input.data, { raw: { width: input.width, height: input.height, channels } });
  } else {
    throw new SmallworldTypeError('INVALID_ARGUMENT',
      `\`image\` must be a path, a Buffer/Uint8Array of an encoded image, or { data, width, height } (got ${describeValue(input)})`);
  }

  try {
    // The header alone, without sharp's pixel limit, to name the size of a refused image.
    const metadata = typeof input === 'string' || input instanceof Uint8Array
      ? await sharp(input, { limitInputPixels: false }).metadata()
      : await image.metadata();
    const originalWidth = metadata.autoOrient?.width ?? metadata.width;
    const originalHeight = metadata.autoOrient?.height ?? metadata.height;
    // Checked here for a message with the size; sharp's own limit stays as the backstop.
    if (originalWidth * originalHeight > maxInputPixels) throw tooLarge(describeInput(input), originalWidth * originalHeight, maxInputPixels);
    // Decoded at full size, then shrunk by resize.ts (not sharp's resize): the
    // browser entry runs the same code on the platform's pixels, so both agree.
    const { data, info } = await image
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${describeInput(input)}: got ${info.channels} channels after conversion to RGB`);
    }
    const full = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const shrunk = resizeToRgb(full, info.width, info.height, 3, maxSide);
    return {
      data: shrunk.data, width: shrunk.width, height: shrunk.height, originalWidth, originalHeight,
      scale: Math.max(originalWidth, originalHeight) / Math.max(shrunk.width, shrunk.height),
    };
  } catch (error) {
    if (error instanceof SmallworldTypeError || error instanceof SmallworldRangeError) throw error;
    throw describeDecodeError(input, error, maxInputPixels);
  }
}

function tooLarge(what: string, pixels: number | undefined, limit: number): FaceRangeError {
  const size = pixels === undefined ? '' : ` (${(pixels / 1e6).toFixed(1)} MP)`;
  return new FaceRangeError('UNREADABLE_IMAGE',
    `image too large: ${what}${size} is over the limit of ${(limit / 1e6).toFixed(1)} MP (option \`maxInputPixels\`)`);
}

/** Turns sharp's and the file system's errors into one clear, typed message. */
function describeDecodeError(input: ImageInput, error: unknown, maxInputPixels: number): Error {
  const what = describeInput(input);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code;
  if (/exceeds pixel limit/i.test(message)) return tooLarge(what, undefined, maxInputPixels);
  if (code === 'ENOENT' || /Input file is missing/i.test(message)) {
    return new FaceTypeError('UNREADABLE_IMAGE', `cannot read ${what}: no such file`);
  }
  if (/unsupported image format/i.test(message)) {
    return new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${what}: not an image in a supported format`);
  }
  return new FaceTypeError('UNREADABLE_IMAGE', `cannot decode ${what}: ${message.split('\n')[0]}`);
}
