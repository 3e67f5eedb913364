/**
 * node-basic: synchronous getters and a flag$ subscription, with typed flag keys: `Flags` is written
 * from examples/flags.json by `flagstream types` (see flags.ts), so a misspelt key does not compile.
 * Run: npx tsx examples/node-basic/index.ts   (with the local server running: npm start)
 * Then toggle `dark-mode` (or edit examples/flags.json) and watch the line it prints. Ctrl-C exits.
 */
import { createFlagClient } from 'flagstream';
import { demoTransport } from '../demo-transport.js';
import type { Flags } from './flags.js';

const client = createFlagClient<Flags>({
  transport: demoTransport(),
  context: { userId: 'user-123', attributes: { plan: 'pro', country: 'DE' } },
});

const { ok, source, error } = await client.ready();
if (!ok) {
  console.error(`flags unavailable (${source}): ${error?.message}`);
  client.close();
  process.exit(1);
}

console.log(`dark-mode:       ${client.bool('dark-mode')}`);
console.log(`banner-text:     ${client.string('banner-text', 'welcome')}`);
console.log(`max-items:       ${client.number('max-items', 10)}`);
console.log(`checkout-config: ${JSON.stringify(client.json('checkout-config', { currency: 'EUR', maxRetries: 3 }))}`);
console.log(`dark-mode detail: ${JSON.stringify(client.evaluate('dark-mode'))}`);

client.flag$('dark-mode').subscribe((result) => {
  console.log(`dark-mode is now ${result.value} (variant ${result.variant}, reason ${result.reason})`);
});
console.log('watching dark-mode; Ctrl-C to stop');

process.once('SIGINT', () => client.close());
process.once('SIGTERM', () => client.close());
