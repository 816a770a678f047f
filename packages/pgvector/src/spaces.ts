// The one place that maps the engine's spaces to pgvector's operators and
// operator classes, and converts distances between the two conventions.
//
//   space    ours (smaller is closer)   pgvector operator      ours from pgvector's d
//   'l2'     squared Euclidean          <->  Euclidean         d * d
//   'ip'     1 - dot                    <#>  -dot              1 + d
//   'cosine' 1 - dot of unit vectors    <=>  1 - cos           d

import { SPACES, type Space } from '@smallworld/hnsw';

/** How pgvector expresses one of the engine's spaces. */
export interface PgvectorSpace {
  /** The distance operator ORDER BY uses, served by the HNSW index. */
  readonly operator: '<->' | '<#>' | '<=>';
  /** The operator class suffix: `vector_${ops}` or `halfvec_${ops}`. */
  readonly ops: 'l2_ops' | 'ip_ops' | 'cosine_ops';
  /** The engine's distance from the operator's value. */
  readonly toSpaceDistance: (pgvectorDistance: number) => number;
  /** The operator's value from the engine's distance (the inverse of `toSpaceDistance`). */
  readonly fromSpaceDistance: (spaceDistance: number) => number;
}

/** pgvector's operator, operator class and distance conversion for each engine space. */
export const PGVECTOR_SPACES: Readonly<Record<Space, PgvectorSpace>> = {
  l2: { operator: '<->', ops: 'l2_ops', toSpaceDistance: (d) => d * d, fromSpaceDistance: (d) => Math.sqrt(Math.max(d, 0)) },
  ip: { operator: '<#>', ops: 'ip_ops', toSpaceDistance: (d) => 1 + d, fromSpaceDistance: (d) => d - 1 },
  cosine: { operator: '<=>', ops: 'cosine_ops', toSpaceDistance: (d) => d, fromSpaceDistance: (d) => d },
};

/** The column types the bridge writes and reads. */
export type VectorType = 'vector' | 'halfvec';

/** The HNSW operator class of `space` over `type` (`vector_l2_ops`, `halfvec_cosine_ops`, ...). */
export function operatorClass(space: Space, type: VectorType = 'vector'): string {
  return `${type}_${PGVECTOR_SPACES[space].ops}`;
}

/** What an HNSW operator class indexes. */
export interface OperatorClassSpace {
  /** The engine's space of the class's distance. */
  space: Space;
  /** The type the class indexes. */
  type: VectorType;
}

/** The space and vector type of an HNSW operator class, or undefined for one the engine has no space for (l1, bit, sparsevec). */
export function spaceOfOperatorClass(opclass: string): OperatorClassSpace | undefined {
  const match = /^(vector|halfvec)_(l2|ip|cosine)_ops$/.exec(opclass);
  if (match === null) return undefined;
  const space = match[2] as Space;
  return SPACES.includes(space) ? { space, type: match[1] as VectorType } : undefined;
}
