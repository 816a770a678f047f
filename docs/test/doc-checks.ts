// The checks behind docs.test.ts: every relative link in the Markdown
// resolves (file and #anchor), every file path a doc names in backticks
// exists, and every `name(...)` a doc names in backticks is declared in the
// source tree. Pure functions over strings, so they are tested on their own.

/** Inline-code and link problems found in one Markdown file. */
export interface DocProblem {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** What is wrong. */
  message: string;
}

/** Names in backticks that are not ours: hnswlib's and nmslib's API, runtime globals. */
export const FOREIGN_NAMES: ReadonlySet<string> = new Set([
  // hnswlib's C++ and Python API, which the docs compare against (hnswlib-node's
  // and nmslib's names are ours too: @smallworld/hnswlib-node, src/nmslib.ts).
  'knn_query', 'add_items', 'init_index', 'set_ef', 'load_index', 'save_index', 'mark_deleted', 'unmark_deleted',
  'resize_index', 'get_items', 'get_ids_list', 'getNeighborsByHeuristic2', 'searchBaseLayer', 'searchBaseLayerST',
  'searchKnnCloserFirst', 'updatePoint', 'repairConnectionsForUpdate', 'linksOffset', 'get_linklist0',
  'get_linklist', 'get_linklist_at_level', 'getRandomLevel', 'mutuallyConnectNewElement', 'addPoint',
  // JavaScript and Node.js.
  'require', 'import', 'fetch', 'structuredClone', 'setTimeout',
]);

/** Qualifiers of calls that are the runtime's, not ours (`os.availableParallelism()`). */
export const FOREIGN_QUALIFIERS: ReadonlySet<string> = new Set([
  'os', 'fs', 'path', 'process', 'Math', 'Atomics', 'WebAssembly', 'JSON', 'Object', 'Array', 'Promise', 'Number',
  'Buffer', 'console', 'performance', 'crypto', 'np', 'numpy', 'hnswlib', 'worker_threads', 'v8', 'Date',
  'String', 'Symbol', 'Reflect', 'URL', 'piscina', 'Piscina', 'tf', 'faceapi', 'sharp', 'h5wasm',
]);

/** File extensions whose backticked paths are checked. */
const CHECKED_EXTENSIONS = /\.(?:ts|mts|cts|js|mjs|cjs|md|html|yaml)$/;

/** Splits Markdown into lines, marking those inside fenced code blocks. */
function proseLines(markdown: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const open = /^\s*(```+|~~~+)/.exec(text);
    if (open) {
      if (fence === null) fence = open[1][0];
      else if (open[1][0] === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ text, line: i + 1 });
  });
  return out;
}

/** The contents of the inline code spans of a line of prose. */
export function inlineCode(text: string): string[] {
  const spans: string[] = [];
  const re = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push(m[2].trim());
  return spans;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (duplicates get -1, -2, ... as on GitHub). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

/** The relative link targets of a Markdown file's prose, with their lines. */
export function relativeLinks(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const m of withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;   // http:, https:, mailto:
      out.push({ target, line });
    }
  }
  return out;
}

/** File paths named in backticks (`src/layout.ts`, `hnsw-index.ts`), with their lines. */
export function namedPaths(markdown: string): { path: string; line: number }[] {
  const out: { path: string; line: number }[] = [];
  for (const { text, line } of proseLines(markdown)) {
    for (const span of inlineCode(text)) {
      const path = span.replace(/^\.\//, '').replace(/:\d+(?::\d+)?$/, '');
      if (/[\s*{}<>$]/.test(path) || !CHECKED_EXTENSIONS.test(path) || /^[a-z]+:\/\//.test(path)) continue;
      out.push({ path, line });
    }
  }
  return out;
}

/** Names called in backticks (`search(query, k)`, `HnswIndex.fromBytes()`): the last segment, with its qualifier. */
export function namedCalls(markdown: string): { name: string; qualifier: string | null; line: number }[] {
  const out: { name: string; qualifier: string | null; line: number }[] = [];
  for (const { text, line } of proseLines(markdown)) {
    for (const span of inlineCode(text)) {
      for (const m of span.matchAll(/(?<![\w$.#])((?:[A-Za-z_$][\w$]*[.#])*)([A-Za-z_$][\w$]*)\(/g)) {
        const segments = m[1].split(/[.#]/).filter(Boolean);
        out.push({ name: m[2], qualifier: segments[0] ?? null, line });
      }
    }
  }
  return out;
}

/** Identifiers declared in TypeScript/JavaScript source: functions, classes, methods, constants, properties. */
export function declaredNames(source: string): Set<string> {
  const names = new Set<string>();
  const patterns = [
    /\b(?:function\*?|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/g,
    /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)/g,
    /^[ \t]*(?:(?:public|private|protected|static|async|readonly|override|abstract|declare|export|get|set)\s+)*\*?([A-Za-z_$][\w$]*)\s*(?:<[^>\n]*>)?\(/gm,
    /\b([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::[^=]*)?=>|[A-Za-z_$][\w$]*\s*=>)/g,
    /\b([A-Za-z_$][\w$]*)\??\s*:\s*\(/g,
    // A method inside an object literal on one line: `{ init(options) { ... } }`.
    /[{,]\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*\([^()]*\)\s*(?::[^{}]*)?\{/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) names.add(m[1]);
  // `export { a as b }`: the exported name is a name of ours too.
  for (const m of source.matchAll(/\bas\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  return names;
}

/**
 * Checks one Markdown file. `exists(path)` answers for paths relative to the
 * repository root; `fileNamed(path)` whether some file of the tree ends with
 * `path`; `anchorsOf(path)` gives a Markdown file's anchors; `declared` is
 * every name declared in the source tree.
 */
export function checkMarkdown(
  file: string, markdown: string,
  tree: {
    exists(path: string): boolean;
    fileNamed(path: string): boolean;
    anchorsOf(path: string): Set<string> | null;
    declared: ReadonlySet<string>;
  },
): DocProblem[] {
  const problems: DocProblem[] = [];
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  for (const { target, line } of relativeLinks(markdown)) {
    const [rawPath, anchor] = target.split('#', 2);
    const path = decodeURIComponent(rawPath);
    const resolved = path === '' ? file : joinPath(folder, path);
    if (resolved === null || !tree.exists(resolved)) {
      problems.push({ file, line, message: `link to ${target}: no such file` });
      continue;
    }
    if (anchor && resolved.endsWith('.md')) {
      const known = tree.anchorsOf(resolved);
      if (known !== null && !known.has(anchor.toLowerCase())) {
        problems.push({ file, line, message: `link to ${target}: no heading #${anchor} in ${resolved}` });
      }
    }
  }
  for (const { path, line } of namedPaths(markdown)) {
    const relative = joinPath(folder, path);
    if ((relative !== null && tree.exists(relative)) || tree.exists(path) || tree.fileNamed(path)) continue;
    problems.push({ file, line, message: `\`${path}\`: no such file in the repository` });
  }
  for (const { name, qualifier, line } of namedCalls(markdown)) {
    if (qualifier !== null && FOREIGN_QUALIFIERS.has(qualifier)) continue;
    if (FOREIGN_NAMES.has(name) || tree.declared.has(name) || isRuntimeGlobal(name)) continue;
    problems.push({ file, line, message: `\`${name}()\`: declared nowhere in the source tree` });
  }
  return problems;
}

/** A function or constructor of the JavaScript runtime (`Float32Array()`, `structuredClone()`). */
function isRuntimeGlobal(name: string): boolean {
  return typeof (globalThis as Record<string, unknown>)[name] === 'function';
}

/** `folder/path` with `.` and `..` resolved; null when it climbs above the root. */
export function joinPath(folder: string, path: string): string | null {
  const parts = (path.startsWith('/') ? path.slice(1) : folder === '' ? path : `${folder}/${path}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}
