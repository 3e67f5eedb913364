/** Timestamps as the Cuttlegate wire writes them. */

/** UTC, RFC 3339 at second precision: `2026-03-20T10:00:00Z`. */
export function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
