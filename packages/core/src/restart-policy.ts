/**
 * When a crashed or failed slot is started again: exponential backoff between attempts, a failure count that a
 * worker which stayed up long enough resets, and a limit after which automatic restarts stop (the service is
 * `failed` until the next reload).
 */

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

/** Consecutive failed starts or crashes before automatic restarts stop. */
export const DEFAULT_MAX_FAILURES = 10;

/**
 * Exponential backoff: the n-th consecutive failure waits initialMs * 2^(n-1), capped at maxMs.
 * Never zero, so a crash loop is never a tight loop.
 */
export function backoffDelay(failures: number, opts: BackoffOptions): number {
  const n = Math.max(1, failures);
  return Math.min(opts.maxMs, Math.max(1, opts.initialMs) * 2 ** Math.min(n - 1, 30));
}

/** The failure count of one service and what it implies. */
export class RestartPolicy {
  private failures = 0;

  constructor(readonly backoff: BackoffOptions = DEFAULT_BACKOFF, readonly maxFailures = DEFAULT_MAX_FAILURES) {}

  /** A serving worker crashed after `uptimeMs`: one more failure, after a reset if it had been up long enough. */
  crashed(uptimeMs: number): void {
    if (uptimeMs >= this.backoff.resetAfterMs) this.failures = 0;
    this.failures++;
  }

  /** A start or restart failed (nothing new got ready). */
  startFailed(): void {
    this.failures++;
  }

  /** Consecutive failures so far. */
  get count(): number {
    return this.failures;
  }

  /** True once the limit is reached: restarts stop until a reload. */
  get exhausted(): boolean {
    return this.failures >= this.maxFailures;
  }

  /** How long to wait before the next automatic restart, in ms. */
  nextDelay(): number {
    return backoffDelay(this.failures, this.backoff);
  }
}
