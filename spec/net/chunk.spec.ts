import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../../lib/errors.js';
import { chunk } from '../../lib/net/chunk.js';

describe('chunk (code loaded on first use)', () => {
  afterEach(() => {
    vi.doUnmock('../../lib/client/engine/snapshot-cache.js');
    vi.doUnmock('../../lib/client/state/values-iterator.js');
    vi.resetModules();
  });

  it('passes a loaded module through and turns a failed load into a NetworkError naming what it was for', async () => {
    await expect(chunk(Promise.resolve(42), 'x')).resolves.toBe(42);
    const cause = new TypeError('Failed to fetch dynamically imported module');
    const error = await chunk(Promise.reject(cause), 'snapshotFor').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ message: expect.stringContaining('snapshotFor'), cause, retryable: true });
  });

  it('snapshotFor() and values() reject with a NetworkError when their code cannot be loaded (offline, a redeploy)', async () => {
    vi.resetModules();
    const failure = (): never => {
      throw new TypeError('Failed to fetch dynamically imported module');
    };
    vi.doMock('../../lib/client/engine/snapshot-cache.js', failure);
    vi.doMock('../../lib/client/state/values-iterator.js', failure);
    // Fresh copies of the client's modules, which import the mocked chunks.
    const { createFlagClient } = await import('../../lib/index.js');
    const { testSource } = await import('../../lib/testing/index.js');
    const errors = await import('../../lib/errors.js');
    const client = createFlagClient({ transport: testSource({ on: true }), pollIntervalMs: 0, streaming: false });
    try {
      await client.ready();
      await expect(client.snapshotFor({ userId: 'u' })).rejects.toBeInstanceOf(errors.NetworkError);
      const iterator = client.values('on', false)[Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toBeInstanceOf(errors.NetworkError);
      // The client itself is untouched: it still serves what it loaded.
      expect(client.bool('on')).toBe(true);
      expect(client.status.state).toBe('ready');
    } finally {
      client.close();
    }
  });
});
