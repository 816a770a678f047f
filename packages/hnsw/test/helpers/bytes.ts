// Byte-pattern search for the erasure tests: is a vector's float32 encoding
// anywhere in a file or a memory?

/** True when `haystack` holds the float32 bytes of `vector`'s first `floats` components in a row. */
export function containsFloats(haystack: Uint8Array, vector: Float32Array, floats = vector.length): boolean {
  const needle = new Uint8Array(vector.buffer, vector.byteOffset, floats * 4);
  const first = needle[0];
  for (let at = haystack.indexOf(first); at >= 0 && at + needle.length <= haystack.length; at = haystack.indexOf(first, at + 1)) {
    let j = 1;
    while (j < needle.length && haystack[at + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}
