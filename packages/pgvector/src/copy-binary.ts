// Postgres's binary COPY format for (bigint label, vector) rows: exact
// float32s with no text formatting or parsing on either side.
//
//   header   11 bytes "PGCOPY\n\377\r\n\0", int32 flags 0, int32 extension length 0
//   tuple    int16 field count 2 + extra columns
//            int32 8, int64 label                                  (bigint)
//            int32 4 + 4 x dim, int16 dim, int16 0, float32 x dim  (pgvector's vector_send)
//            per extra column: int32 length (-1 for NULL), its bytes (see encodeField)
//   trailer  int16 -1
// All integers and floats big-endian.

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEADER_BYTES = 19;
const TRAILER_BYTES = 2;

/** Bytes of one (label, vector) tuple of dimension `dim`. */
export function tupleBytes(dim: number): number {
  return 2 + 4 + 8 + 4 + 4 + 4 * dim;
}

/** Column types an export can add beside the label and the vector. */
export type ExtraColumnType = 'text' | 'jsonb' | 'double precision' | 'bigint';

const encoder = new TextEncoder();

/** One field in its binary COPY form (text: UTF-8; jsonb: version 1 then JSON text; float8/int8 big-endian); null for NULL. */
export function encodeField(type: ExtraColumnType, value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'text': return encoder.encode(String(value));
    case 'jsonb': {
      const json = encoder.encode(JSON.stringify(value));
      const out = new Uint8Array(json.length + 1);
      out[0] = 1;
      out.set(json, 1);
      return out;
    }
    case 'double precision': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, Number(value));
      return out;
    }
    case 'bigint': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigInt64(0, BigInt(value as number));
      return out;
    }
  }
}

/**
 * One whole binary COPY stream of `rows` tuples: `labels[i]`, the `dim`
 * floats at `vectors[i * stride ..]`, then `extra[i]`'s fields when given
 * (every row the same number, already encoded by `encodeField`).
 */
export function encodeCopyBinary(
  labels: ArrayLike<number>, vectors: Float32Array, stride: number, rows: number, dim: number,
  extra?: readonly (readonly (Uint8Array | null)[])[],
): Uint8Array {
  let extraBytes = 0;
  const extraCount = extra === undefined || rows === 0 ? 0 : extra[0]!.length;
  if (extra !== undefined) {
    for (let r = 0; r < rows; r++) for (const field of extra[r]!) extraBytes += 4 + (field?.length ?? 0);
  }
  const bytes = new Uint8Array(HEADER_BYTES + rows * tupleBytes(dim) + extraBytes + TRAILER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(SIGNATURE, 0);
  let at = HEADER_BYTES;
  for (let r = 0; r < rows; r++) {
    view.setInt16(at, 2 + extraCount); at += 2;
    view.setInt32(at, 8); at += 4;
    view.setBigInt64(at, BigInt(labels[r])); at += 8;
    view.setInt32(at, 4 + 4 * dim); at += 4;
    view.setInt16(at, dim); at += 2;
    view.setInt16(at, 0); at += 2;
    const base = r * stride;
    for (let i = 0; i < dim; i++, at += 4) view.setFloat32(at, vectors[base + i]);
    if (extra === undefined) continue;
    for (const field of extra[r]!) {
      view.setInt32(at, field === null ? -1 : field.length); at += 4;
      if (field !== null) { bytes.set(field, at); at += field.length; }
    }
  }
  view.setInt16(at, -1);
  return bytes;
}
