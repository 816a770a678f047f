// Finds the commands a reader of the Markdown is told to run (the rule is
// spelled out on `docCommands`), for commands.test.ts. Pure functions over
// strings, tested on their own there.

/** One command found in a Markdown file. */
export interface DocCommand {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line where the command starts. */
  line: number;
  /** The command as written, continuation lines joined, comment dropped. */
  written: string;
  /** The words to run: optional `[...]` parts dropped, placeholders not yet replaced. */
  words: string[];
  /** With every optional part given (brackets removed, the first of `a|b` alternatives): null when there is none. */
  full: string[] | null;
  /** The folder a `cd` earlier in the file moved to ('' = the repository root), relative to the root. */
  cwd: string;
}

/** Code-block languages whose lines are commands. */
const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);

/**
 * The commands of a Markdown file. The rule:
 * - only fenced blocks tagged sh, bash, shell or console; in console blocks
 *   only the lines after a `$ ` prompt (the rest is output);
 * - a trailing `\` joins the next line; `# ...` to the end of the line is a
 *   comment; `&&` separates commands;
 * - a command starts with `pnpm ` or `node `; anything else (`npm i -g`) is
 *   not ours and is not run, except `cd DIR`, which moves every later
 *   command of the file to DIR, as a reader following along would be;
 * - `[...]` marks an optional part (usage synopses) and is dropped.
 */
export function docCommands(file: string, markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  let fence: string | null = null;
  let language = '';
  let cwd = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(lines[i]);
    if (open) {
      if (fence === null) {
        fence = open[1];
        language = open[2].toLowerCase();
      } else if (lines[i].trim().startsWith(fence)) fence = null;
      continue;
    }
    if (fence === null || !SHELL_LANGUAGES.has(language)) continue;
    const start = i;
    let text = lines[i];
    if (language === 'console') {
      if (!text.startsWith('$ ')) continue;
      text = text.slice(2);
    }
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i].trim();
    for (const part of stripComment(text).split('&&')) {
      const written = part.trim().replace(/\s+/g, ' ');
      const cd = /^cd\s+(\S+)$/.exec(written);
      if (cd) {
        cwd = joinFolder(cwd, cd[1]);
        continue;
      }
      if (!/^(pnpm|node)\s/.test(written)) continue;
      const full = written.includes('[') ? withOptional(written).split(' ').filter(Boolean) : null;
      out.push({ file, line: start + 1, written, words: dropOptional(written).split(' ').filter(Boolean), full, cwd });
    }
  }
  return out;
}

/** `text` without a `# comment` (a `#` at the start or after a space). */
export function stripComment(text: string): string {
  return text.replace(/(^|\s)#.*$/, '');
}

/** `text` with every `[...]` (nested too) removed. */
export function dropOptional(text: string): string {
  let previous = '';
  while (previous !== text) {
    previous = text;
    text = text.replace(/\s*\[[^[\]]*\]/g, '');
  }
  return text.trim();
}

/** `text` with every optional part given: brackets removed, `a|b|c` taken as `a`. */
export function withOptional(text: string): string {
  return text.replace(/[[\]]/g, ' ').split(/\s+/).filter(Boolean).map((word) => word.split('|')[0]).join(' ');
}

/** `folder/path` with `.` and `..` resolved (may climb above the root: `../shared`). */
export function joinFolder(folder: string, path: string): string {
  if (path.startsWith('/')) return path;
  const parts = folder === '' ? [] : folder.split('/');
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** The placeholders of a command: words in capitals (`DIR`, `PHOTO`, `PAIRS.csv`). */
export function isPlaceholder(word: string): boolean {
  return /^[A-Z][A-Z0-9_]*(\.[a-z0-9]+)?$/.test(word);
}
