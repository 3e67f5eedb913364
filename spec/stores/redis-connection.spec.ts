/**
 * The Redis connection layer as a unit: which shape is which client, how each sends a command, and
 * which errors are Redis refusing a command. The real clients run in redis-store.spec.ts and the
 * fleet specs.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/index.js';
import { RedisCommandError, redisConnection } from '../../lib/stores/redis-connection.js';

class ErrorReply extends Error {}

/** A fake whose every command answers `reply` (or throws it), recording what was sent. */
function recorder(reply: unknown = 'OK') {
  const sent: unknown[][] = [];
  const answer = async (...args: unknown[]): Promise<unknown> => {
    sent.push(args);
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { sent, answer };
}

describe('redisConnection()', () => {
  it('a node-redis client: commands as one argument array', async () => {
    const { sent, answer } = recorder();
    const connection = redisConnection({ sendCommand: answer, duplicate() {} });
    await connection.set('k', 'v', 1500);
    await connection.eval('return 1', ['a', 'b'], ['x']);
    expect(sent).toEqual([[['SET', 'k', 'v', 'PX', '1500']], [['EVAL', 'return 1', '2', 'a', 'b', 'x']]]);
  });

  it('a node-redis cluster: routed by the first key, never as a read-only command (replicas may lag)', async () => {
    const { sent, answer } = recorder(null);
    const connection = redisConnection({ sendCommand: answer, duplicate() {}, masters: [] });
    expect(await connection.get('k')).toBeUndefined();
    await connection.set('k', 'v', 60_000);
    await connection.eval('return 1', ['{t}:a', '{t}:b'], []);
    expect(sent).toEqual([
      ['k', false, ['GET', 'k']],
      ['k', false, ['SET', 'k', 'v', 'PX', '60000']],
      ['{t}:a', false, ['EVAL', 'return 1', '2', '{t}:a', '{t}:b']],
    ]);
    // v4 before 4.6's getters: getMasters() tells a cluster apart.
    const v4 = recorder(null);
    await redisConnection({ sendCommand: v4.answer, duplicate() {}, getMasters() {} }).get('k');
    expect(v4.sent).toEqual([['k', false, ['GET', 'k']]]);
  });

  it('ioredis, standalone and cluster: call(command, ...args)', async () => {
    for (const isCluster of [false, true]) {
      const { sent, answer } = recorder(Buffer.from('{"a":1}'));
      const connection = redisConnection({ isCluster, call: answer, duplicate() {}, sendCommand() {} });
      expect(await connection.get('k')).toBe('{"a":1}'); // a buffer reply is decoded
      await connection.set('k', 'v');
      expect(sent).toEqual([['GET', 'k'], ['SET', 'k', 'v']]);
    }
  });

  it('anything else is a ConfigError naming what is accepted', () => {
    for (const wrong of [undefined, null, 42, 'redis://x', {}, { get() {}, set() {} }, { sendCommand() {} }, { duplicate() {} }, { call() {}, duplicate() {} }, { isCluster: false, sendCommand() {}, duplicate() {} }]) {
      expect(() => redisConnection(wrong)).toThrow(ConfigError);
    }
    expect(() => redisConnection({}, 'redis')).toThrow(/^redis: must be a connected node-redis (.*) or ioredis (.*) client or cluster$/);
  });

  it('an error reply becomes a RedisCommandError with Redis’s text; retryable only for a passing state', async () => {
    const refused = async (error: Error): Promise<unknown> =>
      redisConnection({ sendCommand: recorder(error).answer, duplicate() {} }).eval('x', ['k'], []).catch((e: unknown) => e);
    const crossSlot = await refused(new ErrorReply("CROSSSLOT Keys in request don't hash to the same slot"));
    expect(crossSlot).toBeInstanceOf(RedisCommandError);
    expect(crossSlot).toMatchObject({ code: 'CROSSSLOT', retryable: false, message: "Redis refused EVAL: CROSSSLOT Keys in request don't hash to the same slot" });
    // A bundle that renamed the class: told by the reply's upper-case code.
    expect(await refused(new Error('LOADING Redis is loading the dataset in memory'))).toMatchObject({ code: 'LOADING', retryable: true });
    // Not a reply: the connection's own error, unchanged.
    const closed = new Error('Socket closed unexpectedly');
    expect(await refused(closed)).toBe(closed);
  });

  it('a node-redis v4 subscriber (disconnect, no destroy) is closed with disconnect()', async () => {
    let closed = 0;
    const subscriber = { connect: async () => undefined, subscribe: async () => undefined, unsubscribe: async () => undefined, on() {}, disconnect: async () => void (closed += 1) };
    const connection = redisConnection({ sendCommand() {}, duplicate: () => subscriber });
    (await connection.subscriber()).destroy();
    expect(closed).toBe(1);
  });

  it('ioredis: one message listener per channel on the duplicate; unsubscribe stops it', async () => {
    const handlers: Record<string, (...args: string[]) => void> = {};
    const subscriber = { subscribe: async () => 1, unsubscribe: async () => 0, on: (event: string, fn: (...args: string[]) => void) => void (handlers[event] = fn), disconnect() {} };
    const connection = redisConnection({ isCluster: false, call() {}, duplicate: () => subscriber });
    const sub = await connection.subscriber();
    const heard: string[] = [];
    await sub.subscribe('a', () => heard.push('a'));
    handlers.message!('a', '1');
    handlers.message!('b', '1');
    await sub.unsubscribe('a');
    handlers.message!('a', '2');
    expect(heard).toEqual(['a']);
    expect(handlers.error).toBeTypeOf('function');
  });
});
