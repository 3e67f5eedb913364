import '@angular/compiler';
import { getTestBed } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';
import { defer, finalize, type Observable } from 'rxjs';
import type { FlagClient } from '../../lib/index.js';

// Angular's JIT compiler and a test platform (zoneless: zone.js is not loaded), once per spec file.
const testBed = getTestBed();
if (!testBed.platform) testBed.initTestEnvironment(BrowserTestingModule, platformBrowserTesting(), { teardown: { destroyAfterEach: true } });

/** Counts the open subscriptions of `client`'s per-key observables (`flag$` and the typed views). */
export function countSubscriptions<C extends FlagClient>(client: C): { client: C; open: () => number } {
  let open = 0;
  const methods = ['flag$', 'bool$', 'string$', 'number$', 'json$', 'value$'] as const;
  for (const name of methods) {
    const original = (client[name] as (...args: unknown[]) => Observable<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      defer(() => {
        open += 1;
        return original(...args).pipe(finalize(() => (open -= 1)));
      });
  }
  return { client, open: () => open };
}
