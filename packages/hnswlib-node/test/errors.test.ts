// Every kind of error the drop-in throws is a smallworld error (instanceof
// SmallworldError, a stable code) while keeping hnswlib-node's class and message.

import { SmallworldError } from '@smallworld/hnsw';
import { describe, expect, it } from 'vitest';
import { BruteforceSearch, HierarchicalNSW, L2Space } from '../src/index.js';
import type { HnswlibNodeErrorCode } from '../src/errors.js';

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function built<T extends { initIndex: (...args: never[]) => unknown }>(index: T, ...args: Parameters<T['initIndex']>): T {
  index.initIndex(...args);
  return index;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- wrong-type calls are the point */
const cases: [string, () => unknown, string, HnswlibNodeErrorCode, string][] = [
  ['argument count', () => new (HierarchicalNSW as any)('l2'), 'Error', 'ARGUMENT_COUNT', 'Expected 2 arguments, but got 1.'],
  ['argument type', () => new (HierarchicalNSW as any)('l2', '3'), 'TypeError', 'ARGUMENT_TYPE', 'Invalid the second argument type, must be a number.'],
  ['named argument', () => new HierarchicalNSW('l2', 2).initIndex({} as any), 'TypeError', 'ARGUMENT_TYPE',
    'Missing named argument `maxElements`, must be specified.'],
  ['array element type', () => new L2Space(2).distance([1, 'a'] as any, [1, 2]), 'TypeError', 'ARGUMENT_TYPE',
    'Invalid the first array element type at index 1, must be a number.'],
  ['space name', () => new BruteforceSearch('cos' as any, 2), 'Error', 'INVALID_ARGUMENT', 'Wrong space name, expected "l2", "ip", or "cosine".'],
  ['array length', () => new L2Space(2).distance([1], [1, 2]), 'Error', 'INVALID_ARGUMENT', 'Invalid the first array length (expected 2, but got 1).'],
  ['not initialized', () => new HierarchicalNSW('l2', 2).resizeIndex(3), 'Error', 'NOT_INITIALIZED',
    'Search index has not been initialized, call `initIndex` in advance.'],
  ['index full', () => {
    const index = built(new BruteforceSearch('l2', 2), 1);
    index.addPoint([0, 0], 0);
    index.addPoint([1, 1], 1);
  }, 'Error', 'INDEX_FULL', 'Hnswlib Error: The number of elements exceeds the specified limit\n'],
  ['unknown label', () => built(new HierarchicalNSW('l2', 2), 1).markDelete(7), 'Error', 'UNKNOWN_LABEL', 'Hnswlib Error: Label not found'],
  ['deleted state', () => {
    const index = built(new HierarchicalNSW('l2', 2), 1);
    index.addPoint([0, 0], 0);
    index.unmarkDelete(0);
  }, 'Error', 'DELETED_STATE', 'Hnswlib Error: The requested to undelete element is not deleted'],
  ['file error', () => built(new HierarchicalNSW('l2', 2), 1).readIndexSync('/nonexistent/smallworld-index.bin'), 'Error', 'FILE_ERROR',
    'Hnswlib Error: failed to open file: /nonexistent/smallworld-index.bin'],
  ['replacement disabled', () => {
    const index = built(new HierarchicalNSW('l2', 2), 1);
    index.addPoint([0, 0], 0, true);
  }, 'Error', 'REPLACE_DISABLED', 'Hnswlib Error: Replacement of deleted elements is disabled in constructor'],
];

describe('drop-in errors', () => {
  it.each(cases)('%s: hnswlib-node class and message, SmallworldError with a code', (_, call, className, code, message) => {
    const error = thrown(call) as Error & { code?: string };
    expect(error.constructor.name).toBe(className);
    expect(error).toBeInstanceOf(className === 'TypeError' ? TypeError : Error);
    expect(error.message).toBe(message);
    expect(error instanceof SmallworldError).toBe(true);
    expect(error.code).toBe(code);
  });

  it('a plain Error is not recognised as a smallworld error', () => {
    expect(new Error('x') instanceof SmallworldError).toBe(false);
  });
});
