import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../lib/index.js';
import { StatusTracker } from '../../../lib/client/engine/status.js';
import { virtualTime } from '../../support/virtual.js';

describe('StatusTracker', () => {
  it('emits only real changes and moves `since` only with the state', () => {
    const ts = virtualTime();
    const tracker = new StatusTracker(ts);
    const seen: string[] = [];
    tracker.status$.subscribe((status) => seen.push(`${status.state}/${status.streaming}@${status.since}`));
    ts.schedule(() => tracker.update({ state: 'ready', source: 'network' }), 100);
    ts.schedule(() => tracker.update({ state: 'ready', source: 'network' }), 200);
    ts.schedule(() => tracker.update({ streaming: true }), 300);
    ts.flush();
    const at = (ms: number): string => new Date(ms).toISOString();
    expect(seen).toEqual([`initializing/false@${at(0)}`, `ready/false@${at(100)}`, `ready/true@${at(100)}`]);
  });

  it('clears the error on `error: undefined`', () => {
    const tracker = new StatusTracker(virtualTime());
    tracker.update({ state: 'error', error: new ServerError(503) });
    tracker.update({ state: 'ready', error: undefined });
    expect('error' in tracker.value).toBe(false);
  });

  it('keeps `closed` for good: a late update neither changes the value nor emits', () => {
    const tracker = new StatusTracker(virtualTime());
    const states: string[] = [];
    tracker.status$.subscribe((status) => states.push(status.state));
    tracker.update({ state: 'closed', streaming: false });
    tracker.complete();
    tracker.update({ state: 'error', error: new ServerError(503) });
    expect(tracker.value.state).toBe('closed');
    expect(tracker.value.error).toBeUndefined();
    expect(states).toEqual(['initializing', 'closed']);
  });
});
