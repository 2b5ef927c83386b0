/**
 * The service manager's watchdog, as sd_watchdog_enabled(3): when `WATCHDOG_USEC` is set (and `WATCHDOG_PID`, if
 * set, is this process), send `WATCHDOG=1` every half interval. The pings come from a timer on the event loop, so
 * a worker whose loop is blocked stops pinging and the holder (or systemd) replaces it.
 */
import { ENV } from './native.js';
import { notifyQuietly } from './notify.js';

let timer: NodeJS.Timeout | null = null;

/** The watchdog interval in microseconds this process must honour, or 0 when none is asked for. */
export function watchdogUsec(env: NodeJS.ProcessEnv = process.env): number {
  const usec = Number(env[ENV.WATCHDOG_USEC]);
  if (!Number.isInteger(usec) || usec <= 0) return 0;
  const pid = env[ENV.WATCHDOG_PID];
  if (pid && Number(pid) !== process.pid) return 0;
  return usec;
}

/**
 * Start pinging (idempotent; serve() does it once READY=1 is sent). The timer is unref'd: it never keeps the
 * process alive. Stops when the drain begins.
 * @returns the ping interval in ms, or 0 when no watchdog is asked for.
 */
export function startWatchdog(): number {
  const usec = watchdogUsec();
  if (usec === 0 || timer) return timer ? Math.max(1, Math.floor(usec / 2000)) : 0;
  const ms = Math.max(1, Math.floor(usec / 2000));
  timer = setInterval(() => notifyQuietly('WATCHDOG=1'), ms);
  timer.unref();
  return ms;
}

/** Stop pinging (the holder stops watching a draining worker). */
export function stopWatchdog(): void {
  if (timer) clearInterval(timer);
  timer = null;
}
