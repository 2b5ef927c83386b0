/**
 * The holder's warnings: one registry of literal codes (as the worker side's ADAPTER_WARNINGS), so an operator can
 * grep and alert on `"code":"WARN_HOLDFAST_RESTARTING"` in the JSON log instead of on message text that changes.
 * A warning is logged as a pino line at level warn with the code as the field `code`; its message and other
 * fields name the specifics. docs/errors.md lists every code under "@holdfast/core" (a test keeps them in sync).
 * Nothing here loads pino: @holdfast/core/client (and the CLI's registry) import it too.
 */
import type { Logger } from 'pino';
import type { WarningDefinition } from '@holdfast/native/coded-error';

export type { WarningDefinition } from '@holdfast/native/coded-error';

/** Freezes and returns a warning registry (code → { message, hint }), keeping its literal codes in the type. */
export function defineWarnings<const R extends Record<string, WarningDefinition>>(registry: R): Readonly<R> {
  return Object.freeze(registry);
}

/** Every warning the holder logs. `message` is the default text; `hint` says cause and fix in one line. */
export const CORE_WARNINGS = defineWarnings({
  WARN_HOLDFAST_NO_SOCKET: {
    message: 'no socket is held (no --listen)',
    hint: 'Without -l the workers bind their own ports and a reload fails with EADDRINUSE; hold the port with -l NAME=tcp://HOST:PORT and serve the inherited fd.',
  },
  WARN_HOLDFAST_OWN_LISTENER: {
    message: 'a worker listens on a port of its own instead of a held socket',
    hint: 'That port closes on every reload; hold it with -l NAME=SPEC and serve the inherited fd (listenFds() / serve() of @holdfast/http-adapter).',
  },
  WARN_HOLDFAST_IMPLAUSIBLE_DURATION: {
    message: 'a duration is short enough to be a unit mistake',
    hint: 'A duration without a unit is milliseconds (--ready-timeout 30 is 30 ms); write 30s for seconds.',
  },
  WARN_HOLDFAST_NESTED_SUPERVISOR: {
    message: 'the command is a supervisor of its own (nodemon, pm2, forever) and cannot be run under holdfast as it is',
    hint: 'It restarts the app without a hand-over; run the app itself (`holdfast run -l NAME=SPEC -- node app.js`).',
  },
  WARN_HOLDFAST_BIND_RETRY: {
    message: 'address in use; retrying',
    hint: 'A previous holder\'s workers may still be closing the port; if it stays in use, find its owner with `ss -ltnp`.',
  },
  WARN_HOLDFAST_FOREIGN_NOTIFY: {
    message: 'ignored sd_notify message from a process that is not one of our workers',
    hint: 'Another process (an orphan of a worker, or a program given NOTIFY_SOCKET) wrote to the holder\'s notify socket; only workers and their children are heard.',
  },
  WARN_HOLDFAST_FOREIGN_MAINPID: {
    message: 'ignored MAINPID= naming a process outside the worker\'s tree',
    hint: 'A worker may name only itself or one of its descendants as MAINPID=; send the serving process\'s own pid (process.pid).',
  },
  WARN_HOLDFAST_RESTARTING: {
    message: 'a worker exited; restarting after the backoff',
    hint: 'The worker crashed or exited; its own output above says why. Restarts back off until --max-restarts failures in a row, then the service is marked failed.',
  },
  WARN_HOLDFAST_STANDBY_PROMOTED: {
    message: 'a warm standby was promoted in place of a worker that exited',
    hint: 'The serving worker crashed and a --standby took over at once; its own output above says why it exited.',
  },
  WARN_HOLDFAST_IDLE_START_FAILED: {
    message: 'a worker started at idle CPU priority could not be moved back to normal priority',
    hint: 'Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE of 20 (systemd: LimitNICE=20); give the holder one, or run with --idle-start 0. New workers start at normal priority from then on.',
  },
  WARN_HOLDFAST_IDLE_START_UNAVAILABLE: {
    message: 'new workers start at normal CPU priority: the holder cannot move a worker back from idle priority',
    hint: 'Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE of 20 (`ulimit -e 20`, systemd: LimitNICE=20, Kubernetes: capabilities add SYS_NICE); without it a reload slows the requests being served on a busy machine. --idle-start 0 says you know.',
  },
  WARN_HOLDFAST_FORCED_STOP: {
    message: 'a second SIGINT during the stop: the workers were killed instead of drained',
    hint: 'Ctrl-C twice skips the drain: requests in flight and open connections are cut. One Ctrl-C (or SIGTERM) drains them for up to --drain-timeout.',
  },
  WARN_HOLDFAST_STANDBY_EXITED: {
    message: 'a standby exited; starting another after the backoff',
    hint: 'A warm standby (--standby) crashed before it was promoted; its output says why, often the same fault a new worker would hit.',
  },
  WARN_HOLDFAST_ROLLING_ROLLBACK: {
    message: 'rolling swap failed midway: starting the previous release in the slots it changed',
    hint: 'A batch of the new release exited or missed --ready-timeout; fix the release and reload again (the previous one keeps serving).',
  },
  WARN_HOLDFAST_DRAIN_KILLED: {
    message: 'an old worker was killed at the drain deadline',
    hint: 'It still had work after --drain-timeout and was sent SIGKILL, cutting its connections; raise --drain-timeout or close idle keep-alive connections on SIGTERM.',
  },
  WARN_HOLDFAST_DRAIN_LINGERED: {
    message: 'an old worker cut nothing but did not exit, and was killed at the drain deadline',
    hint: 'No connection was cut, but the process outlived its drain, so every reload and stop waits the whole --drain-timeout: an app SIGTERM handler that does not exit (under the register hook the adapter drains first, then calls the app\'s handlers and leaves the exit to them), or a timer or open handle keeping the event loop alive. Call process.exit(0) at the end of the handler, or clear the timer/handle.',
  },
  WARN_HOLDFAST_DRAIN_INTERRUPTED: {
    message: 'an old worker was killed by a signal before its drain finished',
    hint: 'Something other than holdfast (a manual kill -9, the OOM killer) ended the draining worker: the requests and connections it was still finishing were cut. Let the drain run, or look for the OOM killer in the kernel log (dmesg).',
  },
  WARN_HOLDFAST_DRAIN_CUT: {
    message: 'an old worker\'s own drain deadline cut connections',
    hint: 'The worker\'s own drain deadline (serve()\'s drainTimeout) closed connections still open; raise it, keeping it below the holder\'s --drain-timeout.',
  },
  WARN_HOLDFAST_ENV_FILE_FALLBACK: {
    message: 'crash restart: an env file cannot be read; the previous environment is used',
    hint: 'The --env-file was removed or made unreadable; put it back (a reload reads it again and fails until then).',
  },
  WARN_HOLDFAST_MAX_MEMORY: {
    message: 'a worker\'s RSS is above --max-memory: reloading it',
    hint: 'The worker grows past --max-memory and is replaced by a zero-downtime reload; find the leak or raise --max-memory.',
  },
  WARN_HOLDFAST_BAD_HANDOVER: {
    message: 'malformed connection hand-over refused',
    hint: 'A draining worker sent X_HOLDFAST_HANDOVER with a bad batch or another number of fds; its connections stay with it (update @holdfast/http-adapter).',
  },
  WARN_HOLDFAST_HANDOVER_UNKNOWN_BATCH: {
    message: 'hand-over reply for a batch this worker was not sent; ignored',
    hint: 'A worker answered a hand-over batch it was not sent, or one that had already timed out; nothing to do unless it repeats (update @holdfast/http-adapter).',
  },
  WARN_HOLDFAST_NO_SUBREAPER: {
    message: 'cannot become a child subreaper; orphans of workers go to init',
    hint: 'PR_SET_CHILD_SUBREAPER failed (old kernel or sandbox); processes a worker leaves behind are not ended at stop.',
  },
  WARN_HOLDFAST_ORPHANS_SURVIVED: {
    message: 'orphaned processes still running after SIGKILL at the final stop',
    hint: 'A process below the holder did not exit within 1 s of SIGKILL (uninterruptible sleep, D state, e.g. stuck on a hung NFS mount); check its state in /proc/PID/status.',
  },
  WARN_HOLDFAST_UNCLAIMED_FD: {
    message: 'inherited fd matches no --listen NAME; closing it',
    hint: 'systemd (or its fd store) passed a socket under a name no -l gives; name it with -l NAME=SPEC or remove it from the .socket unit.',
  },
  WARN_HOLDFAST_SUPERVISOR_NOTIFY: {
    message: 'sd_notify to our supervisor failed',
    hint: 'NOTIFY_SOCKET names a socket nobody reads: systemd may be stopping, or the variable leaked from another service.',
  },
  WARN_HOLDFAST_FDSTORE_TOO_SMALL: {
    message: 'FileDescriptorStoreMax= is smaller than the number of sockets; some are not stored',
    hint: 'Raise FileDescriptorStoreMax= in the service unit to at least the number of -l sockets (`holdfast unit` writes it).',
  },
});

/** A literal code from {@link CORE_WARNINGS}. */
export type CoreWarningCode = keyof typeof CORE_WARNINGS;

/** Fields of a warning line; `code` is the warning's own and cannot be given. */
export type WarningFields = Record<string, unknown> & { code?: never };

/**
 * Logs warning `code` of `registry` on `log` at level warn: `{ code, ...fields }` and `message` (default: the
 * registry's). Use the package's bound helper ({@link logWarning} for the holder).
 */
export function logCodedWarning<C extends string>(registry: Readonly<Record<C, WarningDefinition>>, log: Pick<Logger, 'warn'>,
  code: C, fields?: WarningFields, message?: string): void {
  log.warn({ code, ...fields }, message ?? registry[code].message);
}

/**
 * Logs one of {@link CORE_WARNINGS}: `logWarning(log, 'WARN_HOLDFAST_RESTARTING', { delayMs }, 'restarting in 100 ms')`
 * writes `{"level":"warn",...,"code":"WARN_HOLDFAST_RESTARTING","delayMs":100,"msg":"restarting in 100 ms"}`.
 */
export function logWarning(log: Pick<Logger, 'warn'>, code: CoreWarningCode, fields?: WarningFields, message?: string): void {
  logCodedWarning(CORE_WARNINGS, log, code, fields, message);
}
