import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { notifySend, resolveExecHelper } from '@holdfast/native';

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
 * The real OS. Workers are spawned through `holdfast-exec` (packages/native), which sets LISTEN_PID to its own
 * pid and then execs the command without forking, so LISTEN_PID equals the worker's pid (sd_listen_fds(3)); with
 * HOLDFAST_HOLDER_PID (worker-env.ts) it also arms PR_SET_PDEATHSIG so a worker notices a holder killed with SIGKILL. `detached` makes each worker the
 * leader of its own session and process group, so the whole group can be signalled (Invariant 5).
 */
export const realProcessHost: ProcessHost = {
  spawn(req) {
    const execHelper = resolveExecHelper();
    const child: ChildProcess = nodeSpawn(execHelper, [req.command, ...req.args], {
      cwd: req.cwd,
      env: req.env,
      stdio: ['ignore', req.output === 'pipe' ? 'pipe' : 'inherit', req.output === 'pipe' ? 'pipe' : 'inherit', ...req.fds],
      detached: true,
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
  killGroup: (pgid, signal) => signalSafe(-pgid, signal),
  message(address, payload) {
    try {
      notifySend(address, payload, [], { nonblocking: true });
      return true;
    } catch {
      return false;
    }
  },
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
