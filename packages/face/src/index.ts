// @smallworld/face: photos in, 128-D face descriptors out, verified and searched with smallworld's HNSW index.

export { FaceEmbedder, DESCRIPTOR_DIM, DEFAULT_MIN_CONFIDENCE } from './embedder.js';
export type {
  EmbedderSignature, Face, FaceBox, FaceEmbedderOptions, Point, RepresentOptions,
} from './embedder.js';
export { FACE_MODEL, FACE_MODELS } from './model.js';
export type { FaceApiNet, FaceModel, FaceModelId } from './model.js';
export { FaceError, FaceRangeError, FaceTypeError } from './errors.js';
export type { FaceErrorCode } from './errors.js';
export { DEFAULT_THRESHOLD, euclideanDistance, verify } from './verify.js';
export type { VerifyResult } from './verify.js';
export { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_SIDE, decodeImage } from './decode.js';
export type { DecodedImage, DecodeOptions, ImageInput, RawImage } from './decode.js';
export { FACE_BACKENDS, defaultModelDir, samplePhotosDir } from './runtime.js';
export type { FaceBackend, FaceBackendChoice } from './runtime.js';
export {
  FaceDatabase, DB_INDEX_FILE, DB_LOCK_FILE, DB_META_FILE, DEFAULT_DB_EF_CONSTRUCTION, DEFAULT_DB_EF_SEARCH, DEFAULT_DB_M, DEFAULT_K,
  DEFAULT_SAVE_EVERY_PHOTOS, DEFAULT_SAVE_EVERY_SECONDS,
} from './database.js';
export type {
  AddFolderOptions, AddFolderReport, FaceDatabaseOptions, FaceMatch, FileResult, FileStatus, FindOptions, OpenOptions, RemovePersonOptions,
  RemoveReport, SaveEvery,
} from './database.js';
export { IMAGE_EXTENSIONS, embedFolder, embedPhoto, embedPhotos, isImageFile, listFiles } from './photos.js';
export type { EmbeddedFolder, EmbedPhotosOptions, PhotoResult, PhotoStatus } from './photos.js';
export { median, parsePairs, scorePairs, verifyPairs } from './pairs.js';
export type { LabelledPair, PairScore, PairsReport, VerifyPairsOptions } from './pairs.js';
export { parseCsv } from './csv.js';
export type { CsvRecord } from './csv.js';
export type { ProgressEvent, ProgressOption } from './progress.js';
export { DEFAULT_FACE_TABLE, exportFacesToPgvector, findFacesOnPgvector } from './pgvector.js';
export type { FaceExportOptions, FaceFindPgvectorOptions } from './pgvector.js';
