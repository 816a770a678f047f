// The CLIs' shared plumbing (@smallworld/hnsw/cli): exit codes and what reaches stderr.

import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SmallworldError } from '../src/errors.js';
import { runCommandLine, UsageError, type CliIo } from '../src/node/cli.js';

function memoryIo(): CliIo & { err: string[]; out: string[] } {
  const err: string[] = [];
  const out: string[] = [];
  return { err, out, cwd: '/', stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
}

describe('runCommandLine', () => {
  it('resolves to what the command returns, logging through stderr', async () => {
    const io = memoryIo();
    expect(await runCommandLine('usage: x', io, async (log) => { log('working'); return 0; })).toBe(0);
    expect(io.err.join('')).toBe('working\n');
  });

  it('a UsageError: exit 2 with the message and the usage', async () => {
    const io = memoryIo();
    expect(await runCommandLine('usage: x', io, async () => { throw new UsageError('--k is required'); })).toBe(2);
    expect(io.err.join('')).toBe('error: --k is required\n\nusage: x\n');
  });

  it('a parseArgs error is a usage error too', async () => {
    const io = memoryIo();
    const code = await runCommandLine('usage: x', io, async () => {
      parseArgs({ args: ['--nope'], options: {}, strict: true });
      return 0;
    });
    expect(code).toBe(2);
    expect(io.err.join('')).toMatch(/^error: .*--nope[\s\S]*usage: x\n$/);
  });

  it('any other error: exit 1 with its message, no usage', async () => {
    const io = memoryIo();
    expect(await runCommandLine('usage: x', io, async () => { throw new RangeError('bad file'); })).toBe(1);
    expect(io.err.join('')).toBe('error: bad file\n');
  });

  it('UsageError is a smallworld error with code INVALID_OPTION', () => {
    const error = new UsageError('m');
    expect(error instanceof SmallworldError).toBe(true);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.name).toBe('UsageError');
  });
});
