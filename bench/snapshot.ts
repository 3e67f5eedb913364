/**
 * Snapshot benchmarks: the cost of one change in a large snapshot, of keeping values immutable, of
 * the engine's change path (next snapshot + keyed fan-out), and the memory of a `bool$` subscription,
 * each next to a baseline measured in the same run.
 */
import { BehaviorSubject, Subject, distinctUntilChanged, map, type Subscription } from 'rxjs';
import { KeyedFanout } from '../lib/client/state/fanout.js';
import { sealResult } from '../lib/client/state/json-values.js';
import { FlagSnapshot, diffSnapshots, nextSnapshot } from '../lib/client/state/snapshot.js';
import { bulkResults, type JsonTexts } from '../lib/transports/cuttlegate/wire.js';
import { createFlagClient, type EvalResult, type JsonValue } from '../lib/index.js';
import { boolFlags, nsPerOp, percentile, pushTransport, report } from './support.js';

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

/** Median ms of `change(round)` over `rounds` rounds (after a warm-up). */
function timed(rounds: number, change: (round: number) => void): number {
  for (let r = 0; r < 20; r += 1) change(r);
  const times: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = process.hrtime.bigint();
    change(r);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** `count` flags of one type: bool `true`, a string, a number, or a small JSON object. */
function typedFlags(count: number, kind: 'bool' | 'string' | 'number' | 'json'): EvalResult[] {
  return boolFlags(count).map((flag, i) => {
    if (kind === 'bool') return flag;
    const value: JsonValue = kind === 'string' ? `colour-${i % 7}` : kind === 'number' ? i * 10 : { limit: i, tags: ['a', 'b'], nested: { on: true } };
    return { ...flag, variant: kind === 'string' ? (value as string) : `v${i}`, value };
  });
}

/** A payload like `flags` (fresh objects, as a decoder makes them) with `flag-7` toggled by `round`. */
function payload(flags: EvalResult[], round: number): EvalResult[] {
  return flags.map((f) =>
    f.key === 'flag-7' ? { ...f, variant: String(round % 2 !== 0), value: round % 2 !== 0 } : { ...f, value: structuredCloneJson(f.value) },
  );
}

/** `payload(flags, round)` as the Cuttlegate wire sends it: the response text. */
function cuttlegateBody(flags: EvalResult[], kind: 'bool' | 'string' | 'number' | 'json', round: number): string {
  const wire = payload(flags, round).map((f) => {
    const type = typeof f.value === 'boolean' ? 'bool' : kind;
    const text = typeof f.value === 'string' ? f.value : JSON.stringify(f.value);
    return { key: f.key, enabled: f.enabled, value: type === 'bool' ? null : text, value_key: text, reason: f.reason, type };
  });
  return JSON.stringify({ flags: wire, evaluated_at: flags[0]!.evaluatedAt });
}

function structuredCloneJson(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === 'object' && value !== null ? (JSON.parse(JSON.stringify(value)) as JsonValue) : value;
}

export async function snapshotChanges(): Promise<void> {
  console.log('\n6. One key changes in a snapshot of 10,000 flags (target ≤ 1 ms)');
  const rows: Array<[string, string]> = [];
  for (const kind of ['bool', 'string', 'number', 'json'] as const) {
    const flags = typedFlags(10_000, kind);
    const payloads = [payload(flags, 0), payload(flags, 1)];
    let previous = FlagSnapshot.from(flags);
    const ours = timed(100, (r) => {
      const update = nextSnapshot(previous, payloads[r % 2]!);
      if (update.changes.length !== 1) throw new Error('expected exactly one change');
      previous = update.snapshot;
    });
    let old = FlagSnapshot.from(flags);
    const rebuild = timed(30, (r) => {
      const next = FlagSnapshot.from(payloads[r % 2]!);
      diffSnapshots(old, next);
      old = next;
    });
    const mapOnly = timed(100, (r) => new Map(payloads[r % 2]!.map((f) => [f.key, f])));
    // As a Cuttlegate session loads: each response parsed, decoded (its JSON texts kept from one load to the next) and applied.
    const bodies = [cuttlegateBody(flags, kind, 0), cuttlegateBody(flags, kind, 1)];
    const texts: JsonTexts = { last: new Map(), next: new Map() };
    const decode = (r: number): EvalResult[] => bulkResults(JSON.parse(bodies[r % 2]!), 'bench', '', texts).flags;
    let wired = FlagSnapshot.from(decode(1));
    const parseOnly = timed(100, (r) => JSON.parse(bodies[r % 2]!));
    const viaWire = timed(100, (r) => {
      const update = nextSnapshot(wired, decode(r));
      if (update.changes.length !== 1) throw new Error('expected exactly one change');
      wired = update.snapshot;
    });
    rows.push(
      [
        `nextSnapshot, ${kind} values`,
        `${ours.toFixed(3)} ms median   full rebuild + diff ${rebuild.toFixed(3)} ms (${(rebuild / ours).toFixed(1)}× slower); new Map of the payload ${mapOnly.toFixed(3)} ms`,
      ],
      [`  a Cuttlegate load: JSON.parse, decode, nextSnapshot`, `${viaWire.toFixed(3)} ms median   (JSON.parse of the body alone ${parseOnly.toFixed(3)} ms)`],
    );
  }
  const value = { limit: 1, tags: Array.from({ length: 40 }, (_, i) => `tag-${i}`), rules: { a: { b: { c: [1, 2, 3] } } } };
  const one = boolFlags(1)[0]!;
  const seal = nsPerOp(() => sealResult({ ...one, value }), 20_000);
  const spread = nsPerOp(() => ({ ...one, value }), 20_000);
  rows.push([`copy + deep-freeze one result (${JSON.stringify(value).length} B value)`, `${(seal / 1000).toFixed(2)} µs   (a shallow copy: ${(spread / 1000).toFixed(3)} µs)`]);
  report(rows);
}

export async function enginePath(): Promise<void> {
  console.log('\n7. Engine path: one key changes, 10,000 flag$ subscriptions over 1,000 keys (target ≤ 0.2 ms)');
  const flags = boolFlags(1_000);
  const payloads = [payload(flags, 0), payload(flags, 1)];
  let current = FlagSnapshot.from(flags);
  const fanout = new KeyedFanout<EvalResult>((key) => current.get(key));
  let callbacks = 0;
  const subs: Subscription[] = [];
  for (let s = 0; s < 10_000; s += 1) subs.push(fanout.observe(`flag-${s % 1_000}`).subscribe(() => (callbacks += 1)));
  callbacks = 0;
  const ours = timed(200, (r) => {
    const { snapshot, changes } = nextSnapshot(current, payloads[r % 2]!);
    current = snapshot;
    for (const change of changes) fanout.push(change.key, snapshot.get(change.key)!);
  });
  const perChange = callbacks / 220;
  for (const sub of subs) sub.unsubscribe();

  const state = new BehaviorSubject<Record<string, boolean>>(Object.fromEntries(flags.map((f) => [f.key, true])));
  const naiveSubs: Subscription[] = [];
  for (let s = 0; s < 10_000; s += 1) {
    const key = `flag-${s % 1_000}`;
    naiveSubs.push(state.pipe(map((all) => all[key]), distinctUntilChanged()).subscribe());
  }
  const naive = timed(200, (r) => state.next({ ...state.value, 'flag-7': r % 2 !== 0 }));
  for (const sub of naiveSubs) sub.unsubscribe();
  report([
    ['nextSnapshot + keyed fan-out', `${ours.toFixed(3)} ms median, ${perChange} subscriber callbacks per change`],
    ['naive RxJS map + distinct', `${naive.toFixed(3)} ms median   ours is ${(naive / ours).toFixed(1)}× faster`],
  ]);
}

export async function subscriptionMemory(): Promise<void> {
  console.log('\n8. Memory per bool$ subscription, 100,000 subscriptions over 1,000 keys (target ≤ 0.7 KiB)');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('  skipped: run with node --expose-gc');
    return;
  }
  const n = 100_000;
  const noop = (): void => undefined;
  const perSubscription = (subscribe: (i: number) => Subscription): number => {
    const held: Subscription[] = new Array<Subscription>(n);
    for (let i = 0; i < 1_000; i += 1) subscribe(i).unsubscribe();
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i += 1) held[i] = subscribe(i);
    gc();
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / n;
    for (const sub of held) sub.unsubscribe();
    return bytes;
  };
  const { transport } = pushTransport(boolFlags(1_000));
  const client = createFlagClient({ transport, pollIntervalMs: 0 });
  await client.ready();
  const ours = perSubscription((i) => client.bool$(`flag-${i % 1_000}`).subscribe(noop));
  const chain = perSubscription((i) =>
    client
      .flag$(`flag-${i % 1_000}`)
      .pipe(
        map((r) => (typeof r.value === 'boolean' ? r.value : false)),
        distinctUntilChanged(),
      )
      .subscribe(noop),
  );
  client.close();
  const state = new BehaviorSubject<Record<string, boolean>>({});
  const naive = perSubscription((i) => {
    const key = `flag-${i % 1_000}`;
    return state.pipe(map((all) => all[key] ?? false), distinctUntilChanged()).subscribe(noop);
  });
  const subject = new Subject<boolean>();
  const floor = perSubscription(() => subject.subscribe(noop));
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;
  report([
    ['flagstream bool$ (shared per key and default)', kib(ours)],
    ['per-subscriber map + distinct on flag$ (before)', kib(chain)],
    ['naive RxJS state.pipe(map, distinct)', kib(naive)],
    ['baseline: a bare Subject subscription', kib(floor)],
  ]);
}
