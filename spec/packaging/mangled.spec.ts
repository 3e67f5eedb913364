/**
 * The published build shortens internal member names (scripts/internal-names.mjs, scripts/build.mjs).
 * These specs run the packed ES module and CommonJS entries as an app would — a client against the
 * local server (from the sources, so the wire format is the unshortened one), the OpenFeature and the
 * testing entries — and check that a shortened name is really gone from dist while the declarations keep it.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { killAll, spawnNode } from '../cli/cli-process.js';
import { PROD_KEY } from '../server/fixtures.js';
import { packBuild, type Packed } from './packed.js';

const run = promisify(execFile);
const quiet = { warn() {}, error() {} };

/** The app: ESM imports or CJS requires, then one scenario through every public step. */
const probe = (format: 'esm' | 'cjs'): string => `${
  format === 'esm'
    ? `import { createFlagClient, cuttlegate } from 'flagstream';
import { FlagstreamServerProvider } from 'flagstream/openfeature';
import { createMockClient, testSource } from 'flagstream/testing';
import { OpenFeature } from '@openfeature/server-sdk';
import { filter, firstValueFrom, timeout } from 'rxjs';`
    : `const { createFlagClient, cuttlegate } = require('flagstream');
const { FlagstreamServerProvider } = require('flagstream/openfeature');
const { createMockClient, testSource } = require('flagstream/testing');
const { OpenFeature } = require('@openfeature/server-sdk');
const { filter, firstValueFrom, timeout } = require('rxjs');`
}
const main = async () => {
  const [serverUrl, apiKey] = process.argv.slice(2);
  const quiet = { warn() {}, error() {} };
  const transport = () => cuttlegate({ serverUrl, apiKey, project: 'demo', environment: 'production' });
  const out = {};
  const client = createFlagClient({ transport: transport(), context: { userId: 'u-1', attributes: { plan: 'free' } }, logger: quiet });
  const ready = await client.ready();
  out.load = { ok: ready.ok, source: ready.source, checkout: client.bool('new-checkout', false), darkMode: client.bool('dark-mode', true) };
  await firstValueFrom(client.status$.pipe(filter((status) => status.streaming), timeout(5000)));
  const change = firstValueFrom(client.changes$.pipe(timeout(5000)));
  console.log('streaming'); // the spec toggles new-checkout now
  const { key, previous, current } = await change;
  out.change = { key, from: previous.value, to: current.value, checkout: client.bool('new-checkout', true), source: client.status.source };
  await client.identify({ userId: 'u-1', attributes: { plan: 'pro' } });
  out.identify = { darkMode: client.bool('dark-mode', false), context: client.context.attributes.plan };
  await client.refresh();
  out.refresh = { state: client.status.state, source: client.status.source };
  client.close();
  out.close = client.status.state;

  await OpenFeature.setProviderAndWait(new FlagstreamServerProvider({ transport: transport(), streaming: false, context: { userId: 'svc', attributes: { plan: 'pro' } }, logger: quiet }));
  out.openfeature = await OpenFeature.getClient().getBooleanDetails('dark-mode', false, { targetingKey: 'u-2', plan: 'pro' });
  await OpenFeature.close();

  const mock = createMockClient({ flags: { 'dark-mode': true } });
  const before = mock.bool('dark-mode', false);
  mock.set('dark-mode', false);
  mock.assertEvaluated('dark-mode', 1);
  const source = testSource({ banner: 'spring' });
  const tested = createFlagClient({ transport: source, logger: quiet });
  await tested.ready();
  source.set('banner', 'summer');
  await tested.refresh();
  out.testing = { before, after: mock.bool('dark-mode', true), banner: tested.string('banner', 'none') };
  tested.close();
  console.log(JSON.stringify(out));
};
main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
`;

let packed: Packed;
let server: FlagServer;

beforeAll(async () => {
  [packed, server] = await Promise.all([packBuild(), startServer({ file: 'examples/flags.json', watch: false, logger: quiet })]);
}, 180_000);

afterAll(async () => {
  await killAll();
  await server?.close();
  await packed?.remove();
});

describe('the built package with its internal member names shortened', () => {
  it.each(['esm', 'cjs'] as const)('runs a %s app: load, stream change, identify, refresh, close, the OpenFeature and testing entries', async (format) => {
    const file = join(packed.app, `probe-${format}.${format === 'esm' ? 'mjs' : 'cjs'}`);
    await writeFile(file, probe(format));
    server.toggle('demo', 'production', 'new-checkout', true);
    const app = spawnNode([file, server.url, PROD_KEY], {}, packed.app);
    await app.waitForStdout('streaming\n');
    server.toggle('demo', 'production', 'new-checkout', false);
    expect(await app.exited, app.stdout() + app.stderr()).toBe(0);
    const out = JSON.parse(app.stdout().split('\n').at(-2)!) as Record<string, unknown>;
    expect(out).toEqual({
      load: { ok: true, source: 'network', checkout: true, darkMode: false },
      change: { key: 'new-checkout', from: true, to: false, checkout: false, source: 'network' },
      identify: { darkMode: true, context: 'pro' },
      refresh: { state: 'ready', source: 'network' },
      close: 'closed',
      openfeature: expect.objectContaining({ flagKey: 'dark-mode', value: true, variant: 'true', reason: 'TARGETING_MATCH' }),
      testing: { before: true, after: false, banner: 'summer' },
    });
  }, 30_000);

  it('has no trace of a shortened member in either format, while the declarations keep its name', async () => {
    const lib = (file: string) => readFile(new URL(`../../lib/${file}`, import.meta.url), 'utf8');
    expect(await lib('client/client.ts')).toContain('private nothingToServe');
    expect(await lib('client/state/typed-values.ts')).toContain('protected viewSource$(');
    for (const format of ['esm', 'cjs']) {
      const client = await readFile(join(packed.installed, `dist/${format}/client/client.js`), 'utf8');
      expect(client).not.toContain('nothingToServe');
      expect(client).not.toContain('changeSubject');
      expect(client).toContain('snapshotFor(context)'); // a public member keeps its name
      expect(await readFile(join(packed.installed, `dist/${format}/client/state/typed-values.js`), 'utf8')).not.toContain('viewSource$');
      expect(await readFile(join(packed.installed, `dist/${format}/client/state/typed-values.d.ts`), 'utf8')).toContain('protected viewSource$(key: string)');
    }
  });

  it('prints what it shortened and what it kept, and why', async () => {
    const { stdout } = await run(process.execPath, ['scripts/internal-names.mjs', '--verbose'], { cwd: new URL('../..', import.meta.url).pathname });
    expect(stdout).toMatch(/^shortens \d+ internal member names: .*\bnothingToServe\b/);
    // Wire and stored keys stay: a flag's key and value, the snapshot's fields, a public member.
    for (const kept of ['key', 'value', 'flags', 'snapshotFor']) expect(stdout).toMatch(new RegExp(`^keeps ${kept.replace('$', '\\$')}: `, 'm'));
  }, 60_000);
});
