import { AngularNodeAppEngine, createNodeRequestHandler, isMainModule, writeResponseToNodeResponse } from '@angular/ssr/node';
import express, { type Request, type Response } from 'express';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The flag server: renders ask it directly, the browser through `/api` on this origin. */
const flagServer = process.env['FLAG_SERVER_URL'] ?? 'http://127.0.0.1:8787';
const browserFiles = resolve(dirname(fileURLToPath(import.meta.url)), '../browser');

const app = express();
const angularApp = new AngularNodeAppEngine({ allowedHosts: ['127.0.0.1', 'localhost'] });

/** Headers that describe one hop, not the message: not forwarded. */
const HOP_HEADERS = new Set(['connection', 'host', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

/** `/api/…` forwarded to the flag server, the event stream streamed as it comes (the same-origin setup). */
async function proxyToFlagServer(req: Request, res: Response): Promise<void> {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_HEADERS.has(name)) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const upstream = await fetch(new URL(req.originalUrl, flagServer), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    signal: aborted.signal,
    ...(hasBody ? { duplex: 'half' } : {}),
  });
  res.status(upstream.status);
  upstream.headers.forEach((value, name) => {
    if (!HOP_HEADERS.has(name)) res.setHeader(name, value);
  });
  res.flushHeaders(); // an event stream's headers go out before its first event
  if (upstream.body) Readable.fromWeb(upstream.body as never).on('error', () => res.destroy()).pipe(res);
  else res.end();
}

app.use('/api', (req, res) => {
  proxyToFlagServer(req, res).catch(() => (res.headersSent ? res.destroy() : res.status(502).end()));
});

/** The browser bundle and assets. */
app.use(express.static(browserFiles, { maxAge: '1y', index: false, redirect: false }));

/** Everything else is a page, rendered per request. */
app.use((req, res, next) => {
  angularApp
    .handle(req)
    .then((response) => (response ? writeResponseToNodeResponse(response, res) : next()))
    .catch(next);
});

if (isMainModule(import.meta.url)) {
  const host = process.env['HOST'] ?? '127.0.0.1';
  const server = app.listen(Number(process.env['PORT'] ?? 4000), host, (error) => {
    if (error) throw error;
    const address = server.address();
    console.log(`listening on http://${host}:${typeof address === 'object' && address ? address.port : ''}`);
  });
}

/** The request handler Angular's dev server and build use. */
export const reqHandler = createNodeRequestHandler(app);
