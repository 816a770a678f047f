// Browser test of the browser example: serves the repository on 127.0.0.1,
// opens examples/browser/index.html in headless Chromium (Debian's binary,
// driven by playwright-core: nothing downloads a browser) and checks the
// result the page reports, once plainly and once cross-origin isolated
// (shared memory). Exits non-zero on a wrong result.
// Run: node examples/browser/check-browser.mjs   (after `pnpm build`)

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startServer } from './serve.mjs';

const PAGE_TIMEOUT_MS = 60_000;

const dist = fileURLToPath(new URL('../../packages/hnsw/dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error(`browser check: ${dist} is missing; run \`pnpm build\` first`);
  process.exit(1);
}
const browser = await launchChromium('browser check');
let failures = 0;
try {
  for (const isolated of [false, true]) {
    const { server, url } = await startServer({ isolated });
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    const mode = isolated ? 'cross-origin isolated' : 'plain';
    try {
      await page.goto(`${url}/examples/browser/index.html`);
      await page.waitForSelector('#status:not([data-state="running"])', { timeout: PAGE_TIMEOUT_MS });
      const state = await page.getAttribute('#status', 'data-state');
      const text = await page.textContent('#result');
      let report = {};
      try { report = JSON.parse(text ?? ''); } catch { problems.push(`result is not JSON: ${text}`); }
      // Check the page's claims here too, rather than trusting its verdict alone.
      if (state !== 'pass') problems.push(`page says ${state}: ${text}`);
      if (report.points !== 2000) problems.push(`page indexed ${report.points} points, expected 2000`);
      if (!(report.recall >= 0.9)) problems.push(`recall ${report.recall} < 0.9`);
      if (report.nearest?.[0] !== report.exactNearest?.[0]) problems.push('nearest label differs from exact search');
      if (report.sharedMemory !== isolated) problems.push(`sharedMemory ${report.sharedMemory}, expected ${isolated}`);
      console.log(`browser (${mode}): ${state}, kernel ${report.kernel}, shared memory ${report.sharedMemory}, `
        + `recall@10 ${report.recall}, nearest ${JSON.stringify(report.nearest)}, build ${report.buildMs} ms`);
    } catch (error) {
      problems.push(String(error?.message ?? error));
    } finally {
      await page.close();
      await new Promise((done) => server.close(done));
    }
    for (const problem of problems) console.error(`browser (${mode}): ${problem}`);
    if (problems.length > 0) failures++;
  }
} finally {
  await browser.close();
}
if (failures > 0) process.exit(1);
console.log('browser check: ok');
