// Serves the repository root on 127.0.0.1 for the face-search page (the browser
// example's static server; the page imports packages/*/dist and node_modules by URL).
// Run: node examples/face-search/serve.mjs [--port 8080] [--isolated]
// (--isolated: cross-origin isolated, so the WASM backend may use threads.)

import { startServer } from '../browser/serve.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--port');
const port = at >= 0 ? Number(args[at + 1]) : 8080;
const { url } = await startServer({ port, isolated: args.includes('--isolated') });
console.log(`open ${url}/examples/face-search/index.html`);
