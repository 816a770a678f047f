// L2Space and InnerProductSpace: hnswlib-node's standalone distance objects,
// computed with the engine's distance functions on float32-rounded inputs.

import { distance, type Space } from '@smallworld/hnsw';
import { checkArgCountExact, checkNumber, checkPoint, toFloat32, toUint32, type PointLike } from './arguments.js';

/** Shared by both spaces: the dimension check and the float32 distance. */
abstract class MetricSpace {
  readonly #dim: number;
  readonly #space: Space;

  protected constructor(given: number, numDimensions: unknown, space: Space) {
    checkArgCountExact(given, 1);
    checkNumber(numDimensions, 0);
    this.#dim = toUint32(numDimensions);
    this.#space = space;
  }

  /** @internal `given` is the caller's argument count (hnswlib-node checks it). */
  protected measure(given: number, pointA: unknown, pointB: unknown): number {
    checkArgCountExact(given, 2);
    checkPoint(pointA, 0);
    checkPoint(pointB, 1);
    const a = toFloat32(pointA, this.#dim, 'first');
    const b = toFloat32(pointB, this.#dim, 'second');
    // hnswlib returns a float: round the same way.
    return Math.fround(distance(this.#space, a, b));
  }

  /**
   * returns the dimensionality of space.
   * @return {number} The dimensionality of space.
   */
  getNumDimensions(): number {
    return this.#dim;
  }
}

/**
 * L2 space object.
 * @param {number} numDimensions The dimensionality of space.
 */
export class L2Space extends MetricSpace {
  constructor(numDimensions: number) {
    super(arguments.length, numDimensions, 'l2');
  }

  /**
   * calculates the squared Euclidean distance between two data points.
   * @param {number[] | Float32Array} pointA The data point vector.
   * @param {number[] | Float32Array} pointB The data point vector.
   * @return {number} The distance between data points.
   */
  distance(pointA: PointLike, pointB: PointLike): number {
    return this.measure(arguments.length, pointA, pointB);
  }
}

/**
 * Inner product space object.
 * @param {number} numDimensions The dimensionality of space.
 */
export class InnerProductSpace extends MetricSpace {
  constructor(numDimensions: number) {
    super(arguments.length, numDimensions, 'ip');
  }

  /**
   * calculates the one minus inner product between two data points.
   * @param {number[] | Float32Array} pointA The data point vector.
   * @param {number[] | Float32Array} pointB The data point vector.
   * @return {number} The distance between data points.
   */
  distance(pointA: PointLike, pointB: PointLike): number {
    return this.measure(arguments.length, pointA, pointB);
  }
}
