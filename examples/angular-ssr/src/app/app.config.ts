import { type ApplicationConfig, DOCUMENT, InjectionToken, REQUEST, inject, provideZonelessChangeDetection } from '@angular/core';
import { provideClientHydration, withEventReplay } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import { cuttlegate, type FlagClientOptions } from 'flagstream';
import { provideFlagClient } from 'flagstream/angular';
import { routes } from './app.routes';

/**
 * Where the flag API is. The browser uses this page's own origin (the server proxies `/api` to the
 * flag server); the server render goes to the flag server directly (app.config.server.ts).
 */
export const FLAG_API = new InjectionToken<string>('FLAG_API', { factory: () => inject(DOCUMENT).location.origin });

/**
 * The client's options for this page's visitor, read from the page's query (`?plan=pro&country=DE`).
 * In a server render the URL is the request's (Angular's `REQUEST` token); in the browser, the page's.
 */
function flagOptions(): FlagClientOptions {
  const url = new URL(inject(REQUEST)?.url ?? inject(DOCUMENT).location.href);
  const attributes = { plan: url.searchParams.get('plan') ?? 'free', country: url.searchParams.get('country') ?? 'US' };
  return {
    // The demo environment's client key from examples/flags.json.
    transport: cuttlegate({ serverUrl: inject(FLAG_API), apiKey: 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx', project: 'demo', environment: 'production' }),
    context: { userId: url.searchParams.get('user') ?? 'visitor-1', attributes },
  };
}

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideRouter(routes),
    provideClientHydration(withEventReplay()),
    // transferState: the server render loads the visitor's flags and leaves them in the page; the
    // browser starts from them (no flash of defaults, no bulk request before the stream opens).
    provideFlagClient(flagOptions, { transferState: true }),
  ],
};
