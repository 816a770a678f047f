// Tooling for the smallworld command-line programs (face, pgvector, bench, datasets):
// their streams, the usage error, option parsing and the exit-code wrapper, written once.
// Node only; imported as `@smallworld/hnsw/cli`, not part of the index API.

import { SmallworldError } from '../errors.js';

/** Where a command writes, and the folder relative paths start from. */
export interface CliIo {
  /** Results. */
  stdout: {
    /** Writes `text` as is (no newline added). */
    write(text: string): unknown;
  };
  /** Progress, logs and errors. */
  stderr: {
    /** Writes `text` as is (no newline added). */
    write(text: string): unknown;
  };
  /** `pnpm` runs scripts from the repository root; the user meant paths from where they typed. */
  cwd: string;
  /**
   * Calls `handler` on an interruption (Ctrl-C, SIGTERM) while a long command
   * runs; returns the function that stops listening. Default: never.
   */
  onInterrupt?(handler: (signal: string) => void): () => void;
}

/** The process's streams, paths from `INIT_CWD` (set by pnpm) or the current directory, SIGINT and SIGTERM. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout, stderr: process.stderr, cwd: process.env.INIT_CWD ?? process.cwd(),
    onInterrupt(handler) {
      // Once each: a second Ctrl-C ends the process the usual way.
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/**
 * A command-line mistake (missing or malformed option, unknown command):
 * {@link runCommandLine} prints it with the usage and exits 2. A
 * `SmallworldError` with code 'INVALID_OPTION'.
 */
export class UsageError extends SmallworldError<'INVALID_OPTION'> {
  constructor(message: string) {
    super('INVALID_OPTION', message);
    this.name = 'UsageError';
  }
}

/** A number option as typed (`--threshold 0.5`), or `fallback` when absent; a `UsageError` when not a finite number. */
export function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${JSON.stringify(value)})`);
  return n;
}

/** A string option that must be given and not empty; a `UsageError` naming it otherwise. */
export function requiredOption(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** `value` rounded to `digits` decimals (default 4), for the CLIs' tables and JSON lines. */
export function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Runs `run` and turns what it throws into an exit code, so a CLI never
 * throws: a `UsageError` or a `node:util` parseArgs error is written to
 * `io.stderr` with `usage` and gives 2, any other error its message and 1.
 * Otherwise resolves to what `run` returned (0 done; a CLI may add its own,
 * e.g. 130 interrupted).
 */
export async function runCommandLine(
  usage: string, io: CliIo, run: (log: (message: string) => void) => Promise<number>,
): Promise<number> {
  const log = (message: string): void => { io.stderr.write(message + '\n'); };
  try {
    return await run(log);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS')) {
      log(`error: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    log(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
