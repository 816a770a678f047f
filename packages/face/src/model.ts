// The face model's facts in one place: descriptor length, space, verification
// threshold and the networks to load. Every other file of the package reads them
// from here, so a second model would be one more entry of FACE_MODELS.

/** Everything the package needs to know about a face model. */
export interface FaceModel {
  /** Its key in `FACE_MODELS`. (A descriptor's `EmbedderSignature.model` names face-api's version and `nets`.) */
  readonly id: FaceModelId;
  /** Length of a descriptor (the index's `dim`). */
  readonly descriptorLength: number;
  /**
   * The `HnswIndex` space descriptors are compared in. The index's 'l2'
   * gives squared distances; the package reports Euclidean ones (the
   * square root, taken at its edge) because the threshold is Euclidean.
   */
  readonly space: 'l2';
  /**
   * Euclidean distance at or under which two faces are the same person:
   * the value the model was trained and published with.
   */
  readonly threshold: number;
  /**
   * The face-api networks to load, in pipeline order, as face-api's
   * weight-file prefixes (`<net>_model-weights_manifest.json` in the model folder).
   */
  readonly nets: readonly FaceApiNet[];
}

/** The face-api networks this package knows how to run. */
export type FaceApiNet = 'ssd_mobilenetv1' | 'face_landmark_68' | 'face_recognition';

/** The names of `FACE_MODELS`. */
export type FaceModelId = 'face-api-resnet';

/**
 * The models the package can run. `'face-api-resnet'` is the seed article's:
 * SSD MobileNet v1 detector, 68-point landmarks, and the dlib-style ResNet-34
 * descriptor (128-D, same person within 0.6 Euclidean: dlib's threshold).
 */
export const FACE_MODELS: Readonly<Record<FaceModelId, FaceModel>> = {
  'face-api-resnet': {
    id: 'face-api-resnet',
    descriptorLength: 128,
    space: 'l2',
    threshold: 0.6,
    nets: ['ssd_mobilenetv1', 'face_landmark_68', 'face_recognition'],
  },
};

/** The model `FaceEmbedder` runs. */
export const FACE_MODEL: FaceModel = FACE_MODELS['face-api-resnet'];

/** @internal face-api's object for each network a model names (`faceapi.nets[...]`). */
export const FACE_API_NETS: Readonly<Record<FaceApiNet, string>> = {
  ssd_mobilenetv1: 'ssdMobilenetv1',
  face_landmark_68: 'faceLandmark68Net',
  face_recognition: 'faceRecognitionNet',
};
