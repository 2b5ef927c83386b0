/**
 * Warm standby (HOLDFAST_STANDBY=1, `holdfast run --standby N`): the process initialises, warms up and sends
 * READY=1 like any worker, but attaches no inherited fd, so it accepts no connection and reads no datagram, until
 * the holder promotes it (in place of a worker that crashed). Then every held-back fd is attached at once;
 * connections that arrived meanwhile are waiting in the holder's accept queue.
 *
 * The promotion comes as PROMOTE_MESSAGE on the hand-over channel's receiver, announced when the first fd is held
 * back (before READY=1), so the app's own SIGUSR2 handlers never run for it; PROMOTE_SIGNAL is the fallback of a
 * standby without a receiver (HOLDFAST_HANDOVER=0). Its handler is installed at the same moment, so a promotion
 * never meets the signal's default action (the holder promotes only standbys that sent READY=1), and removed at the
 * promotion, so a later SIGUSR2 is the app's again.
 */
import { HOLDFAST_ENV, PROMOTE_SIGNAL } from '@holdfast/native/protocol';
import { isDraining } from './drain.js';
import { handoverChannel } from './handover-channel.js';
import { notifyQuietly } from './notify.js';

let promoted = process.env[HOLDFAST_ENV.STANDBY] !== '1';
const queued: (() => void)[] = [];
let armed = false;
let keepAlive: NodeJS.Timeout | undefined;

/** True in a warm standby the holder has not promoted yet: inherited fds must not be attached. */
export function isStandby(): boolean {
  return !promoted;
}

/** Run `attach` now, or, in a standby, when the holder promotes it. */
export function whenPromoted(attach: () => void): void {
  if (promoted) { attach(); return; }
  queued.push(attach);
  if (armed) return;
  armed = true;
  process.once(PROMOTE_SIGNAL, promote);
  handoverChannel()?.onPromote(promote);
  // Nothing listens yet: keep the process alive as its servers would, until promoted or drained.
  keepAlive = setInterval(() => { if (isDraining()) clearInterval(keepAlive); }, 1000);
}

function promote(): void {
  if (promoted) return;
  promoted = true;
  process.off(PROMOTE_SIGNAL, promote);
  clearInterval(keepAlive);
  if (isDraining()) return;
  for (const attach of queued.splice(0)) attach();
  notifyQuietly('STATUS=promoted from standby: accepting');
}
