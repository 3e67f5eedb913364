import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { cuttlegate, type CuttlegateOptions, type Transport } from '../../../lib/index.js';
import { json, readBody } from '../../support/http-helpers.js';

/** A flag as this server keeps it (Cuttlegate wire shape). */
export interface WireFlag {
  enabled: boolean;
  value_key: string;
  type: 'bool' | 'string' | 'number' | 'json';
}

/** What kind of request arrived. */
export type RequestKind = 'bulk' | 'single' | 'stream';

/** One answer, scripted by a spec; it owns `res` (and may leave it hanging). */
export type Step = (res: ServerResponse, server: ScriptedCuttlegate) => void | Promise<void>;

/** One request as it arrived: kind and `performance.now()` time. */
export interface Arrival {
  kind: RequestKind;
  at: number;
}

/**
 * A Cuttlegate server on loopback whose answers a chaos spec scripts request by request (status,
 * raw bytes, hangs, half-written frames), that can go down and come back on the same port, and
 * that logs when every request arrived. Unscripted requests get valid answers.
 */
export class ScriptedCuttlegate {
  readonly apiKey = 'cg_chaos_key_0123456789abcdefghijklmnopqrstuvwxyz';
  readonly project = 'demo';
  readonly environment = 'production';
  readonly flags = new Map<string, WireFlag>();
  readonly arrivals: Arrival[] = [];
  /** Steps consumed one per request of their kind, before normal answers. */
  readonly script: Record<RequestKind, Step[]> = { bulk: [], single: [], stream: [] };
  /** Answers every request of a kind with this step while set (after the script). */
  readonly always: Partial<Record<RequestKind, Step>> = {};
  readonly streams = new Set<ServerResponse>();
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(flags: Record<string, Partial<WireFlag>> = { 'dark-mode': { value_key: 'true' } }) {
    for (const [key, flag] of Object.entries(flags)) this.flags.set(key, { enabled: true, value_key: 'true', type: 'bool', ...flag });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A Cuttlegate transport for this server. */
  transport(options: Partial<CuttlegateOptions> = {}): Transport {
    return cuttlegate({ serverUrl: this.url, apiKey: this.apiKey, project: this.project, environment: this.environment, ...options });
  }

  /** Listens (again) on 127.0.0.1, on the same port as before once one was picked. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes down hard: every socket destroyed, the port closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    this.streams.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes a flag and sends one `flag.state_changed` event to every open stream. */
  set(key: string, patch: Partial<WireFlag>): void {
    const flag = { enabled: true, value_key: 'true', type: 'bool' as const, ...this.flags.get(key), ...patch };
    this.flags.set(key, flag);
    this.broadcast(`data: ${JSON.stringify(changeEvent(this, key, flag.enabled))}\n\n`);
  }

  /** Writes raw bytes to every open stream. */
  broadcast(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  /** Arrivals of `kind` since `from` (a `performance.now()` time). */
  count(kind: RequestKind, from = 0): number {
    return this.arrivals.filter((a) => a.kind === kind && a.at >= from).length;
  }

  /** The valid bulk body for the current flags. */
  bulkBody(): unknown {
    return { flags: [...this.flags].map(([key, flag]) => wire(key, flag)), evaluated_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  /** A valid open stream: headers now, then whatever `set()`/`broadcast()` send. */
  openStream(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const base = `/api/v1/projects/${this.project}/environments/${this.environment}`;
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return json(res, 401, { error: 'unauthorized', message: 'authentication required' });
    let kind: RequestKind;
    if (req.method === 'GET' && path === `${base}/flags/stream`) kind = 'stream';
    else if (req.method === 'POST' && path === `${base}/evaluate`) kind = 'bulk';
    else if (req.method === 'POST' && path.startsWith(`${base}/flags/`) && path.endsWith('/evaluate')) kind = 'single';
    else return json(res, 404, { error: 'not_found', message: 'resource not found' });
    this.arrivals.push({ kind, at: performance.now() });
    const step = this.script[kind].shift() ?? this.always[kind];
    if (step) return step(res, this);
    if (kind === 'stream') return this.openStream(res);
    if (kind === 'bulk') return json(res, 200, this.bulkBody());
    const key = decodeURIComponent(path.slice(`${base}/flags/`.length, -'/evaluate'.length));
    const flag = this.flags.get(key);
    void body;
    return flag ? json(res, 200, wire(key, flag)) : json(res, 404, { error: 'not_found', message: 'resource not found' });
  }
}

/** One flag on the wire. */
export function wire(key: string, flag: WireFlag): Record<string, unknown> {
  return {
    key,
    enabled: flag.enabled,
    value: flag.type === 'bool' ? null : flag.value_key,
    value_key: flag.value_key,
    reason: flag.enabled ? 'default' : 'disabled',
    type: flag.type,
  };
}

function changeEvent(server: ScriptedCuttlegate, key: string, enabled: boolean): Record<string, unknown> {
  return {
    type: 'flag.state_changed',
    project: server.project,
    environment: server.environment,
    flag_key: key,
    enabled,
    occurred_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

// ── scripted answers ─────────────────────────────────────────────────────

/** Answers `status` with `body` (text) and headers. */
export const status =
  (code: number, body = '', headers: Record<string, string> = {}): Step =>
  (res) => {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(body);
  };

/** Answers 200 with `text` as the body. */
export const raw =
  (text: string, contentType = 'application/json'): Step =>
  (res) => {
    res.writeHead(200, { 'Content-Type': contentType });
    res.end(text);
  };

/** Never answers (the client's timeout has to fire). */
export const hang: Step = () => undefined;

/** Answers normally after `ms`. */
export const slow =
  (ms: number): Step =>
  (res, server) => {
    const timer = setTimeout(() => json(res, 200, server.bulkBody()), ms);
    res.on('close', () => clearTimeout(timer));
  };

/** Sends headers and the first `bytes` of a valid body, then kills the connection. */
export const cutBody =
  (bytes: number): Step =>
  (res, server) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify(server.bulkBody()).slice(0, bytes));
    setTimeout(() => res.destroy(), 20);
  };

/** Opens a stream, writes `text` (frames, possibly half of one), then `then` it. */
export const streamThen =
  (text: string, then: 'destroy' | 'end' | 'hold'): Step =>
  (res, server) => {
    server.openStream(res);
    if (text) res.write(text);
    if (then === 'destroy') setTimeout(() => res.destroy(), 20);
    if (then === 'end') setTimeout(() => res.end(), 20);
  };
