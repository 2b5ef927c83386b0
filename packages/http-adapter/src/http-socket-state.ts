/**
 * What the HTTP/1.1 drain (http-drain.ts) keeps per request socket, and the limits it applies to one.
 */
import type * as http from 'node:http';

/**
 * Requests a connection may start during a hand-over drain without ever becoming idle (a client that pipelines
 * without pause) before it is drained here instead: its last pending response then says `Connection: close`.
 */
export const HANDOVER_PIPELINE_LIMIT = 32;

/** Per request-socket state (the TLS socket for https). */
export interface SocketState {
  /** Responses not yet finished, in request order. */
  pending: Set<http.ServerResponse>;
  /** Date.now() when the last response finished (0: none yet). */
  lastDone: number;
  /** socket.bytesRead when the last response finished: more means a next request is arriving. */
  bytesAtDone: number;
  /** Drain-time idle close timer. */
  timer?: NodeJS.Timeout;
  /** Requests started during a hand-over drain while another was pending (pipelined). */
  pipelinedDuringDrain: number;
  /** Never became idle for the hand-over: drained here (Connection: close on its last pending response). */
  closeHere?: boolean;
}

/** 'serving' until the drain; then 'handover' while the successor adopts, 'close' once it cannot (or never could). */
export type Mode = 'serving' | 'handover' | 'close';

export function last<T>(set: Set<T>): T | undefined {
  let out: T | undefined;
  for (const v of set) out = v;
  return out;
}
