/** Longest wait a `Retry-After` header may impose (absurd values are capped). */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
/** ISO 8601 / RFC 3339 date-time with a zone: `2026-02-07T12:00:00Z`, `…+01:00`, fractions allowed. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Parses a `Retry-After` value into a wait in ms:
 * - digits (optionally signed) → that many seconds; a negative number → 0;
 * - an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) or an ISO 8601 date-time with a zone → the time
 *   until then, 0 when it has passed (an ISO date is never read as a number of seconds);
 * - anything else (empty, fractions, words, dates without a zone, days that do not exist) → `undefined`.
 * Waits are capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  const text = value?.trim() ?? '';
  const clamp = (ms: number): number => Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
  if (/^[+-]?\d+$/.test(text)) return clamp(Number(text) * 1000);
  const imf = IMF_FIXDATE.exec(text);
  const at = imf ? Date.parse(text) : ISO_8601.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  // Date.parse rolls 31 Feb over into March (or refuses it): a day that does not exist is refused.
  if (Number.isNaN(at) || (imf && new Date(at).getUTCDate() !== Number(imf[1]))) return undefined;
  return clamp(at - nowMs);
}
