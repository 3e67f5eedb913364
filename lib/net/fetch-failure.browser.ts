/**
 * The browser build of `fetch-failure.ts` (package.json `browser` field): a browser's `fetch`
 * rejects with a bare `TypeError` (no system error code to read), so its message is the reason.
 */
export function describeFetchFailure(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'connection failed';
}
