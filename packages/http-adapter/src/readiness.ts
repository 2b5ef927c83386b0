/**
 * When to say READY=1: once every inherited fd has been attached by serve() (a worker serving two sockets
 * is ready after both), or after the first serve() when standalone (no LISTEN_FDS).
 */
import { listenFds } from './listen-fds.js';
import { notifyQuietly } from './notify.js';
import { startWatchdog } from './watchdog.js';

const attached = new Set<number>();
let sent = false;
let automatic = true;

/**
 * Send READY=1 (sd_notify(3)) now. For apps that pass `autoReady: false` to serve() and want to say ready
 * themselves (e.g. after warming a cache). Sent at most once per process.
 *
 * @returns true when READY=1 was sent by this call; false when already sent or NOTIFY_SOCKET is unset.
 */
export function ready(): boolean {
  if (sent) return false;
  sent = true;
  const ok = notifyQuietly('READY=1');
  startWatchdog();
  return ok;
}

/** Whether READY=1 has been sent (by serve() or ready()). */
export function isReady(): boolean {
  return sent;
}

/** serve(…, { autoReady: false }) turns automatic READY=1 off for the whole process. */
export function disableAutoReady(): void {
  automatic = false;
}

/** Record that serve() attached `fd` (undefined = bound a fallback address) and send READY=1 when complete. */
export function markAttached(fd: number | undefined): void {
  if (fd !== undefined) attached.add(fd);
  if (sent || !automatic) return;
  const inherited = listenFds();
  if (inherited.length === 0 || inherited.every((l) => attached.has(l.fd))) ready();
}

/** Whether `fd` was already attached by an earlier serve(). */
export function isAttached(fd: number): boolean {
  return attached.has(fd);
}
