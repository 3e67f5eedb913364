import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../lib/errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES, httpJson } from '../../lib/net/http.js';
import { realRuntime, startLoopback, type Loopback } from './loopback.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const MiB = 1024 * 1024;
/** A JSON body of about `bytes` bytes. */
const bigJson = (bytes: number): string => JSON.stringify({ flags: [], pad: 'x'.repeat(bytes) });

async function outcome(path: string, maxResponseBytes?: number): Promise<unknown> {
  return lastValueFrom(httpJson(realRuntime({ maxResponseBytes }), { url: `${server!.url}${path}` })).then(
    (response) => response.body,
    (error: Error) => error,
  );
}

describe('httpJson response size cap', () => {
  it('defaults to 4 MiB', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(4 * MiB);
  });

  it('refuses a 50 MB body announced by Content-Length before reading it, and closes the connection', async () => {
    let written = 0;
    server = await startLoopback({
      '/bulk': (_req, res) => {
        const size = 50 * 1000 * 1000;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(size) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed && written < size && res.write(chunk)) written += chunk.length;
          if (!res.destroyed && written < size) res.once('drain', pump);
        };
        pump();
      },
    });
    const closed = server.closed('/bulk');
    const error = await outcome('/bulk');
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain(`body over maxResponseBytes (${4 * MiB} bytes)`);
    await closed;
    expect(written).toBeLessThan(50 * 1000 * 1000);
  });

  it('counts bytes of a chunked body with no Content-Length and stops at the limit', async () => {
    server = await startLoopback({
      '/chunked': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = 'x'.repeat(64 * 1024);
        res.write('{"pad":"');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      },
    });
    const error = await outcome('/chunked', 256 * 1024);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain('body over maxResponseBytes (262144 bytes)');
  });

  it('accepts a body at the limit', async () => {
    const text = bigJson(1_000);
    server = await startLoopback({
      '/fits': (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(text),
    });
    expect(await outcome('/fits', Buffer.byteLength(text))).toMatchObject({ flags: [] });
  });
});
