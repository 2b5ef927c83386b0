/**
 * When to say READY=1: once every inherited fd has been attached by serve() (a worker serving two sockets
 * is ready after both), or after the first serve() when standalone (no LISTEN_FDS). With automatic READY=1 off
 * (serve(…, { autoReady: false }), or the register hook's wait-ready mode), inherited fds are attached only when
 * ready() is called: a generation that is not ready never accepts (its connections wait in the holder's queue).
 */
import { listenFds } from './listen-fds.js';
import { notifyQuietly } from './notify.js';
import { startWatchdog } from './watchdog.js';
import { isDraining } from './drain.js';

const attached = new Set<number>();
let sent = false;
let automatic = true;
/** Listens on inherited fds held back until ready() (automatic READY=1 off). */
const pendingAttach: (() => void)[] = [];
/** Keeps the event loop alive while listens are held back, as a listening server would. */
let holdOpen: NodeJS.Timeout | undefined;

/** Until ready() (or a drain begins), keep the process alive as the held-back servers would if they listened. */
export function holdOpenUntilReady(): void {
  if (holdOpen || sent) return;
  holdOpen = setInterval(() => { if (isDraining()) releaseHoldOpen(); }, 1000);
}

function releaseHoldOpen(): void {
  if (holdOpen) clearInterval(holdOpen);
  holdOpen = undefined;
}

/**
 * Send READY=1 (sd_notify(3)) now. For apps that pass `autoReady: false` to serve() and want to say ready
 * themselves (e.g. after warming a cache): the inherited fds those serve() calls held back start accepting now,
 * then READY=1 is sent. Sent at most once per process.
 *
 * @returns true when READY=1 was sent by this call; false when already sent or NOTIFY_SOCKET is unset.
 */
export function ready(): boolean {
  if (sent) return false;
  // Start accepting on every held-back inherited fd first: READY=1 means "serving now".
  for (const attach of pendingAttach.splice(0)) attach();
  releaseHoldOpen();
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

/** Whether READY=1 is sent automatically once every inherited fd is attached. */
export function autoReadyEnabled(): boolean {
  return automatic;
}

/** Run `attach` (listen on an inherited fd) when ready() is called; at once if READY=1 was already sent. */
export function attachWhenReady(attach: () => void): void {
  if (sent) {
    attach();
  } else {
    pendingAttach.push(attach);
    holdOpenUntilReady();
  }
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
