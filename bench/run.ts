/**
 * flagstream benchmarks: each compares against a baseline or a peer SDK in the same run and prints
 * ratios. Run with `npm run bench` (needs `--expose-gc`, which the script passes).
 */
import { BehaviorSubject, distinctUntilChanged, map, type Subscription } from 'rxjs';
import { InMemoryProvider, OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { createFlagClient } from '../lib/index.js';
import { boolFlags, nsPerOp, percentile, pushTransport, report } from './support.js';
import { loopbackLatency } from './latency.js';
import { clientMemory, openFeatureProviders } from './openfeature.js';
import { enginePath, snapshotChanges, subscriptionMemory } from './snapshot.js';
import { fleetRequests, fleetTakeover } from './fleet.js';
import { flagMemory } from './flag-memory.js';
import { bundleSize } from './bundles.js';

const ratio = (ours: number, theirs: number): string => `${(theirs / ours).toFixed(1)}× ${theirs >= ours ? 'faster' : 'slower'}`;

async function hotRead(): Promise<void> {
  console.log('\n1. Hot read: bool(key) on a loaded client with 1,000 flags (target ≤ 50 ns/op)');
  const flags = boolFlags(1_000);
  const { transport } = pushTransport(flags);
  const client = createFlagClient({ transport, pollIntervalMs: 0 });
  await client.ready();
  const map = new Map(flags.map((f) => [f.key, f.value]));
  const keys = flags.map((f) => f.key);
  let i = 0;
  const next = (): string => keys[(i = (i + 1) % 1_000)]!;

  const provider = new InMemoryProvider(openFeatureConfig(1_000, true));
  await OpenFeature.setProviderAndWait(provider);
  const ofClient = OpenFeature.getClient();

  const n = 2_000_000;
  const baseline = nsPerOp(() => map.get(next()), n);
  const ours = nsPerOp(() => client.bool(next()), n);
  const snapshot = client.snapshot;
  const viaSnapshot = nsPerOp(() => snapshot.bool(next()), n);
  const openFeature = nsPerOp(() => ofClient.getBooleanValue(next(), false), n / 20);
  report([
    ['Map.get (baseline)', `${baseline.toFixed(1)} ns/op`],
    ['flagstream client.bool', `${ours.toFixed(1)} ns/op   (${(ours / baseline).toFixed(1)}× baseline)`],
    ['flagstream snapshot.bool', `${viaSnapshot.toFixed(1)} ns/op`],
    ['OpenFeature web getBooleanValue', `${openFeature.toFixed(1)} ns/op   flagstream is ${ratio(ours, openFeature)}`],
  ]);
  client.close();
  await OpenFeature.close();
}

async function fanOut(): Promise<void> {
  console.log('\n2. One key changes; 10,000 subscriptions over 1,000 keys (target ≤ 0.2 ms)');
  const keys = 1_000;
  const subscriptions = 10_000;
  const rounds = 200;
  const flags = boolFlags(keys);
  const { transport, push } = pushTransport(flags);
  const client = createFlagClient({ transport, pollIntervalMs: 0 });
  await client.ready();
  let emissions = 0;
  const subs: Subscription[] = [];
  for (let s = 0; s < subscriptions; s += 1) subs.push(client.flag$(`flag-${s % keys}`).subscribe(() => (emissions += 1)));
  emissions = 0;
  const ours: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const next = flags.map((f) => (f.key === 'flag-7' ? { ...f, value: r % 2 === 0 ? false : true, variant: String(r % 2 !== 0) } : f));
    const start = process.hrtime.bigint();
    push(next);
    ours.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const perChange = emissions / rounds;
  for (const sub of subs) sub.unsubscribe();
  client.close();

  // Naive RxJS: one subject of the whole state, every subscriber maps its key and de-duplicates.
  const state = new BehaviorSubject<Record<string, boolean>>(Object.fromEntries(flags.map((f) => [f.key, true])));
  const naiveSubs: Subscription[] = [];
  for (let s = 0; s < subscriptions; s += 1) {
    const key = `flag-${s % keys}`;
    naiveSubs.push(state.pipe(map((all) => all[key]), distinctUntilChanged()).subscribe());
  }
  const naive: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const next = { ...state.value, 'flag-7': r % 2 !== 0 };
    const start = process.hrtime.bigint();
    state.next(next);
    naive.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  for (const sub of naiveSubs) sub.unsubscribe();

  // OpenFeature web: every subscriber is a ConfigurationChanged handler that re-reads its key.
  const provider = new InMemoryProvider(openFeatureConfig(keys, true));
  await OpenFeature.setProviderAndWait(provider);
  const ofClient = OpenFeature.getClient();
  const handlers: Array<() => void> = [];
  for (let s = 0; s < subscriptions; s += 1) {
    const key = `flag-${s % keys}`;
    const handler = (): void => void ofClient.getBooleanValue(key, false);
    handlers.push(handler);
    ofClient.addHandler(ProviderEvents.ConfigurationChanged, handler);
  }
  const openFeature: number[] = [];
  for (let r = 0; r < 10; r += 1) {
    const config = openFeatureConfig(keys, true);
    config['flag-7']!.defaultVariant = r % 2 === 0 ? 'off' : 'on';
    const start = process.hrtime.bigint();
    await provider.putConfiguration(config);
    openFeature.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  for (const handler of handlers) ofClient.removeHandler(ProviderEvents.ConfigurationChanged, handler);
  await OpenFeature.close();

  const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
  report([
    ['flagstream (diff + keyed fan-out)', `${median(ours).toFixed(3)} ms median, ${perChange} subscriber callbacks per change`],
    ['naive RxJS map + distinct', `${median(naive).toFixed(3)} ms median   flagstream is ${ratio(median(ours), median(naive))}`],
    ['OpenFeature web handlers', `${median(openFeature).toFixed(3)} ms median   flagstream is ${ratio(median(ours), median(openFeature))}`],
  ]);
}

async function churn(): Promise<void> {
  console.log('\n3. 100,000 flag$ subscribe/unsubscribe cycles (target: heap growth ≤ 1 MB after GC)');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('  skipped: run with node --expose-gc');
    return;
  }
  const { transport } = pushTransport(boolFlags(1_000));
  const client = createFlagClient({ transport, pollIntervalMs: 0 });
  await client.ready();
  for (let i = 0; i < 1_000; i += 1) client.flag$(`flag-${i % 1_000}`).subscribe().unsubscribe();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i += 1) client.bool$(`flag-${i % 1_000}`).subscribe().unsubscribe();
  gc();
  const after = process.memoryUsage().heapUsed;
  client.close();
  report([['heap growth', `${((after - before) / 1024).toFixed(1)} KiB`]]);
}

function openFeatureConfig(count: number, value: boolean): Record<string, { variants: Record<string, boolean>; defaultVariant: string; disabled: boolean }> {
  const config: Record<string, { variants: Record<string, boolean>; defaultVariant: string; disabled: boolean }> = {};
  for (let i = 0; i < count; i += 1) {
    config[`flag-${i}`] = { variants: { on: true, off: false }, defaultVariant: value ? 'on' : 'off', disabled: false };
  }
  return config;
}

async function main(): Promise<void> {
  console.log(`flagstream benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
  // `npm run bench -- snapshot memory` runs only the named sections.
  const sections: Array<[string, () => Promise<void>]> = [
    ['hot', hotRead],
    ['fanout', fanOut],
    ['churn', churn],
    ['bundle', bundleSize],
    ['latency', loopbackLatency],
    ['snapshot', snapshotChanges],
    ['engine', enginePath],
    ['memory', subscriptionMemory],
    ['openfeature', openFeatureProviders],
    ['fleet', fleetRequests],
    ['takeover', fleetTakeover],
    ['flagmemory', async () => (await flagMemory(), await clientMemory())],
  ];
  const only = process.argv.slice(2);
  for (const [name, run] of sections) if (only.length === 0 || only.includes(name)) await run();
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
