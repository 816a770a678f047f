// Command-line helpers shared by the project's CLIs (`pnpm datasets`, `pnpm bench`):
// negative numbers as option values, which node's util.parseArgs refuses.

/** A value that reads as a negative number: `-0.5`, `-3`, `-.25`, `-1e-3`. */
const NEGATIVE_NUMBER = /^-(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Returns `args` with `--name -0.5` rewritten as `--name=-0.5` wherever
 * `--name` is a string option of `options` and the next argument is a
 * negative number: `util.parseArgs` would otherwise take `-0.5` for an
 * option and fail with "argument is ambiguous". Everything else is left as
 * it is (and everything after `--`), so parseArgs still reports unknown
 * options and missing values.
 *
 * @example
 * parseArgs({ args: acceptNegativeValues(argv, options), options, strict: true });
 */
export function acceptNegativeValues(args: readonly string[], options: Readonly<Record<string, { type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    const next = args[i + 1];
    if (name !== null && Object.hasOwn(options, name) && options[name].type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
