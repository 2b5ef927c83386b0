/**
 * What serve() accepts and reports (ServeTarget, ServeOptions, Served) and the validation of its options.
 */
import type * as dgram from 'node:dgram';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as http2 from 'node:http2';
import type * as net from 'node:net';
import { HoldfastAdapterError } from './errors.js';
import { DEFAULT_BACKLOG, type FdInfo } from './native.js';
import { DEFAULT_DRAIN_TIMEOUT, type DrainHook, type TargetKind } from './drain-types.js';
import type { FastifyLike } from './http-drain.js';
import type { NetHandover } from './net-drain.js';
import { validateWarmup, warmupFromEnv, type WarmupOptions } from './warmup.js';

/** What serve() accepts: a fastify instance, a node http/https/http2 (or any net) server, or a dgram socket
 * (udp4 or udp6). express and koa are served through their http.Server: `http.createServer(app)`,
 * `http.createServer(koa.callback())`. */
export type ServeTarget = FastifyLike | http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer | net.Server | dgram.Socket;

/** Options of serve(). */
export interface ServeOptions {
  /** Which LISTEN_FDNAMES entry to attach. Default: the only inherited fd, else the first unattached one of the target's kind (listening stream for servers, dgram for sockets). */
  name?: string;
  /** Used only when not started by a holder (no LISTEN_FDS): the target binds it itself. A port number, 'tcp://host:port', 'udp://host:port', 'unix:/path' or 'unix:@abstract'. */
  fallback?: number | string;
  /** listen(2) backlog re-applied by Node on the inherited fd (Node uses 511 unless told). Default 4096. */
  backlog?: number;
  /** Hard drain deadline in ms, counted from SIGTERM/drain(); what is left is destroyed and the cut is logged
   * (`{"holdfast":"drain-cut",...}` on stderr with counts). Default 30000. In-flight work finishes; idle
   * HTTP/1.1 keep-alive connections end min(keepAliveTimeout, keepAliveHint + 1000) after their last response. */
  drainTimeout?: number;
  /** Called when the drain begins, to end upgraded/long-lived connections (WebSockets, streams). */
  onDrain?: DrainHook;
  /** false: after a SIGTERM drain, do not process.exit(0) (any serve() passing false applies to the process). Default true. */
  exitOnDrain?: boolean;
  /** false: do not send READY=1 automatically; the app calls ready() itself (applies to the process). Default true. */
  autoReady?: boolean;
  /** HTTP/1.1 (http, https, fastify): the server's real idle timer, ms. Default: the server's own (node 5000,
   * fastify 72000). Must be >= 2000. */
  keepAliveTimeout?: number;
  /** HTTP/1.1: what `Keep-Alive: timeout=` advertises, ms, rounded down to whole seconds; >= 1000 and below
   * keepAliveTimeout. Default min(5000, keepAliveTimeout - 1000). Clients that honour it (undici, node's
   * global agent) leave an idle connection before the server closes it; during a drain an idle connection
   * ends min(keepAliveTimeout, hint + 1000) after its last response. Lower = faster drains, more reconnects. */
  keepAliveHint?: number;
  /** HTTP/1.1: server.headersTimeout, ms; must exceed keepAliveTimeout. Default max(the server's own,
   * keepAliveTimeout + 1000). */
  headersTimeout?: number;
  /** HTTP/1.1: at drain, send a close frame 1001 "going away" to every `ws` WebSocket the onDrain hook left
   * open. Default true. */
  closeWebSockets?: boolean;
  /**
   * fastify and http/https targets: before the fd is attached and READY=1 is sent, run these requests `count`
   * times each (warmup.ts), so that the first real requests find the code compiled: by default (`via: 'socket'`)
   * as real HTTP over a private unix socket whose connections the server handles as its own (https: in-process),
   * or injected in-process (`via: 'in-process'`). Default: what the holder set with `--warmup` (HOLDFAST_WARMUP,
   * HOLDFAST_WARMUP_VIA), else none; `false` turns that off.
   */
  warmup?: WarmupOptions | false;
  /**
   * Connection hand-over at drain, under a holdfast holder whose replacing worker can adopt (see
   * docs/adapters.md). HTTP/1.1 (http, fastify, express, koa): true (default) moves every idle keep-alive
   * connection, and each busy one once its response ends, to the next generation; false drains them here.
   * TLS, HTTP/2 and upgraded connections are always drained here. Raw net servers: off unless given a
   * NetHandover ({ serialize(socket) -> state, adopt(socket, state) }).
   */
  handover?: boolean | NetHandover;
}

/** What serve() attached. */
export interface Served {
  kind: TargetKind;
  /** The fd name, or 'fallback'. */
  name: string;
  /** The inherited fd; undefined when the fallback address was bound. */
  fd?: number;
  /** inspectFd's view of the inherited fd. */
  info?: FdInfo;
  /** 'tcp://127.0.0.1:3000', 'tcp://[::]:3000', 'unix:/run/x.sock', 'udp://0.0.0.0:4000'. */
  address: string;
  /** true when attached to an inherited fd, false when bound to the fallback address. */
  inherited: boolean;
}

/** The warm-up for this target: the option (fastify and http only), else HOLDFAST_WARMUP for those kinds. */
export function warmupFor(kind: TargetKind, options: ServeOptions): WarmupOptions | undefined {
  if (options.warmup === false) return undefined;
  if (options.warmup !== undefined) {
    const w = validateWarmup(options.warmup);
    if (kind !== 'fastify' && kind !== 'http') {
      throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "warmup" is set for a ${kind} target; expected it only for fastify and http/https targets`);
    }
    return w;
  }
  return kind === 'fastify' || kind === 'http' ? warmupFromEnv() : undefined;
}

export function validate(options: ServeOptions): { backlog: number; drainTimeout: number } {
  const bad = (option: string, value: unknown, expected: string): never => {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "${option}" is ${JSON.stringify(value)}; expected ${expected}`);
  };
  const backlog = options.backlog ?? DEFAULT_BACKLOG;
  const drainTimeout = options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
  if (!Number.isInteger(backlog) || backlog < 1) bad('backlog', options.backlog, 'an integer >= 1');
  if (typeof drainTimeout !== 'number' || !Number.isFinite(drainTimeout) || drainTimeout < 0) bad('drainTimeout', options.drainTimeout, 'a number of ms >= 0');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) bad('name', options.name, 'a non-empty LISTEN_FDNAMES entry');
  if (options.onDrain !== undefined && typeof options.onDrain !== 'function') bad('onDrain', typeof options.onDrain, 'a function');
  if (options.closeWebSockets !== undefined && typeof options.closeWebSockets !== 'boolean') bad('closeWebSockets', options.closeWebSockets, 'a boolean');
  const h = options.handover as Partial<NetHandover> | boolean | undefined;
  if (h !== undefined && typeof h !== 'boolean' && (typeof h !== 'object' || h === null || typeof h.serialize !== 'function' || typeof h.adopt !== 'function')) {
    bad('handover', typeof h === 'object' && h !== null ? `{${Object.keys(h).join(', ')}}` : h, 'a boolean, or { serialize(socket), adopt(socket, state) } for a net server');
  }
  return { backlog, drainTimeout };
}
