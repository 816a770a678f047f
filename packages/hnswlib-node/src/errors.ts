// The drop-in's errors: hnswlib-node's own classes and messages (plain
// `Error`/`TypeError`, as parity.test.ts checks), branded into the smallworld
// family so `instanceof SmallworldError` holds and `code` tells them apart.

import { brandError } from '@smallworld/hnsw';

/**
 * Stable codes of the errors the hnswlib-node drop-in throws (the message is
 * hnswlib-node's, word for word; the code is smallworld's addition):
 * - 'ARGUMENT_COUNT': too few or too many arguments;
 * - 'ARGUMENT_TYPE': an argument or an array element of the wrong type (a `TypeError`);
 * - 'INVALID_ARGUMENT': a value hnswlib-node refuses (space name, array length, k);
 * - 'NOT_INITIALIZED': the index has not been built (`initIndex`) or read yet;
 * - 'INDEX_FULL': more points than `maxElements`, or a resize below the count;
 * - 'UNKNOWN_LABEL': no point has the label;
 * - 'DELETED_STATE': marking a deleted point deleted, or a live one undeleted,
 *   or updating a deleted point while replacement is on;
 * - 'REPLACE_DISABLED': `replaceDeleted` on an index built without `allowReplaceDeleted`;
 * - 'FILE_ERROR': a file that cannot be opened or written (the system's error in `cause`);
 * - 'CORRUPT_FILE': a file that is not a valid index (the precise reason in `cause`).
 */
export type HnswlibNodeErrorCode =
  | 'ARGUMENT_COUNT'
  | 'ARGUMENT_TYPE'
  | 'INVALID_ARGUMENT'
  | 'NOT_INITIALIZED'
  | 'INDEX_FULL'
  | 'UNKNOWN_LABEL'
  | 'DELETED_STATE'
  | 'REPLACE_DISABLED'
  | 'FILE_ERROR'
  | 'CORRUPT_FILE';

/** A plain `Error` with hnswlib-node's message, `instanceof SmallworldError` with `code`. */
export function nativeError(code: HnswlibNodeErrorCode, message: string): Error {
  return brandError(new Error(message), code);
}

/** A plain `TypeError` with hnswlib-node's message, `instanceof SmallworldError` with `code`. */
export function nativeTypeError(code: HnswlibNodeErrorCode, message: string): TypeError {
  return brandError(new TypeError(message), code);
}
