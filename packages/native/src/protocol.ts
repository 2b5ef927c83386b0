/**
 * The socket-passing and readiness protocol, named once: systemd's environment variables (sd_listen_fds(3),
 * sd_notify(3), sd_watchdog_enabled(3)), holdfast's own variables, the defaults every package shares, and
 * `parseListenEnv()`, which reads LISTEN_* exactly as sd-daemon.c's sd_listen_fds_with_names() does.
 * This module loads no addon: `@holdfast/native/protocol` imports it alone.
 *
 * csrc/exec.c mirrors the names it uses as #defines; test/protocol.test.ts checks that they match.
 */
/** First inherited fd (SD_LISTEN_FDS_START in sd-daemon.h): fds 0-2 are stdio. */
export const SD_LISTEN_FDS_START = 3;

/** systemd's environment variables, by their own names. */
export const ENV = {
  /** Number of fds passed at SD_LISTEN_FDS_START.. (sd_listen_fds(3)). */
  LISTEN_FDS: 'LISTEN_FDS',
  /** The pid the fds are meant for; any other process ignores them (sd_listen_fds(3)). */
  LISTEN_PID: 'LISTEN_PID',
  /** The pidfd inode id the fds are meant for (newer systemd; checked only where the kernel can tell). */
  LISTEN_PIDFDID: 'LISTEN_PIDFDID',
  /** Colon-separated names, one per fd (sd_listen_fds_with_names(3)). */
  LISTEN_FDNAMES: 'LISTEN_FDNAMES',
  /** AF_UNIX datagram socket the service sends READY=1 and friends to (sd_notify(3)); '@name' is abstract. */
  NOTIFY_SOCKET: 'NOTIFY_SOCKET',
  /** Watchdog interval in µs (sd_watchdog_enabled(3)). */
  WATCHDOG_USEC: 'WATCHDOG_USEC',
  /** The pid the watchdog interval is meant for (sd_watchdog_enabled(3)). */
  WATCHDOG_PID: 'WATCHDOG_PID',
  /** FileDescriptorStoreMax= of the unit: how many fds FDSTORE=1 may deposit (systemd.exec(5)). */
  FDSTORE: 'FDSTORE',
} as const;

/** holdfast's own environment variables. */
export const HOLDFAST_ENV = {
  /**
   * The holder's pid, set for every worker. holdfast-exec arms PR_SET_PDEATHSIG and exits 125 when its parent is
   * not this pid (the holder died before the exec); the adapter's holder guard drains when the holder is gone.
   */
  HOLDER_PID: 'HOLDFAST_HOLDER_PID',
  /** The worker's generation number (1, 2, ...). */
  GENERATION: 'HOLDFAST_GENERATION',
  /** The worker's slot within its generation (0..workers-1). */
  WORKER: 'HOLDFAST_WORKER',
  /**
   * The signal the holder asks a worker to drain with (`--kill-signal`, e.g. SIGINT); set only when it is not
   * SIGTERM. The adapter drains on it as well as on SIGTERM.
   */
  KILL_SIGNAL: 'HOLDFAST_KILL_SIGNAL',
  /** The holder's drain deadline in ms: a worker's drain gives up after it. */
  DRAIN_TIMEOUT_MS: 'HOLDFAST_DRAIN_TIMEOUT_MS',
  /** Control socket path used by the CLI when --control is not given. */
  CONTROL: 'HOLDFAST_CONTROL',
  /**
   * '1' when the command the holder started is a wrapper (npm, the tsx CLI, `sh -c`, a Node script) that may run
   * the real server as a descendant: the register hook there adopts fds whose LISTEN_PID names an ancestor.
   */
  WRAPPER: 'HOLDFAST_WRAPPER',
  /** listen(2) backlog of each passed fd, colon-separated in LISTEN_FDNAMES order ('' for non-stream fds). */
  LISTEN_BACKLOGS: 'HOLDFAST_LISTEN_BACKLOGS',
  /** '1': the register hook fails a listen/bind on a port the holder does not hold (ERR_HOLDFAST_UNHELD_ADDRESS). */
  STRICT: 'HOLDFAST_STRICT',
  /** '1': the register hook sends READY=1 when the app calls process.send('ready') (PM2's wait_ready). */
  WAIT_READY: 'HOLDFAST_WAIT_READY',
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: 'HOLDFAST_LOG_LEVEL',
  /** 'pretty' or 'json'. */
  LOG_FORMAT: 'HOLDFAST_LOG_FORMAT',
  /**
   * Warm-up before READY=1 (`holdfast run --warmup`): comma-separated request targets, each `PATH` or
   * `METHOD PATH` (`/`, `GET /health`), run against the app's own server, never through the held socket.
   */
  WARMUP: 'HOLDFAST_WARMUP',
  /**
   * How warm-up requests reach the app: 'socket' (default for plain HTTP: real HTTP on a private unix socket
   * whose connections the server handles as its own) or 'in-process' (injected into the 'request' listeners).
   */
  WARMUP_VIA: 'HOLDFAST_WARMUP_VIA',
  /** How many times each warm-up request runs (`--warmup-count`); default WARMUP_DEFAULT_COUNT. */
  WARMUP_COUNT: 'HOLDFAST_WARMUP_COUNT',
  /**
   * '1' for a warm standby (`--standby N`): start, initialise, warm up and send READY=1, but attach no inherited
   * fd (accept nothing) until the holder sends PROMOTE_SIGNAL.
   */
  STANDBY: 'HOLDFAST_STANDBY',
  /** '0': the worker neither offers nor adopts connections at a reload (handover-protocol.ts); the drain keeps them. */
  HANDOVER: 'HOLDFAST_HANDOVER',
  /**
   * Pacing of the hand-over, ms between doublings (1, 2, 4 ... connections move, the rest are served by the old
   * worker meanwhile); '0' (the default, HANDOVER_RAMP_STEP_MS in the adapter) moves every connection at once.
   */
  HANDOVER_RAMP_MS: 'HOLDFAST_HANDOVER_RAMP_MS',
  /**
   * '1': holdfast-exec gives the worker the SCHED_IDLE CPU policy (sched(7)) before it execs the command, and removes
   * the variable; the holder moves the worker back to SCHED_OTHER at READY=1 (`--idle-start`).
   */
  SCHED_IDLE: 'HOLDFAST_SCHED_IDLE',
} as const;

/** Header every warm-up request carries (value '1'), so an app's metrics and logs can leave them out. */
export const WARMUP_HEADER = 'x-holdfast-warmup';

/**
 * How a worker's STATUS= (sd_notify(3)) begins while its warm-up runs, before READY=1: the holder's diagnosis of a
 * --ready-timeout says the warm-up was still running rather than that the app never listened.
 */
export const WARMUP_RUNNING_STATUS = 'warming up';

/** Warm-up runs of each request when HOLDFAST_WARMUP is set without HOLDFAST_WARMUP_COUNT. */
export const WARMUP_DEFAULT_COUNT = 200;

/**
 * The holder promotes a warm standby (HOLDFAST_STANDBY=1) with this signal (attach the inherited fds now) only when
 * the standby announced no hand-over receiver; otherwise with PROMOTE_MESSAGE on that receiver, so that an app's
 * own SIGUSR2 handler (nodemon's restart convention, log reopening) never runs for a promotion.
 */
export const PROMOTE_SIGNAL = 'SIGUSR2';

/**
 * holdfast's own sd_notify(3) fields (custom fields take the `X_` prefix): a worker whose own drain deadline cut
 * connections sends `X_HOLDFAST_CUT_CONNECTIONS=8` and `X_HOLDFAST_CUT_REQUESTS=3` just before it exits, so the
 * holder reports the cut instead of a clean drain.
 */
export const HOLDFAST_NOTIFY = {
  CUT_CONNECTIONS: 'X_HOLDFAST_CUT_CONNECTIONS',
  CUT_REQUESTS: 'X_HOLDFAST_CUT_REQUESTS',
} as const;

/** sizeof(sockaddr_un.sun_path) on Linux (unix(7)). */
const SUN_PATH_SIZE = 108;

/** Longest unix socket path or abstract name, in bytes (107: room for the terminator or the leading NUL). */
export const MAX_UNIX_PATH_BYTES = SUN_PATH_SIZE - 1;

/** listen(2) backlog when none is given: systemd.socket(5)'s Backlog= default; the kernel caps it at somaxconn. */
export const DEFAULT_BACKLOG = 4096;

/** One fd passed with LISTEN_FDS. */
export interface ListenEnvFd {
  /** SD_LISTEN_FDS_START + index. */
  fd: number;
  /** Its LISTEN_FDNAMES entry, or 'unknown' when LISTEN_FDNAMES is unset. */
  name: string;
}

/**
 * What LISTEN_* say, with sd_listen_fds_with_names(3)'s outcomes:
 * - `none`: LISTEN_PID or LISTEN_FDS unset (sd_listen_fds returns 0);
 * - `pid-mismatch`: LISTEN_PID names another process (returns 0: the variables leaked from a parent);
 * - `inherited`: the fds, in order;
 * - `invalid`: a variable is malformed, LISTEN_FDS is not a positive integer, or LISTEN_FDNAMES has another
 *   number of entries than LISTEN_FDS (sd-daemon.c returns -EINVAL in each case).
 */
export type ListenEnv =
  | { state: 'none' }
  | { state: 'pid-mismatch'; listenPid: number }
  | { state: 'inherited'; listenPid: number; fds: ListenEnvFd[] }
  | { state: 'invalid'; variable: keyof typeof ENV; value: string; expected: string };

const DECIMAL = /^\+?[0-9]+$/;

/** safe_atoi / parse_pid: decimal, optional leading '+', no trailing garbage. */
function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES as sd_listen_fds_with_names(3) does (sd-daemon.c), without side
 * effects: no fd is touched and `env` is not changed (see {@link unsetListenEnv}).
 * - LISTEN_PID unset: `none`; not a positive pid: `invalid`; not `pid`: `pid-mismatch` (LISTEN_FDS is not read).
 * - LISTEN_FDS unset: `none`; not an integer, or <= 0: `invalid` (LISTEN_FDS=0 is -EINVAL in systemd, too).
 * - LISTEN_FDNAMES set: split on ':' keeping empty entries; a count other than LISTEN_FDS is `invalid`.
 *   Unset: every name is 'unknown'.
 * - LISTEN_PIDFDID, when set, must be an unsigned integer (else `invalid`); Node cannot read its own pidfd inode
 *   id, so it is not compared further (systemd skips the comparison likewise when the kernel cannot tell).
 * @param pid the process the fds must be meant for; default process.pid.
 */
export function parseListenEnv(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): ListenEnv {
  const rawPid = env[ENV.LISTEN_PID];
  if (rawPid === undefined) return { state: 'none' };
  const listenPid = parseDecimal(rawPid);
  if (listenPid === undefined || listenPid < 1) {
    return { state: 'invalid', variable: 'LISTEN_PID', value: rawPid, expected: 'a positive process id' };
  }
  if (listenPid !== pid) return { state: 'pid-mismatch', listenPid };
  const rawPidfd = env[ENV.LISTEN_PIDFDID];
  if (rawPidfd !== undefined && parseDecimal(rawPidfd) === undefined) {
    return { state: 'invalid', variable: 'LISTEN_PIDFDID', value: rawPidfd, expected: 'an unsigned integer' };
  }
  const rawCount = env[ENV.LISTEN_FDS];
  if (rawCount === undefined) return { state: 'none' };
  const count = parseDecimal(rawCount);
  if (count === undefined || count <= 0 || count > 0x7fffffff - SD_LISTEN_FDS_START) {
    return { state: 'invalid', variable: 'LISTEN_FDS', value: rawCount, expected: 'a positive integer' };
  }
  const rawNames = env[ENV.LISTEN_FDNAMES];
  // strv_split_full(EXTRACT_DONT_COALESCE_SEPARATORS): '' has no entries, 'a::b' has three.
  const names = rawNames === undefined ? undefined : rawNames === '' ? [] : rawNames.split(':');
  if (names && names.length !== count) {
    return { state: 'invalid', variable: 'LISTEN_FDNAMES', value: rawNames!, expected: `${count} colon-separated names (LISTEN_FDS=${count})` };
  }
  const fds: ListenEnvFd[] = [];
  for (let i = 0; i < count; i++) fds.push({ fd: SD_LISTEN_FDS_START + i, name: names ? names[i]! : 'unknown' });
  return { state: 'inherited', listenPid, fds };
}

/** The message for an `invalid` result: `LISTEN_FDS is "0"; expected a positive integer (sd_listen_fds(3))`. */
export function describeInvalidListenEnv(r: Extract<ListenEnv, { state: 'invalid' }>): string {
  return `${r.variable} is ${JSON.stringify(r.value)}; expected ${r.expected} (sd_listen_fds(3))`;
}

/**
 * sd_listen_fds(3) with unset_environment: removes LISTEN_PID, LISTEN_PIDFDID, LISTEN_FDS and LISTEN_FDNAMES from
 * `env`, so that children never mistake the fds for theirs.
 */
export function unsetListenEnv(env: NodeJS.ProcessEnv = process.env): void {
  delete env[ENV.LISTEN_PID];
  delete env[ENV.LISTEN_PIDFDID];
  delete env[ENV.LISTEN_FDS];
  delete env[ENV.LISTEN_FDNAMES];
}

/**
 * The variables a worker's environment must not inherit from the holder's own (they would describe the holder's
 * fds, supervisor or watchdog, not the worker's); the holder sets the worker's own values.
 */
export const PER_PROCESS_ENV: readonly string[] = [
  ENV.LISTEN_PID, ENV.LISTEN_PIDFDID, ENV.LISTEN_FDS, ENV.LISTEN_FDNAMES, ENV.NOTIFY_SOCKET, ENV.WATCHDOG_USEC,
  ENV.WATCHDOG_PID, ENV.FDSTORE,
];

// The connection hand-over's fields and limits (sd_notify-style, between a worker, its holder and its successor).
export * from './handover-protocol.js';
