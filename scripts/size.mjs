// Size gate: prints the browser bundle sizes (min + brotli 11, loaded up front) and fails above
// scripts/size-budget.json. Budgets only ever go down: the gate also fails when a budget is looser
// than the size it measures rounded up to 0.1 KiB, so every saving lowers the budget with it.
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
let failed = false;
for (const [name, label] of Object.entries(labels)) {
  const kib = sizes[name];
  const limit = budget[name];
  // The tight budget: the size rounded up to 0.1 KiB (the epsilon absorbs float noise in the division).
  const tight = Math.ceil(kib * 10 - 1e-9) / 10;
  const verdict = typeof limit !== 'number' || kib > limit ? '  OVER BUDGET' : limit > tight ? `  LOOSE: lower the budget to ${tight}` : '';
  failed ||= verdict !== '';
  console.log(`${kib.toFixed(2).padStart(6)} KiB  (budget ${limit ?? 'missing'})  ${label}${verdict}`);
}
if (failed) {
  console.error('size gate failed: set each budget in scripts/size-budget.json to its size rounded up to 0.1 KiB (budgets only go down)');
  process.exit(1);
}
