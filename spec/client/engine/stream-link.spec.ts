import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFlagClient, cuttlegate, InvalidResponseError, type ClientEvent, type FlagClient, type FetchLike } from '../../../lib/index.js';
import { STREAM_UNSUPPORTED_AFTER } from '../../../lib/client/engine/stream-link.js';
import { FakeCuttlegate } from '../../support/fake-cuttlegate.js';
import { captureLog } from '../../support/log-capture.js';

/**
 * The loopback `fetch` of a runtime that cannot stream (a whatwg-fetch polyfill, React Native): the
 * stream request reaches the server, but the response comes back without a body.
 */
const withoutStreamBodies: FetchLike = async (url, init) => {
  const response = await fetch(url, init);
  if (!String(url).endsWith('/flags/stream')) return response;
  await response.body?.cancel();
  return new Response(null, { status: response.status, headers: response.headers });
};

describe('the stream link with a fetch that cannot stream (real loopback HTTP)', () => {
  let fake: FakeCuttlegate | undefined;
  let client: FlagClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake?.close();
  });

  it('never reports the stream open, settles on polling after a few tries, and keeps serving fresh values', async () => {
    fake = await FakeCuttlegate.start([{ key: 'a', enabled: true, value_key: 'true', type: 'bool' }]);
    const { lines, logger } = captureLog();
    client = createFlagClient({
      transport: cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project: fake.project, environment: fake.environment }),
      fetch: withoutStreamBodies,
      streaming: true,
      // The shortest poll period, so the fallback's polls show within the spec; retries 10–20 ms apart.
      pollIntervalMs: 1_000,
      backoff: { baseMs: 20, capMs: 40, random: () => 0.5 },
      logger,
    });
    const events: ClientEvent[] = [];
    client.events$.subscribe((event) => events.push(event));
    expect(await client.ready()).toEqual({ ok: true, source: 'network' });
    expect(client.bool('a')).toBe(true);

    await vi.waitFor(() => expect(lines.some((line) => line.includes('refuses the change stream'))).toBe(true), { timeout: 5_000 });
    expect(fake.streamCount).toBe(STREAM_UNSUPPORTED_AFTER);
    expect(client.status).toMatchObject({ state: 'ready', streaming: false });
    const errors = events.flatMap((event) => (event.type === 'error' ? [event.error] : []));
    expect(errors).toHaveLength(STREAM_UNSUPPORTED_AFTER);
    for (const error of errors) {
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toBe(`stream ${fake.url}/api/v1/projects/demo/environments/production/flags/stream: no readable body`);
    }

    // Polling serves a change the server never pushes, while the stream stays given up on.
    fake.set('a', { value_key: 'false' }, false);
    await firstValueFrom(client.bool$('a').pipe(filter((on) => !on), timeout(5_000)));
    expect(fake.streamCount).toBe(STREAM_UNSUPPORTED_AFTER);
    expect(events.some((event) => event.type === 'stream-connected')).toBe(false);
    expect(client.status).toMatchObject({ state: 'ready', streaming: false, source: 'network' });
  });
});
