// The one resize rule of the face package, in portable TypeScript: Node (after
// sharp decodes) and the browser (after the platform decodes) shrink photos with
// this same code, so both feed the networks the same pixels and agree on descriptors.

/**
 * Names the colour rule in a decoder's identity: embedded ICC profiles are
 * ignored on both sides (pixels as stored, as sRGB). The two colour engines
 * (lcms in sharp, skcms in Chromium) round differently: off by 1 in a few
 * pixels, enough to move a group photo's descriptor by 0.067; ignoring the
 * profile gives both the same bytes. The cost: a wide-gamut photo (Display
 * P3, Adobe RGB) is read slightly desaturated, which face descriptors barely feel.
 */
export const COLOUR_RULE = 'no-icc';

/**
 * Names the rule in a decoder's identity: descriptors made under another rule
 * are not comparable. 'area' = exact area averaging (a box filter over the
 * source pixels each output pixel covers), computed in float64, rounded once.
 */
export const RESIZE_RULE = 'area';

/** The size of a `width` x `height` image shrunk so its long side is at most `maxSide` (never enlarged). */
export function fitInside(width: number, height: number, maxSide: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { width, height };
  const scale = maxSide / long;
  return {
    width: width >= height ? maxSide : Math.max(1, Math.round(width * scale)),
    height: height > width ? maxSide : Math.max(1, Math.round(height * scale)),
  };
}

/**
 * Interleaved RGB (3 channels) of `pixels` (RGB or RGBA, `channels` 3 or 4,
 * alpha dropped as sharp's `removeAlpha` does), shrunk to fit `maxSide` by
 * area averaging. Deterministic: the same input gives the same bytes on every
 * JavaScript engine (plain float64 arithmetic in a fixed order).
 */
export function resizeToRgb(
  pixels: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4, maxSide: number,
): { data: Uint8Array; width: number; height: number } {
  const target = fitInside(width, height, maxSide);
  if (target.width === width && target.height === height) {
    if (channels === 3 && pixels instanceof Uint8Array) return { data: pixels, width, height };
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, o = 0; o < rgb.length; i += channels, o += 3) {
      rgb[o] = pixels[i]!;
      rgb[o + 1] = pixels[i + 1]!;
      rgb[o + 2] = pixels[i + 2]!;
    }
    return { data: rgb, width, height };
  }
  const xs = areaWeights(width, target.width);
  const ys = areaWeights(height, target.height);
  // Horizontal pass into float64 rows (height x target.width x 3), then vertical.
  const rows = new Float64Array(height * target.width * 3);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * target.width * 3;
    for (let x = 0; x < target.width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const end = xs.start[x + 1]!;
      for (let k = xs.start[x]!; k < end; k++) {
        const w = xs.weight[k]!;
        const i = rowIn + xs.index[k]! * channels;
        r += pixels[i]! * w;
        g += pixels[i + 1]! * w;
        b += pixels[i + 2]! * w;
      }
      const o = rowOut + x * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8Array(target.width * target.height * 3);
  const stride = target.width * 3;
  const sum = new Float64Array(stride);
  for (let y = 0; y < target.height; y++) {
    sum.fill(0);
    const end = ys.start[y + 1]!;
    for (let k = ys.start[y]!; k < end; k++) {
      const w = ys.weight[k]!;
      const rowIn = ys.index[k]! * stride;
      for (let c = 0; c < stride; c++) sum[c] += rows[rowIn + c]! * w;
    }
    const rowOut = y * stride;
    for (let c = 0; c < stride; c++) {
      const v = Math.round(sum[c]!);
      out[rowOut + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, width: target.width, height: target.height };
}

/** Per output pixel, the source pixels it covers and their shares (summing to 1), CSR-style. */
interface AreaWeights {
  /** Output pixel i uses entries start[i] .. start[i + 1] - 1. */
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

/** Each output pixel i covers source [i * s, (i + 1) * s) with s = from / to; a source pixel weighs its overlap / s. */
function areaWeights(from: number, to: number): AreaWeights {
  const scale = from / to;
  const start = new Int32Array(to + 1);
  const index = new Int32Array(to * (Math.ceil(scale) + 2));
  const weight = new Float64Array(index.length);
  let n = 0;
  for (let i = 0; i < to; i++) {
    start[i] = n;
    const left = i * scale;
    const right = Math.min(from, (i + 1) * scale);
    for (let j = Math.floor(left); j < right; j++) {
      const overlap = Math.min(right, j + 1) - Math.max(left, j);
      if (overlap <= 0) continue;
      index[n] = j;
      weight[n] = overlap / scale;
      n++;
    }
  }
  start[to] = n;
  return { start, index, weight };
}
