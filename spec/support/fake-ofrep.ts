import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { closeServer, json, listenOnLoopback } from './http-helpers.js';

/** A scripted answer for the next evaluation request(s) (bulk or single). */
export type OfrepFault =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { hang: true }
  | { raw: string; contentType?: string };

/** One request as the fake saw it. */
export interface OfrepRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, the raw text when not JSON, `undefined` when empty. */
  body: unknown;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** A `refetchEvaluation` as the fake sends it. */
export interface RefetchEvent {
  etag?: string;
  lastModified?: number | string;
}

/** The protocol document's example bulk items (§5): every value type, a code default, a per-flag failure. */
export const exampleItems = (): unknown[] => [
  { key: 'discount-banner', value: true, reason: 'TARGETING_MATCH', variant: 'enabled', metadata: { team: 'shop' } },
  { key: 'theme-color', value: 'blue', reason: 'STATIC', variant: 'default' },
  { key: 'max-items', value: 25, reason: 'SPLIT', variant: 'b' },
  { key: 'layout', value: { cols: 3 }, reason: 'DEFAULT', variant: 'grid' },
  { key: 'new-feature', reason: 'DISABLED' },
  { key: 'broken-flag', errorCode: 'PARSE_ERROR', errorDetails: 'bad targeting rule' },
];

const BULK = '/ofrep/v1/evaluate/flags';
const STREAM_PREFIX = '/ofrep/v1/sse/';
/** The token the fake's event-stream URLs carry in their query: it must never show up in a log. */
export const STREAM_TOKEN = 'stream-secret-3f9c2a71';

/**
 * A strict OFREP server on 127.0.0.1 for client specs, written from the protocol document: both
 * evaluation routes (JSON bodies only, `context` required), ETag derived from the whole bulk body
 * with weak, list-aware `If-None-Match` (304), `eventStreams` in the `url` and `endpoint` forms,
 * SSE streams carrying `refetchEvaluation` events, and fault injection (statuses with headers,
 * raw bodies, hangs, dropped streams). It records every request.
 */
export class FakeOfrep {
  readonly apiKey = 'ofrep-spec-key-7d1e0b55c2';
  url = '';
  readonly requests: OfrepRequest[] = [];
  /** Flag items of the bulk body, in order; any JSON (including wrong types) is served as given. */
  items: unknown[];
  /** Per-`targetingKey` item overrides by flag key. */
  readonly perUser = new Map<string, Map<string, unknown>>();
  /** Faults consumed one per evaluation request (bulk or single), before normal answers. */
  readonly faults: OfrepFault[] = [];
  /** Faults consumed one per stream request. */
  readonly streamFaults: Array<{ status: number; headers?: Record<string, string> }> = [];
  /** `eventStreams` of bulk answers (`undefined`: the field is left out). */
  eventStreams: unknown[] | undefined;
  /** Send the ETag header on bulk 200s. */
  sendEtag = true;
  /** Name of the SSE event (`undefined`: no `event:` line). */
  eventName: string | undefined = 'message';
  /** Flag-configuration version, bumped by {@link change}. */
  configVersion = 1;
  private readonly streams = new Set<ServerResponse>();
  private readonly pending = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private eventId = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));

  private constructor(items: unknown[]) {
    this.items = items;
  }

  /** Starts the fake on a free loopback port. */
  static async start(items: unknown[]): Promise<FakeOfrep> {
    const fake = new FakeOfrep(items);
    fake.url = await listenOnLoopback(fake.server);
    return fake;
  }

  /** An `eventStreams` entry in the `url` form, pointing at this fake's stream `name`. */
  urlEntry(name = 'a'): unknown {
    return { type: 'sse', url: `${this.url}${STREAM_PREFIX}${name}?token=${STREAM_TOKEN}`, inactivityDelaySec: 120 };
  }

  /** An `eventStreams` entry in the `endpoint` form (origin left to default to the base URL's). */
  endpointEntry(name = 'b'): unknown {
    return { type: 'sse', endpoint: { requestUri: `${STREAM_PREFIX}${name}?token=${STREAM_TOKEN}` } };
  }

  get bulkRequests(): OfrepRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === BULK);
  }

  get singleRequests(): OfrepRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`${BULK}/`));
  }

  get streamRequests(): OfrepRequest[] {
    return this.requests.filter((r) => r.path.startsWith(STREAM_PREFIX));
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Replaces (or adds) the item of `item.key`. */
  set(item: { key: string } & Record<string, unknown>): void {
    const at = this.items.findIndex((existing) => (existing as { key?: unknown }).key === item.key);
    if (at < 0) this.items.push(item);
    else this.items[at] = item;
  }

  /** Removes a flag. */
  remove(key: string): void {
    this.items = this.items.filter((item) => (item as { key?: unknown }).key !== key);
  }

  /** Applies `edit` as a new configuration version and announces it on every stream. */
  change(edit: () => void, notify = true): void {
    edit();
    this.configVersion += 1;
    if (notify) this.push({ etag: `"cfg-${this.configVersion}"`, lastModified: 1_771_622_800 + this.configVersion });
  }

  /** Sends one `refetchEvaluation` to every open stream. */
  push(event: RefetchEvent = {}): void {
    this.send(JSON.stringify({ type: 'refetchEvaluation', ...event }));
  }

  /** Sends raw `data` to every open stream (several lines become several `data:` lines). */
  send(data: string): void {
    this.eventId += 1;
    const name = this.eventName === undefined ? '' : `event: ${this.eventName}\n`;
    const lines = data.split('\n').map((line) => `data: ${line}\n`).join('');
    for (const stream of this.streams) stream.write(`id: ${this.eventId}\n${name}${lines}\n`);
  }

  /** Ends every open stream. */
  dropStreams(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /**
   * Resolves once `ready()` holds: checked after every request and stream change, and every 10 ms
   * for conditions on the client's side (log lines, status).
   */
  waitFor(ready: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (ready()) finish();
      };
      const timer = setTimeout(() => finish(new Error(`fake OFREP: condition not met within ${timeoutMs} ms`)), timeoutMs);
      const poll = setInterval(check, 10);
      this.waiters.add(check);
    });
  }

  /** Resolves once `count` bulk requests have arrived in total. */
  waitForBulk(count: number): Promise<void> {
    return this.waitFor(() => this.bulkRequests.length >= count);
  }

  /** Resolves once `count` streams are open. */
  waitForOpenStreams(count: number): Promise<void> {
    return this.waitFor(() => this.streams.size >= count);
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    for (const res of this.pending) res.destroy();
    await closeServer(this.server);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const parsedUrl = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = text === '' ? undefined : text;
    let bodyIsJson = false;
    try {
      if (text !== '') body = JSON.parse(text);
      bodyIsJson = text !== '';
    } catch {
      // kept as text; answered 400 PARSE_ERROR below
    }
    const request: OfrepRequest = {
      method: req.method ?? 'GET',
      path: parsedUrl.pathname,
      query: Object.fromEntries(parsedUrl.searchParams),
      headers: req.headers,
      body,
      at: Date.now(),
    };
    this.requests.push(request);
    this.pending.add(res);
    res.on('close', () => this.pending.delete(res));
    try {
      if (request.method === 'GET' && request.path.startsWith(STREAM_PREFIX)) return this.openStream(req, res, parsedUrl);
      const single = request.path.startsWith(`${BULK}/`);
      if (request.method !== 'POST' || (request.path !== BULK && !single)) return json(res, 404, { errorDetails: 'no such route' });
      if (!this.authorized(req)) return void res.writeHead(401).end();
      const fault = this.faults.shift();
      if (fault) return this.fail(res, fault);
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '') || !bodyIsJson) {
        return json(res, 400, { errorCode: 'PARSE_ERROR', errorDetails: 'body is not JSON' });
      }
      const context = (body as { context?: unknown })?.context;
      if (typeof context !== 'object' || context === null || Array.isArray(context)) {
        return json(res, 400, { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' });
      }
      const items = this.itemsFor(context as Record<string, unknown>);
      if (single) return this.single(res, decodeURIComponent(request.path.slice(BULK.length + 1)), items);
      return this.bulk(req, res, items);
    } finally {
      this.notify();
    }
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.apiKey}` || req.headers['x-api-key'] === this.apiKey;
  }

  private fail(res: ServerResponse, fault: OfrepFault): void {
    if ('hang' in fault) return;
    if ('raw' in fault) {
      res.writeHead(200, { 'Content-Type': fault.contentType ?? 'application/json' });
      res.end(fault.raw);
      return;
    }
    const type = fault.body === undefined ? {} : { 'Content-Type': 'application/json' };
    res.writeHead(fault.status, { ...type, ...fault.headers });
    res.end(fault.body === undefined ? '' : JSON.stringify(fault.body));
  }

  private single(res: ServerResponse, key: string, items: unknown[]): void {
    const item = items.find((candidate) => (candidate as { key?: unknown }).key === key) as Record<string, unknown> | undefined;
    if (!item) return json(res, 404, { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag ${key} not found` });
    if (typeof item.errorCode === 'string') return json(res, 400, item);
    json(res, 200, item);
  }

  private bulk(req: IncomingMessage, res: ServerResponse, items: unknown[]): void {
    const payload: Record<string, unknown> = { flags: items, metadata: { version: `v${this.configVersion}` } };
    if (this.eventStreams !== undefined) payload.eventStreams = this.eventStreams;
    const text = JSON.stringify(payload);
    const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
    if (this.sendEtag && matches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', ...(this.sendEtag ? { ETag: etag } : {}) });
    res.end(text);
  }

  private openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const fault = this.streamFaults.shift();
    if (fault) {
      res.writeHead(fault.status, fault.headers);
      res.end();
      return;
    }
    if (url.searchParams.get('token') !== STREAM_TOKEN && !this.authorized(req)) {
      res.writeHead(401);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(': open\n\n');
    this.streams.add(res);
    res.on('close', () => {
      this.streams.delete(res);
      this.notify();
    });
  }

  private itemsFor(context: Record<string, unknown>): unknown[] {
    const overrides = typeof context.targetingKey === 'string' ? this.perUser.get(context.targetingKey) : undefined;
    if (!overrides) return this.items;
    return this.items.map((item) => overrides.get((item as { key: string }).key) ?? item);
  }
}

/** `If-None-Match` against `etag`: a comma-separated list, compared weakly (a `W/` prefix is ignored). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
