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
