// The commands of `pnpm face`: represent, verify, index, find, remove, export, verify-pairs.
// Results on stdout (with --json, the last line is JSON), logs and progress on stderr.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption, processIo, round, runCommandLine, UsageError, type CliIo } from '@smallworld/hnsw/cli';
import { DB_META_FILE, FaceDatabase } from './database.js';
import { lockDatabase } from './db-file.js';
import { FaceEmbedder } from './embedder.js';
import { formatMatches, matchesJson } from './find-report.js';
import { exportFacesToPgvector, findFacesOnPgvector, openPostgres } from './pgvector.js';
import { verifyPairs } from './pairs.js';
import { checkBackendChoice } from './runtime.js';
import { DEFAULT_THRESHOLD } from './verify.js';

const USAGE = `usage: pnpm face <command> [options]

  represent PHOTO [--all] [--json]          faces in a photo: box, score, landmarks, descriptor
  verify A B [--threshold 0.6] [--json]     same person? (largest face of each photo)
  index DIR --db PATH [--all-faces]         add a folder's new and changed photos to a face database
                                            (saved as it goes and on Ctrl-C: run it again to resume)
  find PHOTO --db PATH [--k 5] [--json]     the indexed photos nearest the photo's largest face
  remove PHOTO --db PATH                    a photo and its faces out of the database, descriptors erased
  remove --person PHOTO --db PATH [--threshold 0.6]
                                            every face of the person in PHOTO (its largest face), in every
                                            photo, out of the database, descriptors erased (right to erasure)
  export --db PATH (--url postgres://... | --pglite DIR) [--table faces] [--replace]
                                            the face database into a Postgres + pgvector table
  find PHOTO (--url ... | --pglite DIR) [--table faces] [--k 5] [--json]
                                            the same search, answered by that table
  verify-pairs PAIRS.csv --images DIR [--threshold 0.6] [--json]
                                            accuracy over labelled pairs (file_x,file_y,Decision)

common: --backend auto|tensorflow|wasm|cpu (default auto), --quiet (no progress, no backend line)
Relative paths are taken from the directory pnpm was run in.`;

const OPTIONS = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  'all-faces': { type: 'boolean' },
  db: { type: 'string' },
  k: { type: 'string' },
  threshold: { type: 'string' },
  images: { type: 'string' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  url: { type: 'string' },
  pglite: { type: 'string' },
  table: { type: 'string' },
  replace: { type: 'boolean' },
  person: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positionals(args: string[], count: number, names: string, resolvePath: (p: string) => string): string[] {
  if (args.length !== count) throw new UsageError(`expected ${names} (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
  return args.map(resolvePath);
}

/** Loads the model; says which backend runs it unless `quiet` (a warning about the slow one always). */
async function makeEmbedder(
  backend: string | undefined, quiet: boolean, log: (message: string) => void,
  embedder = new FaceEmbedder({ backend: checkBackendChoice(backend ?? 'auto') }),
): Promise<FaceEmbedder> {
  const signature = await embedder.ready();
  const notes = embedder.backendNotes.length > 0 ? ` (${embedder.backendNotes.join('; ')})` : '';
  if (!quiet) log(`backend: ${signature.backend}${notes}`);
  if (signature.backend === 'cpu') log('warning: pure-JS backend, about 25 s per photo');
  return embedder;
}

/**
 * Runs one `pnpm face` command line; resolves to the exit code (0 done,
 * 1 failed, 2 usage error, 130 interrupted with its progress saved).
 * Never throws: errors are written to `io.stderr`.
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommandLine(USAGE, io, (log) => run(argv, io, log));
}

async function run(argv: string[], io: CliIo, log: (message: string) => void): Promise<number> {
  const { values, positionals: rest } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, ...args] = rest;
  const out = (text: string): void => { io.stdout.write(text); };
  const printJson = (value: unknown): void => out(JSON.stringify(value) + '\n');
  const resolvePath = (p: string): string => path.resolve(io.cwd, p);
  if (values.help === true || command === undefined) {
    out(USAGE + '\n');
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const json = values.json === true;
  const progress = values.quiet !== true;
  const threshold = numberOption('threshold', values.threshold, DEFAULT_THRESHOLD);

  switch (command) {
    case 'represent': {
      const [photo] = positionals(args, 1, 'PHOTO', resolvePath);
      const embedder = await makeEmbedder(values.backend, !progress, log);
      const started = performance.now();
      const faces = await embedder.represent(photo!, { all: values.all === true });
      const ms = performance.now() - started;
      out(`${faces.length} face${faces.length === 1 ? '' : 's'} in ${photo} (${ms.toFixed(0)} ms)\n`);
      faces.forEach((f, i) => {
        const b = f.box;
        out(`  #${i + 1} box ${b.x.toFixed(0)},${b.y.toFixed(0)} ${b.width.toFixed(0)}x${b.height.toFixed(0)}  score ${f.score.toFixed(3)}  descriptor [${[...f.descriptor.slice(0, 4)].map((v) => v.toFixed(3)).join(', ')}, …]\n`);
      });
      if (json) {
        printJson(faces.map((f) => ({
          box: { x: round(f.box.x, 2), y: round(f.box.y, 2), width: round(f.box.width, 2), height: round(f.box.height, 2) },
          score: round(f.score),
          landmarks: f.landmarks.map((p) => [round(p.x, 2), round(p.y, 2)]),
          descriptor: [...f.descriptor],
        })));
      }
      return 0;
    }
    case 'verify': {
      const [a, b] = positionals(args, 2, 'A B', resolvePath);
      const embedder = await makeEmbedder(values.backend, !progress, log);
      const result = await embedder.verify(a!, b!, threshold);
      out(`${result.verified ? 'same person' : 'different people'}: distance ${result.distance.toFixed(4)} (threshold ${result.threshold})\n`);
      if (json) printJson(result);
      return 0;
    }
    case 'index': {
      const [dir] = positionals(args, 1, 'DIR', resolvePath);
      if (values.db === undefined) throw new UsageError('index needs --db PATH');
      const dbPath = resolvePath(values.db);
      // --db first: a path that cannot be a database, or one another process
      // is writing, fails now rather than after the photos (addFolder locks it again).
      await (await lockDatabase(dbPath)).release();
      const exists = existsSync(path.join(dbPath, DB_META_FILE));
      // The model loads after the database is read: a damaged one fails at once too.
      const embedder = new FaceEmbedder({ backend: checkBackendChoice(values.backend ?? 'auto') });
      const db = exists
        ? await FaceDatabase.open(dbPath, { embedder })
        : new FaceDatabase({ embedder, faces: values['all-faces'] === true ? 'all' : 'largest' });
      await makeEmbedder(values.backend, !progress, log, embedder);
      if (exists && values['all-faces'] === true && db.faces !== 'all') log(`note: ${dbPath} indexes the largest face per photo; --all-faces ignored`);
      const stop = new AbortController();
      const stopListening = io.onInterrupt?.((signal) => {
        log(`\n${signal}: stopping after this photo and saving what is done (again to quit without saving)`);
        stop.abort();
      });
      let report;
      try {
        report = await db.addFolder(dir!, { progress, saveTo: dbPath, signal: stop.signal });
      } finally {
        stopListening?.();
      }
      for (const file of report.files) {
        const name = path.relative(dir!, file.path);
        if (file.status === 'error' || file.status === 'no-face') log(`${file.status}: ${name}${file.error === undefined ? '' : ` (${file.error})`}`);
        if ((file.detected ?? 0) > file.faces) log(`several faces: ${name} (${file.detected} found, the largest indexed)`);
      }
      const c = report.counts;
      const resumed = report.resumed > 0 ? ` (${report.resumed} embedded by the unfinished run resumed)` : '';
      out(`${dbPath}: ${db.size} faces; this run: ${c.indexed} indexed (${report.facesAdded} faces), ${c.unchanged} unchanged${resumed}, `
        + `${c['no-face']} no face, ${c.error} unreadable, ${c.removed} removed, ${c.skipped} not images\n`);
      if (report.interrupted) out('interrupted: what was embedded is saved; run the same command again to resume\n');
      if (json) printJson({ db: dbPath, faces: db.size, facesAdded: report.facesAdded, ...c, resumed: report.resumed, interrupted: report.interrupted });
      return report.interrupted ? 130 : 0;
    }
    case 'find': {
      const [photo] = positionals(args, 1, 'PHOTO', resolvePath);
      const postgres = values.url !== undefined || values.pglite !== undefined;
      if (postgres === (values.db !== undefined) || (values.url !== undefined && values.pglite !== undefined)) {
        throw new UsageError('find needs --db PATH, or one of --url and --pglite');
      }
      const k = numberOption('k', values.k, 5);
      const embedder = await makeEmbedder(values.backend, !progress, log);
      let matches;
      if (postgres) {
        const pg = await openPostgres(values, resolvePath);
        try {
          matches = await findFacesOnPgvector(photo!, pg.db, { embedder, k, threshold, ...(values.table === undefined ? {} : { table: values.table }) });
        } finally {
          await pg.close();
        }
      } else {
        const db = await FaceDatabase.open(resolvePath(values.db!), { embedder });
        matches = await db.find(photo!, { k, threshold: values.threshold === undefined ? undefined : threshold });
      }
      out(formatMatches(matches));
      if (json) printJson(matchesJson(matches));
      return 0;
    }
    case 'remove': {
      if (values.db === undefined) throw new UsageError('remove needs --db PATH');
      const byPerson = values.person !== undefined;
      const [photo] = positionals(args, byPerson ? 0 : 1, byPerson ? 'no PHOTO beside --person' : 'PHOTO (or --person PHOTO)', resolvePath);
      const dbPath = resolvePath(values.db);
      let db: FaceDatabase;
      let report;
      if (byPerson) {
        const embedder = await makeEmbedder(values.backend, !progress, log);
        db = await FaceDatabase.open(dbPath, { embedder });
        report = await db.removePerson(resolvePath(values.person!), values.threshold === undefined ? {} : { threshold });
      } else {
        db = await FaceDatabase.open(dbPath);
        report = db.removePhoto(photo!);
      }
      await db.save(dbPath);
      for (const p of report.photos) log(`removed: ${p.path} (${p.faces} face${p.faces === 1 ? '' : 's'})`);
      out(`${dbPath}: ${report.faces} face${report.faces === 1 ? '' : 's'} removed from ${report.photos.length} photo${report.photos.length === 1 ? '' : 's'}, `
        + `descriptors erased from the saved index; ${db.size} faces left\n`);
      if (json) printJson({ db: dbPath, removed: report.faces, photos: report.photos, faces: db.size });
      return 0;
    }
    case 'export': {
      positionals(args, 0, 'no arguments', resolvePath);
      if ((values.url === undefined) === (values.pglite === undefined)) throw new UsageError('export needs one of --url and --pglite');
      if (values.db === undefined) throw new UsageError('export needs --db PATH');
      const database = await FaceDatabase.open(resolvePath(values.db));
      const pg = await openPostgres(values, resolvePath);
      try {
        const r = await exportFacesToPgvector(database, pg.db, {
          ...(values.table === undefined ? {} : { table: values.table }), replace: values.replace === true,
        });
        out(`${r.table}: ${r.rows} faces (${r.opclass}, m ${r.m}, ef_construction ${r.efConstruction}, pgvector ${r.pgvectorVersion})\n`);
        for (const note of r.notes) log(`note: ${note}`);
        if (json) printJson({ table: r.table, faces: r.rows, signature: database.signature, m: r.m, efConstruction: r.efConstruction });
      } finally {
        await pg.close();
      }
      return 0;
    }
    case 'verify-pairs': {
      const [csv] = positionals(args, 1, 'PAIRS.csv', resolvePath);
      if (values.images === undefined) throw new UsageError('verify-pairs needs --images DIR');
      const embedder = await makeEmbedder(values.backend, !progress, log);
      const r = await verifyPairs(csv!, resolvePath(values.images), { embedder, threshold, progress });
      for (const p of r.photos) if (p.status !== 'ok') log(`${p.status}: ${p.path}${p.error === undefined ? '' : ` (${p.error})`}`);
      out(`pairs ${r.pairs}  accuracy ${r.accuracy.toFixed(4)} at threshold ${r.threshold}\n`
        + `TP ${r.tp}  TN ${r.tn}  FP ${r.fp}  FN ${r.fn}  photos with no face ${r.noFace}  median ${r.msPerPhoto.toFixed(0)} ms/photo (${embedder.backend})\n`);
      if (json) {
        printJson({
          pairs: r.pairs, accuracy: r.accuracy, threshold: r.threshold, tp: r.tp, tn: r.tn, fp: r.fp, fn: r.fn,
          noFace: r.noFace, msPerPhoto: round(r.msPerPhoto, 1),
        });
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}
