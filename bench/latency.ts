import { randomBytes } from 'node:crypto';
import { filter, firstValueFrom, skip, timeout } from 'rxjs';
import { createFlagClient, cuttlegate } from '../lib/index.js';
import { startServer } from '../lib/server/index.js';
import { percentile, report } from './support.js';

/** A throwaway key for the in-process server, made per run (Cuttlegate's format: cg_ + 32 random bytes). */
const apiKey = `cg_${randomBytes(32).toString('base64url')}`;

/** Server-side toggle → `flag$` emission, over real HTTP + SSE on loopback, refetch included. */
export async function loopbackLatency(): Promise<void> {
  console.log('\n5. Server change → flag$ emission over loopback, refetch included (target p50 ≤ 10 ms, p99 ≤ 50 ms)');
  const server = await startServer({
    flags: {
      adminKey: 'bench-admin-key',
      projects: [
        {
          slug: 'bench',
          environments: [{ slug: 'production', apiKeys: [apiKey] }],
          flags: [{ key: 'switch', type: 'bool', defaultVariant: 'true', environments: { production: { enabled: true } } }],
        },
      ],
    },
  });
  const client = createFlagClient({
    transport: cuttlegate({ serverUrl: server.url, apiKey, project: 'bench', environment: 'production' }),
    pollIntervalMs: 0,
  });
  try {
    await client.ready();
    await firstValueFrom(client.status$.pipe(filter((s) => s.streaming), timeout(5_000)));
    const samples: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const enabled = i % 2 === 1;
      const seen = firstValueFrom(client.flag$('switch').pipe(skip(1), timeout(5_000)));
      const start = process.hrtime.bigint();
      server.toggle('bench', 'production', 'switch', enabled);
      await seen;
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    samples.sort((a, b) => a - b);
    report([
      ['p50', `${percentile(samples, 50).toFixed(2)} ms`],
      ['p99', `${percentile(samples, 99).toFixed(2)} ms`],
      ['bulk requests per change', `${((server.requests.total - 2) / 200).toFixed(2)} (initial load and stream connect excluded)`],
    ]);
  } finally {
    client.close();
    await server.close();
  }
}
