/**
 * openfeature: flagstream as the provider behind the OpenFeature server SDK.
 * Run: npx tsx examples/openfeature/index.ts   (with the local server running: npm start)
 * It evaluates flags for two users, then prints every configuration change; toggle `dark-mode`
 * (or edit examples/flags.json) to see one. Ctrl-C exits.
 */
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { FlagstreamServerProvider } from 'flagstream/openfeature';
import { demoTransport } from '../demo-transport.js';

// The provider creates the flag client from these options and closes it on OpenFeature.close().
await OpenFeature.setProviderAndWait(new FlagstreamServerProvider({ transport: demoTransport() }));
const flags = OpenFeature.getClient();

// Any evaluation context works: each distinct one costs one bulk request, cached until the flags change.
for (const context of [
  { targetingKey: 'user-123', plan: 'pro', country: 'DE' },
  { targetingKey: 'user-456', plan: 'free', country: 'US' },
]) {
  const dark = await flags.getBooleanDetails('dark-mode', false, context);
  const banner = await flags.getStringValue('banner-text', 'welcome', context);
  const items = await flags.getNumberValue('max-items', 10, context);
  console.log(`${context.targetingKey}: dark-mode ${dark.value} (${dark.reason}), banner ${banner}, max-items ${items}`);
}

flags.addHandler(ProviderEvents.ConfigurationChanged, (event) => {
  console.log(`configuration changed: ${event?.flagsChanged?.join(', ')}`);
});
console.log('watching for changes; Ctrl-C to stop');

const stop = (): void => {
  void OpenFeature.close().then(() => console.log('closed'));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
