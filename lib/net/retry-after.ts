/** Longest wait a `Retry-After` header may impose (absurd values are capped). */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** ISO 8601 / RFC 3339 date-time with a zone: `2026-02-07T12:00:00Z`, `…+01:00`, fractions allowed. */
const ISO_8601 = /^\d{4}(-\d\d){2}[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

/**
 * Parses a `Retry-After` value into a wait in ms:
 * - digits (optionally signed) → that many seconds; a negative number → 0;
 * - an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) or an ISO 8601 date-time with a zone → the time
 *   until then, 0 when it has passed (an ISO date is never read as a number of seconds);
 * - anything else (empty, fractions, words, dates without a zone, days that do not exist, a weekday
 *   that is not the date's) → `undefined`.
 * Waits are capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  const text = value?.trim() ?? '';
  const clamp = (ms: number): number => Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
  if (/^[+-]?\d+$/.test(text)) return clamp(Number(text) * 1000);
  const iso = ISO_8601.test(text);
  const at = Date.parse(iso ? text.replace(' ', 'T') : text);
  // An RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is exactly what toUTCString() writes
  // for its time: whatever else a lenient Date.parse reads (31 Feb rolled into March, a wrong
  // weekday or month name, another layout) is refused.
  if (Number.isNaN(at) || (!iso && new Date(at).toUTCString() !== text)) return undefined;
  return clamp(at - nowMs);
}
