import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlagClient, JsonValue } from '../../lib/index.js';
import { createMockClient, testSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** Names every plain object inherits: none of them may read as a flag or a default. */
const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

/** Every read API of `client` for `key`, with the caller's defaults where the API takes one. */
async function readAll(client: FlagClient, key: string): Promise<Record<string, unknown>> {
  const first = <T>(values: AsyncIterable<T>): Promise<T> => {
    const iterator = values[Symbol.asyncIterator]();
    return iterator.next().then((step) => (iterator.return?.(), step.value as T));
  };
  return {
    bool: client.bool(key),
    string: client.string(key, 'd'),
    number: client.number(key, 7),
    json: client.json(key, 'd'),
    evaluate: [client.evaluate(key).value, client.evaluate(key).reason],
    flag$: (await firstValueFrom(client.flag$(key))).value,
    bool$: await firstValueFrom(client.bool$(key)),
    string$: await firstValueFrom(client.string$(key, 'd')),
    number$: await firstValueFrom(client.number$(key, 7)),
    json$: await firstValueFrom(client.json$(key, 'd')),
    values: await first(client.values(key, 'd')),
    snapshot: [client.snapshot.get(key), client.snapshot.has(key), client.all().json(key, 'd')],
  };
}

const missing = {
  bool: false,
  string: 'd',
  number: 7,
  json: 'd',
  evaluate: [undefined, 'not_found'],
  flag$: undefined,
  bool$: false,
  string$: 'd',
  number$: 7,
  json$: 'd',
  values: 'd',
  snapshot: [undefined, false, 'd'],
};

describe('key lookups are own-property only', () => {
  let client: FlagClient | undefined;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  it.each(INHERITED)('the real client does not read Object.prototype for %j', async (key) => {
    client = clientOn(testSource({ on: true }), virtualTime(), { defaults: { on: false } });
    await client.ready();
    expect(await readAll(client, key)).toEqual(missing);
  });

  it.each(INHERITED)('the mock client does not read Object.prototype for %j', async (key) => {
    client = createMockClient({ flags: { on: true }, defaults: { on: false } });
    const reads = await readAll(client, key);
    expect(reads).toEqual(missing);
  });

  it('such keys work as real flags, defaults and bootstrap values when they are own keys', async () => {
    const own = JSON.parse('{"__proto__": "p", "constructor": 3, "toString": true}') as Record<string, JsonValue>;
    client = clientOn(testSource({}), virtualTime(), { defaults: own, bootstrap: own });
    expect(client.string('__proto__', 'd')).toBe('p');
    expect(client.number('constructor', 0)).toBe(3);
    expect(client.bool('toString')).toBe(true);
    expect(client.evaluate('__proto__')).toMatchObject({ value: 'p', source: 'bootstrap' });
    expect(({} as Record<string, unknown>).p).toBeUndefined();

    const mock = createMockClient({ flags: own });
    expect(mock.string('__proto__', 'd')).toBe('p');
    mock.set('hasOwnProperty', 'own');
    expect(mock.evaluate('hasOwnProperty').value).toBe('own');
    mock.close();
  });
});
