/**
 * A worker's environment: the holder's own (minus what describes the holder's fds, supervisor or watchdog), plus
 * the socket-passing protocol (sd_listen_fds(3): LISTEN_FDS, LISTEN_FDNAMES; LISTEN_PID is set by holdfast-exec
 * after the fork, so that it is the worker's own pid), the holder's notify socket (sd_notify(3)), the watchdog
 * interval (sd_watchdog_enabled(3)) and holdfast's own variables. Every name comes from @holdfast/native's
 * protocol.ts.
 */
import { DEFAULT_BACKLOG, ENV, HOLDFAST_ENV, PER_PROCESS_ENV } from '@holdfast/native';
import type { HeldSocket } from './socket-table.js';

/** What a worker's environment is built from. */
export interface WorkerEnvInput {
  /** The environment the holder was configured with. */
  base: NodeJS.ProcessEnv;
  /** Socket names in fd order (fd 3 + index). */
  socketNames: readonly string[];
  /** listen(2) backlog of each socket in the same order ('' for non-stream fds), for the register hook. */
  socketBacklogs?: readonly string[];
  /** The holder's NOTIFY_SOCKET ('@name' or a path). */
  notifySocket: string;
  generation: number;
  /** Slot within the generation, 0..workers-1. */
  slot: number;
  /** Drain deadline in ms, for the adapter's own drain and holder guard. */
  drainTimeoutMs: number;
  /** Watchdog interval in ms; 0 leaves WATCHDOG_USEC unset. */
  watchdogMs: number;
  /** The signal the worker is asked to drain with; SIGTERM (the default) leaves HOLDFAST_KILL_SIGNAL unset. */
  killSignal?: NodeJS.Signals;
  /** A warm standby: HOLDFAST_STANDBY=1 (attach no fd until PROMOTE_SIGNAL). */
  standby?: boolean;
  /** The holder's pid; default process.pid. */
  holderPid?: number;
}

/** The environment for one worker (a new object; `base` is not changed). */
export function workerEnv(input: WorkerEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.base };
  for (const k of PER_PROCESS_ENV) delete env[k];
  if (input.socketNames.length > 0) {
    env[ENV.LISTEN_FDS] = String(input.socketNames.length);
    env[ENV.LISTEN_FDNAMES] = input.socketNames.join(':');
    // So that an unmodified app listening on an inherited fd keeps the holder's backlog (the register hook).
    if (input.socketBacklogs) env[HOLDFAST_ENV.LISTEN_BACKLOGS] = input.socketBacklogs.join(':');
  }
  delete env[HOLDFAST_ENV.WRAPPER];
  env[ENV.NOTIFY_SOCKET] = input.notifySocket;
  if (input.watchdogMs > 0) env[ENV.WATCHDOG_USEC] = String(input.watchdogMs * 1000);
  env[HOLDFAST_ENV.GENERATION] = String(input.generation);
  env[HOLDFAST_ENV.WORKER] = String(input.slot);
  // holdfast-exec arms PR_SET_PDEATHSIG against this pid; the adapter's holder guard enforces the drain deadline.
  env[HOLDFAST_ENV.HOLDER_PID] = String(input.holderPid ?? process.pid);
  env[HOLDFAST_ENV.DRAIN_TIMEOUT_MS] = String(input.drainTimeoutMs);
  if (input.standby) env[HOLDFAST_ENV.STANDBY] = '1';
  else delete env[HOLDFAST_ENV.STANDBY];
  delete env[HOLDFAST_ENV.KILL_SIGNAL];
  if (input.killSignal && input.killSignal !== 'SIGTERM') env[HOLDFAST_ENV.KILL_SIGNAL] = input.killSignal;
  return env;
}

/** listen(2) backlog of a held stream socket, from its spec (`?backlog=N`, else systemd's default); '' for others. */
export function backlogOf(s: HeldSocket): string {
  if (s.kind !== 'socket' || !/^(tcp|unix):/.test(s.spec)) return '';
  return /[?&]backlog=(\d+)/.exec(s.spec)?.[1] ?? String(DEFAULT_BACKLOG);
}
