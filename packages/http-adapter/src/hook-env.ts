/**
 * What the register hook reads from its environment before it loads anything else. Pure: no native code, so an
 * app run without a holder (no LISTEN_FDS, no NOTIFY_SOCKET) pays nothing for the hook but this file.
 *
 * Variables the holder sets (docs/adapters.md, "Running an unmodified app"):
 * - LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, NOTIFY_SOCKET: systemd's (sd_listen_fds(3), sd_notify(3)).
 * - HOLDFAST_WRAPPER=1: the command the holder started is a wrapper (npm, the tsx CLI, `sh -c`, a script) that
 *   runs the real server as a descendant, so a process whose LISTEN_PID names an ancestor may adopt the fds.
 * - HOLDFAST_LISTEN_BACKLOGS: the listen(2) backlog of each inherited fd, colon-separated like LISTEN_FDNAMES
 *   (empty for non-stream fds), so listening on an inherited fd keeps the holder's backlog.
 * - HOLDFAST_STRICT=1: a listen/bind on a port the holder does not hold fails instead of binding it.
 * - HOLDFAST_WAIT_READY=1: READY=1 when the app calls process.send('ready') (PM2's wait_ready).
 */

import { ENV, HOLDFAST_ENV } from '@holdfast/native/protocol';

/** Milliseconds after the first claim before a held socket still unclaimed is logged by name. */
export const UNCLAIMED_WARN_MS = 3000;

/** The hook's switches, read once at start-up. */
export interface HookSettings {
  strict: boolean;
  waitReady: boolean;
  /** The command the holder started is a wrapper: a descendant may adopt fds whose LISTEN_PID names an ancestor. */
  wrapper: boolean;
  /** Per inherited fd (index 0 = fd 3): the backlog to listen with; undefined = serve()'s default. */
  backlogs: (number | undefined)[];
  /** The holder's drain deadline (ms), if it said so. */
  drainTimeoutMs: number | undefined;
}

const on = (value: string | undefined): boolean => value === '1' || value === 'true';

/** Whether the hook has anything to do: started by a holder (sockets passed, or a notify socket to report to). */
export function hookWanted(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env[ENV.LISTEN_FDS]) || Boolean(env[ENV.NOTIFY_SOCKET]);
}

/** The holder's drain deadline `$HOLDFAST_DRAIN_TIMEOUT_MS` (ms), or undefined when unset, empty or not a number >= 0. */
export function drainTimeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[HOLDFAST_ENV.DRAIN_TIMEOUT_MS];
  const ms = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Parse the hook's switches from `env` (see the module comment for each variable). */
export function hookSettings(env: NodeJS.ProcessEnv): HookSettings {
  const backlogs = (env[HOLDFAST_ENV.LISTEN_BACKLOGS] ?? '').split(':').map((s) => (/^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined));
  return {
    strict: on(env[HOLDFAST_ENV.STRICT]),
    waitReady: on(env[HOLDFAST_ENV.WAIT_READY]),
    wrapper: on(env[HOLDFAST_ENV.WRAPPER]),
    backlogs,
    drainTimeoutMs: drainTimeoutFromEnv(env),
  };
}
