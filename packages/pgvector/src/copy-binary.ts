// Postgres's binary COPY format for (bigint label, vector) rows: exact
// float32s with no text formatting or parsing on either side.
//
//   header   11 bytes "PGCOPY\n\377\r\n\0", int32 flags 0, int32 extension length 0
//   tuple    int16 field count 2
//            int32 8, int64 label                                  (bigint)
//            int32 4 + 4 x dim, int16 dim, int16 0, float32 x dim  (pgvector's vector_send)
//   trailer  int16 -1
// All integers and floats big-endian.

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEADER_BYTES = 19;
const TRAILER_BYTES = 2;

/** Bytes of one (label, vector) tuple of dimension `dim`. */
export function tupleBytes(dim: number): number {
  return 2 + 4 + 8 + 4 + 4 + 4 * dim;
}

/**
 * One whole binary COPY stream of `rows` tuples: `labels[i]` and the `dim`
 * floats at `vectors[i * stride ..]`.
 */
export function encodeCopyBinary(labels: ArrayLike<number>, vectors: Float32Array, stride: number, rows: number, dim: number): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + rows * tupleBytes(dim) + TRAILER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(SIGNATURE, 0);
  let at = HEADER_BYTES;
  for (let r = 0; r < rows; r++) {
    view.setInt16(at, 2); at += 2;
    view.setInt32(at, 8); at += 4;
    view.setBigInt64(at, BigInt(labels[r])); at += 8;
    view.setInt32(at, 4 + 4 * dim); at += 4;
    view.setInt16(at, dim); at += 2;
    view.setInt16(at, 0); at += 2;
    const base = r * stride;
    for (let i = 0; i < dim; i++, at += 4) view.setFloat32(at, vectors[base + i]);
  }
  view.setInt16(at, -1);
  return bytes;
}
