// The face package's errors: its own codes, on the engine's error classes, so
// `instanceof SmallworldTypeError` / `SmallworldRangeError` / `SmallworldError` hold
// and a caller branches on `code` alike for engine and face errors.

import { SmallworldError, SmallworldRangeError, SmallworldTypeError } from '@smallworld/hnsw';

/**
 * Stable codes of the face package's errors (besides the engine's
 * `ErrorCode`s, such as 'INVALID_OPTION' and 'CORRUPT_FILE', which it also throws):
 * - 'UNREADABLE_IMAGE': a missing, unreadable, non-image or too large photo;
 * - 'NO_FACE': a photo that must show a face has none;
 * - 'INCOMPATIBLE_EMBEDDER': descriptors of another decoder, model or backend;
 * - 'DATABASE_BUSY': another process is writing the face database, or wrote
 *   it since this one opened it;
 * - 'UNKNOWN_PHOTO': a photo the face database does not know (`removePhoto`);
 * - 'NOT_A_FACE_TABLE': a Postgres table without the face columns
 *   (`path`, `box`, `decoder`, `model`, `backend`) of `exportFacesToPgvector`.
 */
export type FaceErrorCode = 'UNREADABLE_IMAGE' | 'NO_FACE' | 'INCOMPATIBLE_EMBEDDER' | 'DATABASE_BUSY' | 'UNKNOWN_PHOTO' | 'NOT_A_FACE_TABLE';

/** A face-package value of the wrong kind (an unreadable image, an incompatible embedder). */
export class FaceTypeError extends SmallworldTypeError<FaceErrorCode> {
  constructor(code: FaceErrorCode, message: string) {
    super(code, message);
    this.name = 'FaceTypeError';
  }
}

/** A face-package value out of range (no face in a photo, an image too large). */
export class FaceRangeError extends SmallworldRangeError<FaceErrorCode> {
  constructor(code: FaceErrorCode, message: string) {
    super(code, message);
    this.name = 'FaceRangeError';
  }
}

/** A face-package operation that cannot run now ('DATABASE_BUSY'). */
export class FaceError extends SmallworldError<FaceErrorCode> {
  constructor(code: FaceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'FaceError';
  }
}
