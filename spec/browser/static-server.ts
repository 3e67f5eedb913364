import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { closeServer, listenOnLoopback } from '../support/http-helpers.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** A static site on a loopback port. */
export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the files under `root` on 127.0.0.1 (unknown paths get `index.html`, as a single-page app
 * host does). With `proxy`, requests under `/api/` are forwarded to that origin, streamed both ways
 * (SSE included): the same-origin setup that keeps a real flag server's API key off other origins.
 */
export async function serveStatic(root: string, proxy?: string): Promise<StaticSite> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (proxy && path.startsWith('/api/')) {
      const upstream = request(new URL(req.url ?? '/', proxy), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders(); // an event stream's headers go out before its first event
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
      return;
    }
    const file = normalize(join(root, path));
    const target = file.startsWith(root) && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(res);
  });
  const url = await listenOnLoopback(server);
  return { url, close: () => closeServer(server) };
}
