import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { fetch as crossFetch } from 'cross-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, ofrep, rollgate, type FetchLike, type FlagClient, type Transport } from '../../lib/index.js';
import { closeServer, listenOnLoopback } from '../support/http-helpers.js';
import { freePort } from '../support/redis.js';

/** The API key: it must not show anywhere a client hands something out. */
const KEY = 'spec-secret-key-4e8d1c0b9a7f';

/** How the server fails (the OFREP `stream` cases fail only the event stream the bulk answer names). */
type FailureKind = 'refused' | 'dns' | 'timeout' | '401' | '5xx' | 'malformed' | 'broken';
const KINDS: readonly FailureKind[] = ['refused', 'dns', 'timeout', '401', '5xx', 'malformed', 'broken'];
type Setup = 'cuttlegate' | 'rollgate' | 'ofrep' | 'ofrep stream';
const SETUPS: readonly Setup[] = ['cuttlegate', 'rollgate', 'ofrep', 'ofrep stream'];
const FETCHES: ReadonlyArray<readonly [string, FetchLike]> = [
  ['global fetch', (input, init) => globalThis.fetch(input, init)],
  ['cross-fetch', crossFetch as unknown as FetchLike],
];

/** A loopback server that fails every request the way `kind` says (paths under `/ok` answer OFREP bulk). */
class FailingServer {
  url = '';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  constructor(private readonly kind: FailureKind, private readonly streamUrl: () => string) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closeServer(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith('/ok/ofrep/v1/evaluate/flags') && req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"1"' });
      res.end(JSON.stringify({ flags: [{ key: 'a', value: true, reason: 'STATIC', variant: 'on' }], eventStreams: [{ type: 'sse', url: this.streamUrl() }] }));
      return;
    }
    const stream = (req.headers.accept ?? '').includes('text/event-stream');
    switch (this.kind) {
      case 'timeout':
        return; // never answers
      case '401':
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      case '5xx':
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('down');
        return;
      case 'malformed':
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>maintenance</html>');
        return;
      default:
        // broken: headers and the start of a body, then the connection drops
        res.writeHead(200, { 'Content-Type': stream ? 'text/event-stream' : 'application/json', 'Content-Length': '500' });
        res.write(stream ? 'data: {"type":' : '{"flags":');
        setImmediate(() => req.socket.destroy());
    }
  }
}

/** Everything a client handed out: statuses, events, log calls, promise outcomes. */
interface Seen {
  things: unknown[];
  errors: number;
}

/** Every string reachable from `value`: own properties (hidden ones too), causes, nested errors, and how `inspect` and `String` show it. */
function texts(value: unknown): string[] {
  const out: string[] = [inspect(value, { depth: 20, showHidden: true, getters: false })];
  const walk = (item: unknown, depth: number, seen: Set<unknown>): void => {
    if (typeof item === 'string') out.push(item);
    if (typeof item !== 'object' || item === null || seen.has(item) || depth > 20) return;
    seen.add(item);
    if (item instanceof Error) out.push(String(item), String(item.stack));
    for (const key of Reflect.ownKeys(item)) {
      const descriptor = Object.getOwnPropertyDescriptor(item, key);
      if (descriptor && 'value' in descriptor) walk(descriptor.value, depth + 1, seen);
    }
  };
  walk(value, 0, new Set());
  return out;
}

async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'unsettled'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'unsettled'>((resolve) => (timer = setTimeout(() => resolve('unsettled'), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one client against `transport` through its failure, records everything it hands out, closes it. */
async function exercise(transport: Transport, fetch: FetchLike): Promise<Seen> {
  const seen: Seen = { things: [], errors: 0 };
  const keep = (thing: unknown): void => {
    seen.things.push(thing);
  };
  const record = (...args: unknown[]): void => keep(args);
  const client: FlagClient = createFlagClient({
    transport,
    fetch,
    context: { userId: 'u-1' },
    timeoutMs: 400,
    backoff: { baseMs: 30, capMs: 120 },
    logger: { warn: record, error: record },
  });
  client.status$.subscribe((status) => {
    if (status.error) seen.errors += 1;
    keep(status);
  });
  client.events$.subscribe((event) => {
    if (event.type === 'error' || event.type === 'stream-disconnected') seen.errors += 1;
    keep(event);
  });
  const settle = (promise: Promise<unknown>): Promise<void> =>
    bounded(promise.then(keep, keep), 2_000).then(() => undefined);
  await settle(client.ready());
  await Promise.all([
    settle(client.refresh()),
    settle(client.evaluateFor('a', { userId: 'u-2' })),
    settle(client.snapshotFor({ userId: 'u-3' })),
  ]);
  // a few more failures (reconnects, retries, the circuit opening) before it closes
  const start = Date.now();
  while (seen.errors < 4 && Date.now() - start < 1_500) await new Promise((resolve) => setTimeout(resolve, 20));
  keep(client.status);
  await settle(client.identify({ userId: 'u-4' }));
  client.close();
  return seen;
}

describe('the API key never leaves the client: every failure, both fetch implementations', () => {
  let closedPort = 0;
  beforeAll(async () => {
    closedPort = await freePort();
  });
  afterAll(() => undefined);

  for (const setup of SETUPS) {
    for (const [fetchName, fetch] of FETCHES) {
      it(`${setup}, ${fetchName}: no status, event, log line, result or rejection shows the key`, async () => {
        const outcomes = await Promise.all(
          KINDS.map(async (kind) => {
            const streamServer = setup === 'ofrep stream';
            const streamUrl = (base: string): string =>
              kind === 'refused'
                ? `http://127.0.0.1:${closedPort}/sse?token=${KEY}`
                : kind === 'dns'
                  ? `http://flagstream-spec.invalid/sse?token=${KEY}`
                  : `${base}/sse?token=${KEY}`;
            const server: FailingServer = await new FailingServer(kind, (): string => streamUrl(server.url)).start();
            const base =
              kind === 'refused' && !streamServer ? `http://127.0.0.1:${closedPort}` : kind === 'dns' && !streamServer ? 'http://flagstream-spec.invalid' : server.url;
            const transport =
              setup === 'cuttlegate'
                ? cuttlegate({ serverUrl: base, apiKey: KEY, project: 'demo', environment: 'production' })
                : setup === 'rollgate'
                  ? rollgate({ baseUrl: base, apiKey: KEY })
                  : ofrep({ baseUrl: streamServer ? `${base}/ok` : base, apiKey: KEY });
            try {
              return { kind, seen: await exercise(transport, fetch) };
            } finally {
              await server.stop();
            }
          }),
        );
        for (const { kind, seen } of outcomes) {
          expect(seen.errors, `${kind}: the failure happened`).toBeGreaterThan(0);
          const leaks = seen.things.flatMap(texts).filter((text) => text.includes(KEY));
          expect(leaks, `${kind}: ${leaks[0] ?? ''}`).toEqual([]);
        }
      });
    }
  }
});
