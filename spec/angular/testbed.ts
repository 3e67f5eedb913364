import '@angular/compiler';
import { getTestBed } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';
import { defer, finalize, type Observable } from 'rxjs';
import type { EvalResult, FlagClient } from '../../lib/index.js';

// Angular's JIT compiler and a test platform (zoneless: zone.js is not loaded), once per spec file.
const testBed = getTestBed();
if (!testBed.platform) testBed.initTestEnvironment(BrowserTestingModule, platformBrowserTesting(), { teardown: { destroyAfterEach: true } });

/** Counts the open `flag$` subscriptions of `client` (the typed views go through `flag$` too). */
export function countSubscriptions<C extends FlagClient>(client: C): { client: C; open: () => number } {
  let open = 0;
  const flag$ = client.flag$.bind(client);
  (client as { flag$: (key: string) => Observable<EvalResult> }).flag$ = (key) =>
    defer(() => {
      open += 1;
      return flag$(key).pipe(finalize(() => (open -= 1)));
    });
  return { client, open: () => open };
}
