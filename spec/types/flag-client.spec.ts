/**
 * Typed flag keys: what `FlagClient<Flags>` accepts and returns. The assertions are checked by `tsc`
 * (`npm run typecheck`, part of `npm test`): each `@ts-expect-error` must be needed. The runtime
 * part only shows that the typed client is the same client.
 */
import type { Signal } from '@angular/core';
import type { Observable } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createFlagClient, type EvalResult, type FlagClient, type JsonValue } from '../../lib/index.js';
import { createMockClient, testSource, type MockFlagClient } from '../../lib/testing/index.js';

interface CheckoutConfig {
  steps: number;
  currency: 'EUR' | 'USD';
}

interface Flags {
  'new-checkout': boolean;
  'banner-text': 'welcome' | 'holiday-sale';
  'max-items': number;
  'checkout-config': CheckoutConfig;
}

/** Type-level only: never called. */
function typed(client: FlagClient<Flags>): void {
  expectTypeOf(client.bool('new-checkout')).toEqualTypeOf<boolean>();
  expectTypeOf(client.string('banner-text')).toEqualTypeOf<'welcome' | 'holiday-sale'>();
  expectTypeOf(client.number('max-items', 10)).toEqualTypeOf<number>();
  expectTypeOf(client.json('checkout-config')).toEqualTypeOf<CheckoutConfig>();
  expectTypeOf(client.json('new-checkout')).toEqualTypeOf<boolean>(); // every value is JSON
  expectTypeOf(client.evaluate('banner-text')).toEqualTypeOf<EvalResult<'welcome' | 'holiday-sale'>>();
  expectTypeOf(client.evaluate('banner-text').value).toEqualTypeOf<'welcome' | 'holiday-sale' | undefined>();
  expectTypeOf(client.flag$('checkout-config')).toEqualTypeOf<Observable<EvalResult<CheckoutConfig>>>();
  expectTypeOf(client.bool$('new-checkout')).toEqualTypeOf<Observable<boolean>>();
  expectTypeOf(client.string$('banner-text', 'welcome')).toEqualTypeOf<Observable<'welcome' | 'holiday-sale'>>();
  expectTypeOf(client.number$('max-items')).toEqualTypeOf<Observable<number>>();
  expectTypeOf(client.json$('checkout-config')).toEqualTypeOf<Observable<CheckoutConfig>>();
  expectTypeOf(client.value$('banner-text', 'welcome')).toEqualTypeOf<Observable<'welcome' | 'holiday-sale'>>();
  expectTypeOf(client.value$('checkout-config', { steps: 1, currency: 'EUR' })).toEqualTypeOf<Observable<CheckoutConfig>>();
  expectTypeOf(client.values('max-items', 10)).toEqualTypeOf<AsyncIterable<number>>();
  expectTypeOf(client.values('checkout-config')).toEqualTypeOf<AsyncIterable<CheckoutConfig>>();
  expectTypeOf(client.evaluateFor('max-items', {})).toEqualTypeOf<Promise<EvalResult<number>>>();

  // @ts-expect-error a misspelt key
  client.bool('new-chekout');
  // @ts-expect-error bool() takes boolean flags only
  client.bool('banner-text');
  // @ts-expect-error string() takes string flags only
  client.string('max-items');
  // @ts-expect-error number() takes number flags only
  client.number('new-checkout');
  // @ts-expect-error a default that is not one of the variants
  client.string('banner-text', 'summer');
  // @ts-expect-error a JSON default of another shape
  client.json('checkout-config', { steps: '3' });
  // @ts-expect-error a misspelt key
  client.evaluate('banner');
  // @ts-expect-error a misspelt key
  client.flag$('banner');
  // @ts-expect-error bool$() takes boolean flags only
  client.bool$('max-items');
  // @ts-expect-error string$() takes string flags only
  client.string$('new-checkout');
  // @ts-expect-error number$() takes number flags only
  client.number$('banner-text');
  // @ts-expect-error a misspelt key
  client.json$('checkout');
  // @ts-expect-error a default of another type than the flag's
  client.value$('max-items', 'ten');
  // @ts-expect-error a default of another type than the flag's
  client.values('new-checkout', 1);
  // @ts-expect-error a misspelt key
  void client.evaluateFor('max-item', {});
  // @ts-expect-error the untyped form is gone once the client is typed
  client.json<{ other: true }>('checkout-config');
}

/** Without a type argument nothing changes: any key, the default's types. */
function untyped(client: FlagClient): void {
  expectTypeOf(client.bool('anything')).toEqualTypeOf<boolean>();
  expectTypeOf(client.string('anything')).toEqualTypeOf<string>();
  expectTypeOf(client.number('anything')).toEqualTypeOf<number>();
  expectTypeOf(client.json('anything')).toEqualTypeOf<JsonValue>();
  expectTypeOf(client.json<CheckoutConfig>('anything')).toEqualTypeOf<CheckoutConfig>();
  expectTypeOf(client.evaluate('anything')).toEqualTypeOf<EvalResult>();
  expectTypeOf(client.flag$('anything')).toEqualTypeOf<Observable<EvalResult>>();
  expectTypeOf(client.value$('anything', 3)).toEqualTypeOf<Observable<number>>();
  expectTypeOf(client.values('anything')).toEqualTypeOf<AsyncIterable<JsonValue>>();
}

/** An interface-typed JSON default: accepted by value$ and values() as by json() and json$(). */
function interfaceDefault(client: FlagClient, def: CheckoutConfig): void {
  expectTypeOf(client.json('checkout-config', def)).toEqualTypeOf<CheckoutConfig>();
  expectTypeOf(client.json$('checkout-config', def)).toEqualTypeOf<Observable<CheckoutConfig>>();
  expectTypeOf(client.value$('checkout-config', def)).toEqualTypeOf<Observable<CheckoutConfig>>();
  expectTypeOf(client.values('checkout-config', def)).toEqualTypeOf<AsyncIterable<CheckoutConfig>>();
}

/** The Angular entry's flagSignal, untyped: the same (a type-only import, no Angular at run time). */
declare const flagSignal: typeof import('../../lib/angular/index.js').flagSignal;
function angularInterfaceDefault(def: CheckoutConfig): void {
  expectTypeOf(flagSignal('checkout-config', def)).toEqualTypeOf<Signal<CheckoutConfig>>();
  expectTypeOf(flagSignal('anything', 'x')).toEqualTypeOf<Signal<string>>();
}

/** The mock client follows the same interface, and so do its test controls. */
function mock(client: MockFlagClient<Flags>): void {
  expectTypeOf(client.string('banner-text')).toEqualTypeOf<'welcome' | 'holiday-sale'>();
  client.set('max-items', 25);
  client.set({ 'banner-text': 'holiday-sale' });
  // @ts-expect-error a value of another type than the flag's
  client.set('max-items', '25');
  // @ts-expect-error a misspelt key
  client.set({ 'banner-txt': 'welcome' });
  // @ts-expect-error a misspelt key
  client.assertEvaluated('max-item');
  // @ts-expect-error bool() takes boolean flags only
  client.bool('max-items');
  // @ts-expect-error a flag of another type
  createMockClient<Flags>({ flags: { 'new-checkout': 'yes' } });
}

/** A typed client is still a client: it goes wherever a plain `FlagClient` does. */
function assignable(client: FlagClient<Flags>, mocked: MockFlagClient<Flags>): FlagClient[] {
  return [client, mocked];
}
declare const provideFlagClient: typeof import('../../lib/angular/index.js').provideFlagClient;
function provided(client: FlagClient<Flags>): void {
  provideFlagClient(() => client);
}

describe('FlagClient<Flags>', () => {
  it('is the same client at run time: typed reads return what the untyped ones do', async () => {
    const client = createFlagClient<Flags>({ transport: testSource({ 'banner-text': 'holiday-sale', 'max-items': 25 }), streaming: false, pollIntervalMs: 0 });
    await client.ready();
    expect(client.string('banner-text')).toBe('holiday-sale');
    expect(client.number('max-items')).toBe(25);
    expect(assignable(client, createMockClient<Flags>({ flags: { 'new-checkout': true } }))).toHaveLength(2);
    client.close();
    const mocked = createMockClient<Flags>({ flags: { 'checkout-config': { steps: 2, currency: 'USD' } } });
    expect(mocked.json('checkout-config').steps).toBe(2);
    void [typed, untyped, interfaceDefault, angularInterfaceDefault, mock, provided];
  });
});
