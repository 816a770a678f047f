// Packaging smoke test: packs every publishable package with `pnpm pack`,
// checks each tarball's package.json (README, files, exports with types,
// workspace: ranges rewritten, every export target shipped), installs the
// tarballs together into an empty project with npm, and uses them from ESM
// (`import`) and from CommonJS (`require`, Node >= 20.19's require(esm)).
// Run: node scripts/pack-smoke.mjs [--keep]   (after `pnpm build`: it packs the dist folders as they are)

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The packages users install, by folder; those not yet in the tree are skipped. */
const PUBLISHABLE = ['packages/hnsw', 'packages/hnswlib-node', 'packages/face', 'packages/pgvector', 'datasets'];
/** Export conditions that point inside the repository only (TypeScript sources for tests). */
const REPO_ONLY_CONDITIONS = new Set(['source']);

const problems = [];
const problem = (message) => { problems.push(message); console.error(`pack-smoke: ${message}`); };
const started = Date.now();
const step = (what) => console.log(`pack-smoke: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

/** Every [condition path, target] of an exports map. */
function exportTargets(exports, path = []) {
  if (typeof exports === 'string') return [[path, exports]];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, [...path, key]));
}

/** Checks a package.json as it will be published; `dir` holds the unpacked tarball. */
function checkManifest(pkg, dir) {
  const name = pkg.name;
  if (pkg.private) problem(`${name}: "private": true, so it cannot be published`);
  if (!Array.isArray(pkg.files) || pkg.files.length === 0) problem(`${name}: no "files" list (the tarball would hold everything)`);
  if (!existsSync(join(dir, 'README.md'))) problem(`${name}: no README.md in the tarball`);
  if (!pkg.license) problem(`${name}: no "license"`);
  if (!pkg.engines?.node) problem(`${name}: no "engines.node" (require() of these ES modules needs Node >= 20.19)`);
  const root = pkg.exports?.['.'];
  if (root === undefined) problem(`${name}: no "exports" entry for "."`);
  const targets = exportTargets(pkg.exports ?? {});
  if (!targets.some(([path]) => path.includes('types'))) problem(`${name}: "exports" has no "types" condition`);
  for (const [path, target] of targets) {
    if (path.some((condition) => REPO_ONLY_CONDITIONS.has(condition))) continue;
    if (!existsSync(join(dir, target))) problem(`${name}: exports ${path.join(' > ')} -> ${target} is not in the tarball`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problem(`${name}: ${field}.${dep} is still "${range}" in the tarball`);
    }
  }
  for (const [bin, target] of Object.entries(typeof pkg.bin === 'string' ? { [name]: pkg.bin } : pkg.bin ?? {})) {
    if (!existsSync(join(dir, target))) problem(`${name}: bin ${bin} -> ${target} is not in the tarball`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'smallworld-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const packed = [];
try {
  for (const folder of PUBLISHABLE) {
    const dir = join(ROOT, folder);
    if (!existsSync(join(dir, 'package.json'))) {
      console.log(`pack-smoke: ${folder} does not exist yet, skipped`);
      continue;
    }
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    // The root `prepare` builds packages/* only: build a package whose dist is missing (datasets).
    if (!existsSync(join(dir, 'dist'))) execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const before = new Set(readdirSync(tarballs));
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(tarballs).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!tarball) {
      problem(`${name}: pnpm pack wrote no tarball`);
      continue;
    }
    const unpacked = join(work, 'unpacked', tarball.replace(/\.tgz$/, ''));
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', join(tarballs, tarball), '-C', unpacked]);
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
    checkManifest(pkg, join(unpacked, 'package'));
    packed.push({ name, tarball: join(tarballs, tarball) });
  }
  step(`packed ${packed.map((p) => p.name).join(', ')}`);

  // An empty project that installs the tarballs together, as a user would.
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true, version: '1.0.0' }, null, 2));
  // --ignore-scripts: an optional dependency (@tensorflow/tfjs-node) downloads a
  // native library in its installer, which fails offline; the packages detect
  // its absence at run time, so the test must pass without it.
  const install = spawnSync('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error',
    ...packed.map((p) => p.tarball),
  ], { cwd: app, stdio: 'inherit' });
  if (install.status !== 0) throw new Error(`npm install of the tarballs failed (exit ${install.status})`);
  step('installed the tarballs with npm');
  for (const { name } of packed) {
    // The workspace dependencies must resolve to the tarballs, not to a registry copy.
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
    const nested = Object.keys(lock.packages).filter((p) => p.endsWith(`node_modules/${name}`) && p !== `node_modules/${name}`);
    if (nested.length > 0) problem(`${name}: npm installed a second copy (${nested.join(', ')})`);
  }

  const names = new Set(packed.map((p) => p.name));
  writeFileSync(join(app, 'esm.mjs'), usage('esm', names));
  writeFileSync(join(app, 'cjs.cjs'), usage('cjs', names));
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const run = spawnSync(process.execPath, ['--no-warnings', file], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    process.stdout.write(run.stdout);
    if (run.status !== 0) problem(`${file} failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  }
  step('used the packages from import and require');
} catch (error) {
  problem(String(error?.message ?? error));
} finally {
  if (process.argv.includes('--keep')) console.log(`pack-smoke: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/**
 * A script that loads every package and uses it a little: `import` in
 * 'esm', `require` in 'cjs'. Each check throws on a wrong result.
 */
function usage(kind, names) {
  const load = (name, binding) => (kind === 'esm'
    ? `const ${binding} = await import('${name}');`
    : `const ${binding} = require('${name}');`);
  const lines = [
    `// ${kind === 'esm' ? 'ESM' : 'CommonJS'} use of the packed packages.`,
    kind === 'esm' ? '' : "'use strict';",
    'const assert = (ok, what) => { if (!ok) throw new Error(`check failed: ${what}`); };',
    kind === 'esm' ? 'const main = async () => {' : 'const main = async () => {',
  ];
  if (names.has('@smallworld/hnsw')) {
    lines.push(load('@smallworld/hnsw', 'hnsw'), `
    {
      const dim = 8;
      const data = Float32Array.from({ length: 200 * dim }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
      const index = new hnsw.HnswIndex({ space: 'l2', dim });
      index.addBatch(data);
      const { labels, distances } = index.search(data.subarray(5 * dim, 6 * dim), 3);
      assert(labels[0] === 5 && distances[0] === 0, 'hnsw: a point is its own nearest neighbour');
      const copy = hnsw.HnswIndex.fromBytes(index.toBytes());
      assert(copy.size === 200, 'hnsw: toBytes/fromBytes round trip');
      assert(typeof index.addBatchParallel === 'function', 'hnsw: the node build (addBatchParallel) is selected');
      console.log('${kind}: @smallworld/hnsw ok (kernel ' + index.kernel + ')');
    }`);
  }
  if (names.has('@smallworld/hnswlib-node')) {
    lines.push(load('@smallworld/hnswlib-node', 'hnswlib'), `
    {
      const index = new hnswlib.HierarchicalNSW('l2', 3);
      index.initIndex(10);
      index.addPoint([0, 0, 0], 0);
      index.addPoint([1, 1, 1], 1);
      index.addPoint([5, 5, 5], 2);
      const { neighbors, distances } = index.searchKnn([0.9, 1, 1.1], 2);
      assert(neighbors[0] === 1 && neighbors[1] === 0, 'hnswlib-node: neighbours ' + neighbors);
      assert(Math.abs(distances[0] - 0.02) < 1e-6, 'hnswlib-node: squared L2 distance ' + distances[0]);
      console.log('${kind}: @smallworld/hnswlib-node ok');
    }`);
  }
  if (names.has('@smallworld/datasets')) {
    lines.push(load('@smallworld/datasets', 'datasets'), `
    {
      const a = datasets.generateSynthetic({ count: 100, dim: 16, seed: 3 });
      const b = datasets.generateSynthetic({ count: 100, dim: 16, seed: 3 });
      assert(a.count === 100 && a.dim === 16 && a.data.length === 1600, 'datasets: shape');
      assert(a.data.every((x, i) => x === b.data[i]), 'datasets: same seed, same vectors');
      console.log('${kind}: @smallworld/datasets ok');
    }`);
  }
  if (names.has('@smallworld/face')) {
    lines.push(load('@smallworld/face', 'face'), `
    {
      const a = new Float32Array(face.DESCRIPTOR_DIM);
      const b = new Float32Array(face.DESCRIPTOR_DIM).fill(0.01);
      const result = face.verify(a, b);
      assert(Math.abs(face.euclideanDistance(a, b) - Math.sqrt(face.DESCRIPTOR_DIM) * 0.01) < 1e-6, 'face: distance');
      assert(result.verified === true, 'face: two near descriptors verify');
      assert(typeof face.FaceDatabase === 'function' && typeof face.FaceEmbedder === 'function', 'face: classes exported');
      console.log('${kind}: @smallworld/face ok');
    }`);
  }
  if (names.has('@smallworld/pgvector')) {
    lines.push(load('@smallworld/hnsw', 'hnswForPg'), load('@smallworld/pgvector', 'pgvector'), `
    {
      // Embedded Postgres + pgvector (PGlite): export a small index, then pgvector answers a query.
      const dim = 4;
      const index = new hnswForPg.HnswIndex({ space: 'l2', dim, m: 8 });
      for (let i = 0; i < 50; i++) index.add([i, i % 7, i % 3, 1], i);
      const db = await pgvector.createPglite();
      try {
        const exported = await pgvector.exportToPgvector(index, db, { table: 'items' });
        assert(exported.rows === 50 && exported.opclass === 'vector_l2_ops', 'pgvector: export ' + JSON.stringify(exported));
        const found = await pgvector.searchPgvector(db, [17, 3, 2, 1], { table: 'items', k: 1 });
        assert(found.labels[0] === 17 && found.distances[0] === 0, 'pgvector: a point is its own nearest neighbour');
      } finally {
        await db.close();
      }
      console.log('${kind}: @smallworld/pgvector ok');
    }`);
  }
  lines.push('};', "main().catch((error) => { console.error(error); process.exit(1); });", '');
  return lines.join('\n');
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(`pack-smoke: ${problems.length} problem(s) (${seconds} s)`);
  process.exit(1);
}
console.log(`pack-smoke: ok (${packed.length} packages, ${seconds} s)`);
