// The face model's facts (one table) and the face package's errors (on the engine's classes): no model run needed.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SmallworldError, SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';
import {
  DEFAULT_THRESHOLD, DESCRIPTOR_DIM, FACE_MODEL, FACE_MODELS, FaceError, FaceRangeError, FaceTypeError, defaultModelDir,
} from '../src/index.js';

describe('FACE_MODEL', () => {
  it('is the one source of the descriptor length, space and threshold', () => {
    expect(FACE_MODEL).toBe(FACE_MODELS['face-api-resnet']);
    expect(FACE_MODEL).toMatchObject({ descriptorLength: 128, space: 'l2', threshold: 0.6 });
    expect(DESCRIPTOR_DIM).toBe(FACE_MODEL.descriptorLength);
    expect(DEFAULT_THRESHOLD).toBe(FACE_MODEL.threshold);
  });

  it("names nets whose weights ship in face-api's model folder", () => {
    expect(FACE_MODEL.nets).toEqual(['ssd_mobilenetv1', 'face_landmark_68', 'face_recognition']);
    for (const net of FACE_MODEL.nets) expect(existsSync(path.join(defaultModelDir(), `${net}_model-weights_manifest.json`))).toBe(true);
  });
});

describe('face errors', () => {
  it("carry the face package's codes on the engine's error classes: instanceof SmallworldError, TypeError or RangeError", () => {
    const unreadable = new FaceTypeError('UNREADABLE_IMAGE', 'cannot decode x.jpg');
    expect(unreadable).toBeInstanceOf(SmallworldTypeError);
    expect(unreadable).toBeInstanceOf(TypeError);
    expect(unreadable).toBeInstanceOf(SmallworldError);
    expect(unreadable).toMatchObject({ name: 'FaceTypeError', code: 'UNREADABLE_IMAGE', message: 'cannot decode x.jpg' });
    const noFace = new FaceRangeError('NO_FACE', 'no face found in x.jpg');
    expect(noFace).toBeInstanceOf(SmallworldRangeError);
    expect(noFace).toBeInstanceOf(RangeError);
    expect(noFace).toBeInstanceOf(SmallworldError);
    expect(noFace.code).toBe('NO_FACE');
    const busy = new FaceError('DATABASE_BUSY', 'db is locked', { cause: 1 });
    expect(busy).toBeInstanceOf(SmallworldError);
    expect(busy).toMatchObject({ name: 'FaceError', code: 'DATABASE_BUSY', cause: 1 });
  });
});
