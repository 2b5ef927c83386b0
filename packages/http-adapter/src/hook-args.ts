/**
 * The arguments of net.Server#listen and dgram.Socket#bind, read the way Node's lib/net.js and lib/dgram.js read
 * them, without changing them: what address the app asks for, its callback and its backlog.
 */
import type { Wanted } from './hook-held.js';

/** A listen() or bind() call as the hook sees it. */
export interface Call {
  /** undefined: not an address the hook handles (an fd, a handle, an unknown shape): pass it through. */
  want: Wanted | undefined;
  /** The callback Node would add as a 'listening' listener. */
  callback: ((...args: unknown[]) => void) | undefined;
}

/** Node's toNumber(): a non-negative number, or false. */
const toNumber = (x: unknown): number | false => {
  const n = Number(x);
  return n >= 0 ? n : false;
};
const isPipeName = (s: unknown): s is string => typeof s === 'string' && toNumber(s) === false;

function last(args: unknown[]): ((...a: unknown[]) => void) | undefined {
  const f = args[args.length - 1];
  return typeof f === 'function' ? (f as (...a: unknown[]) => void) : undefined;
}

/**
 * net.Server#listen: `listen()`, `listen(cb)`, `listen(port[, host][, backlog][, cb])`, `listen(path[, backlog][, cb])`,
 * `listen(options[, cb])` (port/host/path), `listen(handle|{fd})` (passed through).
 */
export function readListen(args: unknown[]): Call {
  const callback = last(args);
  const first = args[0];
  let options: { port?: unknown; host?: unknown; path?: unknown; fd?: unknown; handle?: unknown; _handle?: unknown };
  if (typeof first === 'object' && first !== null) options = first as typeof options;
  else if (isPipeName(first)) options = { path: first };
  else {
    options = {};
    if (args.length > 0 && typeof first !== 'function') options.port = first;
    if (typeof args[1] === 'string') options.host = args[1];
  }
  if (options.handle !== undefined || options._handle !== undefined || typeof options.fd === 'number') return { want: undefined, callback };
  const port = options.port ?? (options.path === undefined ? 0 : undefined);
  if (typeof port === 'number' || (typeof port === 'string' && toNumber(port) !== false)) {
    const host = typeof options.host === 'string' && options.host !== '' ? options.host : undefined;
    return { want: { transport: 'tcp', port: Number(port), ...(host ? { host } : {}) }, callback };
  }
  if (isPipeName(options.path)) return { want: { transport: 'unix', path: options.path }, callback };
  return { want: undefined, callback };
}

/** dgram.Socket#bind: `bind([port][, address][, cb])`, `bind(options[, cb])` (port/address; fd passed through). */
export function readBind(args: unknown[]): Call {
  const callback = last(args);
  const first = args[0];
  let port: unknown;
  let host: unknown;
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: unknown; address?: unknown; fd?: unknown };
    if (typeof o.fd === 'number') return { want: undefined, callback };
    port = o.port;
    host = o.address;
  } else {
    port = typeof first === 'function' ? undefined : first;
    host = typeof args[1] === 'function' ? undefined : args[1];
  }
  const n = port === undefined || port === null ? 0 : Number(port);
  if (!Number.isInteger(n) || n < 0) return { want: undefined, callback };
  return { want: { transport: 'udp', port: n, ...(typeof host === 'string' && host !== '' ? { host } : {}) }, callback };
}
