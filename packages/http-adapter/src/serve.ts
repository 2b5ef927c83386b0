/**
 * serve(): attach a fastify instance, node http/https/net server or dgram socket to the fd the holder passed
 * (LISTEN_FDS), or — when not started by a holder — bind its fallback address; say READY=1 when every
 * inherited fd is attached; drain it on SIGTERM.
 */
import cluster from 'node:cluster';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import { HoldfastAdapterError, warn } from './errors.js';
import { parseFallback, type FallbackAddress } from './fallback.js';
import { listenFds, listenFdsStatus, type ListenFd } from './listen-fds.js';
import { DEFAULT_BACKLOG, loadNative, type FdExpectation, type FdInfo } from './native.js';
import { attachWhenReady, autoReadyEnabled, disableAutoReady, isAttached, isReady, markAttached } from './readiness.js';
import { isDraining, register } from './drain.js';
import { DEFAULT_DRAIN_TIMEOUT, type DrainHook, type Drainable, type TargetKind } from './drain-types.js';
import { HttpDrain, type FastifyLike } from './http-drain.js';
import { Http2Drain } from './http2-drain.js';
import { resolveKeepAlive } from './keep-alive.js';
import { NetDrain, type NetHandover } from './net-drain.js';
import { DgramDrain } from './dgram.js';
import { isStandby, whenPromoted } from './standby.js';
import { validateWarmup, warmUp, warmupFromEnv, type WarmupOptions } from './warmup.js';

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
   * fastify and http/https targets: before the fd is attached and READY=1 is sent, run these requests
   * in-process `count` times each (warmup.ts), so that the first real requests find the code compiled. Default:
   * what the holder set with `--warmup` (HOLDFAST_WARMUP), else none; `false` turns that off.
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

function isHttp2(target: unknown): target is http2.Http2Server | http2.Http2SecureServer {
  // node:http2 does not export its server classes.
  const name = (target as { constructor?: { name?: string } } | null)?.constructor?.name;
  return target instanceof net.Server && (name === 'Http2Server' || name === 'Http2SecureServer');
}

function isFastify(target: unknown): target is FastifyLike {
  const t = target as Partial<FastifyLike> | null;
  return typeof t === 'object' && t !== null && t.server instanceof net.Server && typeof t.ready === 'function' && typeof t.close === 'function';
}

/** What an fd must be to serve the target: a dgram socket of the socket's family, or a listening stream socket. */
function expectationFor(kind: TargetKind, target: unknown): FdExpectation {
  if (kind === 'dgram') {
    return { kind: 'socket', type: 'dgram', family: (target as dgram.Socket & { type?: string }).type === 'udp6' ? 'inet6' : 'inet' };
  }
  return { kind: 'socket', type: 'stream', listening: true, family: ['inet', 'inet6', 'unix'] };
}

const describe = (info: FdInfo): string => loadNative().describeFd(info);
const unsuitable = (kind: TargetKind, target: unknown, l: ListenFd): string | undefined => loadNative().fdMismatch(l.fd, expectationFor(kind, target), l.info);

function pick(kind: TargetKind, target: unknown, inherited: ListenFd[], name: string | undefined): ListenFd {
  const list = inherited.map((l) => `${l.name}=fd ${l.fd} (${describe(l.info)})`).join(', ');
  let chosen: ListenFd | undefined;
  if (name !== undefined) {
    const named = inherited.filter((l) => l.name === name);
    chosen = named.find((l) => !isAttached(l.fd)) ?? named[0];
    if (!chosen) throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no inherited fd named "${name}" for the ${kind} target; inherited: ${list}`, { hint: 'check the socket names given to the holder (LISTEN_FDNAMES)' });
  } else if (inherited.length === 1) {
    chosen = inherited[0]!;
  } else {
    chosen = inherited.find((l) => !isAttached(l.fd) && unsuitable(kind, target, l) === undefined);
    if (!chosen) throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no unattached inherited fd suits the ${kind} target (expected ${loadNative().describeExpectation(expectationFor(kind, target))}); inherited: ${list}`, { hint: 'pass options.name' });
  }
  if (isAttached(chosen.fd)) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_FD_IN_USE', `inherited fd "${chosen.name}" (fd ${chosen.fd}) is already served by an earlier serve() call; expected one serve() per fd`);
  }
  const why = unsuitable(kind, target, chosen);
  if (why) {
    const want = loadNative().describeExpectation(expectationFor(kind, target));
    throw new HoldfastAdapterError('ERR_HOLDFAST_FD_MISMATCH', `inherited fd "${chosen.name}" (fd ${chosen.fd}) is ${describe(chosen.info)}; the ${kind} target expects ${want}`);
  }
  return chosen;
}

/** The warm-up for this target: the option (fastify and http only), else HOLDFAST_WARMUP for those kinds. */
function warmupFor(kind: TargetKind, options: ServeOptions): WarmupOptions | undefined {
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

function validate(options: ServeOptions): { backlog: number; drainTimeout: number } {
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

function listening<T extends net.Server | dgram.Socket>(emitter: T, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      emitter.removeListener('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      emitter.removeListener('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once('listening', onListening);
    start();
  });
}

/** addressOf() for an fd not attached yet, from what inspectFd saw. */
function infoAddress(info: FdInfo, datagram: boolean): string {
  if (info.family === 'unix') return `unix:${info.path ?? ''}`;
  const host = info.family === 'inet6' ? `[${info.address}]` : info.address;
  return `${datagram ? 'udp' : 'tcp'}://${host}:${info.port}`;
}

function addressOf(target: net.Server | dgram.Socket): string {
  const a = target.address();
  if (a === null) return 'unknown';
  if (typeof a === 'string') return `unix:${a}`;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${target instanceof dgram.Socket ? 'udp' : 'tcp'}://${host}:${a.port}`;
}

/**
 * Serve `target` on the socket the holder passed (sd_listen_fds(3) protocol, see listenFds()), or on
 * `options.fallback` when the process was not started by one. fastify: `await app.ready()` then
 * `app.server.listen({ fd }, backlog)`; http/https/http2/net (express, koa through their http.Server):
 * `server.listen({ fd }, backlog)`; dgram (udp4/udp6): `socket.bind({ fd })`. Never binds the address itself
 * under a holder (holdfast invariant 2). HTTP/1.1 servers get consistent timers (keepAliveHint < keepAliveTimeout
 * < headersTimeout, ms) and advertise `Keep-Alive: timeout=<hint s>`. See docs/adapters.md for the drain.
 *
 * READY=1 (sd_notify(3)) is sent once every inherited fd is attached (standalone: after the first serve()),
 * unless `autoReady: false`: then an inherited fd is attached (starts accepting) only when the app calls ready(),
 * and serve() resolves before that, with the target not listening yet (no accept before READY=1). The first serve() installs the SIGTERM handler: STOPPING=1, drain every target
 * (see drain()), close fastify apps, exit 0; a second SIGTERM destroys what is left.
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_NO_LISTEN_FD' (no inherited fd with that name or of that kind;
 *   or no LISTEN_FDS and no fallback), 'ERR_HOLDFAST_FD_MISMATCH' (fd of the wrong type/family, or a stream
 *   socket that is not listening), 'ERR_HOLDFAST_FD_IN_USE', 'ERR_HOLDFAST_BAD_LISTEN_FD' (from listenFds()),
 *   'ERR_HOLDFAST_INVALID_OPTION' (incl. inconsistent keep-alive timers), 'ERR_HOLDFAST_INVALID_TARGET'
 *   (unknown target, or already listening), 'ERR_HOLDFAST_CLUSTER' (a node:cluster worker under a holder);
 *   Node's own listen/bind errors (EADDRINUSE, ...) for the fallback.
 */
export async function serve(target: ServeTarget, options: ServeOptions = {}): Promise<Served> {
  return attach(target, options, false);
}

/** serve() itself; `insideReady` (the fastify plugin's onReady hook) skips `await app.ready()`; `listenNow` (the
 * register hook's datagram sockets) attaches the inherited fd even before READY=1. */
export async function attach(target: ServeTarget, options: ServeOptions, insideReady: boolean, listenNow = false): Promise<Served> {
  const { backlog, drainTimeout } = validate(options);
  let kind: TargetKind;
  let server: net.Server | undefined;
  if (isFastify(target)) {
    kind = 'fastify';
    server = target.server;
  } else if (target instanceof dgram.Socket) {
    kind = 'dgram';
  } else if (isHttp2(target)) {
    kind = 'http2';
    server = target;
  } else if (target instanceof http.Server || target instanceof https.Server) {
    kind = 'http';
    server = target;
  } else if (target instanceof net.Server) {
    kind = 'net';
    server = target;
  } else {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_TARGET', `serve() got ${Object.prototype.toString.call(target)}; expected a fastify instance, an http/https/http2/net Server or a dgram Socket`);
  }
  if (server?.listening) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_TARGET', `the ${kind} target is already listening on ${addressOf(server)}; expected a server that serve() attaches (do not call listen())`);
  }
  if (options.autoReady === false) disableAutoReady();

  const inherited = listenFds();
  if (cluster.isWorker && (inherited.length > 0 || listenFdsStatus().state === 'pid-mismatch')) {
    // A cluster worker's listen() goes through the primary, which would open (or round-robin) the address
    // itself: a second socket next to the holder's (invariant 2), closed when the last worker dies.
    throw new HoldfastAdapterError('ERR_HOLDFAST_CLUSTER', `serve() was called in a cluster worker (pid ${process.pid}) of a process that inherited LISTEN_FDS; expected the process the holder started to serve the inherited fds itself`, { hint: 'do not use node:cluster under holdfast: run one worker per process, or let the holder start several' });
  }
  let chosen: ListenFd | undefined;
  let fallback: FallbackAddress | undefined;
  if (inherited.length > 0) {
    chosen = pick(kind, target, inherited, options.name);
  } else {
    const status = listenFdsStatus();
    if (options.fallback === undefined) {
      const why = status.state === 'pid-mismatch' ? `LISTEN_PID=${status.listenPid ?? '(invalid)'} is not this process (${process.pid})` : 'not started by a holder (no LISTEN_FDS)';
      throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no inherited fd${options.name ? ` named "${options.name}"` : ''} for the ${kind} target: ${why}, and no fallback; expected LISTEN_FDS or options.fallback`, { hint: "pass { fallback: 3000 } to bind an address when run standalone" });
    }
    fallback = parseFallback(options.fallback, kind === 'dgram');
    if ((kind === 'dgram') !== (fallback.transport === 'udp')) {
      throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "fallback" is ${JSON.stringify(options.fallback)} (${fallback.transport}); the ${kind} target expected ${kind === 'dgram' ? "'udp://host:port' or a port" : "'tcp://host:port', 'unix:/path' or a port"}`);
    }
    if (status.state === 'pid-mismatch') {
      // Binding the address ourselves next to a holder's socket would be a twin socket (invariant 2): say so.
      warn('WARN_HOLDFAST_LISTEN_PID_MISMATCH', `LISTEN_FDS ignored: LISTEN_PID=${status.listenPid} is not this process (${process.pid}); binding fallback ${String(options.fallback)} instead`);
    }
  }
  const name = chosen?.name ?? 'fallback';
  const fd = chosen?.fd;

  // Track before listening, so that no connection escapes the drain.
  let drainable: Drainable;
  if (kind === 'dgram') drainable = new DgramDrain(target as dgram.Socket, name, fd);
  else if (kind === 'net') drainable = new NetDrain(server!, name, fd, typeof options.handover === 'object' ? options.handover : undefined);
  else if (kind === 'http2') drainable = new Http2Drain(server as http2.Http2Server, name, fd);
  else {
    const timers = resolveKeepAlive(server as http.Server, options);
    drainable = new HttpDrain(server as http.Server, name, fd, kind, timers, kind === 'fastify' ? (target as FastifyLike) : undefined, options.closeWebSockets !== false, options.handover !== false);
  }

  if (kind === 'fastify' && !insideReady) await (target as FastifyLike).ready();
  const warmup = warmupFor(kind, options);
  // In-process, before the fd is attached: warm-up requests never reach the held socket.
  if (warmup) await warmUp((req, res) => server!.emit('request', req, res), warmup, name);
  const untilReady = !listenNow && !autoReadyEnabled() && !isReady();
  if (fd !== undefined && (untilReady || isStandby())) {
    // No accept before READY=1: the fd is attached when the app calls ready(). Until then connections wait in
    // the holder's accept queue (datagrams in the receive buffer), and an unready generation serves nothing.
    // A warm standby (standby.ts) attaches it only once the holder promotes it, READY=1 or not.
    const emitter: net.Server | dgram.Socket = kind === 'dgram' ? (target as dgram.Socket) : server!;
    const listen = () => whenPromoted(() => {
      if (isDraining()) return;
      if (emitter instanceof dgram.Socket) emitter.bind({ fd });
      else emitter.listen({ fd }, backlog);
    });
    if (untilReady) attachWhenReady(listen);
    else listen();
    register(drainable, { drainTimeout, ...(options.onDrain ? { onDrain: options.onDrain } : {}), ...(options.exitOnDrain === undefined ? {} : { exitOnDrain: options.exitOnDrain }) });
    markAttached(fd);
    return { kind, name, fd, info: chosen!.info, address: infoAddress(chosen!.info, kind === 'dgram'), inherited: true };
  }
  if (kind === 'dgram') {
    const socket = target as dgram.Socket;
    await listening(socket, () => {
      if (fd !== undefined) socket.bind({ fd });
      else socket.bind({ port: (fallback as { port: number }).port, ...((fallback as { host?: string }).host ? { address: (fallback as { host: string }).host } : {}) });
    });
  } else {
    const s = server!;
    await listening(s, () => {
      // Node re-applies the backlog on listen({ fd }): 511 unless passed as the 2nd argument.
      if (fd !== undefined) s.listen({ fd }, backlog);
      else if (fallback!.transport === 'unix') s.listen({ path: fallback!.path, backlog });
      else s.listen({ port: fallback!.port, ...(fallback!.host ? { host: fallback!.host } : {}), backlog });
    });
  }
  register(drainable, { drainTimeout, ...(options.onDrain ? { onDrain: options.onDrain } : {}), ...(options.exitOnDrain === undefined ? {} : { exitOnDrain: options.exitOnDrain }) });
  markAttached(fd);
  return {
    kind, name, ...(fd === undefined ? {} : { fd, info: chosen!.info }),
    address: addressOf(kind === 'dgram' ? (target as dgram.Socket) : server!),
    inherited: fd !== undefined,
  };
}
