import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { asyncScheduler } from 'rxjs';
import type { TransportRuntime } from '../../lib/transports/transport.js';
import { closeServer, listenOnLoopback } from '../support/http-helpers.js';

/** A route of {@link startLoopback}: answers one request. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server with scripted routes, recording requests and when their connections close. */
export interface Loopback {
  url: string;
  /** Requests seen, by path, with their headers. */
  requests: Array<{ path: string; headers: IncomingMessage['headers'] }>;
  /** Resolves when the client side of the next request to `path` closes. */
  closed(path: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that answers each path with its route (404 otherwise). */
export async function startLoopback(routes: Record<string, Route>): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const waiters = new Map<string, Array<() => void>>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    res.once('close', () => {
      const list = waiters.get(path) ?? [];
      waiters.delete(path);
      for (const done of list) done();
    });
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    requests,
    closed: (path) =>
      new Promise<void>((resolve) => {
        const list = waiters.get(path) ?? [];
        list.push(resolve);
        waiters.set(path, list);
      }),
    stop: () => closeServer(server),
  };
}

/** Opens an event stream and writes `text` (more can be written to `res` later). */
export function eventStream(text = ''): Route {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(text);
  };
}

/** A runtime over the real `fetch` and the async scheduler. */
export function realRuntime(extra: Partial<TransportRuntime> = {}): TransportRuntime {
  return { fetch, timeoutMs: 5_000, scheduler: asyncScheduler, logger: { warn: () => {}, error: () => {} }, ...extra };
}
