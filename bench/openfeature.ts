/**
 * The OpenFeature web SDK with FlagstreamWebProvider vs with the OpenFeature OFREP web provider, in
 * the same run: the hot read (`getBooleanValue`) and server change → PROVIDER_CONFIGURATION_CHANGED
 * handler, over loopback HTTP + SSE for both.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents, type Client } from '@openfeature/web-sdk';
import { createFlagClient, cuttlegate, ofrep, type FlagClient } from '../lib/index.js';
import { FlagstreamWebProvider } from '../lib/openfeature/index.js';
import { startServer, type FlagsDocument } from '../lib/server/index.js';
import { nsPerOp, percentile, report } from './support.js';

const FLAGS = 1_000;
const CHANGES = 100;
const CHANGED_KEY = 'flag-7';

/** Hot read and change-to-handler for both providers on one OpenFeature web SDK (one domain each). */
export async function openFeatureProviders(): Promise<void> {
  console.log(`\n9. OpenFeature web SDK: FlagstreamWebProvider vs OFREPWebProvider (${FLAGS} flags, loopback SSE)`);
  // Node 20 has no global EventSource; the OFREP web provider expects the browser's.
  (globalThis as { EventSource?: unknown }).EventSource ??= EventSource;
  const apiKey = `cg_${randomBytes(32).toString('base64url')}`;
  const server = await startServer({ flags: benchDocument(apiKey), logger: { warn: () => undefined, error: () => undefined } });
  const responder = await ofrepResponder(FLAGS);
  try {
    const transport = cuttlegate({ serverUrl: server.url, apiKey, project: 'bench', environment: 'production' });
    const ours = new FlagstreamWebProvider({ transport, pollIntervalMs: 0 });
    await OpenFeature.setProviderAndWait('flagstream', ours);
    await OpenFeature.setProviderAndWait(
      'ofrep',
      new OFREPWebProvider({ baseUrl: responder.url, changeDetection: 'sse', cacheMode: 'disabled', pollInterval: 0 }),
    );
    const flagstream = OpenFeature.getClient('flagstream');
    const ofrep = OpenFeature.getClient('ofrep');
    await server.waitForStreams(1);
    await responder.streamOpen;

    const keys = Array.from({ length: FLAGS }, (_, i) => `flag-${i}`);
    let i = 0;
    const next = (): string => keys[(i = (i + 1) % FLAGS)]!;
    const n = 30_000;
    const direct = nsPerOp(() => ours.client.bool(next()), n * 50);
    const provider = nsPerOp(() => ours.resolveBooleanEvaluation(next(), false), n * 50);
    // Alternated, best of three each, so neither side gets the warmer JIT or the quieter moment.
    let oursRead = Number.POSITIVE_INFINITY;
    let theirsRead = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round += 1) {
      oursRead = Math.min(oursRead, nsPerOp(() => flagstream.getBooleanValue(next(), false), n));
      theirsRead = Math.min(theirsRead, nsPerOp(() => ofrep.getBooleanValue(next(), false), n));
    }

    const bulkBefore = server.requests.bulk;
    const oursChange = await changeTimes(flagstream, (enabled) => server.toggle('bench', 'production', CHANGED_KEY, enabled));
    const oursRequests = (server.requests.bulk - bulkBefore) / CHANGES;
    const fetchesBefore = responder.bulkRequests;
    const theirsChange = await changeTimes(ofrep, (enabled) => responder.set(CHANGED_KEY, enabled));
    const theirsRequests = (responder.bulkRequests - fetchesBefore) / CHANGES;

    const ratio = (ourValue: number, theirValue: number): string => `${(theirValue / ourValue).toFixed(1)}× ${theirValue >= ourValue ? 'faster' : 'slower'}`;
    const p = (samples: number[], at: number): string => `${percentile(samples, at).toFixed(2)} ms`;
    report([
      ['flagstream client.bool (no SDK, reference)', `${direct.toFixed(1)} ns/op`],
      ['FlagstreamWebProvider.resolveBooleanEvaluation (no SDK)', `${provider.toFixed(1)} ns/op`],
      ['getBooleanValue, FlagstreamWebProvider', `${oursRead.toFixed(1)} ns/op`],
      ['getBooleanValue, OFREPWebProvider', `${theirsRead.toFixed(1)} ns/op   flagstream is ${ratio(oursRead, theirsRead)}`],
      ['change → handler, FlagstreamWebProvider', `p50 ${p(oursChange, 50)}, p99 ${p(oursChange, 99)}, ${oursRequests.toFixed(2)} bulk requests per change`],
      [
        'change → handler, OFREPWebProvider',
        `p50 ${p(theirsChange, 50)}, p99 ${p(theirsChange, 99)}, ${theirsRequests.toFixed(2)} bulk requests per change   flagstream p50 is ${ratio(percentile(oursChange, 50), percentile(theirsChange, 50))}`,
      ],
    ]);
  } finally {
    await OpenFeature.clearProviders();
    await responder.close();
    await server.close();
  }
}

/**
 * Memory per 1,000 flags, flagstream against the OpenFeature web SDK's OFREP provider in the same
 * run, both loading the same bulk evaluation from one loopback OFREP responder: the heap retained by
 * `HOLDERS` loaded clients (providers) of `FLAGS` flags, less that of as many with one flag, per
 * 1,000 flags. What counts is what each keeps per flag (snapshot, index, caches), not its fixed cost.
 */
export async function clientMemory(): Promise<void> {
  console.log(`\n12b. Memory per 1,000 flags held by a whole client, flagstream vs OpenFeature web (OFREP provider), same responder (target ≤ OpenFeature's)`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('  skipped: run with node --expose-gc');
    return;
  }
  const HOLDERS = 10;
  const big = await ofrepResponder(FLAGS);
  const small = await ofrepResponder(1);
  const context = { targetingKey: 'bench-user' };
  const retained = async (load: (url: string) => Promise<unknown>, url: string): Promise<number> => {
    // Warm-up, not counted: code, shapes and optimised code (compiled once loops run hot; three
    // loads, so what is measured is what each holder keeps, not the JIT catching up).
    for (let i = 0; i < 3; i += 1) await load(url);
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const held: unknown[] = [];
    for (let i = 0; i < HOLDERS; i += 1) held.push(await load(url));
    gc();
    gc();
    const bytes = process.memoryUsage().heapUsed - before;
    for (const holder of held) (holder as { close?: () => void; onClose?: () => Promise<void> }).close?.();
    return bytes / HOLDERS;
  };
  const flagstream = async (url: string): Promise<FlagClient> => {
    const client = createFlagClient({ transport: ofrep({ baseUrl: url }), context: { userId: 'bench-user' }, streaming: false, pollIntervalMs: 0 });
    await client.ready();
    return client;
  };
  const openFeature = async (url: string): Promise<OFREPWebProvider> => {
    const provider = new OFREPWebProvider({ baseUrl: url, changeDetection: 'none', pollInterval: 0, cacheMode: 'disabled' });
    await provider.initialize(context);
    return provider;
  };
  try {
    const perThousand = (many: number, one: number): number => ((many - one) / (FLAGS - 1)) * 1_000 / 1024;
    const ours = perThousand(await retained(flagstream, big.url), await retained(flagstream, small.url));
    const theirs = perThousand(await retained(openFeature, big.url), await retained(openFeature, small.url));
    report([
      ['flagstream client (ofrep transport)', `${ours.toFixed(0)} KiB per 1,000 flags`],
      ['OpenFeature web OFREPWebProvider', `${theirs.toFixed(0)} KiB per 1,000 flags   flagstream / OpenFeature = ${(ours / theirs).toFixed(2)}`],
    ]);
  } finally {
    await big.close();
    await small.close();
  }
}

/** Milliseconds from each change to the client's PROVIDER_CONFIGURATION_CHANGED handler, sorted. */
async function changeTimes(client: Client, change: (enabled: boolean) => void): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < CHANGES; round += 1) {
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no PROVIDER_CONFIGURATION_CHANGED within 5 s')), 5_000);
      const handler = (): void => {
        clearTimeout(timer);
        client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
        resolve();
      };
      client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    });
    const start = process.hrtime.bigint();
    change(round % 2 === 1);
    await seen;
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

/** `count` enabled bool flags `flag-0` … (all `true`) in one project and environment of the local server. */
function benchDocument(apiKey: string): FlagsDocument {
  const flags = Array.from({ length: FLAGS }, (_, i) => ({
    key: `flag-${i}`,
    type: 'bool' as const,
    defaultVariant: 'true',
    environments: { production: { enabled: true } },
  }));
  return { adminKey: 'bench-admin-key', projects: [{ slug: 'bench', environments: [{ slug: 'production', apiKeys: [apiKey] }], flags }] };
}

interface OfrepResponder {
  url: string;
  /** Bulk evaluations answered (200 or 304). */
  readonly bulkRequests: number;
  /** Resolves once the provider's event stream is connected. */
  streamOpen: Promise<void>;
  /** Changes a flag, then tells the stream to refetch, as an OFREP server does after a change. */
  set(key: string, value: boolean): void;
  close(): Promise<void>;
}

/**
 * A minimal OFREP server on loopback: the bulk route (`POST /ofrep/v1/evaluate/flags`, ETag and 304)
 * announcing one SSE stream, which sends `refetchEvaluation` after each change.
 */
async function ofrepResponder(count: number): Promise<OfrepResponder> {
  const values = new Map(Array.from({ length: count }, (_, i) => [`flag-${i}`, true]));
  let version = 1;
  let bulkRequests = 0;
  const streams = new Set<ServerResponse>();
  let opened!: () => void;
  const streamOpen = new Promise<void>((resolve) => (opened = resolve));
  const etag = (): string => `"v${version}"`;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'POST' && path === '/ofrep/v1/evaluate/flags') {
      request.resume();
      request.on('end', () => {
        bulkRequests += 1;
        if (request.headers['if-none-match'] === etag()) {
          response.writeHead(304, { ETag: etag() }).end();
          return;
        }
        const flags = [...values].map(([key, value]) => ({ key, value, variant: String(value), reason: 'STATIC' }));
        const body = JSON.stringify({ flags, eventStreams: [{ type: 'sse', endpoint: { requestUri: '/ofrep/v1/stream' } }] });
        response.writeHead(200, { 'Content-Type': 'application/json', ETag: etag() }).end(body);
      });
      return;
    }
    if (request.method === 'GET' && path === '/ofrep/v1/stream') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      response.write(': connected\n\n');
      streams.add(response);
      request.on('close', () => streams.delete(response));
      opened();
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bulkRequests() {
      return bulkRequests;
    },
    streamOpen,
    set(key, value) {
      values.set(key, value);
      version += 1;
      const event = JSON.stringify({ type: 'refetchEvaluation', etag: etag(), lastModified: Math.floor(Date.now() / 1000) });
      for (const stream of streams) stream.write(`id: ${version}\ndata: ${event}\n\n`);
    },
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
