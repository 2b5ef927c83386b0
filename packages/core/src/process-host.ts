import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';
import { notifySend, probeSchedIdle, resolveExecHelper, setSchedOther } from '@holdfast/native';
import { processTree } from './proc-sockets.js';
import { childPids, procStat } from './proc-stat.js';

/** What the holder asks for when it starts a worker process. */
export interface SpawnRequest {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Holder fds to hand over; the worker receives them at 3, 4, ... in this order (Invariant 6). */
  fds: number[];
  /** `pipe`: the worker gets its own stdout/stderr pipes (ChildHandle.stdout/stderr); default `inherit`: the holder's fds 1 and 2. */
  output?: 'pipe' | 'inherit';
  /** Start the worker at idle CPU priority (SCHED_IDLE, sched(7)); {@link ProcessHost.endIdleStart} ends it. */
  idle?: boolean;
}

/** The part of a child process the supervisor uses. */
export interface ChildHandle {
  readonly pid: number;
  /** Called once with the exit code or the signal name that ended the process. */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** The read ends of the worker's stdout and stderr pipes when spawned with `output: 'pipe'`. */
  readonly stdout?: Readable | null;
  readonly stderr?: Readable | null;
}

/**
 * The only door from the supervisor to the OS (spawn, signals, clock), so the swap state machine can run
 * against fake processes and fake timers.
 */
export interface ProcessHost {
  spawn(req: SpawnRequest): ChildHandle;
  /** Send `signal` to one pid; false if it is gone (ESRCH). */
  kill(pid: number, signal: NodeJS.Signals): boolean;
  /** Send `signal` to a whole process group (the worker is its group's leader); false if the group is empty. */
  killGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /**
   * Send one datagram of sd_notify(3)-style fields to a worker's announced receiver (its abstract AF_UNIX address,
   * X_HOLDFAST_ADOPT), without blocking. False when it cannot be delivered (gone, full).
   */
  message(address: string, payload: string): boolean;
  /**
   * Can {@link endIdleStart} work here? null when it can, else why not (e.g. 'EPERM'). Optional: a host without it
   * starts no worker at idle priority.
   */
  probeIdleStart?(): string | null;
  /**
   * Move a worker spawned with `idle` (every thread of its process tree) back to normal CPU priority (SCHED_OTHER).
   * A process already gone is not an error.
   * @throws system error (syscall 'sched_setscheduler'), e.g. EPERM.
   */
  endIdleStart?(pid: number): void;
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  /**
   * Accepted TCP connections on `ports` that the process tree of `pid` holds open now (null: unreadable); counted
   * just before a SIGKILL at the drain deadline. Optional: without it the pool reads /proc (proc-sockets.ts).
   */
  openConnections?(pid: number, ports: ReadonlySet<number>): number | null;
}

function signalSafe(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Is `pid` a child of this process that has not yet made its own process group? Until holdfast-exec's setpgid (just
 * after spawn() returns) the group does not exist and its leader-to-be is the only process in it. A child not yet
 * reaped keeps its pid, so this never names an unrelated process that reused it.
 */
function notYetGrouped(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.ppid === process.pid && st.pgrp !== pid;
}

/**
 * The processes a worker started during its idle-priority start: its tree, and the orphans of its process group,
 * which the holder (a child subreaper) adopted when their parent exited (a helper started with `sh -c '... &'`).
 * Read from the holder's children, not by scanning /proc: this runs at READY=1.
 */
function idleStartedProcesses(pid: number): number[] {
  const out = processTree(pid);
  for (const c of childPids(process.pid)) if (c !== pid && procStat(c)?.pgrp === pid) out.push(...processTree(c));
  return out;
}

/**
 * The real OS. Workers are spawned through `holdfast-exec` (packages/native), which sets LISTEN_PID to its own
 * pid and then execs the command without forking, so LISTEN_PID equals the worker's pid (sd_listen_fds(3)); with
 * HOLDFAST_HOLDER_PID (worker-env.ts) it also arms PR_SET_PDEATHSIG so a worker notices a holder killed with SIGKILL.
 * holdfast-exec makes each worker the leader of its own process group (setpgid), so the whole group can be signalled
 * (Invariant 5), in the holder's session (one autogroup, see exec.c). With `idle`, it gives the worker SCHED_IDLE
 * before the exec (HOLDFAST_SCHED_IDLE).
 */
export const realProcessHost: ProcessHost = {
  spawn(req) {
    const execHelper = resolveExecHelper();
    const child: ChildProcess = nodeSpawn(execHelper, [req.command, ...req.args], {
      cwd: req.cwd,
      env: req.idle ? { ...req.env, [HOLDFAST_ENV.SCHED_IDLE]: '1' } : req.env,
      stdio: ['ignore', req.output === 'pipe' ? 'pipe' : 'inherit', req.output === 'pipe' ? 'pipe' : 'inherit', ...req.fds],
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    if (child.pid === undefined) throw new Error(`spawn ${execHelper} failed${spawnError ? `: ${spawnError.message}` : ''}`);
    return {
      pid: child.pid,
      onExit(cb) { child.once('exit', cb); },
      stdout: child.stdout,
      stderr: child.stderr,
    };
  },
  kill: (pid, signal) => signalSafe(pid, signal),
  killGroup: (pgid, signal) => signalSafe(-pgid, signal) || (notYetGrouped(pgid) && signalSafe(pgid, signal)),
  message(address, payload) {
    try {
      notifySend(address, payload, [], { nonblocking: true });
      return true;
    } catch {
      return false;
    }
  },
  probeIdleStart: () => probeSchedIdle(),
  endIdleStart(pid) {
    for (const p of idleStartedProcesses(pid)) setSchedOther(p);
  },
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
