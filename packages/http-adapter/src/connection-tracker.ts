/**
 * One connection tracker shared by every stream drain (HTTP/1, HTTP/2, raw net): the live set of accepted
 * connections, "wait until it is empty or the deadline aborts", destroying what is left, and the report.
 */
import type * as net from 'node:net';
import { aborted, type TargetKind, type TargetReport } from './drain-types.js';

/** Counts a drain fills in (as documented on TargetReport); the tracker adds name, kind, fd, duration and the cut. */
export type DrainCounts = Pick<TargetReport,
  'connectionsAtStart' | 'inFlightAtStart' | 'requestsDuringDrain' | 'closedUnused' | 'closedIdle' | 'handedOver'>;

export class ConnectionTracker {
  /** Every connection accepted (or adopted) and not yet closed: a live set, entries leave on 'close'. */
  readonly connections = new Set<net.Socket>();
  private readonly waiters: Array<() => void> = [];

  /** Tracks every 'connection' of `server`; call before it listens, so no connection escapes the drain. */
  constructor(server: net.Server) {
    server.on('connection', (socket: net.Socket) => this.add(socket));
  }

  /** Track a connection the server did not emit (one adopted from the previous generation by a raw net hook). */
  add(socket: net.Socket): void {
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      if (this.connections.size === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  get size(): number {
    return this.connections.size;
  }

  /** Resolves when no connection is left. */
  empty(): Promise<void> {
    return new Promise((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.waiters.push(resolve);
    });
  }

  /**
   * Wait until no connection is left (and every promise in `also` settled), or `signal` aborts; then
   * `beforeCut` (count what is about to be cut) and destroy what is left.
   * @returns how many connections were destroyed (0 = the drain finished on its own).
   */
  async settle(signal: AbortSignal, also: Promise<unknown>[] = [], beforeCut?: () => void): Promise<number> {
    await Promise.race([Promise.all([this.empty(), ...also]), aborted(signal)]);
    const left = this.connections.size;
    if (left > 0) beforeCut?.();
    for (const socket of this.connections) socket.destroy();
    return left;
  }

  /** The drain's report; `cutRequests`: requests (HTTP/2 streams) in flight on the destroyed connections. */
  report(target: { name: string; kind: TargetKind; fd: number | undefined }, started: number, counts: DrainCounts, cutConnections: number, cutRequests: number): TargetReport {
    return {
      name: target.name, kind: target.kind, ...(target.fd === undefined ? {} : { fd: target.fd }),
      durationMs: Date.now() - started, ...counts,
      forced: cutConnections > 0, cut: { connections: cutConnections, requests: cutRequests },
    };
  }
}
