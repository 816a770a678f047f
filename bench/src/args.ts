// Command-line option parsing for the benchmark CLI: one helper per kind of
// value, each failing with a UsageError that names the option and the value;
// and the shape of a command (BenchCommand).

import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '@smallworld/hnsw/cli';

/** A bad command line: the CLI prints the message and the usage, and exits with status 2 (the smallworld CLIs' one class). */
export { UsageError };

/** Raw option values as `util.parseArgs` returns them (strings and booleans). */
export type RawOptions = Record<string, string | boolean | undefined>;

function raw(options: RawOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} needs a value`);
  return value;
}

/** An integer option >= `min` (default 1), or `fallback` when absent. */
export function intOption(options: RawOptions, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const text = raw(options, name);
  if (text === undefined) return fallback;
  return parseIntValue(name, text, min, max);
}

/** An optional integer option >= `min`, or undefined when absent. */
export function optionalIntOption(options: RawOptions, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = raw(options, name);
  return text === undefined ? undefined : parseIntValue(name, text, min, max);
}

function parseIntValue(name: string, text: string, min: number, max: number): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`--${name} must be an integer ${range} (got ${text})`);
  }
  return n;
}

/** A number option in [min, max], or `fallback` when absent. */
export function numberOption(options: RawOptions, name: string, fallback: number, min: number, max: number): number {
  const text = raw(options, name);
  if (text === undefined) return fallback;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}] (got ${text})`);
  return n;
}

/** A comma-separated list of integers >= `min`, or `fallback` when absent. */
export function intListOption(options: RawOptions, name: string, fallback: readonly number[], min = 1): number[] {
  const text = raw(options, name);
  if (text === undefined) return [...fallback];
  const parts = text.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`--${name} must be a comma-separated list of integers >= ${min} (got ${text})`);
  return parts.map((part) => parseIntValue(name, part, min, Number.MAX_SAFE_INTEGER));
}

/** One of `choices`, or `fallback` when absent. */
export function choiceOption<T extends string>(options: RawOptions, name: string, choices: readonly T[], fallback: T): T {
  const text = raw(options, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got ${text})`);
  return text as T;
}

/** A comma-separated list of `choices` (no repeats), or `fallback` when absent. */
export function choiceListOption<T extends string>(options: RawOptions, name: string, choices: readonly T[], fallback: readonly T[]): T[] {
  const text = raw(options, name);
  if (text === undefined) return [...fallback];
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    if (!(choices as readonly string[]).includes(part)) throw new UsageError(`--${name}: unknown value '${part}' (known: ${choices.join(', ')}; got ${text})`);
  }
  if (new Set(parts).size !== parts.length) throw new UsageError(`--${name} lists a value twice (got ${text})`);
  return parts as T[];
}

/**
 * A path option resolved against the folder the user ran the command in:
 * pnpm runs scripts from the repository root but sets INIT_CWD to that folder.
 */
export function pathOption(options: RawOptions, name: string): string | undefined {
  const text = raw(options, name);
  if (text === undefined) return undefined;
  if (text === '') throw new UsageError(`--${name} must be a non-empty path`);
  return resolveUserPath(text);
}

/** `path` resolved against INIT_CWD (set by pnpm), else the working directory. */
export function resolveUserPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** A string option as given, or undefined when absent. */
export function stringOption(options: RawOptions, name: string): string | undefined {
  return raw(options, name);
}

/**
 * One command of `pnpm bench`: its usage, its options, how it reads them,
 * what it runs. A command is defined with `command({...})` (in its own module
 * or in commands.ts) and registered by one entry of `COMMANDS` in commands.ts.
 */
export interface BenchCommand<S extends object = object> {
  /** The usage lines: a one-line summary, then the options. */
  usage: string;
  /** Option names (all take a value except `json`, a flag; `--dry-run` is added to every command). */
  options: readonly string[];
  /** Reads and checks the options (a UsageError on a bad one): the settings `run` takes, printed by `--dry-run`. */
  parse(o: RawOptions): S;
  /** Runs with `settings`; results go to stdout (JSON lines with `asJson`), logs to stderr. */
  run(settings: S, asJson: boolean): Promise<void>;
}

/** A command's definition, its settings type inferred from `parse`. */
export function command<S extends object>(definition: BenchCommand<S>): BenchCommand {
  return definition as unknown as BenchCommand;
}
