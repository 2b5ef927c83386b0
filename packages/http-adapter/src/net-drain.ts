/**
 * Drain of a plain net.Server (or any net.Server that is not HTTP/1): stop accepting, let the app end its
 * connections (onDrain), destroy what is left at the deadline.
 */
import type * as net from 'node:net';
import { aborted, runHook, type DrainHook, type Drainable, type TargetReport } from './drain-types.js';

export class NetDrain implements Drainable {
  readonly kind = 'net' as const;
  private readonly connections = new Set<net.Socket>();
  private onEmpty: (() => void) | undefined;

  constructor(readonly server: net.Server, readonly name: string, readonly fd: number | undefined) {
    server.on('connection', (socket: net.Socket) => {
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        if (this.connections.size === 0) this.onEmpty?.();
      });
    });
  }

  async drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport> {
    const started = Date.now();
    const connectionsAtStart = this.connections.size;
    // The server's own close(): for net.Server it only stops accepting (closes our copy of the fd; the
    // holder keeps the socket, invariant 1); http2 servers additionally close their sessions gracefully.
    if (this.server.listening) this.server.close();
    const empty = new Promise<void>((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.onEmpty = resolve;
    });
    void runHook(onDrain, { name: this.name, kind: this.kind, target: this.server, connections: this.connections, signal, deadline });
    await Promise.race([empty, aborted(signal)]);
    this.onEmpty = undefined;
    const forced = this.connections.size > 0;
    const cut = { connections: this.connections.size, requests: 0 };
    for (const socket of this.connections) socket.destroy();
    return {
      name: this.name, kind: this.kind, ...(this.fd === undefined ? {} : { fd: this.fd }),
      durationMs: Date.now() - started, connectionsAtStart, inFlightAtStart: 0, requestsDuringDrain: 0,
      closedUnused: 0, closedIdle: 0, forced, cut,
    };
  }
}
