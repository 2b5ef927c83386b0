/**
 * The three HTTP/1.1 timers a draining server must keep consistent, resolved once per served server:
 *
 *   advertised hint (Keep-Alive: timeout=S)  <  keepAliveTimeout (the real idle timer)  <  headersTimeout
 *
 * Clients that honour the hint (undici closes an idle pooled connection 2 s before it, node's global agent
 * at it) are gone before the server's real timer fires, so the server never closes a connection under a
 * client's next request. The drain ends a connection that is idle when the drain begins at
 * min(real timer, hint + KEEP_ALIVE_MARGIN_MS) after its last response (http-drain.ts).
 */
import type * as http from 'node:http';
import { HoldfastAdapterError } from './errors.js';

/** Upper bound of the default hint (ms): the drain of an idle pooled client takes at most about this long. */
export const DEFAULT_KEEP_ALIVE_HINT_MS = 5000;
/** How long after the hint the server still waits before ending an idle connection (ms): covers the
 * client's timer starting after the response arrived, and clients (node's agent) that close at the hint itself. */
export const KEEP_ALIVE_MARGIN_MS = 1000;

/** The resolved timers of one HTTP/1.1 server, all in ms. */
export interface KeepAliveTimers {
  /** server.keepAliveTimeout: Node ends a connection idle this long. */
  keepAliveTimeout: number;
  /** What `Keep-Alive: timeout=` advertises, in ms (a whole number of seconds, >= 1000). */
  hint: number;
  /** server.headersTimeout: longer than keepAliveTimeout, so a slow request never races the idle timer. */
  headersTimeout: number;
}

/** The keep-alive options of serve() (ms). */
export interface KeepAliveOptions {
  keepAliveTimeout?: number;
  keepAliveHint?: number;
  headersTimeout?: number;
}

function bad(option: string, value: unknown, expected: string): never {
  throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "${option}" is ${JSON.stringify(value)}; expected ${expected}`);
}

/**
 * Resolve and check the timers for `server` and apply them (server.keepAliveTimeout, server.headersTimeout).
 * Defaults: keepAliveTimeout = the server's own (node 5000, fastify 72000); hint = min(5000, keepAliveTimeout
 * - 1000) rounded down to whole seconds; headersTimeout = max(the server's own, keepAliveTimeout + 1000).
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_INVALID_OPTION' when an option is not a finite number, when
 *   keepAliveHint is below 1000 or not below keepAliveTimeout, or headersTimeout not above keepAliveTimeout.
 */
export function resolveKeepAlive(server: http.Server, options: KeepAliveOptions): KeepAliveTimers {
  for (const key of ['keepAliveTimeout', 'keepAliveHint', 'headersTimeout'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) bad(key, v, 'a number of ms > 0');
  }
  const keepAliveTimeout = options.keepAliveTimeout ?? (server.keepAliveTimeout > 0 ? server.keepAliveTimeout : 5000);
  if (keepAliveTimeout < 2000) bad('keepAliveTimeout', keepAliveTimeout, 'at least 2000 ms (the advertised hint is a whole number of seconds below it)');
  let hint: number;
  if (options.keepAliveHint !== undefined) {
    hint = Math.floor(options.keepAliveHint / 1000) * 1000;
    if (hint < 1000 || hint >= keepAliveTimeout) bad('keepAliveHint', options.keepAliveHint, `at least 1000 ms and below keepAliveTimeout (${keepAliveTimeout} ms)`);
  } else {
    hint = Math.max(1000, Math.floor(Math.min(DEFAULT_KEEP_ALIVE_HINT_MS, keepAliveTimeout - 1000) / 1000) * 1000);
  }
  let headersTimeout: number;
  if (options.headersTimeout !== undefined) {
    headersTimeout = options.headersTimeout;
    if (headersTimeout <= keepAliveTimeout) bad('headersTimeout', headersTimeout, `more than keepAliveTimeout (${keepAliveTimeout} ms)`);
  } else {
    headersTimeout = Math.max(server.headersTimeout || 0, keepAliveTimeout + 1000);
  }
  server.keepAliveTimeout = keepAliveTimeout;
  server.headersTimeout = headersTimeout;
  // Node checks headersTimeout <= requestTimeout only at construction; keep the order it expects.
  if (server.requestTimeout > 0 && server.requestTimeout < headersTimeout) server.requestTimeout = headersTimeout;
  return { keepAliveTimeout, hint, headersTimeout };
}

/**
 * Make `res` advertise `Keep-Alive: timeout=<hint s>` instead of Node's `keepAliveTimeout / 1000`.
 * Node (18-24) writes that header from the response's `_keepAliveTimeout`, copied from the server per
 * request; setting it on the response changes the hint only, not the server's real timer.
 */
export function advertiseHint(res: http.ServerResponse, hintMs: number): void {
  (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = hintMs;
}
