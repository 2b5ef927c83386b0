/**
 * Durations short enough to be a unit mistake: a duration without a unit is milliseconds, so `--ready-timeout 30`
 * is 30 ms, not 30 s. Such a value is accepted (someone may mean it) but named in a warning at start and in
 * `holdfast status`, with what it will do and how to write seconds.
 */
import type { HolderOptions } from './holder-options.js';

/**
 * Below these, in ms, each duration defeats its purpose: no Node worker starts in under 100 ms (spawn to READY=1
 * is 100-500 ms), a watchdog under 100 ms kills a worker for one garbage collection, a drain under 100 ms cuts
 * nearly every request in flight, and a shutdown delay under 100 ms is shorter than any load balancer's probe.
 */
export const PLAUSIBLE_MIN_MS = { readyTimeoutMs: 100, watchdogMs: 100, drainTimeoutMs: 100, shutdownDelayMs: 100 } as const;

type Durations = Pick<HolderOptions, keyof typeof PLAUSIBLE_MIN_MS>;

const WHAT: Record<keyof typeof PLAUSIBLE_MIN_MS, { flag: string; effect: string }> = {
  readyTimeoutMs: { flag: '--ready-timeout', effect: 'no worker can send READY=1 that fast, so every start fails and is retried' },
  watchdogMs: { flag: '--watchdog', effect: 'a worker that misses one WATCHDOG=1 ping for that long (one garbage collection) is killed' },
  drainTimeoutMs: { flag: '--drain-timeout', effect: 'requests still running that long after SIGTERM are cut at every reload' },
  shutdownDelayMs: { flag: '--shutdown-delay', effect: 'a load balancer cannot see /readyz answer 503 in that time' },
};

/**
 * One warning per duration in `opts` that is set, above 0 (0 means off or at once) and below its
 * {@link PLAUSIBLE_MIN_MS}, e.g. `--ready-timeout is 30 ms: no worker can send READY=1 that fast, ...; a duration
 * without a unit is milliseconds: write 30s for seconds`.
 */
export function implausibleDurations(opts: Partial<Durations>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(PLAUSIBLE_MIN_MS) as (keyof typeof PLAUSIBLE_MIN_MS)[]) {
    const ms = opts[key];
    if (ms === undefined || ms <= 0 || ms >= PLAUSIBLE_MIN_MS[key]) continue;
    const { flag, effect } = WHAT[key];
    out.push(`${flag} is ${ms} ms: ${effect}; a duration without a unit is milliseconds: write ${ms}s for seconds`);
  }
  return out;
}
