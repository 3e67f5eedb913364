/**
 * The wire scenarios of the format specs: what a client of one build sends (Rollgate, the local
 * server's three protocols), what a server of one build answers and streams, and the OpenFeature
 * events a provider of one build emits.
 */
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import type { FlagServer } from '../../lib/server/index.js';
import { PROD_KEY } from '../server/fixtures.js';
import type { FakeRollgate } from '../support/fake-rollgate.js';
import { context, darkOff, eventually, initialFlags, parsed, quiet, recordingFetch, type Build, type Exchange } from './formats.js';

/** A client of `build` on the fake Rollgate: load, bool evaluations, a tracked event, flushed. Returns every exchange. */
export async function rollgateScenario(build: Build, rollgate: FakeRollgate): Promise<Exchange[]> {
  const log: Exchange[] = [];
  const client = build.core.createFlagClient({
    transport: build.core.rollgate({ apiKey: rollgate.apiKey, baseUrl: rollgate.url }),
    context,
    fetch: recordingFetch(log, rollgate.url),
    streaming: false,
    pollIntervalMs: 0,
    logger: quiet,
    tracking: { flushIntervalMs: 60_000, telemetryIntervalMs: 60_000 },
  });
  try {
    await client.ready();
    client.bool('dark-mode', false);
    client.bool('dark-mode', false);
    client.string('banner', 'none');
    client.track({ flagKey: 'dark-mode', eventName: 'checkout', variationId: 'true', value: 9.5, metadata: { cart: 'c-1' } });
    await client.flush();
    return log;
  } finally {
    client.close();
  }
}

/**
 * A client of `build` per protocol against the local server `server` (no stream): load, a bool,
 * another context's flags, an identify, a refresh, a tracked event flushed. Returns every exchange.
 */
export async function wireScenario(build: Build, server: FlagServer): Promise<Exchange[]> {
  const log: Exchange[] = [];
  const transports = [
    build.core.cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
    build.core.rollgate({ baseUrl: server.url, apiKey: PROD_KEY }),
    build.core.ofrep({ baseUrl: server.url, apiKey: PROD_KEY, changeDetection: 'none' }),
  ];
  for (const transport of transports) {
    const client = build.core.createFlagClient({ transport, context, fetch: recordingFetch(log, server.url), streaming: false, pollIntervalMs: 0, logger: quiet });
    try {
      await client.ready();
      client.bool('dark-mode', false);
      await client.snapshotFor({ userId: 'u-3', attributes: { plan: 'pro' } });
      await client.identify({ userId: 'u-2', attributes: { plan: 'free' } });
      await client.refresh();
      client.track({ flagKey: 'dark-mode', eventName: 'checkout', value: 2 });
      await client.flush();
    } finally {
      client.close();
    }
  }
  return log;
}

/** The data of each SSE frame in `text` (parsed), with its event name. */
function frames(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((frame) => /^data:/m.test(frame))
    .map((frame) => ({ event: /^event: ?(.*)$/m.exec(frame)?.[1] ?? 'message', data: parsed(/^data: ?(.*)$/m.exec(frame)![1]!) }));
}

/**
 * A streaming client of `build` per protocol on the local server `server` (of the same build): the
 * stream opens, dark-mode is switched off and on again, the client serves each. Returns the first
 * frame of each kind the streams carried (how many come depends on timing, what each says does not).
 */
export async function streamScenario(build: Build, server: FlagServer): Promise<Array<{ protocol: string; frames: Record<string, unknown> }>> {
  const transports = {
    cuttlegate: build.core.cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
    rollgate: build.core.rollgate({ baseUrl: server.url, apiKey: PROD_KEY }),
    ofrep: build.core.ofrep({ baseUrl: server.url, apiKey: PROD_KEY }),
  };
  const out = [];
  for (const [protocol, transport] of Object.entries(transports)) {
    let text = '';
    const teeing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) return response;
      const [mine, theirs] = response.body.tee();
      void mine.pipeThrough(new TextDecoderStream()).pipeTo(new WritableStream({ write: (chunk) => void (text += chunk) })).catch(() => undefined);
      return new Response(theirs, { status: response.status, headers: response.headers });
    };
    const client = build.core.createFlagClient({ transport, context, fetch: teeing, pollIntervalMs: 0, logger: quiet });
    try {
      await client.ready();
      await eventually(() => client.status.streaming || undefined, `the ${protocol} stream`);
      for (const enabled of [false, true]) {
        server.toggle('demo', 'production', 'dark-mode', enabled);
        await eventually(() => client.evaluate('dark-mode').enabled === enabled || undefined, `the ${protocol} change`);
      }
    } finally {
      server.toggle('demo', 'production', 'dark-mode', true);
      client.close();
    }
    // The first frame of each kind: a stream reopened meanwhile (a refetch, a reconnect) sends its first again, with other values.
    const first = new Map<string, unknown>();
    for (const frame of frames(text)) if (!first.has(frame.event)) first.set(frame.event, frame.data);
    out.push({ protocol, frames: Object.fromEntries(first) });
  }
  return out;
}

/** A server provider on a client of `build` through the OpenFeature SDK: its events' payloads until one change. */
export async function openFeatureScenario(build: Build): Promise<Array<[string, EventDetails | undefined]>> {
  const source = build.testing.testSource(initialFlags());
  const client = build.core.createFlagClient({ transport: source, context, logger: quiet, pollIntervalMs: 0 });
  const provider = new build.openfeature.FlagstreamServerProvider(client);
  const seen: Array<[string, EventDetails | undefined]> = [];
  for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged]) {
    provider.events.addHandler(type, (details) => void seen.push([type, JSON.parse(JSON.stringify(details ?? null)) as EventDetails | undefined]));
  }
  try {
    await OpenFeature.setProviderAndWait(`formats-${build.name}`, provider);
    source.set('dark-mode', darkOff());
    await eventually(() => seen.some(([type]) => type === ProviderEvents.ConfigurationChanged) || undefined, 'the configuration change');
    return seen;
  } finally {
    await OpenFeature.clearProviders();
    client.close();
  }
}
