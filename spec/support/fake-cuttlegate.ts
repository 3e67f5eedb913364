import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, json, listenOnLoopback, readBody } from './http-helpers.js';

/** A flag as the fake serves it (Cuttlegate wire shape). */
export interface FakeFlag {
  key: string;
  enabled: boolean;
  value_key: string;
  reason?: string;
  type: 'bool' | 'string' | 'number' | 'json';
}

/** A scripted answer for the next bulk request(s). */
export type FakeFault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { raw: string; contentType?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/**
 * A Cuttlegate-compatible server on 127.0.0.1 for client integration specs: real HTTP and SSE,
 * with fault injection. Only what the client specs need; the product's own local server is
 * `flagstream/server`.
 */
export class FakeCuttlegate {
  readonly apiKey = 'cg_spec_fake_key_0123456789abcdefghijklmnopqrstu';
  readonly project = 'demo';
  readonly environment = 'production';
  url = '';
  readonly requests: RecordedRequest[] = [];
  /** Per-user overrides: `userId → key → flag`. */
  readonly perUser = new Map<string, Map<string, Partial<FakeFlag>>>();
  /** Faults consumed one per bulk request, before normal answers. */
  readonly faults: FakeFault[] = [];
  /** Delay (ms) before answering bulk requests for a user id. */
  readonly delays = new Map<string, number>();
  /** Status to answer stream requests with (200 = normal). */
  streamStatus = 200;
  private flags: FakeFlag[] = [];
  private readonly streams = new Set<ServerResponse>();
  private readonly streamWaiters: Array<() => void> = [];
  private readonly bulkWaiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly pending = new Set<ServerResponse>();

  constructor(flags: FakeFlag[]) {
    this.flags = flags.map((flag) => ({ ...flag }));
  }

  static async start(flags: FakeFlag[]): Promise<FakeCuttlegate> {
    const fake = new FakeCuttlegate(flags);
    fake.url = await listenOnLoopback(fake.server);
    return fake;
  }

  /** Bulk evaluate requests seen so far. */
  get bulkCount(): number {
    return this.requests.filter((r) => r.path.endsWith('/evaluate') && !r.path.includes('/flags/')).length;
  }

  get streamCount(): number {
    return this.requests.filter((r) => r.path.endsWith('/flags/stream')).length;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Changes a flag; with `notify`, sends one `flag.state_changed` event to every stream. */
  set(key: string, patch: Partial<FakeFlag>, notify = true): void {
    const flag = this.flags.find((f) => f.key === key);
    if (!flag) this.flags.push({ key, enabled: true, value_key: 'true', type: 'bool', ...patch });
    else Object.assign(flag, patch);
    if (notify) this.event(key, (patch.enabled ?? flag?.enabled ?? true) as boolean);
  }

  /** Sends a raw `flag.state_changed` event. */
  event(key: string, enabled: boolean): void {
    const payload = {
      type: 'flag.state_changed',
      project: this.project,
      environment: this.environment,
      flag_key: key,
      enabled,
      occurred_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    for (const stream of this.streams) stream.write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** Ends every open stream (clean EOF, as the reference server does on shutdown). */
  dropStreams(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /** Resolves once `count` streams have connected in total. */
  waitForStreams(count: number): Promise<void> {
    return this.waitUntil(() => this.streamCount >= count && this.streams.size > 0, this.streamWaiters);
  }

  /** Resolves once `count` bulk requests have been answered. */
  waitForBulk(count: number): Promise<void> {
    if (this.answeredBulk >= count) return Promise.resolve();
    return new Promise((resolve) => this.bulkWaiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    for (const res of this.pending) res.destroy();
    await closeServer(this.server);
  }

  private answeredBulk = 0;

  private waitUntil(ready: () => boolean, waiters: Array<() => void>): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) resolve();
        else waiters.push(check);
      };
      waiters.push(check);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body });
    const base = `/api/v1/projects/${this.project}/environments/${this.environment}`;
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return json(res, 401, { error: 'unauthorized', message: 'authentication required' });
    }
    if (req.method === 'GET' && path === `${base}/flags/stream`) return this.openStream(res);
    if (req.method === 'POST' && path === `${base}/evaluate`) return this.bulk(res, body);
    const single = path.startsWith(`${base}/flags/`) && path.endsWith('/evaluate');
    if (req.method === 'POST' && single) {
      const key = decodeURIComponent(path.slice(`${base}/flags/`.length, -'/evaluate'.length));
      const flag = this.flagsFor(userOf(body)).find((f) => f.key === key);
      if (!flag) return json(res, 404, { error: 'not_found', message: 'resource not found' });
      return json(res, 200, wire(flag));
    }
    return json(res, 404, { error: 'not_found', message: 'resource not found' });
  }

  private openStream(res: ServerResponse): void {
    if (this.streamStatus !== 200) {
      json(res, this.streamStatus, { error: 'x', message: 'stream refused' });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    for (const waiter of this.streamWaiters.splice(0)) waiter();
  }

  private async bulk(res: ServerResponse, body: unknown): Promise<void> {
    const fault = this.faults.shift();
    const user = userOf(body);
    const delay = this.delays.get(user);
    this.pending.add(res);
    res.on('close', () => this.pending.delete(res));
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fault && 'hang' in fault) return;
    if (fault && 'raw' in fault) {
      res.writeHead(200, { 'Content-Type': fault.contentType ?? 'application/json' });
      res.end(fault.raw);
    } else if (fault) {
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '');
    } else {
      json(res, 200, {
        flags: this.flagsFor(user).map(wire),
        evaluated_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      });
    }
    this.answeredBulk += 1;
    for (const waiter of this.bulkWaiters.filter((w) => w.count <= this.answeredBulk)) {
      this.bulkWaiters.splice(this.bulkWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private flagsFor(user: string): FakeFlag[] {
    const overrides = this.perUser.get(user);
    return this.flags.map((flag) => ({ ...flag, ...overrides?.get(flag.key) }));
  }
}

function userOf(body: unknown): string {
  return ((body as { context?: { user_id?: string } })?.context?.user_id as string | undefined) ?? '';
}

function wire(flag: FakeFlag): Record<string, unknown> {
  return {
    key: flag.key,
    enabled: flag.enabled,
    value: flag.type === 'bool' ? null : flag.value_key,
    value_key: flag.value_key,
    reason: flag.reason ?? (flag.enabled ? 'default' : 'disabled'),
    type: flag.type,
  };
}
