import { build } from 'esbuild';
import { runInNewContext } from 'node:vm';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, createFlagClient, cuttlegate, ofrep, rollgate, type FlagClientOptions } from '../../lib/index.js';
import { OPTION_KEYS } from '../../lib/client/options.js';
import { testSource } from '../../lib/testing/index.js';

/** The ConfigError `createFlagClient` throws for `options`, or undefined when it accepts them. */
function configError(options: Record<string, unknown>): ConfigError | undefined {
  try {
    createFlagClient({ transport: testSource({}), ...options }).close();
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('createFlagClient option ranges', () => {
  it.each([0, 1_000, 30_000, 2 ** 31 - 1])('accepts pollIntervalMs %d', (pollIntervalMs) => {
    expect(configError({ pollIntervalMs })).toBeUndefined();
  });

  it.each([1, 50, 999, 2 ** 31])('refuses pollIntervalMs %d, naming the valid values', (pollIntervalMs) => {
    const error = configError({ pollIntervalMs });
    expect(error?.field).toBe('pollIntervalMs');
    expect(error?.message).toBe(`pollIntervalMs: must be 0 (off) or a number from 1000 to 2147483647, got ${pollIntervalMs}`);
  });

  it('still refuses a negative or non-numeric pollIntervalMs', () => {
    expect(configError({ pollIntervalMs: -1 })?.field).toBe('pollIntervalMs');
    expect(configError({ pollIntervalMs: '5000' })?.field).toBe('pollIntervalMs');
  });

  it.each([1, 10_000, 2 ** 31 - 1])('accepts timeoutMs %d', (timeoutMs) => {
    expect(configError({ timeoutMs })).toBeUndefined();
  });

  it.each([0, -5, 2 ** 31, Number.NaN, '100'])('refuses timeoutMs %s with the valid range', (timeoutMs) => {
    const error = configError({ timeoutMs });
    expect(error?.field).toBe('timeoutMs');
    expect(error?.message).toBe(`timeoutMs: must be a number from 1 to 2147483647, got ${String(timeoutMs)}`);
  });

  it.each([
    [{ circuitBreaker: { openMs: 0 } }, 'circuitBreaker.openMs: must be a number from 1 to 2147483647, got 0'],
    [{ circuitBreaker: 'on' }, 'circuitBreaker: must be an object'],
    [{ backoff: { baseMs: -1 } }, 'backoff.baseMs: must be a number from 0 to 2147483647, got -1'],
    [{ tracking: { flushIntervalMs: Number.NaN } }, 'tracking.flushIntervalMs: must be a number from 1 to 2147483647, got NaN'],
    [{ tracking: { batchSize: 1.5 } }, 'tracking.batchSize: must be an integer, got 1.5'],
    [{ hiddenCloseMs: 2 ** 31 }, 'hiddenCloseMs: must be a number from 0 to 2147483647, got 2147483648'],
    [{ maxResponseBytes: 0 }, 'maxResponseBytes: must be a number from 1 to 2147483647, got 0'],
  ])('every number option follows one rule, named in its error: %j', (options, message) => {
    expect(configError(options)?.message).toBe(message);
  });

  it('accepts 0 where it means off, and a circuit breaker turned off', () => {
    expect(configError({ tracking: { telemetryIntervalMs: 0 }, hiddenCloseMs: 0, circuitBreaker: false, backoff: { baseMs: 0 } })).toBeUndefined();
  });
});

describe('object options', () => {
  it.each([
    [{ defaults: [] }, 'defaults: must be an object of flag key → value'],
    [{ bootstrap: 'x' }, 'bootstrap: must be an object of flag key → value'],
    [{ store: { save: async () => {} } }, 'store: must have save() and load()'],
    [{ store: null }, 'store: must have save() and load()'],
    [{ fleet: {} }, 'fleet: must be redisFleet(redis) or tabFleet(), with a transport that has an identity'],
    [{ fetch: 'fetch' }, 'fetch: must be a function'],
    [{ scheduler: null }, 'scheduler: must be an rxjs SchedulerLike'],
    [{ context: { userId: 7 } }, 'context.userId: must be a string'],
    [{ context: { attributes: { seen: [1, new Set([2])] } } }, 'context.attributes.seen.1: must be JSON data, a Date, or have toJSON()'],
    [{ transport: undefined }, 'transport: is required: cuttlegate({...}), rollgate({...}), ofrep({...}) or a test source'],
    [{ logger: {} }, 'logger: must have warn() and error()'],
    [{ logger: { warn: () => undefined, error: 'console' } }, 'logger: must have warn() and error()'],
    [{ logger: null }, 'logger: must have warn() and error()'],
    [{ streaming: 'no' }, 'streaming: must be true or false'],
    [{ freshBootstrap: 1 }, 'freshBootstrap: must be true or false'],
    [{ tracking: 5 }, 'tracking: must be an object'],
    [{ tracking: [] }, 'tracking: must be an object'],
  ])('each follows its rule, named in its error (null included): %j', (options, message) => {
    expect(configError(options)?.message).toBe(message);
  });

  it('are checked on every transport, whether or not it uses them (a transport without sinks ignores tracking)', () => {
    const transport = cuttlegate({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', project: 'p', environment: 'e' });
    expect(() => createFlagClient({ transport, tracking: 5 } as never)).toThrow(new ConfigError('tracking', 'must be an object'));
    expect(() => createFlagClient({ transport, logger: {} } as never)).toThrow(new ConfigError('logger', 'must have warn() and error()'));
    expect(() => createFlagClient({ transport, streaming: 'no' } as never)).toThrow(new ConfigError('streaming', 'must be true or false'));
  });

  it('accept a logger with only warn() and error(), and false flags', () => {
    expect(configError({ logger: { warn: () => undefined, error: () => undefined }, streaming: false, freshBootstrap: false })).toBeUndefined();
    expect(configError({ streaming: true, bootstrap: {}, freshBootstrap: true, tracking: {} })).toBeUndefined();
  });
});

describe('unknown option keys', () => {
  it('are refused, naming the key and the option it was meant to be', () => {
    expect(configError({ contxt: { userId: 'u' } })?.message).toBe('contxt: is not an option; did you mean context?');
    expect(configError({ pollIntervalMS: 5_000 })?.message).toBe('pollIntervalMS: is not an option; did you mean pollIntervalMs?');
    expect(configError({ zzz: 1 })?.message).toMatch(/^zzz: is not an option \(options: transport, context, streaming, /);
    // The nearest option by edit distance: a slip anywhere in the name, not only after its first letters.
    expect(configError({ timoutMs: 1_000 })?.message).toBe('timoutMs: is not an option; did you mean timeoutMs?');
    expect(configError({ trasnport: {} })?.message).toBe('trasnport: is not an option; did you mean transport?');
    expect(configError({ Poll_interval: 1 })?.message).toBe('Poll_interval: is not an option; did you mean pollIntervalMs?');
    // A key merely sharing a prefix with an option gets the list, not a misleading guess.
    expect(configError({ streamUrl: 'x' })?.message).toMatch(/^streamUrl: is not an option \(options: transport, /);
    expect(configError({ maxRetries: 3 })?.message).toMatch(/^maxRetries: is not an option \(options: transport, /);
  });

  it('of every transport too, and ofrep() without a base URL names OFREP_ENDPOINT', () => {
    expect(() => cuttlegate({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', project: 'p', environment: 'e', enviroment: 'e' } as never)).toThrow(
      'enviroment: is not an option; did you mean environment?',
    );
    expect(() => rollgate({ apiKey: 'k', baseURL: 'http://127.0.0.1:1' } as never)).toThrow('baseURL: is not an option; did you mean baseUrl?');
    expect(() => rollgate({ api_key: 'k' } as never)).toThrow('api_key: is not an option; did you mean apiKey?');
    expect(() => ofrep({ baseUrl: 'http://127.0.0.1:1', header: {} } as never)).toThrow('header: is not an option; did you mean headers?');
    const saved = process.env.OFREP_ENDPOINT;
    delete process.env.OFREP_ENDPOINT;
    try {
      expect(() => ofrep({})).toThrow('baseUrl: is required (or set OFREP_ENDPOINT)');
    } finally {
      if (saved !== undefined) process.env.OFREP_ENDPOINT = saved;
    }
  });

  it('list every key of FlagClientOptions as known', () => {
    expectTypeOf<Exclude<keyof FlagClientOptions, (typeof OPTION_KEYS)[number]>>().toBeNever();
  });
});

describe('the table of option rules', () => {
  it('stays out of a bundle of the context copy (what the testing, OpenFeature and stores entries import)', async () => {
    const result = await build({
      stdin: { contents: `export { ownContext } from './own-context.ts';`, resolveDir: new URL('../../lib/client/', import.meta.url).pathname, loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      write: false,
      external: ['rxjs'],
      logLevel: 'silent',
    });
    const text = result.outputFiles[0]!.text;
    expect(text).toContain('context.userId');
    expect(text).not.toMatch(/SchedulerLike|pollIntervalMs|save\(\) and load\(\)/);
  });
});

describe('the context copy', () => {
  it('keeps a date from another realm (a vm context, an iframe) a Date of its own, not a string', () => {
    const foreign = runInNewContext('new Date(0)') as Date;
    expect(foreign instanceof Date).toBe(false);
    const client = createFlagClient({ transport: testSource({}), context: { attributes: { at: foreign } } });
    const at = client.context.attributes?.at as unknown;
    client.close();
    expect(at instanceof Date && at.getTime()).toBe(0);
  });
});
