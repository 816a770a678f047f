// pgvector's operator classes and the engine's spaces: the operators and
// distance conversions themselves live in the engine's metric table
// (`METRICS[space].pgvector` in @smallworld/hnsw's metric.ts).
//
//   space    ours (smaller is closer)   pgvector operator      ours from pgvector's d
//   'l2'     squared Euclidean          <->  Euclidean         d * d
//   'ip'     1 - dot                    <#>  -dot              1 + d
//   'cosine' 1 - dot of unit vectors    <=>  1 - cos           d

import { METRICS, SPACES, type Space } from '@smallworld/hnsw';

/** The column types the bridge writes and reads. */
export type VectorType = 'vector' | 'halfvec';

/** What an HNSW operator class indexes. */
export interface OperatorClassSpace {
  /** The engine's space of the class's distance. */
  space: Space;
  /** The type the class indexes. */
  type: VectorType;
}

/** The HNSW operator class of `space` over `type` (`vector_l2_ops`, `halfvec_cosine_ops`, ...). */
export function operatorClass(space: Space, type: VectorType = 'vector'): string {
  return `${type}_${METRICS[space].pgvector.ops}`;
}

/** The space and vector type of an HNSW operator class, or undefined for one the engine has no space for (l1, bit, sparsevec). */
export function spaceOfOperatorClass(opclass: string): OperatorClassSpace | undefined {
  const match = /^(vector|halfvec)_([a-z0-9]+_ops)$/.exec(opclass);
  if (match === null) return undefined;
  const space = SPACES.find((s) => METRICS[s].pgvector.ops === match[2]);
  return space === undefined ? undefined : { space, type: match[1] as VectorType };
}
