/**
 * A worker must not outlive its holder (holdfast invariant 5), whatever state it is in: starting, warming up,
 * standby, not yet ready, ready, draining, with a blocked event loop. PR_SET_PDEATHSIG (set by holdfast-exec)
 * sends SIGTERM when the holder dies, which starts the graceful drain where there is one; but a worker whose event
 * loop is blocked never runs that handler, and one that had not served yet (the SIGTERM reached only the app's own
 * handler, or nothing of ours) has no drain at all. So a native thread, armed when this module is first imported
 * (the register hook and every entry point of the adapter import it), waits for the holder to be gone, then the
 * drain deadline, and SIGKILLs the worker's process group.
 */
import { DEFAULT_DRAIN_TIMEOUT } from './drain-types.js';
import { drainTimeoutFromEnv } from './hook-env.js';
import { HOLDFAST_ENV, loadNative } from './native.js';
import { dropOutputOnBrokenPipe } from './broken-output.js';
import { processExists } from './process-exists.js';

let armed = false;

/** The holder's pid when this process (or an ancestor) was started by a holder, else 0. */
export function holderPid(env: NodeJS.ProcessEnv = process.env): number {
  const pid = Number(env[HOLDFAST_ENV.HOLDER_PID]);
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}


/**
 * Arm the guard once (at the first import of this module; register() calls it again, which does nothing). The
 * deadline is `$HOLDFAST_DRAIN_TIMEOUT_MS` (the holder's --drain-timeout, ms) or `fallbackMs`. Armed when the
 * holder is our parent (the guard waits for it to go), or when the holder is already dead (the deadline runs from
 * now: it died before we got here). Does nothing when no holder started us, or when a living holder is not our
 * parent (a descendant of a wrapper such as `npm start`, whose own parent handling applies).
 */
export function armHolderGuard(fallbackMs: number = DEFAULT_DRAIN_TIMEOUT): void {
  const holder = holderPid();
  if (armed || holder === 0) return;
  if (process.ppid !== holder && processExists(holder)) return;
  armed = true;
  loadNative(`${HOLDFAST_ENV.HOLDER_PID}=${holder} (started by a holder)`).armParentDeathGuard(holder, drainTimeoutFromEnv(process.env) ?? fallbackMs);
}

/**
 * True when this worker's holder is gone (it was reparented). Then whatever is left of the worker's process group
 * has nobody else to end it: drain.ts SIGKILLs the group on its way out.
 */
export function holderIsGone(): boolean {
  const holder = holderPid();
  return armed && holder !== 0 && process.ppid !== holder;
}

armHolderGuard();
// Under a holder (its child, or a wrapper's descendant alike), a broken output pipe must not end the worker.
if (holderPid() !== 0) dropOutputOnBrokenPipe();
