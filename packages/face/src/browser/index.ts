// @smallworld/face in the browser (export condition `browser`): the same embedder,
// verify and database as Node, with the browser's inputs, decoders and storage.

export { FaceEmbedder, BROWSER_DEFAULT_MAX_INPUT_PIXELS, BROWSER_DEFAULT_MAX_SIDE } from './embedder.js';
export type { BrowserFaceEmbedderOptions } from './embedder.js';
export { BROWSER_FACE_BACKENDS } from './runtime.js';
export type { BrowserFaceBackend, BrowserFaceBackendChoice } from './runtime.js';
export { browserDecoderId, decodeBrowserImage } from './decode.js';
export type { BrowserDecodedImage, BrowserImageInput } from './decode.js';
export { FaceDatabase, BROWSER_DB_INDEX_FILE, BROWSER_DB_META_FILE } from './database.js';
export type {
  AddPhotosOptions, BrowserFaceMatch, BrowserFileResult, BrowserFileStatus, BrowserOpenOptions, PhotoSource,
} from './database.js';
export type { BrowserStorageKind } from './store.js';
export { DESCRIPTOR_DIM, DEFAULT_MIN_CONFIDENCE } from '../pipeline.js';
export type { EmbedderSignature, Face, FaceBox, Point, RepresentOptions, RgbPixels } from '../pipeline.js';
export { FACE_MODEL, FACE_MODELS } from '../model.js';
export type { FaceApiNet, FaceModel, FaceModelId } from '../model.js';
export { FaceError, FaceRangeError, FaceTypeError } from '../errors.js';
export type { FaceErrorCode } from '../errors.js';
export { DEFAULT_THRESHOLD, euclideanDistance, verify } from '../verify.js';
export type { VerifyResult } from '../verify.js';
