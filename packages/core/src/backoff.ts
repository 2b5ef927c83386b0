/** Crash-restart backoff settings, in milliseconds. */
export interface BackoffOptions {
  /** First delay after a crash. Default 100 ms. */
  initialMs: number;
  /** Cap on the delay. Default 30000 ms. */
  maxMs: number;
  /** A worker that stayed up this long resets the failure count. Default 10000 ms. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, resetAfterMs: 10_000 };

/**
 * Exponential backoff: the n-th consecutive failure waits initialMs * 2^(n-1), capped at maxMs.
 * Never zero, so a crash loop is never a tight loop.
 */
export function backoffDelay(failures: number, opts: BackoffOptions): number {
  const n = Math.max(1, failures);
  return Math.min(opts.maxMs, Math.max(1, opts.initialMs) * 2 ** Math.min(n - 1, 30));
}
