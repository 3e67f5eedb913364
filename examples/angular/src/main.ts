import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { cuttlegate } from 'flagstream';
import { provideFlagClient } from 'flagstream/angular';
import { AppComponent } from './app.component';

// The flag API on this page's own origin (the dev server proxies /api to `npm start`'s local server);
// `?server=<url>` connects to another origin directly instead (that server must answer CORS).
const serverUrl = new URLSearchParams(location.search).get('server') ?? location.origin;

bootstrapApplication(AppComponent, {
  providers: [
    provideZonelessChangeDetection(),
    provideFlagClient(
      {
        // The demo environment's client key from examples/flags.json.
        transport: cuttlegate({ serverUrl, apiKey: 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx', project: 'demo', environment: 'production' }),
        context: { userId: 'visitor-1', attributes: { plan: 'free', country: 'US' } },
      },
      { awaitReady: true },
    ),
  ],
}).catch((error: unknown) => console.error(error));
