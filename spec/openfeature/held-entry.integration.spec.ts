import { OpenFeature as ServerOpenFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, createFlagClient, cuttlegate, ofrep, rollgate, type FlagClient, type Transport } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { FakeCuttlegate } from '../support/fake-cuttlegate.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { FakeRollgate } from '../support/fake-rollgate.js';
import { silent } from '../support/virtual.js';
import { quietLogger, recordEvents, resetOpenFeature } from './support.js';

/**
 * One wire on a fake server over loopback: `reject()` makes the server send an entry for `held` that
 * the transport's decoder rejects (a field of the wrong type), `accept()` a valid one again. `held` is
 * a boolean flag, true, with the wire reason `heldReason`; `other`, a string flag, keeps `otherReason`.
 */
interface Wire {
  transport: Transport;
  held: string;
  heldReason: [wire: string, standard: string];
  other: string;
  otherReason: [wire: string, standard: string];
  reject(): void;
  accept(): void;
  close(): Promise<void>;
}

const wires: Array<[string, () => Promise<Wire>]> = [
  [
    'cuttlegate',
    async () => {
      const fake = await FakeCuttlegate.start([
        { key: 'dark-mode', enabled: true, value_key: 'true', type: 'bool', reason: 'rule_match' },
        { key: 'banner', enabled: true, value_key: 'holiday', type: 'string' },
      ]);
      return {
        transport: cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project: fake.project, environment: fake.environment }),
        held: 'dark-mode',
        heldReason: ['rule_match', 'TARGETING_MATCH'],
        other: 'banner',
        otherReason: ['default', 'DEFAULT'],
        reject: () => fake.set('dark-mode', { enabled: 'yes' as unknown as boolean }, false),
        accept: () => fake.set('dark-mode', { enabled: true }, false),
        close: () => fake.close(),
      };
    },
  ],
  [
    'rollgate',
    async () => {
      const reason = { kind: 'RULE_MATCH', ruleId: 'pro-rule', inRollout: true };
      const fake = await FakeRollgate.start([
        { key: 'pro-only', on: true, reason },
        { key: 'banner', on: true, type: 'string', value: 'Welcome' },
      ]);
      return {
        transport: rollgate({ apiKey: fake.apiKey, baseUrl: fake.url }),
        held: 'pro-only',
        heldReason: ['RULE_MATCH', 'TARGETING_MATCH'],
        other: 'banner',
        otherReason: ['FALLTHROUGH', 'DEFAULT'],
        reject: () => fake.set('pro-only', { reason: { ...reason, inRollout: 'yes' as unknown as boolean } }, false),
        accept: () => fake.set('pro-only', { reason }, false),
        close: () => fake.close(),
      };
    },
  ],
  [
    'ofrep',
    async () => {
      const fake = await FakeOfrep.start(exampleItems());
      const item = { key: 'discount-banner', value: true, reason: 'TARGETING_MATCH', variant: 'enabled', metadata: { team: 'shop' } };
      return {
        transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'none' }),
        held: 'discount-banner',
        heldReason: ['TARGETING_MATCH', 'TARGETING_MATCH'],
        other: 'theme-color',
        otherReason: ['STATIC', 'STATIC'],
        reject: () => fake.set({ ...item, reason: 7 }),
        accept: () => fake.set(item),
        close: () => fake.close(),
      };
    },
  ],
];

/** Lets the providers' event bridges send what the last task grouped. */
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe.each(wires)('%s: a flag whose entry the server sends malformed is held, and says so', (_, startWire) => {
  let wire: Wire;
  let client: FlagClient;

  beforeEach(async () => {
    WebOpenFeature.setLogger(quietLogger);
    ServerOpenFeature.setLogger(quietLogger);
    wire = await startWire();
    client = createFlagClient({ transport: wire.transport, streaming: false, pollIntervalMs: 0, logger: silent });
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
    await wire.close();
  });

  it('value kept, reason `stale` (OpenFeature STALE in both providers) while the others keep theirs; status ready naming the flag; fresh again once accepted', async () => {
    const { held, other } = wire;
    await WebOpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    await ServerOpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const web = WebOpenFeature.getClient();
    const server = ServerOpenFeature.getClient();
    const fresh = client.evaluate(held);
    expect(fresh).toMatchObject({ value: true, reason: wire.heldReason[0] });
    expect(web.getBooleanDetails(held, false).reason).toBe(wire.heldReason[1]);
    const webEvents = await recordEvents(WebOpenFeature, [ProviderEvents.ConfigurationChanged]);
    const serverEvents = await recordEvents(ServerOpenFeature, [ProviderEvents.ConfigurationChanged]);
    const changed = (): unknown[] => [webEvents.seen.map((e) => e.details?.flagsChanged), serverEvents.seen.map((e) => e.details?.flagsChanged)];

    wire.reject();
    await client.refresh();
    await tick();
    expect(client.bool(held)).toBe(true);
    const stale = client.evaluate(held);
    expect(stale).toEqual({ ...fresh, reason: 'stale' });
    expect(client.evaluate(other).reason).toBe(wire.otherReason[0]);
    expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
    expect(client.status.error).toBeInstanceOf(InvalidResponseError);
    expect(client.status.error?.message).toContain(held);
    const heldDetails = { value: true, variant: fresh.variant, reason: 'STALE' };
    expect(web.getBooleanDetails(held, false)).toMatchObject(heldDetails);
    expect(web.getBooleanDetails(held, false).errorCode).toBeUndefined();
    expect(await server.getBooleanDetails(held, false)).toMatchObject(heldDetails);
    expect(web.getStringDetails(other, '')).toMatchObject({ reason: wire.otherReason[1] });
    expect(await server.getStringDetails(other, '')).toMatchObject({ reason: wire.otherReason[1] });
    expect(changed()).toEqual([[[held]], [[held]]]);

    // Rejected again: the same held result, no change event.
    await client.refresh();
    await tick();
    expect(client.evaluate(held)).toBe(stale);
    expect(changed()).toEqual([[[held]], [[held]]]);

    wire.accept();
    await client.refresh();
    await tick();
    expect(client.evaluate(held)).toMatchObject({ value: true, reason: wire.heldReason[0] });
    expect(client.status.state).toBe('ready');
    expect(client.status.error).toBeUndefined();
    expect(web.getBooleanDetails(held, false).reason).toBe(wire.heldReason[1]);
    expect((await server.getBooleanDetails(held, false)).reason).toBe(wire.heldReason[1]);
    expect(changed()).toEqual([
      [[held], [held]],
      [[held], [held]],
    ]);
  });
  it('rejected in the first load (nothing good to hold): an error of its own, PARSE_ERROR, not a missing flag; read once accepted', async () => {
    const { held } = wire;
    wire.reject();
    await WebOpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    expect(client.evaluate(held)).toMatchObject({ value: undefined, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(client.bool(held, true)).toBe(true);
    expect(WebOpenFeature.getClient().getBooleanDetails(held, true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(client.status.error?.message).toContain(held);

    wire.accept();
    await client.refresh();
    expect(client.evaluate(held)).toMatchObject({ value: true, reason: wire.heldReason[0] });
    expect(client.evaluate(held).errorCode).toBeUndefined();
  });
});
