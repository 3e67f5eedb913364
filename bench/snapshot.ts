/**
 * Snapshot benchmarks: the cost of one change in a large snapshot, of keeping values immutable, of
 * the engine's change path (next snapshot + keyed fan-out), and the memory of a `bool$` subscription,
 * each next to a baseline measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject, Subject, distinctUntilChanged, map, type Subscription } from 'rxjs';
import { KeyedFanout } from '../lib/client/state/fanout.js';
import { sealResult } from '../lib/client/state/json-values.js';
import { FlagSnapshot, nextSnapshot } from '../lib/client/state/snapshot.js';
import { createFlagClient, type EvalResult } from '../lib/index.js';
import { boolFlags, changePayload as payload, nsPerOp, pushTransport, report, timedMs as timed } from './support.js';

/**
 * Section 6 runs each flag type in a fresh process (`snapshot-change.ts`), as an app with one
 * transport runs: the rows of one type then do not leave the shapes of another in the inline caches
 * of the code they share, which would penalise whichever type runs last.
 */
export async function snapshotChanges(): Promise<void> {
  console.log('\n6. One key changes in a snapshot of 10,000 flags (target ≤ 1 ms; each flag type in a fresh process)');
  const script = fileURLToPath(new URL('./snapshot-change.ts', import.meta.url));
  const rows: Array<[string, string]> = [];
  for (const kind of ['bool', 'string', 'number', 'json']) {
    const out = execFileSync(process.execPath, [...process.execArgv, script, kind], { encoding: 'utf8' });
    rows.push(...(JSON.parse(out) as Array<[string, string]>));
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
  for (let s = 0; s < 10_000; s += 1) subs.push(fanout.channel$(`flag-${s % 1_000}`).subscribe(() => (callbacks += 1)));
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
