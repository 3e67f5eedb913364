/** Cuttlegate's fixed-window rate limiter. */

/** Limit settings: at most `limit` requests per caller per window. */
export interface RateLimitOptions {
  /** Requests allowed per window. */
  limit: number;
  /** Window length; `Retry-After` is the whole window in seconds, rounded up. */
  windowMs: number;
  /** One bucket per API key instead of the reference's single bucket shared by all keys (the admin key always has its own). */
  perKey?: boolean;
}

/**
 * A window opens at a caller's first request and resets once it has passed; a request is denied
 * when the window's count has reached the limit, and denied requests do not count.
 */
export class FixedWindowLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** `Retry-After` value in whole seconds. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.options.windowMs / 1000));
  }

  /** Count a request for the caller id; false when it must be denied. */
  take(id: string): boolean {
    const now = this.now();
    let window = this.#windows.get(id);
    if (window === undefined || now - window.start >= this.options.windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(id, window);
    }
    if (window.count >= this.options.limit) return false;
    window.count++;
    return true;
  }
}
