/**
 * Shared by the format specs (mangled-formats.spec.ts and its scenarios): the entries a scenario runs
 * (from lib/ or a packed build), its fixed inputs, and how captured outputs are compared.
 */
import type * as libCore from '../../lib/index.js';
import type * as libOpenFeature from '../../lib/openfeature/index.js';
import type * as libServer from '../../lib/server/index.js';
import type * as libStores from '../../lib/stores/index.js';
import type * as libTesting from '../../lib/testing/index.js';
import type { EvalResult } from '../../lib/index.js';

/** The entries a scenario uses, from the sources or from the build. */
export interface Build {
  name: 'lib' | 'esm' | 'cjs';
  core: typeof libCore;
  stores: typeof libStores;
  testing: typeof libTesting;
  openfeature: typeof libOpenFeature;
  server: typeof libServer;
}

export const quiet = { warn() {}, error() {} };
export const context = { userId: 'u-1', attributes: { plan: 'pro', email: 'u-1@example.com' } };
/** Every field a result can carry: a bool, a variant with a value and details, an error code. */
export const initialFlags = (): Record<string, EvalResult> => ({
  'dark-mode': { key: 'dark-mode', enabled: true, variant: 'true', value: true, reason: 'TARGETING_MATCH', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network' },
  banner: { key: 'banner', enabled: true, variant: 'spring', value: { text: 'Spring', cols: 3 }, reason: 'SPLIT', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network', details: { ruleId: 'r-2', inRollout: true } },
  broken: { key: 'broken', enabled: false, variant: 'off', value: undefined, reason: 'ERROR', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network', errorCode: 'PARSE_ERROR' },
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/**
 * Fields whose value is a random id or starts with one: a fleet member's (`<id>.<count>`), and an
 * ETag (the OFREP one hashes a body that names the server's random stream channel).
 */
const ID_FIELD = /^epoch$|:lease$|^etag$|^if-none-match$/;
/** A random id inside a text: the OFREP stream channel a server hands out. */
const ID_IN_TEXT = /channel=([\w-]+)/g;
/** Numeric fields that hold a duration measured at run time, or a time in seconds. */
const DURATION_FIELD = /^period_?ms$/i;
const SECONDS_FIELD = /^lastModified$/;

/**
 * Times, measured durations and random ids out, so two runs of one scenario compare: ISO times and
 * epoch milliseconds (a tab leadership's term), and the ids members draw (named by first appearance, so equal ids stay equal).
 */
export function normalised(value: unknown): unknown {
  const ids = new Map<string, string>();
  const collect = (item: unknown, field = ''): void => {
    const found = (id: string): void => void (ids.has(id) || ids.set(id, `<id${ids.size}>`));
    if (typeof item === 'string') {
      if (ID_FIELD.test(field)) found(item.replace(/\.\d+$/, ''));
      for (const [, id] of item.matchAll(ID_IN_TEXT)) found(id!);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, inner] of Object.entries(item)) collect(inner, key);
    }
  };
  collect(value);
  const replace = (item: unknown, field = ''): unknown => {
    if (typeof item === 'string') return ISO.test(item) ? '<time>' : [...ids].reduce((text, [id, name]) => text.replaceAll(id, name), item);
    if (typeof item === 'number') return DURATION_FIELD.test(field) ? '<duration>' : SECONDS_FIELD.test(field) || item > 1e12 ? '<time>' : item;
    if (Array.isArray(item)) return item.map((inner) => replace(inner));
    if (typeof item === 'object' && item !== null) return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, replace(inner, key)]));
    return item;
  };
  return replace(value);
}

/** The initial flags' dark-mode, off. */
export const darkOff = (): EvalResult => ({ ...initialFlags()['dark-mode']!, enabled: false, variant: 'false', value: false });

/** A JSON text parsed, anything else as it is. */
export const parsed = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** Resolves to `read()`'s first answer other than `undefined`, tried every `pause()` (20 ms) for 3 s at most. */
export async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string, pause = () => new Promise((resolve) => setTimeout(resolve, 20))): Promise<T> {
  for (const start = Date.now(); Date.now() - start < 3_000; await pause()) {
    const value = await read();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One request a client made and the answer it got. */
export interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

/** A fetch that records each exchange in `log`, the server's address written as `<server>`. */
export function recordingFetch(log: Exchange[], server: string): typeof fetch {
  return async (input, init) => {
    const headers = Object.fromEntries([...new Headers(init?.headers)].sort());
    const request = { url: String(input).replace(server, '<server>'), method: init?.method ?? 'GET', headers, body: typeof init?.body === 'string' ? parsed(init.body) : (init?.body ?? null) };
    const response = await fetch(input, init);
    const kept = ['content-type', 'etag', 'cache-control', 'retry-after'].filter((name) => response.headers.has(name));
    log.push({ request, response: { status: response.status, headers: Object.fromEntries(kept.map((name) => [name, response.headers.get(name)!])), body: parsed(await response.clone().text()) } });
    return response;
  };
}
