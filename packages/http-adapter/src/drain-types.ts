/**
 * Shapes shared by the drain coordinator (drain.ts) and the per-kind drains (http-drain.ts, net-drain.ts, dgram.ts).
 */
import type { Socket } from 'node:net';

/** serve()'s drainTimeout (ms) when not given; also the holder guard's deadline when the holder did not say. */
export const DEFAULT_DRAIN_TIMEOUT = 30_000;

/** What serve() attached: 'fastify', 'http' (node http/https server, express/koa through theirs), 'http2'
 * (http2.createServer / createSecureServer), 'net' (any other net.Server), 'dgram'. */
export type TargetKind = 'fastify' | 'http' | 'http2' | 'net' | 'dgram';

/** Passed to the `onDrain` hook of serve() when the drain begins, for upgraded/long-lived connections. */
export interface DrainContext {
  /** The fd name (LISTEN_FDNAMES entry) or 'fallback'. */
  name: string;
  kind: TargetKind;
  /** The object given to serve(). */
  target: unknown;
  /** Stream connections still open (live set: entries disappear as they close). Empty for dgram. */
  connections: ReadonlySet<Socket>;
  /** Aborted at the hard deadline (drainTimeout) or on a second SIGTERM. */
  signal: AbortSignal;
  /** Hard deadline, epoch ms (Date.now() scale). */
  deadline: number;
}

/** The hook's type: end long-lived connections (WebSockets, streams) politely; may be async. */
export type DrainHook = (ctx: DrainContext) => void | Promise<void>;

/** What was destroyed at the deadline instead of finishing. */
export interface CutCounts {
  /** Connections destroyed (stream) or 1 if a dgram socket was closed with sends pending. */
  connections: number;
  /** HTTP requests (HTTP/2: streams) in flight on those connections; dgram: sends still pending. */
  requests: number;
}

/** One served target's drain, as measured. */
export interface TargetReport {
  name: string;
  kind: TargetKind;
  /** Inherited fd, or undefined when the target bound its fallback address. */
  fd?: number;
  /** ms from drain start until this target was done. */
  durationMs: number;
  /** Open connections when the drain began (0 for dgram). */
  connectionsAtStart: number;
  /** HTTP requests (HTTP/2: streams) in flight when the drain began. */
  inFlightAtStart: number;
  /** HTTP requests that started after the drain began (all answered with Connection: close). */
  requestsDuringDrain: number;
  /** Connections closed at once because they had not sent a byte (speculative/pre-connected). */
  closedUnused: number;
  /** HTTP/1.1 keep-alive connections the drain ended after they stayed idle past the advertised hint. */
  closedIdle: number;
  /** Connections handed over to the next generation (adopted by the worker that replaced this one). */
  handedOver: number;
  /** Whether the deadline (or a second SIGTERM) cut this target short. */
  forced: boolean;
  cut: CutCounts;
}

/** The result of drain(). */
export interface DrainReport {
  /** 'signal' (SIGTERM) or 'call' (drain() called by the app). */
  reason: 'signal' | 'call';
  /** ms from the start of the drain until every target was done (and fastify apps closed). */
  durationMs: number;
  targets: TargetReport[];
  /** Sum over targets. */
  cut: CutCounts;
}

/** What each per-kind drain implements. */
export interface Drainable {
  readonly name: string;
  readonly kind: TargetKind;
  readonly fd: number | undefined;
  /** Stop accepting/reading, let work finish; resolve when nothing is left or `signal` aborts (then destroy the rest). */
  drain(signal: AbortSignal, deadline: number, onDrain: DrainHook | undefined): Promise<TargetReport>;
  /** After every target drained: release the target (fastify: app.close() to run onClose hooks). */
  close?(): Promise<void>;
}

/** Run the app's onDrain hook; its failure is logged, never allowed to stop the drain. */
export async function runHook(hook: DrainHook | undefined, ctx: DrainContext): Promise<void> {
  if (!hook) return;
  try {
    await hook(ctx);
  } catch (error) {
    console.error(JSON.stringify({ holdfast: 'onDrain-failed', name: ctx.name, error: String((error as Error)?.stack ?? error) }));
  }
}

/** Resolve when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
