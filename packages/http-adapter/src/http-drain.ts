/**
 * Graceful drain of an HTTP/1.1 server (node http/https, fastify's server) without a single client error:
 * stop accepting, finish what is in flight, answer every later request with `Connection: close`, never
 * close a keep-alive connection under a client that may be writing its next request.
 *
 * Node 20 pitfalls this avoids (measured, /work/shared/FACTS.md):
 * - `server.close()` also resets idle keep-alive connections; under load a connection between two requests
 *   counts as idle, so pooled clients see ECONNRESET. We stop accepting only:
 *   `net.Server.prototype.close.call(server)`.
 * - fastify's `return503OnClosing` answers 503 while the app closes: the app is closed only after the last
 *   connection is gone (see drain.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import { aborted, runHook, type DrainHook, type Drainable, type TargetKind, type TargetReport } from './drain-types.js';

/** How long a connection that has not sent a byte may wait before the drain closes it (ms). Covers a request
 * already in the kernel's receive queue but not yet read by the event loop: one timer + one poll phase. */
export const UNUSED_GRACE_MS = 20;

/** A fastify instance as the adapter needs it (structural, so the adapter does not depend on fastify). */
export interface FastifyLike {
  server: net.Server;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

/** Connection and request tracking for one http/https server, installed before it listens. */
export class HttpDrain implements Drainable {
  /** Every accepted connection (raw TCP/unix socket; for https the socket under TLS). */
  private readonly connections = new Set<Socket>();
  /** Responses not yet finished, by the socket their request came on (the TLS socket for https). */
  private readonly inFlight = new Map<object, Set<http.ServerResponse>>();
  private draining = false;
  private requestsDuringDrain = 0;
  private onEmpty: (() => void) | undefined;

  constructor(
    readonly server: http.Server | https.Server,
    readonly name: string,
    readonly fd: number | undefined,
    readonly kind: TargetKind,
    private readonly app?: FastifyLike,
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
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const key = req.socket;
    let pending = this.inFlight.get(key);
    if (!pending) this.inFlight.set(key, (pending = new Set()));
    pending.add(res);
    if (this.draining) {
      this.requestsDuringDrain++;
      closeAfter(res);
    }
    const done = (): void => {
      pending.delete(res);
      if (pending.size === 0 && this.inFlight.get(key) === pending) this.inFlight.delete(key);
    };
    res.once('finish', done);
    res.once('close', done);
  }

  private inFlightCount(): number {
    let n = 0;
    for (const set of this.inFlight.values()) n += set.size;
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

    // In-flight responses whose headers are not out yet will say Connection: close and end the connection.
    for (const set of this.inFlight.values()) for (const res of set) closeAfter(res);

    // Idle keep-alive connections are left alone: the next request on them is answered with
    // Connection: close (onRequest), or Node's keepAliveTimeout ends them. Closing them now would race a
    // client that is writing its next request.

    // Accepted but silent connections (speculative pre-connects) are closed at once, after a grace that
    // lets a request already in the kernel queue be read: a timer phase, then a poll phase, then check.
    let closedUnused = 0;
    const unused = new Promise<void>((resolve) => {
      setTimeout(() => setImmediate(() => {
        for (const socket of this.connections) {
          if (socket.bytesRead === 0 && !socket.destroyed) {
            closedUnused++;
            socket.destroy();
          }
        }
        resolve();
      }), UNUSED_GRACE_MS); // ref: a fastify app must still be closed after it, not skipped by a natural exit
    });

    const empty = new Promise<void>((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.onEmpty = resolve;
    });
    void runHook(onDrain, { name: this.name, kind: this.kind, target: this.app ?? this.server, connections: this.connections, signal, deadline });

    await Promise.race([Promise.all([empty, unused]), aborted(signal)]);
    this.onEmpty = undefined;

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
      requestsDuringDrain: this.requestsDuringDrain, closedUnused, forced, cut,
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
