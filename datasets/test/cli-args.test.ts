// acceptNegativeValues: `--mean -0.5` reaches util.parseArgs as `--mean=-0.5`;
// nothing else changes, so parseArgs still reports real mistakes.

import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { acceptNegativeValues } from '../src/cli-args.js';

const OPTIONS = { mean: { type: 'string' }, k: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('acceptNegativeValues', () => {
  it('joins a negative number to the string option before it', () => {
    expect(acceptNegativeValues(['--mean', '-0.5', '--k', '-3', '--json'], OPTIONS)).toEqual(['--mean=-0.5', '--k=-3', '--json']);
    expect(acceptNegativeValues(['--mean', '-.25e-3'], OPTIONS)).toEqual(['--mean=-.25e-3']);
    const { values } = parseArgs({ args: acceptNegativeValues(['--mean', '-0.5'], OPTIONS), options: OPTIONS, strict: true });
    expect(values.mean).toBe('-0.5');
  });

  it('leaves flags, non-numbers, unknown options, `--name=value` and everything after `--` alone', () => {
    const args = ['--json', '-1', '--mean', '-x', '--other', '-2', '--k=-4', '--', '--mean', '-5'];
    expect(acceptNegativeValues(args, OPTIONS)).toEqual(args);
    // So parseArgs still refuses an option given an option-like value.
    expect(() => parseArgs({ args: acceptNegativeValues(['--mean', '-x'], OPTIONS), options: OPTIONS, strict: true })).toThrow(/ambiguous/);
  });
});
