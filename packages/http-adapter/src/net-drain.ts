/**
 * Drain of a plain net.Server (or any net.Server that is not HTTP): stop accepting, hand over the connections
 * the app can describe (the opt-in `handover` hook, below), let the app end the rest (onDrain), destroy what is
 * left at the deadline.
 */
import type * as net from 'node:net';
import { runHook, type DrainHook, type Drainable, type TargetReport } from './drain-types.js';
import { ConnectionTracker } from './connection-tracker.js';
import { handoverChannel, type HandoverChannel } from './handover-channel.js';
import { adoptConnection, fdOf, nothingToWrite, pauseReading, resumeReading } from './connection-handover.js';

/**
 * serve(netServer, { handover }) for a long-lived TCP/unix protocol: move a connection to the next generation
 * with a small serialisable state of the app's own.
 */
export interface NetHandover {
  /**
   * Called for each open connection when the drain begins. Return a JSON-serialisable state (at most ~3.9 KB
   * once serialised) to hand the connection over, or undefined to keep it here (the app ends it, e.g. in
   * onDrain). Return a state only at a message boundary: nothing the client sent may be half-read by the app.
   * Anything already written by the app must have been flushed (holdfast checks and keeps the connection otherwise).
   */
  serialize(socket: net.Socket): unknown;
  /**
   * Called in the next generation for each adopted connection, with the state serialize() returned. The server's
   * 'connection' event is NOT emitted for it: wire it up here (data/close listeners), without a greeting.
   */
  adopt(socket: net.Socket, state: unknown): void;
}

export class NetDrain implements Drainable {
  readonly kind = 'net' as const;
  private readonly tracker: ConnectionTracker;
  private readonly channel: HandoverChannel | null;
  private draining = false;
  private handedOver = 0;

  constructor(readonly server: net.Server, readonly name: string, readonly fd: number | undefined, private readonly hook?: NetHandover) {
    this.tracker = new ConnectionTracker(server);
    this.channel = hook && fd !== undefined ? handoverChannel() : null;
    this.channel?.addAdopter(name, (connectionFd, state) => {
      if (this.draining || !server.listening) throw new Error(`server "${name}" is draining`);
      const socket = adoptConnection(server, connectionFd, false);
      this.tracker.add(socket);
      try {
        hook!.adopt(socket, state);
      } catch (error) {
        // The socket owns the fd now: end it here (not a refusal; the old worker has already let go).
        console.error(JSON.stringify({ holdfast: 'adopt-failed', name, error: String((error as Error)?.message ?? error) }));
        socket.destroy();
      }
    });
  }

  /** Offer every connection the app's serialize() describes; adopted ones are released, the rest stay. */
  private async handOver(): Promise<void> {
    const offered: { socket: net.Socket; fd: number; state: unknown }[] = [];
    for (const socket of this.tracker.connections) {
      const fd = fdOf(socket);
      if (fd === undefined || !nothingToWrite(socket) || socket.readableLength > 0) continue;
      let state: unknown;
      try {
        state = this.hook!.serialize(socket);
      } catch (error) {
        console.error(JSON.stringify({ holdfast: 'handover-serialize-failed', name: this.name, error: String((error as Error)?.message ?? error) }));
        continue;
      }
      if (state === undefined) continue;
      pauseReading(socket);
      offered.push({ socket, fd, state: state === null ? null : JSON.parse(JSON.stringify(state)) });
    }
    if (offered.length === 0) return;
    const adopted = await this.channel!.offer(this.name, offered.map(({ fd, state }) => ({ fd, state })));
    offered.forEach(({ socket }, i) => {
      if (adopted[i]) {
        this.handedOver++;
        socket.destroy(); // our copy only: no FIN, the successor holds the connection
      } else {
        resumeReading(socket);
      }
    });
  }

  async drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport> {
    const started = Date.now();
    const connectionsAtStart = this.tracker.size;
    this.draining = true;
    this.channel?.removeAdopter(this.name);
    // The server's own close(): for net.Server it only stops accepting (closes our copy of the fd; the
    // holder keeps the socket, invariant 1).
    if (this.server.listening) this.server.close();
    if (this.channel) await this.handOver();
    void runHook(onDrain, { name: this.name, kind: this.kind, target: this.server, connections: this.tracker.connections, signal, deadline });
    const cut = await this.tracker.settle(signal);
    return this.tracker.report(this, started, {
      connectionsAtStart, inFlightAtStart: 0, requestsDuringDrain: 0, closedUnused: 0, closedIdle: 0, handedOver: this.handedOver,
    }, cut, 0);
  }
}
