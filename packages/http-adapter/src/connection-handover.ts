/**
 * Moving one established stream connection between processes: when an HTTP/1.1 connection is idle, how to
 * stop reading it so that what the client sends next stays in the kernel's receive buffer, its fd, and how
 * the next generation adopts it "as if it had just accepted it". Node 20-24 internals used (checked by tests):
 * `socket._handle.fd`, `_handle.readStop()/readStart()`, `_handle.writeQueueSize`, `socket._httpMessage`,
 * `socket.parser` and the server's active-connections list (Symbol 'http.server.connections').
 */
import * as net from 'node:net';

interface Handle { fd?: number; readStop(): number; readStart(): number; writeQueueSize?: number }
interface Internals { _handle?: Handle | null; _httpMessage?: unknown; parser?: unknown; _server?: net.Server | null; server?: net.Server }
interface ConnectionsList { active(): unknown[] }

const internals = (socket: net.Socket): Internals => socket as unknown as Internals;

/** The parsers of `server` that are inside a message (a request started and not complete). Empty if unknown. */
export function activeParsers(server: net.Server): Set<unknown> {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const list = key ? (server as unknown as Record<symbol, ConnectionsList | undefined>)[key] : undefined;
  return new Set(typeof list?.active === 'function' ? list.active() : []);
}

/** The fd of an accepted TCP/unix connection, or undefined (TLS sockets, destroyed ones). */
export function fdOf(socket: net.Socket): number | undefined {
  const fd = internals(socket)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Nothing of ours waits to be written: the next bytes on the wire may come from another process. */
export function nothingToWrite(socket: net.Socket): boolean {
  return socket.writableLength === 0 && (internals(socket)._handle?.writeQueueSize ?? 0) === 0;
}

/**
 * An HTTP/1.1 connection between requests (RFC 9112 §9.3): no response pending, nothing queued to write,
 * nothing read and unparsed, no request started in the parser. A connection that never sent a byte counts as
 * idle (Node lists its parser as active until its first message).
 * @param active activeParsers(server), computed once per sweep.
 */
export function idleHttpConnection(socket: net.Socket, active: Set<unknown>): boolean {
  const s = internals(socket);
  if (socket.destroyed || fdOf(socket) === undefined || s._httpMessage) return false;
  // Being closed already (a `Connection: close` response ended it, or the client sent its FIN): let it end here.
  if (!socket.writable || socket.writableEnded || socket.readableEnded) return false;
  if (!nothingToWrite(socket) || socket.readableLength > 0) return false;
  if (socket.bytesRead === 0) return true;
  return s.parser !== undefined && s.parser !== null && !active.has(s.parser);
}

/** Stop reading: bytes the client sends from now on stay in the kernel's receive buffer. */
export function pauseReading(socket: net.Socket): void {
  internals(socket)._handle?.readStop();
}

/** Read again (the hand-over was refused): the kernel buffer is read as if nothing had happened. */
export function resumeReading(socket: net.Socket): void {
  if (!socket.destroyed) internals(socket)._handle?.readStart();
}

/**
 * Adopt an established connection `fd` on `server` as if it had just accepted it: a net.Socket on the fd
 * (Node guesses TCP or unix from the fd), counted by the server and emitted as its 'connection' (unless
 * `emit` is false). Socket options (TCP_NODELAY, keep-alive) live on the connection and came with it.
 */
export function adoptConnection(server: net.Server, fd: number, emit = true): net.Socket {
  const allowHalfOpen = (server as unknown as { allowHalfOpen?: boolean }).allowHalfOpen === true;
  const socket = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen });
  const s = internals(socket);
  s.server = server;
  s._server = server;
  (server as unknown as { _connections: number })._connections++;
  if (emit) server.emit('connection', socket);
  return socket;
}
