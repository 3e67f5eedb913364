/** Longest wait a `Retry-After` header may impose (absurd values are capped). */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** ISO 8601 / RFC 3339 date-time with a zone: `2026-02-07T12:00:00Z`, `…+01:00`, fractions allowed. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Parses a `Retry-After` value into a wait in ms:
 * - digits (optionally signed) → that many seconds; a negative number → 0;
 * - an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) or an ISO 8601 date-time with a zone → the time
 *   until then, 0 when it has passed (an ISO date is never read as a number of seconds);
 * - anything else (empty, fractions, words, dates without a zone) → `undefined`.
 * Waits are capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return clamp(Number(trimmed) * 1000);
  const at = parseHttpDate(trimmed);
  return at === undefined ? undefined : clamp(at - nowMs);
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** Epoch ms of an IMF-fixdate or an ISO 8601 date-time with a zone; `undefined` for anything else. */
function parseHttpDate(text: string): number | undefined {
  const imf = IMF_FIXDATE.exec(text);
  if (imf) {
    const [, day, monthName, year, hours, minutes, seconds] = imf;
    const month = MONTHS.indexOf(monthName!);
    if (month < 0) return undefined;
    const at = Date.UTC(Number(year), month, Number(day), Number(hours), Number(minutes), Number(seconds));
    // Date.UTC rolls 31 Feb over into March: reject dates that do not exist.
    return new Date(at).getUTCDate() === Number(day) ? at : undefined;
  }
  if (!ISO_8601.test(text)) return undefined;
  const at = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(at) ? undefined : at;
}
