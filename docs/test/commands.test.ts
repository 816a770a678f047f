// Every command the docs tell a reader to run works as written.
//
// Which commands: see `docCommands` in doc-commands.ts (fenced sh/bash/shell/
// console blocks of README.md, docs/*.md, the package READMEs and
// examples/README.md; lines starting with `pnpm ` or `node `; `[...]` parts
// dropped; `cd` followed). How each is checked, first match in CHECKS:
// - `run` (everything not listed): run for real from the repository root,
//   as pnpm would run it (the root package.json's script, INIT_CWD = the
//   folder the reader is in), within a minute, exit code 0;
// - `parse`: too long for the suite (1M builds, sweeps, `pnpm demo`): the
//   CLI's own argument parser reads the command line (`--dry-run`), so a
//   misspelt command, option or value fails here; a usage line of `pnpm
//   bench` or `pnpm datasets` is also parsed with every `[...]` part given
//   (the first of `a|b`), so it lists only options that exist;
// - `script`: pnpm's own or the suite's (`pnpm install`, `pnpm test`): only
//   that the script exists; `file`: the file exists (what it runs is run at
//   another size elsewhere); `server`: started on a free port, its page
//   fetched, stopped; `pending`: skipped, with the reason.
// Placeholders in capitals (DIR, PHOTO) get the real values of PLACEHOLDERS.
// Output paths (datasets/data/, bench/results/, /tmp/) go to a temporary
// folder, so the test never touches your files. Commands that name deepface
// or mnist need ../shared/datasets/{deepface,mnist} and skip when it is
// absent (SMALLWORLD_SHARED_DATASETS names another folder holding them: a
// git worktree has no ../shared).

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../bench/src/commands.js';
import { docCommands, dropOptional, isPlaceholder, joinFolder, stripComment, withOptional, type DocCommand } from './doc-commands.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SHARED = resolve(process.env.SMALLWORLD_SHARED_DATASETS ?? join(ROOT, '../shared/datasets'));
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'smallworld-doc-commands-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The Markdown files whose commands are checked: README.md, docs/*.md, the package READMEs, examples/README.md. */
const DOCS = [
  'README.md', 'examples/README.md', 'datasets/README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'packages')).sort().map((p) => `packages/${p}/README.md`).filter((f) => existsSync(join(ROOT, f))),
];

type Check =
  | { kind: 'run' }
  | { kind: 'parse' | 'script' | 'file' | 'pending'; why: string }
  | { kind: 'server' };

/** How a command is checked: the first pattern matching the command as written wins; `run` when none does. */
const CHECKS: [RegExp, Check][] = [
  [/^pnpm install$/, { kind: 'script', why: "pnpm's own install; CI runs it before everything" }],
  [/^pnpm test$/, { kind: 'script', why: 'the suite this test belongs to' }],
  [/^pnpm --filter @smallworld\/examples test$/, { kind: 'script', why: 'CI runs the examples (type-check and every example)' }],
  [/^pnpm (demo|bench) /, { kind: 'parse', why: 'builds and sweeps of 50,000 to 1M vectors take minutes' }],
  [/^pnpm demo$/, { kind: 'parse', why: 'the seed experiment at 50,000 vectors takes a minute or two' }],
  [/^pnpm datasets synth .*--n 1000000\b/, { kind: 'parse', why: 'writes 512 MB' }],
  [/^pnpm datasets groundtruth .*seed-1m/, { kind: 'parse', why: 'exact k-NN over 1M vectors' }],
  [/^pnpm datasets mnist\b/, { kind: 'parse', why: 'writes into datasets/data/mnist by default, which the test leaves alone' }],
  [/^node --import tsx examples\/nmslib-port\.ts \d+/, { kind: 'file', why: 'a 100,000-vector build; the examples test runs it at its default size' }],
  [/^node examples\/(browser|face-search)\/serve\.mjs\b/, { kind: 'server' }],
  [/^node examples\/face-search\/check-browser\.mjs$/, { kind: 'file', why: 'minutes of embedding in Node and Chromium; CI runs it' }],
  [/^pnpm face (index|find|remove|verify-pairs|export)\b/, {
    kind: 'pending',
    why: 'a minute of embedding (65 photos, 300 pairs; find, remove and export need that index) and the face CLI has no parse-only path yet',
  }],
];

/** Real values for the placeholders of usage lines (paths relative to the repository root). */
const PLACEHOLDERS: Record<string, string> = {
  PHOTO: '../shared/datasets/deepface/target.jpg',
  A: '../shared/datasets/deepface/img1.jpg',
  B: '../shared/datasets/deepface/img2.jpg',
  DIR: '../shared/datasets/deepface',
  'PAIRS.csv': '../shared/datasets/deepface/master.csv',
  PATH: '/tmp/faces.db',
  N: '2',
};

/** Where outputs go instead (prefix as written -> folder in the scratch folder). */
const REDIRECTS: [string, string][] = [['datasets/data/', join(scratch, 'data/')], ['bench/results/', join(scratch, 'results/')], ['/tmp/', join(scratch, 'tmp/')]];
if (process.env.SMALLWORLD_SHARED_DATASETS !== undefined) REDIRECTS.push(['../shared/datasets/', `${SHARED}/`]);

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

function checkFor(command: DocCommand): Check {
  const written = command.words.join(' ');
  return CHECKS.find(([pattern]) => pattern.test(written))?.[1] ?? { kind: 'run' };
}

/** The command's words with placeholders filled in and outputs redirected. */
function resolveWords(words: string[]): string[] {
  return words.map((word) => {
    if (isPlaceholder(word)) {
      if (!Object.hasOwn(PLACEHOLDERS, word)) throw new Error(`placeholder ${word} has no value: add it to PLACEHOLDERS`);
      word = PLACEHOLDERS[word];
    }
    for (const [from, to] of REDIRECTS) {
      const at = word.indexOf(from);
      if (at === 0 || (at > 0 && /[=:]$/.test(word.slice(0, at)))) return word.slice(0, at) + to + word.slice(at + from.length);
    }
    return word;
  });
}

/** The shared data folder a command needs, if any (MNIST: where the datasets CLI looks by default). */
function sharedNeed(words: string[], cwd: string): string | null {
  const text = `${cwd} ${words.join(' ')}`;
  if (text.includes('deepface')) return join(SHARED, 'deepface');
  if (text.includes('mnist')) return join(ROOT, '../shared/datasets/mnist');
  return null;
}

/**
 * What pnpm would start for `pnpm <script> args` in `cwd`: the root script's
 * command with the arguments appended. Throws as pnpm fails, outside the
 * workspace or for a script that does not exist.
 */
function pnpmArgv(words: string[], cwd: string): string[] {
  if (cwd.startsWith('..') || cwd.startsWith('/')) {
    throw new Error(`pnpm ${words[1]} run in ${cwd}: outside the repository pnpm finds no workspace (ERR_PNPM_NO_IMPORTER_MANIFEST_FOUND)`);
  }
  const script = scripts[words[1]];
  if (script === undefined) throw new Error(`pnpm ${words[1]}: the root package.json has no such script`);
  return [...script.split(' '), ...words.slice(2)];
}

/** The process a command starts: [program, ...args]. */
function argvOf(words: string[], cwd: string): string[] {
  const argv = words[0] === 'pnpm' ? pnpmArgv(words, cwd) : words;
  if (argv[0] !== 'node') throw new Error(`cannot run ${argv.join(' ')}: not a node command`);
  return [process.execPath, ...argv.slice(1)];
}

async function runForReal(command: DocCommand, words: string[]): Promise<void> {
  const [program, ...args] = argvOf(words, command.cwd);
  const folder = resolve(ROOT, command.cwd);
  try {
    await run(program, args, {
      cwd: words[0] === 'pnpm' ? ROOT : folder, env: { ...process.env, INIT_CWD: folder }, timeout: 60_000, maxBuffer: 64 << 20,
    });
  } catch (error) {
    const e = error as { code?: number; killed?: boolean; stderr?: string };
    throw new Error(`${command.written}: ${e.killed ? 'took over a minute (list it in CHECKS as parse)' : `exit code ${e.code}`}\n${(e.stderr ?? '').slice(-2000)}`);
  }
}

/** `--dry-run` through the CLI's own parser: in this process for bench, a process for the others. */
async function parseOnly(command: DocCommand, words: string[]): Promise<void> {
  const argv = pnpmArgv(words, command.cwd);
  const cli = argv.indexOf('bench/src/cli.ts');
  if (cli >= 0) {
    const parsed = parseCommandLine(argv.slice(cli + 1));
    expect(parsed.name).toBe(argv[cli + 1]);
    return;
  }
  await runForReal(command, [...words, '--dry-run']);
}

async function serve(command: DocCommand, words: string[]): Promise<void> {
  const [program, ...args] = argvOf([...words, '--port', '0'], command.cwd);
  const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((found, failed) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /open (http:\/\/\S+)/.exec(out);
        if (m) found(m[1]);
      });
      child.once('exit', (code) => failed(new Error(`${command.written}: exited with code ${code} before serving`)));
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<html');
  } finally {
    child.kill();
  }
}

const ran = new Map<string, string>();
const found = DOCS.flatMap((doc) => docCommands(doc, readFileSync(join(ROOT, doc), 'utf8')));

describe('every command in the docs works as written', () => {
  it('finds the commands of the README, the docs and the package READMEs', () => {
    const written = found.map((c) => c.written);
    expect(written).toContain('pnpm demo');
    expect(found.some((c) => c.file === 'docs/benchmarks.md' && c.words[1] === 'bench')).toBe(true);
    expect(found.some((c) => c.file === 'datasets/README.md')).toBe(true);
    expect(found.some((c) => c.file === 'examples/README.md' && c.words[0] === 'node')).toBe(true);
  });

  for (const command of found) {
    const check = checkFor(command);
    const words = resolveWords(command.words);
    const need = sharedNeed(words, command.cwd);
    const title = `${command.file}:${command.line} ${check.kind}: ${command.written}`;
    if (check.kind === 'pending') {
      it.skip(`${title} (${check.why})`, () => {});
      continue;
    }
    const absent = need !== null && ['run', 'server'].includes(check.kind) && !existsSync(need);
    // The same command in the same folder twice (a doc and a README) runs once.
    const key = `${command.cwd}\0${words.join('\0')}`;
    const first = check.kind === 'run' ? ran.get(key) : undefined;
    if (first !== undefined) {
      it.skip(`${title} (the same as ${first}, run once)`, () => {});
      continue;
    }
    ran.set(key, `${command.file}:${command.line}`);
    // Usage lines: the command with every optional part given must parse too.
    if (command.full !== null && words[0] === 'pnpm' && ['bench', 'demo', 'datasets'].includes(words[1])) {
      const full = resolveWords(command.full);
      it(`${command.file}:${command.line} parse, every option given: ${command.full.join(' ')}`, () => parseOnly(command, full));
    }
    it.skipIf(absent)(absent ? `${title} (skipped: ${need} is absent)` : title, async () => {
      switch (check.kind) {
        case 'run': return runForReal(command, words);
        case 'parse': return parseOnly(command, words);
        case 'script':
          if (words[0] === 'pnpm' && words[1] !== 'install' && !words[1].startsWith('-')) expect(scripts[words[1]], words[1]).toBeDefined();
          if (words[1] === '--filter') expect(existsSync(join(ROOT, 'examples/package.json'))).toBe(true);
          return;
        case 'file': return expect(existsSync(join(ROOT, words.find((w) => /\.(m?[jt]s)$/.test(w))!))).toBe(true);
        case 'server': return serve(command, words);
      }
    });
  }
});

describe('the command finder itself', () => {
  it('takes shell and console blocks, prompts, continuations, comments, &&, cd and optional parts', () => {
    const markdown = [
      '```sh',
      'npm i -g pnpm && pnpm install && pnpm demo   # the main job',
      'pnpm datasets groundtruth --base b.fvecs \\',
      '  --k 10 [--space l2|ip] [--a [--b X]]',
      '```',
      '```console',
      '$ cd ../shared/x',
      '$ pnpm face verify A B',
      'same person: pnpm not-a-command',
      '```',
      '```ts',
      'node notShell.js',
      '```',
      '```sh',
      'echo hi',
      '```',
    ].join('\n');
    expect(docCommands('d.md', markdown).map((c) => [c.line, c.words.join(' '), c.cwd])).toEqual([
      [2, 'pnpm install', ''],
      [2, 'pnpm demo', ''],
      [3, 'pnpm datasets groundtruth --base b.fvecs --k 10', ''],
      [8, 'pnpm face verify A B', '../shared/x'],
    ]);
  });

  it('strips comments and optional parts, joins folders, knows placeholders', () => {
    expect(stripComment('pnpm x --a 1   # note')).toBe('pnpm x --a 1  ');
    expect(stripComment('pnpm x f.hdf5:neighbors')).toBe('pnpm x f.hdf5:neighbors');
    expect(dropOptional('a [--x 1] b [--y [--z 2]]')).toBe('a b');
    expect(withOptional('a [--space l2|ip] [--y [--z N]]')).toBe('a --space l2 --y --z N');
    expect(joinFolder('', '../shared/datasets/deepface')).toBe('../shared/datasets/deepface');
    expect(joinFolder('docs', '..')).toBe('');
    expect(['DIR', 'PAIRS.csv', 'N'].every(isPlaceholder)).toBe(true);
    expect(['img1.jpg', '--k', '100', 'mnist:base'].some(isPlaceholder)).toBe(false);
  });

  it('refuses what pnpm refuses: a folder outside the workspace, a script that does not exist', () => {
    expect(() => pnpmArgv(['pnpm', 'face', 'represent', 'x.jpg'], '../shared/datasets/deepface')).toThrow(/ERR_PNPM_NO_IMPORTER_MANIFEST_FOUND/);
    expect(() => pnpmArgv(['pnpm', 'benchmark'], '')).toThrow(/no such script/);
    expect(pnpmArgv(['pnpm', 'bench', 'seed', '--n', '5'], '').slice(-4)).toEqual(['bench/src/cli.ts', 'seed', '--n', '5']);
  });

  it('catches a misspelt option of a long command without running it', () => {
    expect(() => parseCommandLine(['seed', '--n', '1000000', '--face', 'x'])).toThrow(/Unknown option '--face'/);
    expect(parseCommandLine(['seed', '--n', '1000000']).settings).toMatchObject({ n: 1000000 });
  });
});
