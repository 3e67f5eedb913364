import { importProvidersFrom, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { OpenFeatureModule } from '@openfeature/angular-sdk';
import { cuttlegate } from 'flagstream';
import { FlagstreamWebProvider } from 'flagstream/openfeature';
import { AppComponent } from './app.component';

// The flag API on this page's own origin (the dev server proxies /api to `npm start`'s local server).
const serverUrl = location.origin;

bootstrapApplication(AppComponent, {
  providers: [
    provideZonelessChangeDetection(),
    importProvidersFrom(
      OpenFeatureModule.forRoot({
        // The demo environment's client key from examples/flags.json.
        provider: new FlagstreamWebProvider({
          transport: cuttlegate({ serverUrl, apiKey: 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx', project: 'demo', environment: 'production' }),
        }),
        context: { targetingKey: 'visitor-1', plan: 'free', country: 'US' },
      }),
    ),
  ],
}).catch((error: unknown) => console.error(error));
