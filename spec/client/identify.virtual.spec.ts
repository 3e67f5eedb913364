import { describe, expect, it } from 'vitest';
import { ServerError, type EvalContext } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** Every client here starts as the user `anon`. */
const asAnon = { context: { userId: 'anon' } };

/** A flag whose value is the plan of the context it is evaluated for. */
const planFlag = { plan: (ctx: EvalContext) => String(ctx.attributes?.plan ?? 'free') };

const loadsOf = (source: TestSource): string[] =>
  source.requests.flatMap((r) => (r.type === 'load' ? [`${r.at}:${r.trigger}:${r.context.userId}`] : []));

describe('identify(), in virtual time', () => {
  it('switches context: the new context’s values replace the old ones; the promise settles when they land', async () => {
    const source = testSource(planFlag);
    source.delay(100);
    const ts = virtualTime();
    const settled: string[] = [];
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('100ms f 199ms p 699ms |', { f: 'free', p: 'pro' });
      ts.schedule(() => {
        void client.identify({ userId: 'alice', attributes: { plan: 'pro' } }).then(() => settled.push('alice'));
      }, 200);
      ts.schedule(() => client.close(), 1_000);
    });
    expect(loadsOf(source)).toEqual(['0:initial:anon', '200:identify:alice']);
    await Promise.resolve();
    expect(settled).toEqual(['alice']);
  });

  it('drops the response for a context that was switched away from before it landed', async () => {
    const source = testSource(planFlag);
    source.delay(100);
    const ts = virtualTime();
    const settled: string[] = [];
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('100ms f 249ms t 649ms |', { f: 'free', t: 'team' });
      const switchTo = (userId: string, plan: string): void => {
        void client.identify({ userId, attributes: { plan } }).then(() => settled.push(userId));
      };
      ts.schedule(() => switchTo('alice', 'pro'), 200);
      ts.schedule(() => switchTo('bob', 'team'), 250);
      ts.schedule(() => client.close(), 1_000);
    });
    expect(loadsOf(source)).toEqual(['0:initial:anon', '200:identify:alice', '250:identify:bob']);
    // alice's identify() is not left hanging: it settles with bob's load
    await Promise.resolve();
    expect(settled.sort()).toEqual(['alice', 'bob']);
  });

  it('stops retrying the old context once switched', () => {
    const source = testSource(planFlag);
    source.fail(new ServerError(503), 1);
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('500ms p 9499ms |', { p: 'pro' });
      ts.schedule(() => void client.identify({ userId: 'alice', attributes: { plan: 'pro' } }), 500);
      ts.schedule(() => client.close(), 10_000);
    });
    // anon's retry would have been at 1 s
    expect(loadsOf(source)).toEqual(['0:initial:anon', '500:identify:alice']);
  });
});
