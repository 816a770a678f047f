// Docs never name what does not exist: every relative link in the Markdown
// of the repository resolves (file and heading), every file path named in
// backticks exists, and every `name()` named in backticks is declared in
// the source tree (see doc-checks.ts for the rules and the allow-list).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  anchors, checkMarkdown, declaredNames, inlineCode, joinPath, namedCalls, namedPaths, relativeLinks, slug,
} from './doc-checks.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Folders never searched: dependencies, git, generated API docs, data. */
const SKIP = new Set(['node_modules', '.git', 'coverage']);
const SKIP_PATHS = new Set(['docs/api', 'datasets/data', 'bench/results']);
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** Every file under the root (built output included: a doc may name dist/index.js). */
function walk(folder = ROOT, out: string[] = []): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(folder, entry.name);
    const rel = relative(ROOT, path).split('\\').join('/');
    if (SKIP_PATHS.has(rel)) continue;
    if (entry.isDirectory()) walk(path, out);
    else out.push(rel);
  }
  return out;
}

/** The Markdown files of the repository: tracked or new, not git-ignored. */
function markdownFiles(all: string[]): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.md'], { cwd: ROOT, encoding: 'utf8' });
    return listed.split('\n').filter((f) => f !== '' && existsSync(join(ROOT, f))).sort();
  } catch {
    return all.filter((f) => f.endsWith('.md')).sort();
  }
}

const files = walk();
const declared = new Set<string>();
for (const file of files) {
  if (!SOURCE.test(file) || file.endsWith('.d.ts') || file.includes('/dist/')) continue;
  for (const name of declaredNames(readFileSync(join(ROOT, file), 'utf8'))) declared.add(name);
}
const anchorCache = new Map<string, Set<string> | null>();
const tree = {
  exists: (path: string) => existsSync(join(ROOT, path)),
  fileNamed: (path: string) => files.some((f) => f === path || f.endsWith(`/${path}`)),
  anchorsOf(path: string): Set<string> | null {
    if (!anchorCache.has(path)) {
      const full = join(ROOT, path);
      anchorCache.set(path, existsSync(full) ? anchors(readFileSync(full, 'utf8')) : null);
    }
    return anchorCache.get(path) ?? null;
  },
  declared,
};

describe('docs name only what exists', () => {
  const docs = markdownFiles(files);

  it('finds the docs and the source to check', () => {
    expect(docs).toContain('README.md');
    expect(declared.has('HnswIndex')).toBe(true);
    expect(declared.has('searchLayer')).toBe(true);
  });

  for (const doc of docs) {
    it(doc, () => {
      const problems = checkMarkdown(doc, readFileSync(join(ROOT, doc), 'utf8'), tree);
      expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
    });
  }
});

describe('the doc checks themselves', () => {
  const fakeTree = {
    exists: (path: string) => ['docs/a.md', 'packages/hnsw/src/layout.ts'].includes(path),
    fileNamed: (path: string) => 'packages/hnsw/src/layout.ts'.endsWith(`/${path}`),
    anchorsOf: (path: string) => (path === 'docs/a.md' ? new Set(['the-layout']) : null),
    declared: new Set(['search', 'HnswIndex']),
  };

  it('reports broken links, missing anchors, files and names; accepts the good ones', () => {
    const markdown = [
      '# Title',
      'See [a](a.md), [layout](a.md#the-layout), [web](https://example.com) and [gone](missing.md).',
      'Bad anchor: [x](a.md#nope). Files: `src/layout.ts`, `layout.ts`, `src/nothing.ts`.',
      'Calls: `index.search(q, k)`, `HnswIndex.fromBytes()`, `os.availableParallelism()`, `knn_query()`, `Float32Array()`.',
      '```ts',
      'notChecked(); [inside](code.md)',
      '```',
    ].join('\n');
    const messages = checkMarkdown('docs/b.md', markdown, fakeTree).map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual([
      '2: link to missing.md: no such file',
      '3: link to a.md#nope: no heading #nope in docs/a.md',
      '3: `src/nothing.ts`: no such file in the repository',
      '4: `fromBytes()`: declared nowhere in the source tree',
    ]);
  });

  it('extracts spans, links, paths, calls and anchors', () => {
    expect(inlineCode('a `x` b ``y`z`` c')).toEqual(['x', 'y`z']);
    expect(relativeLinks('[a](b.md "t") `[c](d.md)` ![i](img.png)').map((l) => l.target)).toEqual(['b.md', 'img.png']);
    expect(namedPaths('`src/a.ts` `packages/*/test/**` `a b.ts` `x.json`').map((p) => p.path)).toEqual(['src/a.ts']);
    expect(namedCalls('`a.b.c(1)` `new D(x)` `f (x)`').map((c) => [c.qualifier, c.name])).toEqual([['a', 'c'], [null, 'D']]);
    expect(slug('Algorithm 2: `searchLayer` (SEARCH-LAYER)')).toBe('algorithm-2-searchlayer-search-layer');
    expect([...anchors('# A\n## A\n```\n# not\n```')]).toEqual(['a', 'a-1']);
    expect(joinPath('docs', '../README.md')).toBe('README.md');
    expect(joinPath('', '../x')).toBeNull();
  });

  it('collects declared names from source', () => {
    const names = declaredNames([
      'export function insert(ctx: C) {}',
      'export class Heap {',
      '  static async load<T>(path: string) {}',
      '  get size(): number { return 0; }',
      '}',
      'const nmslib = { init(options) {} };',
      'export const toBytes = (x: number) => x;',
    ].join('\n'));
    for (const name of ['insert', 'Heap', 'load', 'size', 'nmslib', 'init', 'toBytes']) expect(names.has(name)).toBe(true);
  });
});
