import { describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, NetworkError } from '../../lib/index.js';
import { captureLog } from '../support/log-capture.js';
import { freePort } from '../support/redis.js';

const KEY = 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx';

/**
 * Nothing listens on the port: `ready()` settles once the circuit opens with nothing to serve
 * (the stream and the loads of a Cuttlegate client fail at once, so that is within about a second),
 * well before its 10 s timeout, with the refused connection as its error. Default options.
 */
describe('ready() against a closed loopback port', () => {
  it('settles well under timeoutMs with ok:false, source none and the NetworkError', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const log = captureLog();
    const transport = cuttlegate({ serverUrl: url, apiKey: KEY, project: 'demo', environment: 'production' });
    const client = createFlagClient({ transport, context: { userId: 'u' }, timeoutMs: 10_000, logger: log.logger });
    try {
      const started = performance.now();
      const result = await client.ready();
      const elapsed = performance.now() - started;
      console.log(`unreachable: ready() settled ${Math.round(elapsed)} ms after it was called (timeoutMs 10000)`);
      expect(result).toMatchObject({ ok: false, source: 'none', error: expect.any(NetworkError) });
      expect(result.error?.message).toMatch(/ECONNREFUSED|connection failed/);
      // 5 failures open the circuit: 3 loads and 2 stream attempts take at most ~3 s of backoff
      expect(elapsed).toBeLessThan(6_000);
      expect(client.status).toMatchObject({ state: 'error', source: 'none', circuit: 'open' });
      expect(log.lines.join('\n')).not.toMatch(/last known values/);
    } finally {
      client.close();
    }
  });
});
