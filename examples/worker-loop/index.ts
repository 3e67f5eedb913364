/**
 * worker-loop: a flag controls a loop through `for await … of client.values(...)`.
 * Run: npx tsx examples/worker-loop/index.ts   (with the local server running: npm start)
 * Switch `new-checkout` off and on: the worker pauses and resumes. Ctrl-C ends the loop and exits.
 */
import { createFlagClient } from 'flagstream';
import { demoTransport } from '../demo-transport.js';

const client = createFlagClient({ transport: demoTransport(), context: { userId: 'worker-1' } });
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

let processed = 0;
let timer: NodeJS.Timeout | undefined;

// Latest-value semantics: if the flag flips twice while we are busy, we only see where it ended.
for await (const enabled of client.values('new-checkout', false, { signal: stop.signal })) {
  clearInterval(timer);
  if (enabled) {
    console.log('new-checkout on: processing jobs');
    timer = setInterval(() => (processed += 1), 100);
  } else {
    console.log('new-checkout off: paused');
  }
}

clearInterval(timer);
client.close();
console.log(`stopped after ${processed} jobs`);
