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
import { runHook, type DrainHook, type Drainable, type TargetReport } from './drain-types.js';
import { closeSilentAfterGrace } from './silent-connections.js';
import { ConnectionTracker } from './connection-tracker.js';

/** Largest stream id: GOAWAY with it tells the client to stop opening streams without refusing any (ms: n/a). */
const SHUTDOWN_NOTICE_STREAM_ID = 2 ** 31 - 1;
/** How long to wait for the PING ACK before sending the final GOAWAY anyway (ms). */
export const H2_PING_TIMEOUT_MS = 1000;

type H2Server = http2.Http2Server | http2.Http2SecureServer;

export class Http2Drain implements Drainable {
  readonly kind = 'http2' as const;
  private readonly tracker: ConnectionTracker;
  private readonly sessions = new Map<http2.ServerHttp2Session, { streams: number }>();
  private draining = false;
  private streamsDuringDrain = 0;

  constructor(readonly server: H2Server, readonly name: string, readonly fd: number | undefined) {
    this.tracker = new ConnectionTracker(server);
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
    const connectionsAtStart = this.tracker.size;
    const inFlightAtStart = this.streamCount();
    // Stop accepting only (Http2Server#close would also be fine on Node 20, but newer Nodes close sessions
    // with a single GOAWAY, which refuses streams in flight).
    if (this.server.listening) net.Server.prototype.close.call(this.server);
    for (const session of this.sessions.keys()) this.goAway(session);

    let closedUnused = 0;
    const unused = closeSilentAfterGrace(this.tracker.connections).then((n) => { closedUnused = n; });
    void runHook(onDrain, { name: this.name, kind: this.kind, target: this.server, connections: this.tracker.connections, signal, deadline });
    let cutStreams = 0;
    const cut = await this.tracker.settle(signal, [unused], () => {
      cutStreams = this.streamCount();
      for (const session of this.sessions.keys()) session.destroy();
    });
    return this.tracker.report(this, started, {
      connectionsAtStart, inFlightAtStart, requestsDuringDrain: this.streamsDuringDrain, closedUnused, closedIdle: 0, handedOver: 0,
    }, cut, cutStreams);
  }
}
