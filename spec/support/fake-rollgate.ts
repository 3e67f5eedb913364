import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, json, listenOnLoopback, readBody } from './http-helpers.js';

/** A flag as the fake serves it: already evaluated ("on for this user") plus its typed value. */
export interface FakeRollgateFlag {
  key: string;
  on: boolean;
  type?: 'boolean' | 'string' | 'number' | 'json';
  /** The value served by `/v2/flags` while `on` (typed flags only). */
  value?: unknown;
  reason?: { kind: string; ruleId?: string; ruleIndex?: number; inRollout?: boolean };
}

/** One request as the fake saw it. */
export interface RollgateRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  ifNoneMatch: string | undefined;
  /** The decoded `X-User-Context` header (base64 JSON `{id, email, attributes}`), when sent. */
  userContext: unknown;
  body: unknown;
}

/** An injected answer for flag requests (checked before auth, as Rollgate's mock does). */
export interface InjectedError {
  status: number;
  /** Requests it applies to; -1 = until cleared. */
  count: number;
  retryAfter?: string;
}

/**
 * A Rollgate-compatible server on 127.0.0.1 for client integration specs: real HTTP and SSE, the
 * v1 boolean map with ETag/304, the typed v2 map, identify records, events and telemetry sinks with
 * the protocol's validation, and the mock's test hooks as methods (inject errors, send events,
 * drop streams). Only what the client specs need; the product's own local server is separate.
 */
export class FakeRollgate {
  readonly apiKey = 'rg_server_spec_fake_0123456789abcdefghijklmn';
  url = '';
  readonly requests: RollgateRequest[] = [];
  /** Identify records by user id (replaced, not merged). */
  readonly identified = new Map<string, unknown>();
  /** Accepted event batches' events, in order. */
  readonly events: unknown[] = [];
  /** Accepted telemetry bodies, in order. */
  readonly telemetry: Array<{ evaluations: Record<string, { total: number; true: number; false: number }>; period_ms: number }> = [];
  /** Per-user overrides: `userId → key → patch`. */
  readonly perUser = new Map<string, Map<string, Partial<FakeRollgateFlag>>>();
  /** When false, `/v2/flags` answers 404 like an older server. */
  typedEndpoint = true;
  /** When false, the stream route answers 404 (a server without SSE). */
  streamEndpoint = true;
  /** Statuses answered to the next events/telemetry posts, consumed one per post. */
  readonly sinkFaults: number[] = [];
  /** Raw 200 answers to the next flag requests (after auth), consumed one per request. */
  readonly rawAnswers: Array<{ body: string; contentType?: string }> = [];
  /** When true, events/telemetry posts are never answered. */
  hangSinks = false;
  /** When true, a stream's `init` (computed at connect) is written only by {@link releaseInits} (a buffering proxy). */
  holdInit = false;
  private readonly heldInits: Array<() => void> = [];
  /** Hanging posts whose client gave up (closed the connection). */
  abortedPosts = 0;
  private injected: InjectedError | undefined;
  private flags: FakeRollgateFlag[];
  private readonly streams = new Set<ServerResponse>();
  private readonly listeners = new Set<() => void>();
  private readonly server = createServer((req, res) => void this.handle(req, res));

  private constructor(flags: FakeRollgateFlag[]) {
    this.flags = flags.map((flag) => ({ ...flag }));
  }

  static async start(flags: FakeRollgateFlag[]): Promise<FakeRollgate> {
    const fake = new FakeRollgate(flags);
    fake.url = await listenOnLoopback(fake.server);
    return fake;
  }

  /** Requests to a path (`flags`, `v2/flags`, `identify`, `stream`, `events`, `telemetry`). */
  to(route: string): RollgateRequest[] {
    return this.requests.filter((request) => request.path === `/api/v1/sdk/${route}`);
  }

  /** Flag requests of both kinds. */
  get flagRequests(): RollgateRequest[] {
    return this.requests.filter((request) => request.path.endsWith('/flags'));
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Arms an injected error for flag requests (`count` -1 = forever). */
  setError(error: InjectedError): void {
    this.injected = { ...error };
  }

  clearError(): void {
    this.injected = undefined;
  }

  /** Changes a flag; with `notify`, sends `flag-changed` `{key, enabled}` to every stream. */
  set(key: string, patch: Partial<FakeRollgateFlag>, notify = true): void {
    const flag = this.flags.find((f) => f.key === key);
    if (flag) Object.assign(flag, patch);
    else this.flags.push({ key, on: true, ...patch });
    if (notify) this.send('flag-changed', { enabled: patch.on ?? flag?.on ?? true, key });
  }

  /** Sends one named event with JSON data to every open stream. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Writes raw event-stream text to every open stream. */
  write(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  /** Writes the `init` frames held since {@link holdInit} was set, as computed when their streams connected. */
  releaseInits(): void {
    for (const write of this.heldInits.splice(0)) write();
  }

  /** Ends every open stream (the server just closes, as Rollgate's does). */
  dropStreams(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /** Resolves once `predicate` holds, re-checked after every request (5 s bound). */
  until(predicate: () => boolean, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`fake rollgate: timed out waiting for ${what}`));
      }, 5_000);
      this.listeners.add(check);
    });
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const parsed = new URL(req.url ?? '/', 'http://fake');
    const request: RollgateRequest = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: parsed.searchParams,
      authorization: req.headers.authorization,
      ifNoneMatch: req.headers['if-none-match'],
      userContext: decodeUserContext(req.headers['x-user-context']),
      body,
    };
    this.requests.push(request);
    try {
      this.route(request, res);
    } finally {
      for (const listener of [...this.listeners]) listener();
    }
  }

  private route(request: RollgateRequest, res: ServerResponse): void {
    const { path, method } = request;
    const authorized = request.authorization === `Bearer ${this.apiKey}`;
    if (path === '/api/v1/sdk/flags' || path === '/api/v1/sdk/v2/flags') {
      if (this.injected && this.injected.count !== 0) {
        if (this.injected.count > 0) this.injected.count -= 1;
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (this.injected.retryAfter !== undefined) headers['Retry-After'] = this.injected.retryAfter;
        res.writeHead(this.injected.status, headers);
        res.end(JSON.stringify({ error: { code: 'ServerError', category: 'internal', message: 'injected', retryable: true } }));
        return;
      }
      if (!authorized) return unauthorized(res);
      const raw = this.rawAnswers.shift();
      if (raw) {
        res.writeHead(200, { 'Content-Type': raw.contentType ?? 'application/json' });
        res.end(raw.body);
        return;
      }
      // As the mock: a decodable X-User-Context with an id wins over the query's user_id.
      const fromHeader = (request.userContext as { id?: unknown } | undefined)?.id;
      const user = typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : (request.query.get('user_id') ?? '');
      if (path === '/api/v1/sdk/v2/flags') {
        if (!this.typedEndpoint) return plain(res, 404, '404 page not found');
        return json(res, 200, { flags: this.typed(user) });
      }
      const flags = this.booleans(user);
      const etag = `"${createHash('sha256').update(JSON.stringify(flags)).digest('hex').slice(0, 16)}"`;
      if (request.ifNoneMatch === etag) {
        res.writeHead(304);
        res.end();
        return;
      }
      const reasons: Record<string, unknown> = {};
      for (const flag of this.flagsFor(user)) reasons[flag.key] = flag.reason ?? { kind: flag.on ? 'FALLTHROUGH' : 'OFF' };
      const payload = request.query.get('withReasons') === 'true' ? { flags, reasons } : { flags };
      return json(res, 200, payload, { ETag: etag });
    }
    if (path === '/api/v1/sdk/stream') {
      if (!this.streamEndpoint) return plain(res, 404, '404 page not found');
      if (request.query.get('token') !== this.apiKey) return unauthorized(res);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const init = `event: init\ndata: ${JSON.stringify({ flags: this.booleans(request.query.get('user_id') ?? '') })}\n\n`;
      if (this.holdInit) {
        res.flushHeaders();
        this.heldInits.push(() => res.write(init));
      }
      else res.write(init);
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      return;
    }
    if (path === '/api/v1/sdk/identify' || path === '/api/v1/sdk/events' || path === '/api/v1/sdk/telemetry') {
      if (method !== 'POST') return plain(res, 405, 'Method not allowed');
      if (!authorized) return unauthorized(res);
      return this.post(path, request.body, res);
    }
    plain(res, 404, '404 page not found');
  }

  private post(path: string, body: unknown, res: ServerResponse): void {
    if (path === '/api/v1/sdk/identify') {
      const user = (body as { user?: { id?: string } } | undefined)?.user;
      if (user?.id) this.identified.set(user.id, user);
      return json(res, 200, { success: true });
    }
    if (this.hangSinks) {
      res.on('close', () => {
        this.abortedPosts += 1;
        for (const listener of [...this.listeners]) listener();
      });
      return;
    }
    const fault = this.sinkFaults.shift();
    if (fault !== undefined) return plain(res, fault, 'injected');
    if (path === '/api/v1/sdk/events') {
      const events = (body as { events?: unknown[] } | undefined)?.events;
      if (!Array.isArray(events)) return plain(res, 400, 'Invalid JSON');
      this.events.push(...events);
      return json(res, 200, { received: events.length });
    }
    // Telemetry: counts and period_ms must be JSON integers (a `1234.5` is rejected, as the mock does).
    const report = body as FakeRollgate['telemetry'][number] | undefined;
    const counts = report && typeof report.evaluations === 'object' && report.evaluations !== null ? Object.values(report.evaluations) : undefined;
    const integers = counts?.every((count) => [count.total, count.true, count.false].every(Number.isInteger)) ?? false;
    if (!report || !integers || !Number.isInteger(report.period_ms)) return plain(res, 400, 'Invalid JSON');
    this.telemetry.push(report);
    const received = Object.values(report.evaluations).reduce((sum, count) => sum + count.total, 0);
    return json(res, 200, { received });
  }

  private flagsFor(user: string): FakeRollgateFlag[] {
    const overrides = this.perUser.get(user);
    return this.flags.map((flag) => ({ ...flag, ...overrides?.get(flag.key) }));
  }

  /** The v1 map, keys sorted (as the mock's ETag input). */
  private booleans(user: string): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const flag of [...this.flagsFor(user)].sort((a, b) => (a.key < b.key ? -1 : 1))) out[flag.key] = flag.on;
    return out;
  }

  private typed(user: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const flag of this.flagsFor(user)) {
      const type = flag.type ?? 'boolean';
      out[flag.key] = {
        key: flag.key,
        type,
        value: type === 'boolean' ? flag.on : flag.on ? flag.value : false,
        enabled: flag.on,
        reason: flag.reason ?? { kind: flag.on ? 'FALLTHROUGH' : 'OFF' },
      };
    }
    return out;
  }
}

function decodeUserContext(header: string | string[] | undefined): unknown {
  if (typeof header !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

/** Rollgate's 401: a JSON body sent as text/plain. */
function unauthorized(res: ServerResponse): void {
  plain(res, 401, '{"error":"AuthenticationError","message":"Invalid API key"}');
}
