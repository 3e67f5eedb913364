/**
 * `status.error` is the most recent thing that makes the values less trustworthy, while it still
 * applies: a load's failure or a flag its payload rejected (kept at its last good value), a stream
 * that is down. Repairing one shows the other if it still applies, and nothing once both are repaired.
 * Each interleaving in virtual time, on a test source whose loads can reject a flag and whose stream
 * can be refused.
 */
import { distinctUntilChanged, map, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InvalidResponseError, NetworkError, ServerError, type Transport } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

const rejected = new InvalidResponseError('limit: not a number');
const streamDown = new NetworkError('stream gone');
const outage = new ServerError(503);
const LABELS = new Map<Error | undefined, string>([
  [undefined, 'n'],
  [rejected, 'x'],
  [streamDown, 's'],
  [outage, 'f'],
]);

/** `source` whose loads reject `limit` while `faults.rejecting`, and whose stream is refused while `faults.refusing`. */
function faulty(source: TestSource): { transport: Transport; faults: { rejecting: boolean; refusing: boolean } } {
  const faults = { rejecting: false, refusing: false };
  const transport: Transport = {
    kind: 'test',
    connect: (runtime) => {
      const session = source.connect(runtime);
      return {
        ...session,
        load: (context, options) =>
          session.load(context, options).pipe(
            map((result) =>
              result.kind === 'flags' && faults.rejecting
                ? { ...result, flags: result.flags.filter((flag) => flag.key !== 'limit'), invalid: [{ key: 'limit', error: rejected }] }
                : result,
            ),
          ),
        stream: (context) => (faults.refusing ? throwError(() => streamDown) : session.stream!(context)),
      };
    },
  };
  return { transport, faults };
}

/** Runs `script` on a streaming client over a faulty source; `errors` is the marble of `status.error` (see LABELS). */
function expectErrors(errors: string, script: (at: (ms: number, step: () => void) => void, source: TestSource, faults: { rejecting: boolean; refusing: boolean }, refresh: () => void) => void): number {
  const source = testSource({ limit: 1 });
  const { transport, faults } = faulty(source);
  const ts = virtualTime();
  let limit = 0;
  ts.run(({ expectObservable }) => {
    const client = clientOn(source, ts, { transport, streaming: true });
    const at = (ms: number, step: () => void): void => void ts.schedule(step, ms);
    ts.schedule(() => {
      const label = client.status$.pipe(
        map((status) => LABELS.get(status.error) ?? status.error?.message),
        distinctUntilChanged(),
      );
      expectObservable(label).toBe(errors);
    }, 0);
    client.flag$('limit').subscribe();
    script(at, source, faults, () => void client.refresh().catch(() => undefined));
    at(20_000, () => {
      limit = client.number('limit', 0);
      client.close();
    });
  });
  return limit;
}

describe('status.error, in virtual time', () => {
  it('a rejected flag, then the stream down: shows the stream, then the flag again while it is still rejected', () => {
    // 1 s: a load rejects `limit`; 2 s: the stream drops and is refused (the reconnect at 3 s too);
    // 5 s: the next reconnect's load still rejects it; 8 s: a load that takes it is clean.
    const limit = expectErrors('n 999ms x 999ms s 2999ms x 2999ms n 11999ms |', (at, source, faults, refresh) => {
      at(1_000, () => ((faults.rejecting = true), refresh()));
      at(2_000, () => ((faults.refusing = true), source.disconnect(streamDown)));
      at(4_500, () => (faults.refusing = false));
      at(8_000, () => ((faults.rejecting = false), refresh()));
    });
    expect(limit).toBe(1);
  });

  it('the stream down, then a rejected flag: shows the flag, then the stream while it is still down, then nothing', () => {
    // 1 s: the stream drops, refused until 8.5 s (reconnects at 2, 4 and 8 s); 3 s: a load rejects `limit`;
    // 5 s: a load takes it; 16 s: the stream is back.
    expectErrors('n 999ms s 1999ms x 1999ms s 10999ms n 3999ms |', (at, source, faults, refresh) => {
      at(1_000, () => ((faults.refusing = true), source.disconnect(streamDown)));
      at(3_000, () => ((faults.rejecting = true), refresh()));
      at(5_000, () => ((faults.rejecting = false), refresh()));
      at(8_500, () => (faults.refusing = false));
    });
  });

  it('a failed load, then the stream down: shows the stream, then the load failure while loads still fail', () => {
    // 1 s: loads fail (the retries at 2, 4 and 8 s too); 3 s: the stream drops, back at 4 s (its load fails);
    // 9 s: the source recovers and the retry at 16 s lands.
    expectErrors('n 999ms f 1999ms s 999ms f 11999ms n 3999ms |', (at, source, _faults, refresh) => {
      at(1_000, () => (source.fail(outage), refresh()));
      at(3_000, () => source.disconnect(streamDown));
      at(9_000, () => source.recover());
    });
  });
});
