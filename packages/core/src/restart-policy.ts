/**
 * When a crashed or failed slot is started again: exponential backoff between attempts, a failure count that a
 * worker which stayed up long enough resets, and a limit after which automatic restarts stop (the service is
 * `failed` until the next reload).
 *
 * The first crash of a streak, by a worker that had been serving (since READY=1) longer than its own start-up
 * took, restarts without delay: such a worker was healthy, and waiting only adds to what users wait. Its
 * replacement cannot crash-loop faster than once per two start-ups, so this is never a tight loop; a second
 * failure in the streak waits `initialMs`, then doubles.
 *
 * A streak ends when the worker that crashed had been up `resetAfterMs`, or when `resetAfterMs` passed since the
 * streak's last failure (the service served meanwhile, maybe through workers that reloads replaced): a crash of a
 * worker a reload started five seconds ago is then a first crash, not the next of a streak from last week.
 */

/** Crash-restart backoff settings, in milliseconds. */
export interface BackoffOptions {
  /** First delay after a crash. Default 100 ms. */
  initialMs: number;
  /** Cap on the delay. Default 30000 ms. */
  maxMs: number;
  /** A worker that stayed up this long, or this long without a failure, resets the failure count. Default 10000 ms. */
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
  /** The current streak began with a crash that restarted without delay (backoff starts one failure later). */
  private forgiven = false;
  /** When the last failure was counted (the clock of `nowMs`), null before the first. */
  private lastFailureAt: number | null = null;

  constructor(readonly backoff: BackoffOptions = DEFAULT_BACKOFF, readonly maxFailures = DEFAULT_MAX_FAILURES) {}

  /**
   * A serving worker crashed: one more failure, after a reset if it had been up `resetAfterMs`.
   * @param uptimeMs spawn to exit, in ms.
   * @param servedMs READY=1 to exit, in ms (0 if it never got ready).
   * @param startupMs spawn to READY=1, in ms (Infinity if it never got ready).
   * @param nowMs the time of the crash on a monotonic clock, in ms (the one startFailed gets).
   */
  crashed(uptimeMs: number, servedMs = 0, startupMs = Infinity, nowMs?: number): void {
    if (uptimeMs >= this.backoff.resetAfterMs || this.quietSince(nowMs)) this.failures = 0;
    if (this.failures === 0) this.forgiven = servedMs > startupMs;
    this.countOne(nowMs);
  }

  /** resetAfterMs or more passed since the last failure. */
  private quietSince(nowMs: number | undefined): boolean {
    return nowMs !== undefined && this.lastFailureAt !== null && nowMs - this.lastFailureAt >= this.backoff.resetAfterMs;
  }

  private countOne(nowMs: number | undefined): void {
    this.failures++;
    if (nowMs !== undefined) this.lastFailureAt = nowMs;
  }

  /** A start or restart failed (nothing new got ready). `nowMs` as for crashed(). */
  startFailed(nowMs?: number): void {
    this.countOne(nowMs);
  }

  /** Would the next restart run at once (the first crash of a worker that had served longer than its start-up)? */
  get immediate(): boolean {
    return this.forgiven && this.failures === 1;
  }

  /** Consecutive failures so far. */
  get count(): number {
    return this.failures;
  }

  /** True once the limit is reached: restarts stop until a reload. */
  get exhausted(): boolean {
    return this.failures >= this.maxFailures;
  }

  /** How long to wait before the next automatic restart, in ms: 0 when {@link immediate}, else the backoff. */
  nextDelay(): number {
    if (this.immediate) return 0;
    return backoffDelay(this.forgiven ? this.failures - 1 : this.failures, this.backoff);
  }
}
