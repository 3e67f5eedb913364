import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NetworkError } from '../../lib/errors.js';
import { redact } from '../../lib/transports/redact.js';

const KEY = 'k3y-abcdef123456';

/** node-fetch 2's error: the URL (with its query) in an own, enumerable message, plus system fields. */
class FetchError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly code: string,
  ) {
    super(message);
    Object.defineProperty(this, 'message', { value: message, enumerable: true, writable: true });
  }
}

describe('redact', () => {
  it('cleans our error in place and replaces a foreign cause by a clean copy of the same kind', () => {
    const original = new FetchError(`request to http://h:1/stream?token=${KEY}&user_id=u failed, reason: connect ECONNREFUSED`, 'system', 'ECONNREFUSED');
    const error = new NetworkError('stream http://h:1/stream: connection failed (ECONNREFUSED)', { cause: original });
    const out = redact(error) as NetworkError;
    expect(out).toBe(error);
    const cause = out.cause as FetchError;
    expect(cause).not.toBe(original);
    expect(cause).toBeInstanceOf(FetchError);
    expect(cause.message).toBe('request to http://h:1/stream?[redacted] failed, reason: connect ECONNREFUSED');
    expect(cause.code).toBe('ECONNREFUSED');
    expect(cause.stack).not.toContain(KEY);
    expect(inspect(out, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(original.message).toContain(KEY); // the foreign object itself is left alone
  });

  it('follows the whole cause chain, nested errors, arrays and plain objects, and survives cycles', () => {
    const inner: Error & { detail?: unknown } = new Error(`fetch failed for /sse?channel=${KEY}`);
    inner.detail = { url: `https://x.example/a?token=${KEY}`, list: [`Bearer ${KEY}`] };
    const aggregate = new AggregateError([inner], 'many');
    const middle = new Error('middle', { cause: aggregate });
    (middle as Error & { self?: unknown }).self = middle;
    const top = new NetworkError('top', { cause: middle });
    const text = inspect(redact(top), { depth: 20, showHidden: true });
    expect(text).not.toContain(KEY);
    expect(text).toContain('Bearer [redacted]');
  });

  it('replaces the given secrets anywhere, and keeps texts without secrets as they are', () => {
    const error = new NetworkError(`bad key ${KEY} at POST http://h:1/evaluate`);
    expect((redact(error, [KEY]) as Error).message).toBe('bad key [redacted] at POST http://h:1/evaluate');
  });

  it('copes with a DOMException cause and with values that are not errors', () => {
    const abort = new DOMException(`aborted http://h/?token=${KEY}`, 'AbortError');
    const error = redact(new NetworkError('x', { cause: abort })) as NetworkError;
    expect((error.cause as Error).name).toBe('AbortError');
    expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(KEY);
    expect(redact(`GET http://h/?token=${KEY}`)).toBe('GET http://h/?[redacted]');
    expect(redact(42)).toBe(42);
  });

  it('redacts a credential-looking parameter outside a URL by any name that holds a credential word', () => {
    const text = `path?user=u&client_secret=${KEY}&id_token=${KEY}&x-api-key=${KEY}&sig=${KEY}&page=2`;
    expect(redact(text)).toBe('path?user=u&client_secret=[redacted]&id_token=[redacted]&x-api-key=[redacted]&sig=[redacted]&page=2');
  });

  it('redacts a bearer or basic credential whatever the case of its scheme, base64url characters included', () => {
    expect(redact(`authorization: bearer ${KEY}_x, Basic dXNlcjpwYXNz`)).toBe('authorization: bearer [redacted], Basic [redacted]');
  });

  it('redacts a credential that follows a URL, whatever the URL swallows up to the next space', () => {
    const cases: [string, string][] = [
      [`{"url":"https://h.example/api/flags","headers":{"Authorization":"Bearer ${KEY}"}}`, '{"url":"https://h.example/api/flags","headers":{"Authorization":"Bearer [redacted]"}}'],
      ['{"url":"https://h.example/api/flags","auth":"Basic dXNlcjpwYXNzd29yZA=="}', '{"url":"https://h.example/api/flags","auth":"Basic [redacted]"}'],
      // The query goes up to the next space, "Bearer" with it: the credential is taken out first.
      [`{"url":"https://h.example/f?a=1","headers":{"Authorization":"Bearer ${KEY}"}}`, '{"url":"https://h.example/f?[redacted] [redacted]"}}'],
      [`request https://h.example/s;token=${KEY} failed`, 'request https://h.example/s;token=[redacted] failed'],
      [`https://h.example/s&api_key=${KEY}`, 'https://h.example/s&api_key=[redacted]'],
      [`GET /auth?redirect_uri=https://app.example/cb&access_token=${KEY}`, 'GET /auth?redirect_uri=https://app.example/cb&access_token=[redacted]'],
      [`proxy error for http://10.0.0.1:8080/stream&token=${KEY}`, 'proxy error for http://10.0.0.1:8080/stream&token=[redacted]'],
      [`GET https://h.example/x,Bearer ${KEY}`, 'GET https://h.example/x,Bearer [redacted]'],
      [`file:///etc/x;key=${KEY}`, 'file:///etc/x;key=[redacted]'],
      [`url=https://h.example/s,authorization=Bearer ${KEY}`, 'url=https://h.example/s,authorization=Bearer [redacted]'],
    ];
    for (const [text, clean] of cases) expect(redact(text)).toBe(clean);
  });

  it('redacts a credential after any white space, in a fragment, a header or a JSON field', () => {
    const cases: [string, string][] = [
      [`Bearer\t${KEY}`, 'Bearer\t[redacted]'],
      [`Authorization: Bearer\n${KEY}`, 'Authorization: Bearer\n[redacted]'],
      [`Bearer "${KEY}"`, 'Bearer "[redacted]"'],
      [`h.example/cb#access_token=${KEY}&state=s`, 'h.example/cb#access_token=[redacted]&state=s'],
      [`x-api-key: ${KEY}`, 'x-api-key: [redacted]'],
      [`api-key=${KEY}`, 'api-key=[redacted]'],
      [`Authorization: Token ${KEY}`, 'Authorization: Token [redacted]'],
      // Only an `auth…` name has a scheme: elsewhere a key of letters before a word is the secret.
      ['x-api-key: aBcDeFgHiJkLmNoP received', 'x-api-key: [redacted] received'],
      // More than 20 letters in a row is no word of prose.
      ['x-api-key: abcdefghijklmnopqrstuvwxyz', 'x-api-key: [redacted]'],
      [`{"token":"${KEY}","apiKey": "${KEY}","user":"u"}`, '{"token":"[redacted]","apiKey": "[redacted]","user":"u"}'],
    ];
    for (const [text, clean] of cases) expect(redact(text)).toBe(clean);
  });

  it('leaves prose alone: a single word after a scheme or a name and a colon is no credential', () => {
    for (const text of ['a basic misconfiguration', 'Basic authentication failed', 'no bearer token', 'Invalid key: expected a string', 'a key: Value (x).']) {
      expect(redact(text)).toBe(text);
    }
    // After `=` or in JSON a word is a value all the same.
    expect(redact('token=changeme {"apiKey":"changeme"}')).toBe('token=[redacted] {"apiKey":"[redacted]"}');
  });

  it('takes time in proportion to the size of an error and its texts, not its square', () => {
    // An array of as many items, and a text of as many words that could each begin a URL's scheme.
    const error = (items: number): Error =>
      Object.assign(new Error('a-'.repeat(items)), { items: Array.from({ length: items }, (_, i) => `item ${i}`) });
    const time = (errors: Error[]): number => {
      const start = performance.now();
      for (const each of errors) redact(each);
      return performance.now() - start;
    };
    time([error(50_000)]); // warm-up
    // The same 50k items as one array and as 50 arrays of 1k: equal work when it is linear, 50 times more in one array when it is quadratic.
    const one = time([error(50_000)]);
    const many = time(Array.from({ length: 50 }, () => error(1_000)));
    expect(one / many).toBeLessThan(8);
  });
});
