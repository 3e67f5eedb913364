import { cuttlegate } from 'flagstream';

/**
 * The transport every example uses: the local flag server (`npm start` or `npx flagstream serve
 * examples/flags.json`) unless FLAGSTREAM_URL / FLAGSTREAM_API_KEY point elsewhere. The default key
 * is the demo key from examples/flags.json, not a secret.
 */
export function demoTransport() {
  return cuttlegate({
    serverUrl: process.env.FLAGSTREAM_URL ?? 'http://127.0.0.1:8787',
    apiKey: process.env.FLAGSTREAM_API_KEY ?? 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx',
    project: 'demo',
    environment: 'production',
  });
}
