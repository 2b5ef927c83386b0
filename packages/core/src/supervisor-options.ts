/**
 * The supervisor's options, checked at the edge and completed with their defaults: a bad value is a HoldfastError
 * naming the option, the value and what was expected, before any process is spawned.
 */
import { HoldfastError } from './errors.js';
import { DEFAULT_BACKOFF, DEFAULT_MAX_FAILURES, type BackoffOptions } from './restart-policy.js';
import type { ReloadStrategy, SupervisorOptions } from './supervisor-types.js';

/** SupervisorOptions with every default applied. */
export type ResolvedSupervisorOptions = SupervisorOptions & {
  workers: number; reloadStrategy: ReloadStrategy; maxExtra: number; settleMs: number; watchdogMs: number; standby: number; idleStartMs: number;
  backoff: BackoffOptions; maxFailures: number;
};

/** Default time a new worker must stay up after READY=1, in ms. */
export const DEFAULT_SETTLE_MS = 300;

/**
 * Default longest start at idle CPU priority for a worker started while another one serves, in ms (`--idle-start`):
 * long enough for a usual start-up and warm-up on a busy machine, short enough that a machine with no idle CPU
 * delays a reload by this much at most.
 */
export const DEFAULT_IDLE_START_MS = 5000;

const TIMER_MAX_MS = 0x7fffffff;

function check(option: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `option "${option}" is ${JSON.stringify(value)}; expected ${expected}`);
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isMs = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= TIMER_MAX_MS;

/**
 * Check `opts` and apply the defaults (workers 1, rolling, maxExtra 1 or `workers` for all-at-once, settle 300 ms,
 * watchdog off, idle start 5 s, backoff 100 ms..30 s reset after 10 s, 10 failures).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION, e.g. `option "workers" is 0; expected a whole number >= 1`.
 */
export function resolveSupervisorOptions(opts: SupervisorOptions): ResolvedSupervisorOptions {
  const workers = opts.workers ?? 1;
  check('workers', opts.workers, isInt(workers, 1, 1024), 'a whole number from 1 to 1024');
  const reloadStrategy = opts.reloadStrategy ?? 'rolling';
  check('reloadStrategy', opts.reloadStrategy, reloadStrategy === 'rolling' || reloadStrategy === 'all-at-once', '"rolling" or "all-at-once"');
  const maxExtra = opts.maxExtra ?? (reloadStrategy === 'all-at-once' ? workers : 1);
  check('maxExtra', opts.maxExtra, isInt(maxExtra, 1, 1024), 'a whole number from 1 to 1024');
  check('readyTimeoutMs', opts.readyTimeoutMs, isMs(opts.readyTimeoutMs, 1), `a number of milliseconds from 1 to ${TIMER_MAX_MS}`);
  check('drainTimeoutMs', opts.drainTimeoutMs, isMs(opts.drainTimeoutMs, 0), `a number of milliseconds from 0 to ${TIMER_MAX_MS}`);
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  check('settleMs', opts.settleMs, isMs(settleMs, 0), `a number of milliseconds from 0 to ${TIMER_MAX_MS}`);
  const watchdogMs = opts.watchdogMs ?? 0;
  check('watchdogMs', opts.watchdogMs, isMs(watchdogMs, 0), `a number of milliseconds from 0 (off) to ${TIMER_MAX_MS}`);
  const standby = opts.standby ?? 0;
  check('standby', opts.standby, isInt(standby, 0, 64), 'a whole number from 0 to 64');
  const idleStartMs = opts.idleStartMs ?? DEFAULT_IDLE_START_MS;
  check('idleStartMs', opts.idleStartMs, isMs(idleStartMs, 0), `a number of milliseconds from 0 (off) to ${TIMER_MAX_MS}`);
  const maxFailures = opts.maxFailures ?? DEFAULT_MAX_FAILURES;
  check('maxFailures', opts.maxFailures, isInt(maxFailures, 1), 'a whole number >= 1');
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  for (const key of ['initialMs', 'maxMs', 'resetAfterMs'] as const) {
    check(`backoff.${key}`, backoff[key], isMs(backoff[key], 0), `a number of milliseconds from 0 to ${TIMER_MAX_MS}`);
  }
  return { ...opts, workers, reloadStrategy, maxExtra, settleMs, watchdogMs, standby, idleStartMs, maxFailures, backoff };
}
