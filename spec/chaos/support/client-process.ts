/**
 * Run by chaos specs as its own process: a streaming Cuttlegate client of CHAOS_URL. Prints `ready`
 * after the first load, `disconnected` on the first stream drop, then closes the client and prints
 * `closed`; the process must then exit on its own (nothing left holding the event loop).
 */
import { createFlagClient, cuttlegate } from '../../../lib/index.js';

const client = createFlagClient({
  transport: cuttlegate({
    serverUrl: process.env.CHAOS_URL!,
    apiKey: process.env.CHAOS_KEY!,
    project: 'demo',
    environment: 'production',
  }),
  streaming: true,
  pollIntervalMs: 30_000,
  logger: { warn: () => undefined, error: () => undefined },
});
const subscription = client.events$.subscribe((event) => {
  if (event.type !== 'stream-disconnected') return;
  subscription.unsubscribe();
  console.log('disconnected');
  client.close();
  console.log('closed');
});
const result = await client.ready();
console.log(result.ok ? 'ready' : `not ready: ${result.error?.message}`);
