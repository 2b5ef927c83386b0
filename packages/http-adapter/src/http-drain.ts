/**
 * Graceful drain of an HTTP/1.1 server (node http/https, fastify's, express's or koa's server) that no
 * client can tell happened. Two ways, chosen per connection:
 *
 * - Hand-over (plain HTTP/1.1 under a holdfast holder whose successor can adopt): every idle connection (no
 *   request in progress, none partly read, nothing queued to write; silent never-used ones too) stops being
 *   read and its fd goes to the worker that replaces this one (handover-channel.ts), which adopts it as if it
 *   had just accepted it; a connection busy at the drain goes when its response has finished. Our copy is
 *   destroyed only once the successor confirmed (never shutdown(2): no FIN). The client notices nothing.
 * - Otherwise (TLS, upgraded connections, `holdfast stop`, a successor that refused or did not answer): stop
 *   accepting, finish what is in flight, answer later requests with `Connection: close` (with pipelining, only
 *   the last response received says close, so every request read is answered), close silent connections
 *   after a short grace, and never close an idle keep-alive connection before the advertised
 *   `Keep-Alive: timeout=` hint (plus a margin) has passed.
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
import * as http from 'node:http';
import type * as https from 'node:https';
import * as net from 'node:net';
import type { Socket } from 'node:net';
import { runHook, type DrainHook, type Drainable, type TargetKind, type TargetReport } from './drain-types.js';
import { closeSilentAfterGrace } from './silent-connections.js';
import { advertiseHint, KEEP_ALIVE_MARGIN_MS, type KeepAliveTimers } from './keep-alive.js';
import { ConnectionTracker } from './connection-tracker.js';
import { handoverChannel, type HandoverChannel } from './handover-channel.js';
import { HandoverRamp, rampStepFromEnv } from './handover-ramp.js';
import { activeParsers, adoptConnection, fdOf, idleHttpConnection, nothingToWrite, pauseReading, resumeReading } from './connection-handover.js';
import { webSocketOf, WS_GOING_AWAY } from './websocket-close.js';
import { HANDOVER_PIPELINE_LIMIT, last, type Mode, type SocketState } from './http-socket-state.js';

export { WS_GOING_AWAY } from './websocket-close.js';
export { HANDOVER_PIPELINE_LIMIT } from './http-socket-state.js';

/** A fastify instance as the adapter needs it (structural, so the adapter does not depend on fastify). */
export interface FastifyLike {
  server: net.Server;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

/** Connection and request tracking for one http/https server, installed before it listens. */
export class HttpDrain implements Drainable {
  private readonly tracker: ConnectionTracker;
  /** Request sockets that carried at least one request (TLS sockets for https). */
  private readonly sockets = new Map<Socket, SocketState>();
  /** Sockets handed to an 'upgrade' listener (WebSocket): the app (onDrain) or the ws default ends them. */
  private readonly upgraded = new Set<Socket>();
  /** Idle connections no longer read, waiting for the next batch to the successor. */
  private readonly queued = new Set<Socket>();
  private readonly channel: HandoverChannel | null;
  /** Paces the hand-over (handover-ramp.ts); set when the drain starts in handover mode. */
  private ramp: HandoverRamp | null = null;
  /** HOLDFAST_HANDOVER_RAMP_MS, read (and checked) at serve(), not at the drain. */
  private readonly rampStepMs: number;
  private mode: Mode = 'serving';
  private flushScheduled = false;
  private readonly graces: Promise<void>[] = [];
  private readonly counts = { requestsDuringDrain: 0, closedIdle: 0, closedUnused: 0, handedOver: 0 };

  constructor(
    readonly server: http.Server | https.Server,
    readonly name: string,
    readonly fd: number | undefined,
    readonly kind: TargetKind,
    private readonly timers: KeepAliveTimers,
    private readonly app?: FastifyLike,
    private readonly closeWebSockets = true,
    handover = true,
  ) {
    this.tracker = new ConnectionTracker(server);
    // Plain HTTP/1.1 only: TLS cannot move (https.Server is not an http.Server: the session keys stay here), and
    // a fallback-bound server has no holder to hand over through.
    this.channel = handover && fd !== undefined && server instanceof http.Server ? handoverChannel() : null;
    this.rampStepMs = this.channel ? rampStepFromEnv() : 0;
    this.channel?.addAdopter(name, (connectionFd) => {
      if (this.mode !== 'serving' || !server.listening) throw new Error(`server "${name}" is draining`);
      adoptConnection(server, connectionFd);
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

  /** The live set of connections (for onDrain). */
  get connections(): ReadonlySet<Socket> {
    return this.tracker.connections;
  }

  private forget(socket: Socket): void {
    const state = this.sockets.get(socket);
    if (state?.timer) clearTimeout(state.timer);
    this.sockets.delete(socket);
    this.queued.delete(socket);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    let state = this.sockets.get(socket);
    if (!state) {
      this.sockets.set(socket, (state = { pending: new Set(), lastDone: 0, bytesAtDone: 0, pipelinedDuringDrain: 0 }));
      socket.once('close', () => this.forget(socket));
    }
    if (state.timer) {
      clearTimeout(state.timer);
      delete state.timer;
    }
    state.pending.add(res);
    advertiseHint(res, this.timers.hint);
    if (this.mode !== 'serving') {
      this.counts.requestsDuringDrain++;
      if (this.mode === 'handover' && state.pending.size > 1 && ++state.pipelinedDuringDrain > HANDOVER_PIPELINE_LIMIT) state.closeHere = true;
      this.decideAtHeaders(res, state);
    }
    const s = state;
    const done = (): void => {
      if (!s.pending.delete(res)) return;
      if (s.pending.size > 0) return;
      s.lastDone = Date.now();
      s.bytesAtDone = socket.bytesRead;
      if (socket.destroyed) return;
      if (this.mode === 'handover' && !s.closeHere) this.offerWhenIdle(socket);
      // A response whose headers were out before we knew it kept the connection alive: end it as idle.
      else if (this.mode !== 'serving') this.scheduleIdleClose(socket, s);
    };
    res.on('close', done);
  }

  /**
   * Decide `Connection: close` when the response's headers are written, not before: by then we know whether
   * the connection is being handed over, and whether a later pipelined request was read (then this one stays
   * keep-alive: Node would drop the responses queued behind a closing one, RFC 9112 §9.3.2).
   */
  private decideAtHeaders(res: http.ServerResponse, state: SocketState): void {
    if (res.headersSent) return;
    const writeHead = res.writeHead;
    const drain = this;
    res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
      if ((drain.mode === 'close' || state.closeHere) && last(state.pending) === res) res.shouldKeepAlive = false;
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof res.writeHead;
  }

  /**
   * Handover mode: once `socket` is idle, stop reading it and queue it for the next batch. `active`: the
   * server's active parsers, computed once per sweep (never reused across I/O callbacks: it goes stale).
   */
  private offerWhenIdle(socket: Socket, active = activeParsers(this.server)): void {
    if (this.upgraded.has(socket) || this.queued.has(socket)) return;
    if (!idleHttpConnection(socket, active)) {
      // Idle but for bytes still being written: try again once they are out. Otherwise a request is in
      // progress, and its response's end brings us back here.
      if (!socket.destroyed && !nothingToWrite(socket)) socket.once('drain', () => { if (this.mode === 'handover') this.offerWhenIdle(socket); });
      return;
    }
    // Not its turn yet: keep serving it here; its next response's end or the ramp's next step brings it back.
    if (this.ramp && !this.ramp.take()) return;
    pauseReading(socket);
    this.queued.add(socket);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Offer the queued connections in one batch; release what was adopted, drain here what was not. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = [...this.queued].filter((socket) => !socket.destroyed && fdOf(socket) !== undefined);
    this.queued.clear();
    if (batch.length === 0 || !this.channel) return;
    void this.channel.offer(this.name, batch.map((socket) => ({ fd: fdOf(socket)! }))).then((adopted) => {
      batch.forEach((socket, i) => {
        if (adopted[i]) {
          this.counts.handedOver++;
          this.forget(socket);
          // Our copy only: the successor holds the connection, so this sends no FIN (Node never calls shutdown(2) here).
          socket.destroy();
        }
      });
      const kept = batch.filter((_, i) => !adopted[i]);
      if (kept.length > 0) this.closeMode(kept);
    });
  }

  /** From now on drain here: `Connection: close`, idle connections end after the hint, silent ones after a grace. */
  private closeMode(paused: Socket[] = []): void {
    const first = this.mode !== 'close';
    this.mode = 'close';
    this.ramp?.stop();
    for (const socket of [...paused, ...this.queued]) resumeReading(socket);
    this.queued.clear();
    if (!first) {
      for (const socket of paused) this.endWhenIdle(socket);
      return;
    }
    for (const socket of this.tracker.connections) this.endWhenIdle(socket);
  }

  /** Close mode, for one connection: silent ones after a grace, idle ones after the hint, busy ones by their response. */
  private endWhenIdle(socket: Socket): void {
    if (socket.destroyed || this.upgraded.has(socket)) return;
    const state = this.sockets.get(socket);
    if (!state) {
      if (socket.bytesRead === 0) this.graces.push(closeSilentAfterGrace([socket]).then((n) => { this.counts.closedUnused += n; }));
      return;
    }
    for (const res of state.pending) this.decideAtHeaders(res, state);
    if (state.pending.size === 0) this.scheduleIdleClose(socket, state);
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
      this.counts.closedIdle++;
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
    const connectionsAtStart = this.tracker.size;
    const inFlightAtStart = this.inFlightCount();
    this.channel?.removeAdopter(this.name);

    // Stop accepting only. This closes our copy of the fd; the holder keeps the socket and its accept
    // queue (invariant 1). NOT server.close(): in Node 20 it also resets idle keep-alive connections.
    if (this.server.listening) net.Server.prototype.close.call(this.server);

    if (this.channel) {
      // Hand-over: every idle connection now (silent ones included, no grace needed: unread bytes stay in the
      // kernel for the successor); busy ones when their response ends. A refusal switches to close mode.
      this.mode = 'handover';
      for (const [socket, state] of this.sockets) for (const res of state.pending) this.decideAtHeaders(res, state);
      const sweep = (): void => {
        if (this.mode !== 'handover') return;
        const active = activeParsers(this.server);
        for (const socket of this.tracker.connections) this.offerWhenIdle(socket, active);
      };
      this.ramp = new HandoverRamp(this.rampStepMs, sweep);
      sweep();
    } else {
      this.closeMode();
    }

    void (async () => {
      await runHook(onDrain, { name: this.name, kind: this.kind, target: this.app ?? this.server, connections: this.tracker.connections, signal, deadline });
      // Default for `ws`: a close frame 1001 "going away" to every WebSocket the hook left open.
      if (this.closeWebSockets) {
        for (const socket of this.upgraded) {
          const ws = webSocketOf(socket);
          if (ws && ws.readyState === 1) ws.close(WS_GOING_AWAY, 'going away');
        }
      }
    })();

    const cutRequests = (): number => this.inFlightCount();
    let inFlightLeft = 0;
    const cutConnections = await this.tracker.settle(signal, [], () => { inFlightLeft = cutRequests(); });
    this.ramp?.stop();
    await Promise.all(this.graces);
    for (const state of this.sockets.values()) if (state.timer) clearTimeout(state.timer);
    return this.tracker.report(this, started, { connectionsAtStart, inFlightAtStart, ...this.counts }, cutConnections, inFlightLeft);
  }

  /** fastify: run its onClose hooks now that no connection is left (so return503OnClosing never fires). */
  async close(): Promise<void> {
    if (this.app) await this.app.close();
  }
}
