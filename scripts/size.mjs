// Size gate: prints the browser bundle sizes (min + brotli 11, loaded up front) and fails above
// scripts/size-budget.json. Budgets only ever go down: set one to what a change reaches.
// Needs a build (`npm run build`) first.
import { readFileSync } from 'node:fs';
import { measureSizes } from './bundle-size.mjs';

const budget = JSON.parse(readFileSync(new URL('./size-budget.json', import.meta.url), 'utf8'));
const labels = {
  app: 'createFlagClient + cuttlegate (own deps in, rxjs external)',
  appRxjs: 'createFlagClient + cuttlegate with the rxjs it uses bundled (an app without RxJS)',
  api: 'whole public API (own deps in, rxjs external)',
  angular: 'flagstream/angular entry (core, rxjs, Angular external)',
  openfeature: 'flagstream/openfeature entry (rxjs, OpenFeature SDKs external)',
  stores: 'flagstream/stores entry (rxjs external)',
  testing: 'flagstream/testing entry (rxjs external)',
};

const sizes = await measureSizes();
let over = false;
for (const [name, label] of Object.entries(labels)) {
  const kib = sizes[name];
  const limit = budget[name];
  const fails = typeof limit !== 'number' || kib > limit;
  over ||= fails;
  console.log(`${kib.toFixed(2).padStart(6)} KiB  (budget ${limit ?? 'missing'})  ${label}${fails ? '  OVER BUDGET' : ''}`);
}
if (over) {
  console.error('size gate failed: a bundle is over its budget in scripts/size-budget.json');
  process.exit(1);
}
