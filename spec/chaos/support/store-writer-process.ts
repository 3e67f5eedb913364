/**
 * Run by the cold-start chaos spec as its own process: a client of CHAOS_URL (Cuttlegate, or Rollgate
 * when CHAOS_PROTOCOL is `rollgate`) with a fileStore at
 * CHAOS_STORE. Waits until the first load is ready and the store file holds a record, closes the
 * client and prints `saved` (or `failed: …`).
 */
import { existsSync } from 'node:fs';
import { createFlagClient, cuttlegate, rollgate } from '../../../lib/index.js';
import { fileStore } from '../../../lib/stores/index.js';

const path = process.env.CHAOS_STORE!;
const client = createFlagClient({
  transport:
    process.env.CHAOS_PROTOCOL === 'rollgate'
      ? rollgate({ baseUrl: process.env.CHAOS_URL!, apiKey: process.env.CHAOS_KEY! })
      : cuttlegate({ serverUrl: process.env.CHAOS_URL!, apiKey: process.env.CHAOS_KEY!, project: 'demo', environment: 'production' }),
  context: { userId: 'user-1', attributes: { plan: 'pro' } },
  store: fileStore(path),
  streaming: false,
  pollIntervalMs: 0,
  logger: { warn: (message) => console.log(`warn: ${message}`), error: (message) => console.log(`error: ${message}`) },
});
const result = await client.ready();
const deadline = Date.now() + 5_000;
while (result.ok && !existsSync(path) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
client.close();
console.log(result.ok && existsSync(path) ? 'saved' : `failed: ${result.error?.message ?? 'no store file written'}`);
