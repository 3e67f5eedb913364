/** Shared set-up for the OpenFeature provider specs: singleton resets and event recording. */
import { OpenFeature as ServerOpenFeature } from '@openfeature/server-sdk';
import type { AnyProviderEvent, EventDetails } from '@openfeature/core';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { EvalResult } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { silent } from '../support/virtual.js';

/** Puts both OpenFeature singletons back to their defaults: providers closed, handlers, hooks and contexts gone. */
export async function resetOpenFeature(): Promise<void> {
  await WebOpenFeature.clearProviders();
  await WebOpenFeature.clearContexts();
  WebOpenFeature.clearHandlers();
  WebOpenFeature.clearHooks();
  await ServerOpenFeature.clearProviders();
  ServerOpenFeature.setContext({});
  ServerOpenFeature.clearHandlers();
  ServerOpenFeature.clearHooks();
}

/** A logger for the SDKs that drops everything (the specs assert on details and events instead). */
export const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** One received OpenFeature event. */
export interface Seen {
  type: string;
  details: EventDetails | undefined;
}

/**
 * Records every event of `types` that `api.addHandler` delivers from now on; `next(type)` resolves on
 * the next one. The SDK runs a new handler at once for the provider's current status (a READY
 * provider's PROVIDER_READY): that replay is let through and dropped.
 */
export async function recordEvents(
  api: typeof WebOpenFeature | typeof ServerOpenFeature,
  types: AnyProviderEvent[],
): Promise<{ seen: Seen[]; next(type: string): Promise<Seen> }> {
  const seen: Seen[] = [];
  const waiting: Array<{ type: string; resolve: (event: Seen) => void }> = [];
  for (const type of types) {
    const addHandler = api.addHandler.bind(api) as (type: AnyProviderEvent, handler: (details?: EventDetails) => void) => void;
    addHandler(type, (details) => {
      const event = { type, details };
      seen.push(event);
      for (const waiter of waiting.filter((w) => w.type === type)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
  }
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
  seen.length = 0;
  return { seen, next: (type) => new Promise((resolve) => waiting.push({ type, resolve })) };
}

/** A full result for the mock client and test source. */
export function result(key: string, overrides: Partial<EvalResult>): EvalResult {
  return {
    key,
    enabled: true,
    variant: 'on',
    value: true,
    reason: 'TARGETING_MATCH',
    evaluatedAt: '2026-01-01T00:00:00.000Z',
    source: 'network',
    ...overrides,
  };
}

/**
 * For the enclosing `describe`: one local server on `spec/openfeature/fixtures/same-answer.flags.json`,
 * quiet SDK loggers, and both OpenFeature singletons reset after each test. Returns the server's getter.
 */
export function sameAnswerServer(): () => FlagServer {
  let server: FlagServer | undefined;
  beforeAll(async () => {
    server = await startServer({ file: 'spec/openfeature/fixtures/same-answer.flags.json', watch: false, logger: silent });
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    ServerOpenFeature.setLogger(quietLogger);
    WebOpenFeature.setLogger(quietLogger);
  });
  afterEach(async () => {
    await resetOpenFeature();
  });
  return () => server!;
}
