import { afterEach, describe, expect, it } from 'vitest';
import type { FlagChange, FlagClient, JsonValue } from '../../../lib/index.js';
import { createMockClient, testSource } from '../../../lib/testing/index.js';
import { clientOn, virtualTime } from '../../support/virtual.js';

/** Values handed out by a client are frozen deep, and nothing a caller keeps a reference to can change them. */
describe('immutable values', () => {
  let client: FlagClient | undefined;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  /** A loaded client on a synchronous test source (each load lands at once). */
  function loaded(flags: Record<string, JsonValue>): { c: FlagClient; changes: FlagChange[] } {
    const c = (client = clientOn(testSource(flags), virtualTime()));
    const changes: FlagChange[] = [];
    c.changes$.subscribe((change) => changes.push(change));
    void c.ready();
    return { c, changes };
  }

  it('a JSON value cannot be changed by a reader, in this snapshot or an earlier one', async () => {
    const { c, changes } = loaded({ cfg: { limit: 10, tags: ['a'] } });
    const before = c.snapshot;
    const cfg = c.json<{ limit: number; tags: string[] }>('cfg', { limit: 0, tags: [] });
    expect(() => {
      cfg.limit = 999;
    }).toThrow(TypeError);
    expect(() => cfg.tags.push('b')).toThrow(TypeError);
    expect(() => {
      (c.evaluate('cfg').value as { limit: number }).limit = 999;
    }).toThrow(TypeError);
    expect(before.json('cfg', null)).toEqual({ limit: 10, tags: ['a'] });
    await c.refresh();
    expect(changes).toEqual([]);
  });

  it('details are frozen too', () => {
    const details = { ruleId: 'r1', meta: { team: 'x' } };
    const c = (client = clientOn(testSource({ f: { key: 'f', enabled: true, variant: 'on', value: 'on', reason: 'rule_match', evaluatedAt: '', source: 'network', details } }), virtualTime()));
    void c.ready();
    const got = c.evaluate('f').details as { meta: { team: string } };
    expect(() => {
      got.meta.team = 'y';
    }).toThrow(TypeError);
    details.meta.team = 'changed by the source owner';
    expect(c.evaluate('f').details).toEqual({ ruleId: 'r1', meta: { team: 'x' } });
  });

  it('bootstrap values are copied: changing the object given as bootstrap changes nothing', () => {
    const bootstrap = { cfg: { limit: 10 } };
    const c = (client = clientOn(testSource({}), virtualTime(), { bootstrap }));
    bootstrap.cfg.limit = 999;
    expect(c.json('cfg', null)).toEqual({ limit: 10 });
    expect(Object.isFrozen(bootstrap.cfg)).toBe(false);
  });

  it('test source and mock inputs are copied when they are set', async () => {
    const cfg = { limit: 10 };
    const source = testSource({ cfg });
    const c = (client = clientOn(source, virtualTime()));
    await c.ready();
    cfg.limit = 999;
    await c.refresh();
    expect(c.json('cfg', null)).toEqual({ limit: 10 });

    const layout = { cols: 3 };
    const mock = createMockClient({ flags: { layout } });
    layout.cols = 1;
    expect(mock.json('layout', null)).toEqual({ cols: 3 });
    expect(() => {
      mock.json<{ cols: number }>('layout', { cols: 0 }).cols = 2;
    }).toThrow(TypeError);
    mock.close();
  });

  it('configured defaults are copied and frozen as well', () => {
    const defaults = { cfg: { limit: 1 } };
    const c = (client = clientOn(testSource({}), virtualTime(), { defaults }));
    defaults.cfg.limit = 2;
    expect(c.evaluate('cfg').value).toEqual({ limit: 1 });
    expect(() => {
      (c.evaluate('cfg').value as { limit: number }).limit = 3;
    }).toThrow(TypeError);
  });
});
