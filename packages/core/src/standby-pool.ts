/**
 * Warm standbys (`--standby N`): N extra workers of the serving release, started with HOLDFAST_STANDBY=1, which
 * initialise (and warm up) and send READY=1 but attach no inherited fd, so they accept nothing. When a serving
 * worker crashes, the supervisor takes a ready standby of the same release and promotes it with PROMOTE_SIGNAL:
 * no backoff and no start-up, only the signal and a listen(). Each promotion (after STANDBY_REFILL_DELAY_MS), crash
 * or release change starts a replacement behind it. Memory: each standby costs one worker's RSS for the whole life of the holder.
 *
 * A standby that exits is replaced after the crash backoff (reset once one gets ready), never in a tight loop.
 */
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import type { ProcessHost } from './process-host.js';
import { backoffDelay, type BackoffOptions } from './restart-policy.js';
import type { LaunchSpec } from './supervisor-types.js';
import type { Worker } from './worker.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * Wait in ms between a promotion and the start of the standby that replaces it: the promoted worker's first
 * ~50 ms answer the connections queued during the crash, and a node start-up beside it (hundreds of ms of CPU)
 * would slow exactly those answers (`bench/reload-latency.mjs --kill 5 --standby 1`).
 */
export const STANDBY_REFILL_DELAY_MS = 500;

/** What the standby pool asks of its supervisor. */
export interface StandbySource {
  /** The release new standbys run, and the generation number they carry (the serving one); null: none serves. */
  current(): { launch: LaunchSpec; generation: number } | null;
  /** No standby may start (the holder is stopping). */
  closed(): boolean;
}

export class StandbyPool {
  private readonly list: { w: Worker; launch: LaunchSpec }[] = [];
  private failures = 0;
  private cancelRefill: (() => void) | null = null;

  /**
   * @param count standbys to keep, >= 0.
   * @param firstSlot HOLDFAST_WORKER of the first standby (workers .. workers+count-1): a promoted standby keeps
   *   the number it started with in its environment, and takes the crashed worker's slot in status.
   */
  constructor(readonly count: number, private readonly firstSlot: number, private readonly pool: WorkerPool,
    private readonly host: ProcessHost, private readonly log: Logger, private readonly backoff: BackoffOptions,
    private readonly source: StandbySource) {}

  /** Live standby processes (starting or ready). */
  get size(): number { return this.list.length; }

  /** Is `w` one of the standbys? */
  has(w: Worker): boolean { return this.list.some((s) => s.w === w); }

  /** Remove and return a standby of `launch` that has sent READY=1, or null. */
  take(launch: LaunchSpec): Worker | null {
    const i = this.list.findIndex((s) => s.launch === launch && s.w.state === 'ready');
    if (i < 0) return null;
    return this.list.splice(i, 1)[0]!.w;
  }

  /**
   * After a swap: drain the standbys of a replaced release (every one after a reload, which may run new code
   * under the same command), then start new ones up to `count`.
   */
  refresh(reloaded: boolean): void {
    const cur = this.source.current();
    for (const s of [...this.list]) {
      if (!reloaded && cur && s.launch === cur.launch) continue;
      this.list.splice(this.list.indexOf(s), 1);
      this.pool.drain(s.w);
    }
    this.fill();
  }

  /** Start standbys up to `count` for the current release (now, unless a backoff is pending). */
  fill(): void {
    if (this.cancelRefill || this.source.closed()) return;
    const cur = this.source.current();
    if (!cur) return;
    while (this.list.length < this.count) {
      const used = new Set(this.list.map((s) => s.w.slot));
      let slot = this.firstSlot;
      while (used.has(slot)) slot++;
      let w: Worker;
      try {
        w = this.pool.spawn(cur.generation, cur.launch, slot, 0, { standby: true });
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'a standby could not be spawned');
        this.retryLater();
        return;
      }
      this.list.push({ w, launch: cur.launch });
      this.pool.ready(w).then(
        (ms) => { this.failures = 0; this.log.info({ pid: w.pid, generation: w.generation, readyMs: Math.round(ms) }, 'standby ready (not accepting until promoted)'); },
        (err: Error) => { if (!w.exitInfo) { this.log.error({ pid: w.pid, err: err.message }, 'standby not ready in time; killing it'); void w.kill(); } },
      );
    }
  }

  /**
   * After a promotion: start the replacement standby STANDBY_REFILL_DELAY_MS later, so that the promoted worker
   * answers the connections queued during the crash without a node start-up beside it on the CPU. A crash in that
   * window finds no standby and restarts as without one; close() cancels the wait.
   */
  fillSoon(): void {
    if (!this.source.closed()) this.fillAfter(STANDBY_REFILL_DELAY_MS);
  }

  /** A process exited: true when it was a standby (replaced after the backoff). */
  exited(w: Worker): boolean {
    const i = this.list.findIndex((s) => s.w === w);
    if (i < 0) return false;
    this.list.splice(i, 1);
    if (this.source.closed()) return true;
    this.failures++;
    logWarning(this.log, 'WARN_HOLDFAST_STANDBY_EXITED', { pid: w.pid, exitCode: w.exitInfo?.code, signal: w.exitInfo?.signal }, 'a standby exited; starting another after the backoff');
    this.retryLater();
    return true;
  }

  private retryLater(): void {
    this.fillAfter(backoffDelay(this.failures, this.backoff));
  }

  /** fill() in `ms`, unless a refill is already pending (close() cancels it). */
  private fillAfter(ms: number): void {
    if (this.cancelRefill) return;
    this.cancelRefill = this.host.setTimer(() => { this.cancelRefill = null; this.fill(); }, ms);
  }

  /** No more standbys (the holder stops; the supervisor drains every live process itself). */
  close(): void {
    this.cancelRefill?.();
    this.cancelRefill = null;
    this.list.length = 0;
  }
}
