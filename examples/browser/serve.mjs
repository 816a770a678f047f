// A tiny static file server for the browser example: serves the repository
// root on 127.0.0.1 so the page can import packages/hnsw/dist by URL.
// Run: node examples/browser/serve.mjs [--port 8080] [--isolated]
// (--isolated sends the COOP/COEP headers that make the page cross-origin
// isolated, so the index's memory becomes a SharedArrayBuffer.)

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.csv': 'text/csv',
};

/**
 * Starts the server on 127.0.0.1 (port 0: a free port). Resolves to the
 * server and its base URL. With `isolated`, every response carries
 * Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy.
 */
export async function startServer({ port = 0, isolated = false, root = ROOT } = {}) {
  const server = createServer(async (request, response) => {
    const headers = { 'cache-control': 'no-store' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    try {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(root, pathname));
      // Never serve anything outside the repository (a ../ in the URL).
      if (file !== root && !file.startsWith(root + sep)) throw Object.assign(new Error('outside root'), { status: 403 });
      const info = await stat(file);
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { status: 404 });
      headers['content-type'] = TYPES[extname(file)] ?? 'application/octet-stream';
      headers['content-length'] = info.size;
      response.writeHead(200, headers);
      createReadStream(file).pipe(response);
    } catch (error) {
      const status = error.status ?? (error.code === 'ENOENT' ? 404 : 500);
      response.writeHead(status, { ...headers, 'content-type': 'text/plain' });
      response.end(`${status}\n`);
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const address = server.address();
  return { server, url: `http://127.0.0.1:${address.port}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 8080;
  const { url } = await startServer({ port, isolated: args.includes('--isolated') });
  console.log(`serving ${ROOT}\nopen ${url}/examples/browser/index.html`);
}
