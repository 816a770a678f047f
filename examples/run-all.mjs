// Runs every Node example (examples/*.ts) against the built packages, as a
// user would, after type-checking them; exits non-zero if any example fails
// (each one checks its own result and exits 1 on a wrong one).
// Run: pnpm --filter @smallworld/examples test   (after `pnpm build`)

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** Files beside the examples that are not examples. */
const NOT_EXAMPLES = new Set(['shared.ts']);
const EXAMPLE_TIMEOUT_MS = 120_000;

const examples = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_EXAMPLES.has(f)).sort();
const only = process.argv.slice(2);
const selected = only.length > 0 ? examples.filter((f) => only.includes(f)) : examples;

let failed = 0;
const started = Date.now();
// The examples must compile against the published types, not only run.
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', here], { stdio: 'inherit' });
console.log(`typecheck: ${tsc.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (tsc.status !== 0) failed++;

for (const file of selected) {
  const t0 = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    cwd: here, encoding: 'utf8', timeout: EXAMPLE_TIMEOUT_MS,
  });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const ok = run.status === 0;
  if (!ok) {
    failed++;
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
  }
  console.log(`${file}: ${ok ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`} (${seconds} s)`);
}
console.log(`examples: ${selected.length + 1 - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
