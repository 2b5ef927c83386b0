/**
 * The connection hand-over protocol: sd_notify(3)-style fields a worker, its holder and the worker replacing it
 * exchange to move established connections (their fds, with SCM_RIGHTS, unix(7)) from one generation to the
 * next. Every name and limit is defined here once; core (the relay) and the adapter (both worker ends) use them.
 *
 *   worker     -> holder     X_HOLDFAST_ADOPT=@<abstract address>    "I can adopt; send fds to this datagram socket"
 *   holder     -> worker     X_HOLDFAST_ADOPT_ACK=1                  "I relay hand-overs" (else the worker never offers)
 *   old worker -> holder     X_HOLDFAST_HANDOVER=<HandoverBatch JSON> + fds
 *   holder     -> successor  X_HOLDFAST_ADOPT_FDS=<HandoverBatch JSON> + the same fds   (sender checked: its worker)
 *   successor  -> holder     X_HOLDFAST_ADOPTED=<id> | X_HOLDFAST_REFUSED=<id>
 *   holder     -> old worker X_HOLDFAST_ADOPTED=<id> | X_HOLDFAST_REFUSED=<id>          (receiver checks: its holder)
 *   holder     -> standby    X_HOLDFAST_PROMOTE=1                    "attach the held sockets now" (a crash promoted it)
 *
 * The old worker releases its copies only after ADOPTED; on REFUSED (or no reply in time) it keeps them and
 * drains them as before. Nothing is ever sent to a worker that did not announce X_HOLDFAST_ADOPT.
 */

/** Field a worker sends (with or before READY=1) to announce it can adopt connections; value: its receiver's abstract address. */
export const HANDOVER_ANNOUNCE = 'X_HOLDFAST_ADOPT';
/** The holder's answer to HANDOVER_ANNOUNCE, sent to the announced address: it relays hand-overs. A worker offers
 * nothing to a holder that did not answer (an older holder would ignore the offer and the drain would wait). */
export const HANDOVER_ACK = 'X_HOLDFAST_ADOPT_ACK';
/** The holder promotes a warm standby that announced a receiver: attach the held sockets now (in place of
 * PROMOTE_SIGNAL, which is a signal the app may have a handler of its own for). Value '1'. */
export const PROMOTE_MESSAGE = 'X_HOLDFAST_PROMOTE';
/** Field of a batch a draining worker offers to its holder (fds attached). */
export const HANDOVER_OFFER = 'X_HOLDFAST_HANDOVER';
/** Field of a batch the holder forwards to the successor (fds attached). */
export const HANDOVER_DELIVER = 'X_HOLDFAST_ADOPT_FDS';
/** Reply: every connection of batch <id> was adopted. */
export const HANDOVER_ADOPTED = 'X_HOLDFAST_ADOPTED';
/** Reply: batch <id> was refused; the offering worker keeps its connections. */
export const HANDOVER_REFUSED = 'X_HOLDFAST_REFUSED';
/** Reason given with a refusal (free text, for logs). */
export const HANDOVER_REASON = 'X_HOLDFAST_REASON';
/** Prefix of the abstract address a worker's receiver binds ('@holdfast-adopt/<pid>/<random>'). */
export const HANDOVER_ADDRESS_PREFIX = '@holdfast-adopt/';
/** Most fds one datagram carries (SCM_MAX_FD in the kernel). */
export const HANDOVER_MAX_FDS = 253;
/** Most payload bytes of one hand-over datagram (the receivers drop datagrams over 4096 bytes). */
export const HANDOVER_MAX_PAYLOAD_BYTES = 4000;
/** How long a worker waits for the reply to a batch before keeping its connections (ms). */
export const HANDOVER_REPLY_TIMEOUT_MS = 2000;

/** One batch of connections accepted on one listen fd. */
export interface HandoverBatch {
  /** Unique per sender: '<pid>-<sequence>'. */
  id: string;
  /** LISTEN_FDNAMES entry of the socket the connections were accepted on; the successor adopts them on its server of that name. */
  name: string;
  /** Number of fds attached, in order. */
  count: number;
  /** Per connection, the app's serialisable state (raw net hand-over hook), same order as the fds. */
  states?: unknown[];
  /** Set by the holder when forwarding: the offering worker's pid. */
  from?: number;
}

/** Parse a batch from a field value; undefined when it is not one. */
export function parseHandoverBatch(text: string | undefined): HandoverBatch | undefined {
  if (!text) return undefined;
  try {
    const b = JSON.parse(text) as HandoverBatch;
    if (typeof b !== 'object' || b === null || typeof b.id !== 'string' || typeof b.name !== 'string' || !Number.isInteger(b.count) || b.count < 0 || b.count > HANDOVER_MAX_FDS) return undefined;
    if (b.states !== undefined && (!Array.isArray(b.states) || b.states.length !== b.count)) return undefined;
    return b;
  } catch {
    return undefined;
  }
}
