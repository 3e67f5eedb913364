/**
 * Attribute values that are objects of a class, over real HTTP on two transports: a value with
 * `toJSON()` (a date-time library's, a value object) is copied as its JSON when the client takes the
 * context, so the app changing it later changes neither what is sent nor the context's key; a data
 * class without one (a DTO) is copied by its own fields, as JSON sends it; a collection (a `Map`, a
 * `Set`) is refused with a `ConfigError` naming the attribute, the client's context and values kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createFlagClient, cuttlegate, ofrep, type FlagClient, type Transport } from '../../lib/index.js';
import { FakeCuttlegate } from '../support/fake-cuttlegate.js';
import { FakeOfrep } from '../support/fake-ofrep.js';

/** A mutable value object with `toJSON()`, as a Moment, Luxon's `DateTime` or a Temporal type has. */
class Instant {
  constructor(public iso: string) {}
  toJSON(): string {
    return this.iso;
  }
}

/** A data class without `toJSON()`, as an ORM entity or a DTO is. */
class Plan {
  constructor(
    public name: string,
    public seats: number,
  ) {}
  get label(): string {
    return `${this.name}/${this.seats}`;
  }
}

/** A fake server of one transport: the client's transport, and the attributes each bulk request sent. */
interface World {
  transport: Transport;
  sent(): Record<string, unknown>[];
  close(): Promise<void>;
}

const WORLDS: [string, () => Promise<World>][] = [
  [
    'cuttlegate',
    async () => {
      const fake = await FakeCuttlegate.start([{ key: 'beta', enabled: true, value_key: 'true', type: 'bool' }]);
      return {
        transport: cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project: fake.project, environment: fake.environment }),
        sent: () => fake.requests.filter((r) => r.path.endsWith('/evaluate')).map((r) => (r.body as { context: { attributes: Record<string, unknown> } }).context.attributes),
        close: () => fake.close(),
      };
    },
  ],
  [
    'ofrep',
    async () => {
      const fake = await FakeOfrep.start([{ key: 'beta', value: true, reason: 'STATIC', variant: 'on' }]);
      return {
        transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'none' }),
        sent: () => fake.requests.filter((r) => r.path.endsWith('/evaluate/flags')).map((r) => (r.body as { context: Record<string, unknown> }).context),
        close: () => fake.close(),
      };
    },
  ],
];

describe.each(WORLDS)('class-instance attribute values over %s', (name, start) => {
  let world: World | undefined;
  let client: FlagClient | undefined;
  afterEach(async () => {
    client?.close();
    await world?.close();
  });

  async function readyClient(): Promise<FlagClient> {
    world = await start();
    client = createFlagClient({ transport: world.transport, context: { userId: 'u-1' }, streaming: false, pollIntervalMs: 0, logger: { warn() {}, error() {} } });
    expect(await client.ready()).toEqual({ ok: true, source: 'network' });
    return client;
  }

  it('a value with toJSON() is sent as its JSON, and the app changing it after identify() changes nothing sent', async () => {
    const c = await readyClient();
    const when = new Instant('2024-06-01T10:00:00.000+02:00');
    await c.identify({ userId: 'u-1', attributes: { when } });
    when.iso = '2031-01-01T00:00:00.000Z';
    await c.refresh();
    expect(world!.sent().slice(1).map((attributes) => attributes.when)).toEqual(['2024-06-01T10:00:00.000+02:00', '2024-06-01T10:00:00.000+02:00']);
    expect(c.context.attributes).toEqual({ when: '2024-06-01T10:00:00.000+02:00' });
    expect([c.bool('beta'), c.status.state]).toEqual([true, 'ready']);
  });

  it('a data class (no toJSON) is sent and kept as its own fields, copied: the app changing it after identify() changes nothing sent', async () => {
    const c = await readyClient();
    const plan = new Plan('pro', 3);
    const derived = Object.assign(Object.create({ inherited: true }) as object, { tier: 2 });
    await c.identify({ userId: 'u-1', attributes: { plan, derived } });
    plan.seats = 40;
    await c.refresh();
    // Cuttlegate's wire takes scalar attributes only (objects are left out, with a warning); OFREP sends them.
    const fields = name === 'ofrep' ? [{ name: 'pro', seats: 3 }, { tier: 2 }] : [undefined, undefined];
    expect(world!.sent().slice(1).map(({ plan, derived }) => [plan, derived])).toEqual([fields, fields]);
    expect(c.context.attributes).toEqual({ plan: { name: 'pro', seats: 3 }, derived: { tier: 2 } });
    expect([c.bool('beta'), c.status.state]).toEqual([true, 'ready']);
  });

  it('a Map (no toJSON) is refused with a ConfigError naming the attribute: nothing sent, context and values kept', async () => {
    const c = await readyClient();
    const refused = (): unknown => c.identify({ userId: 'u-2', attributes: { plan: 'pro', tags: new Map([['beta', true]]) } });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(/^context\.attributes\.tags: /);
    expect(() => c.snapshotFor({ attributes: { nested: { seen: new Set(['x']) } } })).toThrow(/^context\.attributes\.nested\.seen: /);
    expect(world!.sent()).toHaveLength(1);
    expect([c.context, c.bool('beta'), c.status.state]).toEqual([{ userId: 'u-1' }, true, 'ready']);
  });
});
