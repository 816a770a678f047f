// The browser entry's argument checks, run in Node (they touch no browser API);
// the entry itself runs in headless Chromium in examples/face-search/check-browser.mjs.

import { describe, expect, it } from 'vitest';
import { BROWSER_FACE_BACKENDS, FaceDatabase, FaceEmbedder, browserDecoderId } from '../src/browser/index.js';

describe('browser FaceEmbedder options', () => {
  it('needs the URL of the weights, and names it when missing', () => {
    expect(() => new (FaceEmbedder as unknown as new (o?: unknown) => FaceEmbedder)()).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/modelUrl/) }));
    expect(() => new FaceEmbedder({ modelUrl: '' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', name: 'SmallworldTypeError' }));
  });

  it('refuses unknown backends and options, quoting the value', () => {
    expect(BROWSER_FACE_BACKENDS).toEqual(['auto', 'webgl', 'wasm', 'cpu']);
    expect(() => new FaceEmbedder({ modelUrl: '/models/', backend: 'tensorflow' as never })).toThrow(/`backend` must be one of auto, webgl, wasm, cpu \(got "tensorflow"\)/);
    expect(() => new FaceEmbedder({ modelUrl: '/models/', modelDir: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new FaceEmbedder({ modelUrl: '/models/', maxSide: 8 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', name: 'SmallworldRangeError' }));
  });

  it('keeps the defaults Node has, and names its decoder after the shared resize rule', () => {
    const embedder = new FaceEmbedder({ modelUrl: '/models/' });
    expect(embedder).toMatchObject({ maxSide: 1280, minConfidence: 0.5, backendChoice: 'auto', wasmPaths: undefined });
    expect(embedder.signature).toBeUndefined();
    expect(browserDecoderId(1280)).toBe('browser/no-icc/area-max-side-1280');
  });
});

describe('browser FaceDatabase.open', () => {
  it('checks the name and the embedder before touching storage', async () => {
    const embedder = new FaceEmbedder({ modelUrl: '/models/' });
    await expect(FaceDatabase.open('my photos/..', { embedder })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/`name`/) });
    await expect(FaceDatabase.open('photos', { embedder: {} as never })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/`embedder`/) });
    await expect(FaceDatabase.open('photos', { embedder, storage: 'cookies' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
