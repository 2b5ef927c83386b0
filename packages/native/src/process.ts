import { getSystemErrorName } from 'node:util';
import { native } from './binding.js';
import { check } from './errors.js';

/**
 * Reap one exited child that libuv did not spawn (an orphan reparented to this process because it is PID 1 or a
 * child subreaper): waitpid(2) with WNOHANG. Never call it for a pid child_process spawned: libuv reaps those, and
 * reaping one here would swallow its 'exit' event.
 * @returns true if `pid` was a zombie and is now gone; false if it is still running or not our child (ECHILD).
 * @throws system error (syscall 'waitpid') for anything but ECHILD.
 */
export function reapChild(pid: number): boolean {
  const r = native.reapChild(pid);
  if (r === -10 /* ECHILD */) return false;
  check(r, 'waitpid', { address: `pid ${pid}` });
  return r === pid;
}

/**
 * prctl(2) PR_SET_CHILD_SUBREAPER: orphaned descendants (a worker's double-forked children) are reparented to this
 * process instead of init, so the holder can account for them and end them (holdfast invariant 5).
 * @throws system error (syscall 'prctl').
 */
export function setChildSubreaper(on: boolean): void {
  check(native.setChildSubreaper(on), 'prctl', {});
}

/**
 * Guard a worker against outliving its holder, even with a blocked event loop: a native thread polls getppid(2)
 * every 100 ms; once the parent is no longer `parentPid` it waits `graceMs` (the drain deadline) and then SIGKILLs
 * the caller's whole process group (the worker leads its group). PR_SET_PDEATHSIG's SIGTERM starts the graceful
 * drain; this is the deadline nobody else is left to enforce. A parent already gone starts the deadline at once.
 * @returns false if the parent was already gone (the deadline runs from now; the caller should drain now).
 */
export function armParentDeathGuard(parentPid: number, graceMs: number): boolean {
  return native.armParentDeathGuard(parentPid, Math.max(0, Math.min(graceMs, 2 ** 31 - 1))) === 0;
}

/**
 * Move every thread of process `pid` out of SCHED_IDLE into SCHED_OTHER (sched(7)), nice unchanged: the step that
 * ends a worker's idle-priority start (holdfast-exec gave it SCHED_IDLE, HOLDFAST_SCHED_IDLE). Threads already at
 * another policy are left alone; threads that appear during the call are caught by a second pass.
 * @returns the number of threads moved (0: none was idle); false when the process is gone (ESRCH).
 * @throws system error (syscall 'sched_setscheduler'): EPERM when this process has neither CAP_SYS_NICE nor an
 *   RLIMIT_NICE of 20 (see {@link probeSchedIdle}).
 */
export function setSchedOther(pid: number): number | false {
  const r = native.setSchedOther(pid);
  if (r === -3 /* ESRCH */) return false;
  return check(r, 'sched_setscheduler', { address: `pid ${pid}` });
}

/**
 * Can this process end an idle-priority start, i.e. move a thread from SCHED_IDLE back to SCHED_OTHER? Tried on a
 * short-lived native thread of its own, so no thread that runs JS changes policy. Needs CAP_SYS_NICE or an RLIMIT_NICE
 * of 20 (`ulimit -e 20`, systemd's LimitNICE=20) to reach nice 0; lowering a policy needs nothing.
 * @returns null when it can; else the errno name of the refusal ('EPERM'; 'EINVAL' for a kernel without SCHED_IDLE).
 */
export function probeSchedIdle(): string | null {
  const r = native.probeSchedIdle();
  return r === 0 ? null : getSystemErrorName(r);
}
