import { Observable, of } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, NetworkError, createFlagClient, type EvalResult, type FlagChange, type FlagClient, type FlagClientOptions, type Transport } from '../../lib/index.js';
import { memoryStore } from '../../lib/stores/index.js';
import type { InvalidFlag, LoadResult } from '../../lib/transports/transport.js';
import { advanceByInstants, afterReactions, silent, virtualTime } from '../support/virtual.js';

/** One flag as a server sends it. */
const flag = (key: string, value: boolean, reason = 'rule_match'): EvalResult => ({
  key,
  enabled: true,
  variant: String(value),
  value,
  reason,
  evaluatedAt: '2026-01-01T00:00:00.000Z',
  source: 'network',
  details: { ruleId: `${key}-rule` },
});

/** The entry a decoder rejected, with its typed error. */
const rejected = (key: string): InvalidFlag => ({ key, error: new InvalidResponseError(`flag "${key}": value has the wrong type`) });

/**
 * A transport whose loads answer in turn from `script` (the last answer repeats), or fail with an
 * error in its place; `loads` counts them.
 */
function scripted(script: Array<LoadResult | Error>): Transport & { loads: number } {
  const transport = {
    kind: 'test',
    loads: 0,
    connect: () => ({
      load: () =>
        new Observable<LoadResult>((subscriber) => {
          const answer = script[Math.min(transport.loads, script.length - 1)]!;
          transport.loads += 1;
          if (answer instanceof Error) subscriber.error(answer);
          else subscriber.next(answer), subscriber.complete();
        }),
      evaluate: () => of(),
    }),
  };
  return transport;
}

const load = (flags: EvalResult[], ...invalid: InvalidFlag[]): LoadResult => ({ kind: 'flags', flags, ...(invalid.length > 0 && { invalid }) });

describe('a flag held at its last good value while its entry is rejected, in virtual time', () => {
  const clients: FlagClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  function start(transport: Transport, overrides: Partial<FlagClientOptions> = {}): { client: FlagClient; ts: ReturnType<typeof virtualTime> } {
    const ts = virtualTime();
    const client = createFlagClient({ transport, scheduler: ts, streaming: false, pollIntervalMs: 0, logger: silent, backoff: { random: () => 1 }, ...overrides });
    clients.push(client);
    return { client, ts };
  }

  it('says `stale` in its own result (value kept) while the others keep their reasons; one change, then none until accepted', async () => {
    const transport = scripted([
      load([flag('a', true), flag('b', false, 'default')]),
      load([flag('b', true, 'default')], rejected('a')),
      load([flag('b', true, 'default')], rejected('a')),
      load([flag('a', false), flag('b', true, 'default')]),
    ]);
    const { client } = start(transport);
    const changes: FlagChange[] = [];
    const seenA: EvalResult[] = [];
    client.changes$.subscribe((change) => changes.push(change));
    client.flag$('a').subscribe((result) => seenA.push(result));
    await client.ready();
    const fresh = client.evaluate('a');
    expect(fresh.reason).toBe('rule_match');

    await client.refresh();
    const held = client.evaluate('a');
    expect(client.bool('a')).toBe(true);
    expect(held).toEqual({ ...fresh, reason: 'stale' });
    expect(client.evaluate('b')).toMatchObject({ value: true, reason: 'default' });
    expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
    expect(client.status.error).toBeInstanceOf(InvalidResponseError);
    expect(client.status.error?.message).toContain('"a"');
    expect(changes.map((c) => [c.key, c.previous?.reason, c.current?.reason])).toEqual([
      ['a', 'rule_match', 'stale'],
      ['b', 'default', 'default'],
    ]);
    expect(seenA.map((r) => r.reason)).toEqual(['rule_match', 'stale']);

    // Rejected again: the same held object, no change event, nothing on flag$.
    changes.length = 0;
    await client.refresh();
    expect(client.evaluate('a')).toBe(held);
    expect(changes).toEqual([]);
    expect(seenA).toHaveLength(2);

    // Accepted: the fresh result replaces the held one, as any change.
    await client.refresh();
    expect(client.evaluate('a')).toMatchObject({ value: false, reason: 'rule_match' });
    expect(client.status.error).toBeUndefined();
    expect(changes.map((c) => [c.key, c.previous?.reason, c.current?.reason])).toEqual([['a', 'stale', 'rule_match']]);
    expect(seenA.map((r) => r.reason)).toEqual(['rule_match', 'stale', 'rule_match']);
    expect(transport.loads).toBe(4);
  });

  it('a held flag the server then removes is removed', async () => {
    const transport = scripted([load([flag('a', true), flag('b', false)]), load([flag('b', false)], rejected('a')), load([flag('b', false)])]);
    const { client } = start(transport);
    await client.ready();
    await client.refresh();
    expect(client.evaluate('a').reason).toBe('stale');
    await client.refresh();
    expect(client.snapshot.has('a')).toBe(false);
    expect(client.evaluate('a')).toMatchObject({ reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('a held entry the store saved is restored as held; the others as `cached`', async () => {
    const store = memoryStore();
    const first = start(scripted([load([flag('a', true), flag('b', false)]), load([flag('b', false)], rejected('a'))]), { store });
    await first.client.ready();
    await first.client.refresh();
    expect(first.client.evaluate('a').reason).toBe('stale');
    await advanceByInstants(first.ts, 1_000); // the store's debounce
    first.client.close();
    await afterReactions();

    const second = start(scripted([new NetworkError('down')]), { store });
    const ready = second.client.ready({ timeoutMs: 500 });
    await advanceByInstants(second.ts, 0);
    expect(await ready).toMatchObject({ ok: true, source: 'store' });
    expect(second.client.evaluate('a')).toMatchObject({ value: true, reason: 'stale', source: 'store' });
    expect(second.client.evaluate('b')).toMatchObject({ value: false, reason: 'cached', source: 'store' });
    expect(second.client.status).toMatchObject({ state: 'stale', source: 'store' });
  });
});
