#!/usr/bin/env node
/* A static server for the demo: serves the repository root on 127.0.0.1
 * (port from $PORT, default 8080; 0 picks a free one) with the MIME types
 * browsers need for ES modules and WebAssembly, and prints the demo's URL.
 * No dependencies.
 *
 *   node scripts/serve-demo.mjs          then open http://127.0.0.1:8080/demo/
 *
 * Also importable: `serveDemo({ port, root })` resolves with the
 * http.Server (the tests serve their own scratch sites with it). */
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8'
};

function resolvePath(root, url) {
  let path;
  try {
    path = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const file = normalize(join(root, path));
  if (file !== root.replace(/[/\\]$/, '') && !file.startsWith(root)) return null;
  return file;
}

export function serveDemo({ port = Number(process.env.PORT ?? 8080), host = '127.0.0.1', quiet = false, root = ROOT } = {}) {
  root = join(root, sep); /* so that startsWith cannot match a sibling folder */
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file = resolvePath(root, req.url);
    let st = null;
    try {
      if (file) st = statSync(file);
      if (st?.isDirectory()) {
        if (!req.url.split('?')[0].endsWith('/')) {
          res.writeHead(301, { location: req.url.split('?')[0] + '/' }).end();
          return;
        }
        file = join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      st = null;
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store'
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/demo/`;
      if (!quiet) console.log(`fauxtp demo: ${url}  (serving ${root}; Ctrl-C stops)`);
      resolve(server);
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  serveDemo().catch((e) => {
    console.error(`serve-demo: ${e.message}`);
    process.exit(1);
  });
}
