import { mergeApplicationConfig, type ApplicationConfig } from '@angular/core';
import { provideServerRendering, withRoutes } from '@angular/ssr';
import { FLAG_API, appConfig } from './app.config';
import { serverRoutes } from './app.routes.server';

/** The flag server the render asks directly (`FLAG_SERVER_URL`; default: `npm start`'s local server). */
const flagServer = process.env['FLAG_SERVER_URL'] ?? 'http://127.0.0.1:8787';

export const serverConfig: ApplicationConfig = mergeApplicationConfig(appConfig, {
  providers: [provideServerRendering(withRoutes(serverRoutes)), { provide: FLAG_API, useValue: flagServer }],
});
