/**
 * Why a `fetch` call threw, in a few words: the system error code (`ECONNREFUSED`, `ENOTFOUND`, …)
 * where the implementation gives one (undici on the error's `cause`, node-fetch on the error itself),
 * else its message. Browser builds resolve `fetch-failure.browser.ts` (a browser's `fetch` gives no
 * codes) instead.
 */
export function describeFetchFailure(cause: unknown): string {
  const code = [cause, (cause as { cause?: unknown } | null)?.cause]
    .map((error) => (error as { code?: unknown } | null)?.code)
    .find((value): value is string => typeof value === 'string' && /^E[A-Z_]+$/.test(value));
  return code ? `connection failed (${code})` : cause instanceof Error ? cause.message : 'connection failed';
}
