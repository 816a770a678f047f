// CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320, reflected) over
// byte arrays, slicing-by-8: eight table lookups per 8 bytes, ~1 GB/s in V8.

import { LITTLE_ENDIAN } from '../limits.js';

const TABLES = makeTables();

function makeTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // Table k gives the CRC of a byte followed by k zero bytes: the slicing step.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32 of `bytes`, continuing from `previous` (the CRC of the bytes before,
 * 0 to start): `crc32(b, crc32(a)) === crc32(a ++ b)`. Same value as zlib's
 * `crc32` and PNG's.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = TABLES;
  let c = ~previous;
  let i = 0;
  const n = bytes.length;
  // Align to 4 bytes so the 8-byte loop can read whole 32-bit words.
  const misaligned = (4 - (bytes.byteOffset & 3)) & 3;
  for (; i < misaligned && i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  // The word loop reads bytes in little-endian order; big-endian hosts take the byte loop.
  const words = LITTLE_ENDIAN ? (n - i) >>> 3 : 0;
  if (words > 0) {
    const u32 = new Int32Array(bytes.buffer, bytes.byteOffset + i, words * 2);
    for (let w = 0; w < u32.length; w += 2) {
      const a = u32[w] ^ c;
      const b = u32[w + 1];
      c = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
        t[768 + (b & 0xff)] ^ t[512 + ((b >>> 8) & 0xff)] ^ t[256 + ((b >>> 16) & 0xff)] ^ t[b >>> 24];
    }
    i += words * 8;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
