/**
 * A worker must not outlive its holder (holdfast invariant 5). PR_SET_PDEATHSIG (set by holdfast-exec) sends
 * SIGTERM when the holder dies, which starts the graceful drain; but a worker whose event loop is blocked never
 * runs that handler and would keep the listening socket forever. So the adapter arms a native thread that, once
 * the holder is gone, waits the drain deadline and then SIGKILLs the worker's process group.
 */
import { HOLDFAST_ENV, loadNative } from './native.js';

let armed = false;

/** The holder's pid when this process is a worker the holder started directly, else 0. */
export function holderPid(env: NodeJS.ProcessEnv = process.env): number {
  const pid = Number(env[HOLDFAST_ENV.HOLDER_PID]);
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}

/**
 * Arm the guard once (serve() does it). The deadline is `$HOLDFAST_DRAIN_TIMEOUT_MS` (the holder's
 * --drain-timeout) or `fallbackMs`. Does nothing when the worker was not started directly by a holder (e.g. under
 * `npm start`, whose own parent handling applies).
 */
export function armHolderGuard(fallbackMs: number): void {
  const holder = holderPid();
  if (armed || holder === 0 || process.ppid !== holder) return;
  armed = true;
  const ms = Number(process.env[HOLDFAST_ENV.DRAIN_TIMEOUT_MS]);
  loadNative(`${HOLDFAST_ENV.HOLDER_PID}=${holder} (started by a holder)`).armParentDeathGuard(holder, Number.isFinite(ms) && ms >= 0 ? ms : fallbackMs);
}

/**
 * True when this worker's holder is gone (it was reparented). Then whatever is left of the worker's process group
 * has nobody else to end it: drain.ts SIGKILLs the group on its way out.
 */
export function holderIsGone(): boolean {
  const holder = holderPid();
  return armed && holder !== 0 && process.ppid !== holder;
}
