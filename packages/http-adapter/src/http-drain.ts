/**
 * Graceful drain of an HTTP/1.1 server (node http/https, fastify's, express's or koa's server) that no
 * client can tell happened: stop accepting, finish what is in flight, answer every later request with
 * `Connection: close`, close silent connections at once, and never close an idle keep-alive connection
 * before the advertised `Keep-Alive: timeout=` hint (plus a margin) has passed.
 *
 * Node 20 pitfalls this avoids:
 * - `server.close()` also resets idle keep-alive connections; under load a connection between two requests
 *   counts as idle, so pooled clients see ECONNRESET. We stop accepting only:
 *   `net.Server.prototype.close.call(server)`.
 * - fastify's `return503OnClosing` answers 503 while the app closes: the app is closed only after the last
 *   connection is gone (see drain.ts).
 * - fastify's keepAliveTimeout is 72 s: an idle pooled client would hold the old worker until the drain
 *   deadline. Idle connections end at min(keepAliveTimeout, hint + KEEP_ALIVE_MARGIN_MS) after their last
 *   response instead (keep-alive.ts), when every client that honours the hint has already left.
 */
import type * as http from 'node:http';
import type * as https from 'node:https';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import { aborted, runHook, type DrainHook, type Drainable, type TargetKind, type TargetReport } from './drain-types.js';
import { closeSilentAfterGrace } from './silent-connections.js';
import { advertiseHint, KEEP_ALIVE_MARGIN_MS, type KeepAliveTimers } from './keep-alive.js';


/** WebSocket close code sent to `ws` clients by the default drain: 1001 "going away" (RFC 6455 §7.4.1). */
export const WS_GOING_AWAY = 1001;

/** A fastify instance as the adapter needs it (structural, so the adapter does not depend on fastify). */
export interface FastifyLike {
  server: net.Server;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

/** A `ws` WebSocket as the default drain needs it (ws keeps it on the socket under Symbol('websocket')). */
interface WsLike { readyState: number; close(code?: number, reason?: string): void }

function webSocketOf(socket: object): WsLike | undefined {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'websocket');
  const ws = sym ? (socket as Record<symbol, unknown>)[sym] as WsLike | undefined : undefined;
  return ws && typeof ws.close === 'function' && typeof ws.readyState === 'number' ? ws : undefined;
}

/** Per request-socket state (the TLS socket for https). */
interface SocketState {
  /** Responses not yet finished. */
  pending: Set<http.ServerResponse>;
  /** Date.now() when the last response finished (0: none yet). */
  lastDone: number;
  /** socket.bytesRead when the last response finished: more means a next request is arriving. */
  bytesAtDone: number;
  /** Drain-time idle close timer. */
  timer?: NodeJS.Timeout;
}

/** Connection and request tracking for one http/https server, installed before it listens. */
export class HttpDrain implements Drainable {
  /** Every accepted connection (raw TCP/unix socket; for https the socket under TLS). */
  private readonly connections = new Set<Socket>();
  /** Request sockets that carried at least one request (TLS sockets for https). */
  private readonly sockets = new Map<Socket, SocketState>();
  /** Sockets handed to an 'upgrade' listener (WebSocket): the app (onDrain) or the ws default ends them. */
  private readonly upgraded = new Set<Socket>();
  private draining = false;
  private requestsDuringDrain = 0;
  private closedIdle = 0;
  private onEmpty: (() => void) | undefined;

  constructor(
    readonly server: http.Server | https.Server,
    readonly name: string,
    readonly fd: number | undefined,
    readonly kind: TargetKind,
    private readonly timers: KeepAliveTimers,
    private readonly app?: FastifyLike,
    private readonly closeWebSockets = true,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        if (this.connections.size === 0) this.onEmpty?.();
      });
    });
    // Prepended so that the mark is on the response before the app (fastify's handler included) writes headers.
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res));
    server.prependListener('upgrade', (req: http.IncomingMessage) => {
      const socket = req.socket;
      this.upgraded.add(socket);
      this.forget(socket);
      socket.once('close', () => this.upgraded.delete(socket));
    });
  }

  private forget(socket: Socket): void {
    const state = this.sockets.get(socket);
    if (state?.timer) clearTimeout(state.timer);
    this.sockets.delete(socket);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    let state = this.sockets.get(socket);
    if (!state) {
      this.sockets.set(socket, (state = { pending: new Set(), lastDone: 0, bytesAtDone: 0 }));
      socket.once('close', () => this.forget(socket));
    }
    if (state.timer) {
      clearTimeout(state.timer);
      delete state.timer;
    }
    state.pending.add(res);
    advertiseHint(res, this.timers.hint);
    if (this.draining) {
      this.requestsDuringDrain++;
      closeAfter(res);
    }
    const s = state;
    const done = (): void => {
      if (!s.pending.delete(res)) return;
      if (s.pending.size > 0) return;
      s.lastDone = Date.now();
      s.bytesAtDone = socket.bytesRead;
      // A response whose headers were out before the drain began kept the connection alive: end it as idle.
      if (this.draining && !socket.destroyed) this.scheduleIdleClose(socket, s);
    };
    res.once('finish', done);
    res.once('close', done);
  }

  /** End `socket` once it has been idle for min(keepAliveTimeout, hint + margin) since its last response. */
  private scheduleIdleClose(socket: Socket, state: SocketState): void {
    if (state.timer) clearTimeout(state.timer);
    const after = Math.min(this.timers.keepAliveTimeout, this.timers.hint + KEEP_ALIVE_MARGIN_MS);
    const wait = Math.max(0, state.lastDone + after - Date.now());
    state.timer = setTimeout(() => {
      delete state.timer;
      // A request in flight, or bytes of the next one already read: not idle, its response says close.
      if (state.pending.size > 0 || socket.bytesRead !== state.bytesAtDone || socket.destroyed) return;
      this.closedIdle++;
      socket.end();
      socket.once('end', () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
    }, wait);
  }

  private inFlightCount(): number {
    let n = 0;
    for (const state of this.sockets.values()) n += state.pending.size;
    return n;
  }

  async drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport> {
    const started = Date.now();
    this.draining = true;
    const connectionsAtStart = this.connections.size;
    const inFlightAtStart = this.inFlightCount();

    // Stop accepting only. This closes our copy of the fd; the holder keeps the socket and its accept
    // queue (invariant 1). NOT server.close(): in Node 20 it also resets idle keep-alive connections.
    if (this.server.listening) net.Server.prototype.close.call(this.server);

    // In-flight responses whose headers are not out yet will say Connection: close and end the connection;
    // idle keep-alive connections end once every client that honours the hint has left (never at once:
    // that would race a client writing its next request).
    for (const [socket, state] of this.sockets) {
      for (const res of state.pending) closeAfter(res);
      if (state.pending.size === 0) this.scheduleIdleClose(socket, state);
    }

    // Accepted but silent connections (speculative pre-connects) are closed at once, after a grace that
    // lets a request already in the kernel queue be read: a timer phase, then a poll phase, then check.
    let closedUnused = 0;
    const unused = closeSilentAfterGrace(this.connections).then((n) => { closedUnused = n; });

    const empty = new Promise<void>((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.onEmpty = resolve;
    });
    void (async () => {
      await runHook(onDrain, { name: this.name, kind: this.kind, target: this.app ?? this.server, connections: this.connections, signal, deadline });
      // Default for `ws`: a close frame 1001 "going away" to every WebSocket the hook left open.
      if (this.closeWebSockets) {
        for (const socket of this.upgraded) {
          const ws = webSocketOf(socket);
          if (ws && ws.readyState === 1) ws.close(WS_GOING_AWAY, 'going away');
        }
      }
    })();

    await Promise.race([Promise.all([empty, unused]), aborted(signal)]);
    this.onEmpty = undefined;
    for (const state of this.sockets.values()) if (state.timer) clearTimeout(state.timer);

    const forced = this.connections.size > 0;
    const cut = { connections: 0, requests: 0 };
    if (forced) {
      cut.connections = this.connections.size;
      cut.requests = this.inFlightCount();
      for (const socket of this.connections) socket.destroy();
    }
    return {
      name: this.name, kind: this.kind, ...(this.fd === undefined ? {} : { fd: this.fd }),
      durationMs: Date.now() - started, connectionsAtStart, inFlightAtStart,
      requestsDuringDrain: this.requestsDuringDrain, closedUnused, closedIdle: this.closedIdle, forced, cut,
    };
  }

  /** fastify: run its onClose hooks now that no connection is left (so return503OnClosing never fires). */
  async close(): Promise<void> {
    if (this.app) await this.app.close();
  }
}

/** Make `res` say `Connection: close` and end its connection after it, if its headers are not out yet. */
function closeAfter(res: http.ServerResponse): void {
  // Node writes `Connection: close` and ends the socket after the response when shouldKeepAlive is false.
  if (!res.headersSent) res.shouldKeepAlive = false;
}
