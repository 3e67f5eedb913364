import { describe, expect, it } from 'vitest';
import { FlagSnapshot } from '../../lib/client/state/snapshot.js';
import { pipedView, ttyView, viewFor } from '../../lib/cli/watch-view.js';
import type { ClientStatus, EvalResult } from '../../lib/types.js';

const at = '2026-01-01T00:00:00.000Z';
const result = (key: string, value: EvalResult['value'], reason = 'default', enabled = true): EvalResult => ({
  key,
  enabled,
  variant: typeof value === 'string' ? value : JSON.stringify(value),
  value,
  reason,
  evaluatedAt: at,
  source: 'network',
});
const status = (patch: Partial<ClientStatus>): ClientStatus => ({ state: 'ready', source: 'network', circuit: 'closed', streaming: true, since: at, ...patch });

function buffer(): { text: string; write(chunk: string): void } {
  return {
    text: '',
    write(chunk) {
      this.text += chunk;
    },
  };
}

describe('pipedView', () => {
  it('lists the first snapshot only, then prints change, status and note lines', () => {
    const out = buffer();
    const err = buffer();
    const view = pipedView(out, err);
    view.header(['header line']);
    const first = FlagSnapshot.from([result('dark-mode', true, 'rule_match'), result('banner', 'welcome'), result('limits', { max: 3 })]);
    view.flags(first);
    view.flags(FlagSnapshot.from([result('dark-mode', false)]));
    view.change({ key: 'dark-mode', previous: first.get('dark-mode'), current: result('dark-mode', false, 'disabled', false) });
    view.change({ key: 'banner', previous: first.get('banner'), current: undefined });
    view.change({ key: 'off', previous: result('off', false), current: result('off', false, 'disabled', false) });
    view.change({ key: 'off', previous: result('off', false, 'disabled', false), current: result('off', false) });
    view.change({ key: 'plan', previous: result('plan', 'free'), current: result('plan', 'free', 'rule_match') });
    view.status(status({ state: 'stale', streaming: false, error: new Error('fetch failed') }));
    view.note('reloaded');
    const lines = out.text.split('\n').map((line) => line.replace(/^\d\d:\d\d:\d\d /, '<t> '));
    expect(lines).toEqual([
      'header line',
      '<t> 3 flags:',
      '  KEY        VALUE      VARIANT    REASON      ENABLED',
      '  dark-mode  true       true       rule_match  true',
      '  banner     "welcome"  welcome    default     true',
      '  limits     {"max":3}  {"max":3}  default     true',
      '<t> dark-mode true → false (disabled)',
      '<t> banner "welcome" → (absent) (removed)',
      '<t> off false unchanged, switched off (disabled)',
      '<t> off false unchanged, switched on (default)',
      '<t> plan "free" unchanged, reason default → rule_match',
      '<t> status: stale: fetch failed',
      '',
    ]);
    expect(err.text).toMatch(/^\d\d:\d\d:\d\d reloaded\n$/);
  });
});

describe('ttyView', () => {
  it('redraws header, status, table, recent changes and notes from the top on every update', () => {
    const out = buffer();
    const view = ttyView(out);
    view.header(['flagstream dev: listening on http://127.0.0.1:1']);
    view.status(status({}));
    const first = FlagSnapshot.from([result('dark-mode', true, 'rule_match'), result('config', { text: 'x'.repeat(80) })]);
    view.flags(first);
    view.change({ key: 'dark-mode', previous: first.get('dark-mode'), current: result('dark-mode', false, 'disabled', false) });
    view.note('reloaded flags.json');
    const frames = out.text.split('\x1b[H\x1b[2J');
    expect(frames).toHaveLength(6);
    const last = frames.at(-1)!;
    expect(last).toMatch(/^flagstream dev: listening on http:\/\/127\.0\.0\.1:1\n\nstatus: ready \(streaming\) \(since \d\d:\d\d:\d\d\)\n\nKEY /);
    expect(last).toMatch(/\ndark-mode +true +true +rule_match +true\n/);
    expect(last).toMatch(/\nconfig +\{"text":"x{38}… /);
    expect(last).toMatch(/\nRecent changes:\n {2}\d\d:\d\d:\d\d dark-mode true → false \(disabled\)\n\n\d\d:\d\d:\d\d reloaded flags\.json\n$/);
  });

  it('is chosen for a TTY, line mode otherwise', () => {
    const out = Object.assign(buffer(), { isTTY: true });
    viewFor(out, buffer()).header(['x']);
    expect(out.text.startsWith('\x1b[H\x1b[2J')).toBe(true);
    const piped = buffer();
    viewFor(piped, buffer()).header(['x']);
    expect(piped.text).toBe('x\n');
  });
});
