/** The OFREP session on its own (no client engine) against the fake server: what it promises the engine. */
import { asyncScheduler, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, ofrep, type OfrepOptions, type TransportSession } from '../../lib/index.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { captureLog } from '../support/log-capture.js';

const USER = { userId: 'user-1' };

describe('the ofrep session', () => {
  let fake: FakeOfrep;
  let session: TransportSession;

  beforeEach(async () => {
    fake = await FakeOfrep.start(exampleItems());
    session = connect();
  });

  afterEach(async () => {
    session.close?.();
    await fake.close();
  });

  function connect(options: Partial<OfrepOptions> = {}): TransportSession {
    return ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, ...options }).connect({
      fetch: (input, init) => fetch(input, init),
      timeoutMs: 2_000,
      logger: captureLog().logger,
      scheduler: asyncScheduler,
    });
  }

  it('lists a wrong-type item under LoadResult.invalid and applies the rest', async () => {
    fake.set({ key: 'max-items', value: 50, reason: 7 });
    const result = await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    if (result.kind !== 'flags') throw new Error(`expected flags, got ${result.kind}`);
    expect(result.flags.map((flag) => flag.key)).not.toContain('max-items');
    expect(result.flags).toHaveLength(5);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid![0]!.key).toBe('max-items');
    expect(result.invalid![0]!.error).toBeInstanceOf(InvalidResponseError);
    expect(result.invalid![0]!.error.message).toContain('"max-items"');
  });

  it('with sse says its stream follows a load; with polling or none it has no stream', () => {
    expect(session.streamFollowsLoad).toBe(true);
    expect(session.stream).toBeTypeOf('function');
    for (const mode of ['polling', 'none'] as const) {
      const other = connect({ changeDetection: mode });
      expect(other.stream).toBeUndefined();
      expect(other.streamFollowsLoad).toBeUndefined();
    }
  });

  it('a one-off load neither sends nor replaces the context ETag, nor touches its stream set', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    expect(await firstValueFrom(session.load(USER, { trigger: 'poll' }))).toEqual({ kind: 'unchanged' });
    const etag = fake.bulkRequests[1]!.headers['if-none-match'];
    expect(etag).toBeDefined();
    // The server's answer changes; a one-off load sees it, the session must not remember it.
    fake.change(() => (fake.eventStreams = [fake.urlEntry('z')]), false);
    const oneOff = await firstValueFrom(session.load(USER, { trigger: 'refresh', oneOff: true }));
    expect(oneOff.kind).toBe('flags');
    expect(fake.bulkRequests[2]!.headers['if-none-match']).toBeUndefined();
    const messages = firstValueFrom(session.stream!(USER));
    await fake.waitForOpenStreams(1);
    expect(fake.streamRequests.map((request) => request.path)).toEqual(['/ofrep/v1/sse/a']);
    expect(await messages).toEqual({ type: 'connected' });
    await firstValueFrom(session.load(USER, { trigger: 'poll' }));
    expect(fake.bulkRequests[3]!.headers['if-none-match']).toBe(etag);
  });

  it('a stream waits for a load to name its URLs, then reports connected and each refetchEvaluation with its hint', async () => {
    fake.eventStreams = [fake.endpointEntry('b')];
    const messages = lastValueFrom(session.stream!(USER).pipe(take(3), toArray()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.streamRequests).toHaveLength(0);
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    await fake.waitForOpenStreams(1);
    fake.push({ etag: '"cfg-7"', lastModified: 1_771_622_898 });
    fake.push({ lastModified: '2026-02-20T21:28:18Z' });
    expect(await messages).toEqual([
      { type: 'connected' },
      { type: 'changed', data: { etag: '"cfg-7"', lastModified: 1_771_622_898 } },
      { type: 'changed', data: { lastModified: '2026-02-20T21:28:18Z' } },
    ]);
  });

  it('a stream says idle, without error or connection, while the load advertises no event streams, and ends with the session', async () => {
    const done = lastValueFrom(session.stream!(USER).pipe(toArray()));
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    session.close!();
    expect(await done).toEqual([{ type: 'idle' }]);
    expect(fake.streamRequests).toHaveLength(0);
  });

  it('sends the flagConfig* of the event a load carries whatever its trigger (an event batched with a poll or a refresh), never on an unconditional load', async () => {
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    const hint = { type: 'changed', data: { etag: '"cfg-9"', lastModified: 1_771_622_899 } } as const;
    const asked = { flagConfigEtag: '"cfg-9"', flagConfigLastModified: '1771622899' };
    for (const trigger of ['stream', 'poll', 'refresh'] as const) await firstValueFrom(session.load(USER, { trigger, hint }));
    // A resume's refetch batched with an event: unconditional, so no If-None-Match and no flagConfig* (ofrep.md §9.5).
    await firstValueFrom(session.load(USER, { trigger: 'stream', hint, conditional: false }));
    expect(fake.bulkRequests.slice(1).map((request) => request.query)).toEqual([asked, asked, asked, {}]);
    expect(fake.bulkRequests[4]!.headers['if-none-match']).toBeUndefined();
  });

  it('sends If-None-Match only on conditional re-requests: not on a context\'s first load, not when told not to', async () => {
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    expect(await firstValueFrom(session.load(USER, { trigger: 'refresh' }))).toEqual({ kind: 'unchanged' });
    const again = await firstValueFrom(session.load(USER, { trigger: 'identify' }));
    expect(again.kind).toBe('flags');
    // Unconditional as asked, and remembered: the next load sends the ETag of that answer.
    fake.set({ key: 'max-items', value: 26, reason: 'SPLIT' });
    expect((await firstValueFrom(session.load(USER, { trigger: 'refresh', conditional: false }))).kind).toBe('flags');
    expect(await firstValueFrom(session.load(USER, { trigger: 'poll' }))).toEqual({ kind: 'unchanged' });
    expect(fake.bulkRequests.map((request) => request.headers['if-none-match'] !== undefined)).toEqual([false, true, false, false, true]);
  });

  it('asks unconditionally after an answer without ETag; rejects a 304 it did not ask for and a 200 that is not JSON', async () => {
    fake.sendEtag = false;
    await firstValueFrom(session.load(USER, { trigger: 'initial' }));
    expect((await firstValueFrom(session.load(USER, { trigger: 'poll' }))).kind).toBe('flags');
    expect(fake.bulkRequests[1]!.headers['if-none-match']).toBeUndefined();
    fake.faults.push({ status: 304 }, { raw: '<html>login</html>', contentType: 'text/html' });
    await expect(firstValueFrom(session.load(USER, { trigger: 'poll' }))).rejects.toThrow(/304 to a request without If-None-Match/);
    await expect(firstValueFrom(session.load(USER, { trigger: 'poll' }))).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('warns once per session about attributes it cannot send, however often it loads', async () => {
    const log = captureLog();
    const quiet = ofrep({ baseUrl: fake.url, apiKey: fake.apiKey }).connect({
      fetch: (input, init) => fetch(input, init),
      timeoutMs: 2_000,
      logger: log.logger,
      scheduler: asyncScheduler,
    });
    const context = { userId: 'u', attributes: { plan: 'pro', big: 10n } };
    for (const trigger of ['initial', 'poll', 'poll'] as const) await firstValueFrom(quiet.load(context, { trigger }));
    expect(fake.bulkRequests[0]!.body).toEqual({ context: { targetingKey: 'u', plan: 'pro' } });
    expect(log.lines).toEqual(['ofrep: attributes big are not JSON values and were not sent']);
  });
});
