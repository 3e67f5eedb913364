/**
 * Browser bundle sizes: flagstream's (the bundles the size gate measures) beside what a browser app
 * ships for each peer SDK, measured in the same run with the same method (`browserBundle`: esbuild,
 * platform browser, minified, brotli 11, what loads up front). flagstream leaves rxjs external, as an
 * app that already uses RxJS (every Angular app) would; a second row shows it bundled. Each peer
 * bundles its own dependencies.
 */
import { readFileSync } from 'node:fs';
import { browserBundle, measureSizes } from '../scripts/bundle-size.mjs';
import { report } from './support.js';

/** A peer SDK as a browser app uses it. */
interface Peer {
  /** Shown in the table, followed by the installed versions of `packages`. */
  name: string;
  /** The packages whose versions are printed (devDependencies pinned to exact versions). */
  packages: string[];
  /** What the app imports: the client class or factory it calls, with the peer's own dependencies bundled. */
  entry: string;
  /** How a client started with the documented minimum follows flag changes (as the pinned version does). */
  byDefault: string;
  /** What turns on live updates when the default does not stream. */
  optIn: string;
}

/** The peers a browser team weighs flagstream against, each in its typical app import. */
const peers: Peer[] = [
  {
    name: 'OpenFeature web SDK + OFREP web provider',
    packages: ['@openfeature/web-sdk', '@openfeature/ofrep-web-provider'],
    entry: `export { OpenFeature } from '@openfeature/web-sdk'; export { OFREPWebProvider } from '@openfeature/ofrep-web-provider';`,
    byDefault: 'streams (SSE) if the server advertises it, else fetches once',
    optIn: 'polling: pollInterval',
  },
  {
    name: 'GrowthBook',
    packages: ['@growthbook/growthbook'],
    entry: `export { GrowthBook } from '@growthbook/growthbook';`,
    byDefault: 'fetches once',
    optIn: 'SSE: init({ streaming: true })',
  },
  {
    name: 'Flagsmith',
    packages: ['flagsmith'],
    entry: `export { default } from 'flagsmith';`,
    byDefault: 'fetches once',
    optIn: 'SSE: realtime: true; polling: startListening()',
  },
  {
    name: 'Unleash proxy client',
    packages: ['unleash-proxy-client'],
    entry: `export { UnleashClient } from 'unleash-proxy-client';`,
    byDefault: 'polls (every 30 s)',
    optIn: '',
  },
  {
    name: 'LaunchDarkly browser SDK',
    packages: ['@launchdarkly/js-client-sdk'],
    entry: `export { createClient } from '@launchdarkly/js-client-sdk';`,
    byDefault: 'fetches once; streams (SSE) once a change listener is added',
    optIn: 'SSE: streaming: true',
  },
];

/** The version in a package.json, its path relative to this file. */
const version = (path: string): string => (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;

/** Section 4: flagstream's bundles, then the peers' in one table with their ratio to flagstream's app bundle. */
export async function bundleSize(): Promise<void> {
  console.log('\n4. Browser bundle of the built package, min + brotli 11, loaded up front (target ≤ 10 KiB, rxjs external)');
  const sizes = await measureSizes().catch((error: Error) => error);
  if (sizes instanceof Error) {
    console.log(`  skipped: ${sizes.message}`);
    return;
  }
  const { app, appRxjs: withRxjs, api, angular } = sizes;
  report([
    ['flagstream, createFlagClient + cuttlegate', `${app.toFixed(1)} KiB`],
    ['flagstream, the same with rxjs bundled', `${withRxjs.toFixed(1)} KiB`],
    ['flagstream, whole API', `${api.toFixed(1)} KiB`],
    ['flagstream/angular entry (core external)', `${angular.toFixed(1)} KiB`],
  ]);

  console.log('\n  Peers, same run and settings, each with its own dependencies (ratio: peer ÷ flagstream app bundle)');
  const rows: string[][] = [
    ['SDK', 'KiB', 'ratio', 'by default', 'live updates opt-in'],
    [`flagstream ${version('../package.json')} (createFlagClient + cuttlegate)`, app.toFixed(1), '1.00', 'streams (SSE)', ''],
  ];
  for (const peer of peers) {
    const { kib } = await browserBundle(peer.entry, []);
    const versions = peer.packages.map((name) => version(`../node_modules/${name}/package.json`)).join(' + ');
    rows.push([`${peer.name} ${versions}`, kib.toFixed(1), (kib / app).toFixed(2), peer.byDefault, peer.optIn]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(`  ${row.map((cell, column) => (column === 1 || column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd()}`);
}
