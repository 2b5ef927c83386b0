/**
 * Graceful drain of an HTTP/2 server (http2.createServer for h2c, http2.createSecureServer for h2) in which a
 * client multiplexing on one session loses no stream (RFC 9113 §6.8, as nghttp2 and Go do it):
 *
 * 1. stop accepting (our copy of the fd; the holder keeps the socket, invariant 1);
 * 2. every session gets a GOAWAY with last-stream-id 2^31-1 (the "shutdown notice"): the client stops opening
 *    streams, while streams it already sent are still accepted;
 * 3. a PING follows; its ACK proves the client has read the notice and that every stream it opened before
 *    is already with us (frames are ordered);
 * 4. only then session.close(): the final GOAWAY names the last stream really processed, streams already
 *    open finish, and the session ends when the last one does.
 *
 * Connections with no byte read (speculative) are closed at once; the hard deadline destroys what is left.
 */
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import { aborted, runHook, type DrainHook, type Drainable, type TargetReport } from './drain-types.js';
import { closeSilentAfterGrace } from './silent-connections.js';

/** Largest stream id: GOAWAY with it tells the client to stop opening streams without refusing any (ms: n/a). */
const SHUTDOWN_NOTICE_STREAM_ID = 2 ** 31 - 1;
/** How long to wait for the PING ACK before sending the final GOAWAY anyway (ms). */
export const H2_PING_TIMEOUT_MS = 1000;

type H2Server = http2.Http2Server | http2.Http2SecureServer;

export class Http2Drain implements Drainable {
  readonly kind = 'http2' as const;
  private readonly connections = new Set<net.Socket>();
  private readonly sessions = new Map<http2.ServerHttp2Session, { streams: number }>();
  private draining = false;
  private streamsDuringDrain = 0;
  private onEmpty: (() => void) | undefined;

  constructor(readonly server: H2Server, readonly name: string, readonly fd: number | undefined) {
    server.on('connection', (socket: net.Socket) => {
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        if (this.connections.size === 0) this.onEmpty?.();
      });
    });
    server.on('session', (session: http2.ServerHttp2Session) => {
      const state = { streams: 0 };
      this.sessions.set(session, state);
      session.once('close', () => this.sessions.delete(session));
      session.on('stream', (stream: http2.ServerHttp2Stream) => {
        state.streams++;
        if (this.draining) this.streamsDuringDrain++;
        stream.once('close', () => state.streams--);
      });
      if (this.draining) this.goAway(session);
    });
  }

  /** Two-phase GOAWAY (notice, PING round trip, final) on one session. */
  private goAway(session: http2.ServerHttp2Session): void {
    if (session.closed || session.destroyed) return;
    let finalSent = false;
    const final = (): void => {
      if (finalSent) return;
      finalSent = true;
      clearTimeout(timer);
      if (!session.closed && !session.destroyed) session.close();
    };
    const timer = setTimeout(final, H2_PING_TIMEOUT_MS);
    try {
      session.goaway(0 /* NO_ERROR */, SHUTDOWN_NOTICE_STREAM_ID);
      if (!session.ping(() => final())) final();
    } catch {
      final();
    }
  }

  private streamCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.streams;
    return n;
  }

  async drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport> {
    const started = Date.now();
    this.draining = true;
    const connectionsAtStart = this.connections.size;
    const inFlightAtStart = this.streamCount();
    // Stop accepting only (Http2Server#close would also be fine on Node 20, but newer Nodes close sessions
    // with a single GOAWAY, which refuses streams in flight).
    if (this.server.listening) net.Server.prototype.close.call(this.server);
    for (const session of this.sessions.keys()) this.goAway(session);

    let closedUnused = 0;
    const unused = closeSilentAfterGrace(this.connections).then((n) => { closedUnused = n; });
    const empty = new Promise<void>((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.onEmpty = resolve;
    });
    void runHook(onDrain, { name: this.name, kind: this.kind, target: this.server, connections: this.connections, signal, deadline });
    await Promise.race([Promise.all([empty, unused]), aborted(signal)]);
    this.onEmpty = undefined;

    const forced = this.connections.size > 0;
    const cut = { connections: 0, requests: 0 };
    if (forced) {
      cut.connections = this.connections.size;
      cut.requests = this.streamCount();
      for (const session of this.sessions.keys()) session.destroy();
      for (const socket of this.connections) socket.destroy();
    }
    return {
      name: this.name, kind: this.kind, ...(this.fd === undefined ? {} : { fd: this.fd }),
      durationMs: Date.now() - started, connectionsAtStart, inFlightAtStart,
      requestsDuringDrain: this.streamsDuringDrain, closedUnused, closedIdle: 0, forced, cut,
    };
  }
}
