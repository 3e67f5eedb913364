import { describeUrl } from '../net/http.js';
import { fingerprint } from './fingerprint.js';

/**
 * A transport's identity, the scope of its store records and fleet leases: the protocol, the server
 * (origin and path, never a query) and what selects the environment there (`project/environment`,
 * `key:<fingerprint>`, `headers:<fingerprint>`). Never a key or a header value in clear.
 */
export function transportIdentity(kind: string, serverUrl: string, ...selectors: string[]): string {
  return [kind, describeUrl(serverUrl), ...selectors].join(' ');
}

/** `key:` and a fingerprint of an API key, for protocols where the key alone selects the environment. */
export function keySelector(apiKey: string): string {
  return `key:${fingerprint(apiKey)}`;
}

/** Headers that never select an environment: changing them (an app version in `User-Agent`) keeps the identity. */
const NEUTRAL_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent', 'traceparent', 'tracestate', 'x-request-id']);

/**
 * `headers:` and a fingerprint of the request headers that may select an environment or tenant
 * (`Authorization` with the API key, `X-API-Key`, a tenant header: any but the neutral ones), or
 * nothing when there are none. Names count case-insensitively and in any order.
 */
export function headerSelectors(headers: Readonly<Record<string, string>>): string[] {
  const selecting = Object.entries(headers)
    .map(([name, value]) => `${name.toLowerCase()}: ${value}`)
    .filter((line) => !NEUTRAL_HEADERS.has(line.slice(0, line.indexOf(':'))))
    .sort();
  return selecting.length === 0 ? [] : [`headers:${fingerprint(selecting.join('\n'))}`];
}
