/**
 * Drain of a dgram socket: stop reading at once, so datagrams still queued stay in the shared receive
 * buffer for the new worker; keep the socket open while handlers send their replies; then close it.
 */
import type * as dgram from 'node:dgram';
import { aborted, runHook, type DrainHook, type Drainable, type TargetReport } from './drain-types.js';

/** After recvStop, the socket closes once no send is pending and none started for this long (ms). */
export const DGRAM_QUIET_MS = 20;

interface UdpHandle { recvStop?: () => number }

/** Node has no public recvStop: find the UDP handle (dgram keeps it under its 'state symbol'). */
function udpHandle(socket: dgram.Socket): UdpHandle | undefined {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = sym ? (socket as unknown as Record<symbol, { handle?: UdpHandle } | undefined>)[sym] : undefined;
  return state?.handle ?? undefined;
}

export class DgramDrain implements Drainable {
  readonly kind = 'dgram' as const;
  private pending = 0;
  private lastSend = 0;
  private onIdle: (() => void) | undefined;

  constructor(readonly socket: dgram.Socket, readonly name: string, readonly fd: number | undefined) {
    // Count sends until their callback, so the socket is not closed under a reply (close cancels them).
    const original = socket.send;
    const self = this;
    socket.send = function send(this: dgram.Socket, ...args: unknown[]): void {
      const last = args[args.length - 1];
      const user = typeof last === 'function' ? (last as (error: Error | null, bytes: number) => void) : undefined;
      const callback = (error: Error | null, bytes: number): void => {
        self.pending--;
        self.lastSend = Date.now();
        if (self.pending === 0) self.onIdle?.();
        user?.(error, bytes);
      };
      if (user) args[args.length - 1] = callback;
      else args.push(callback);
      self.pending++;
      self.lastSend = Date.now();
      try {
        (original as (...a: unknown[]) => void).apply(this, args);
      } catch (error) {
        self.pending--;
        throw error;
      }
    } as typeof socket.send;
  }

  async drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport> {
    const started = Date.now();
    const handle = udpHandle(this.socket);
    const canStop = typeof handle?.recvStop === 'function';
    // Stop reading now; what is queued stays in the receive buffer the holder keeps for the next worker.
    if (canStop) handle!.recvStop!();
    else this.socket.close(); // no recvStop on this Node: closing our copy is the only way to stop reading

    const settled = (async (): Promise<void> => {
      await runHook(onDrain, { name: this.name, kind: this.kind, target: this.socket, connections: new Set(), signal, deadline });
      if (!canStop) return;
      await new Promise((resolve) => setImmediate(resolve)); // handlers of datagrams already read
      for (;;) {
        if (this.pending > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
        const quiet = DGRAM_QUIET_MS - (Date.now() - this.lastSend);
        if (quiet <= 0 && this.pending === 0) return;
        await new Promise((resolve) => setTimeout(resolve, Math.max(quiet, 1)));
      }
    })();
    await Promise.race([settled, aborted(signal)]);
    this.onIdle = undefined;
    const forced = signal.aborted && this.pending > 0;
    const cut = { connections: forced ? 1 : 0, requests: forced ? this.pending : 0 };
    if (canStop) {
      try {
        this.socket.close();
      } catch {
        /* already closed by the app */
      }
    }
    return {
      name: this.name, kind: this.kind, ...(this.fd === undefined ? {} : { fd: this.fd }),
      durationMs: Date.now() - started, connectionsAtStart: 0, inFlightAtStart: 0, requestsDuringDrain: 0,
      closedUnused: 0, closedIdle: 0, handedOver: 0, forced, cut,
    };
  }
}
