/**
 * serve(): attach a fastify instance, node http/https/net server or dgram socket to the fd the holder passed
 * (LISTEN_FDS), or — when not started by a holder — bind its fallback address; say READY=1 when every
 * inherited fd is attached; drain it on SIGTERM.
 */
import type * as dgram from 'node:dgram';
import * as http from 'node:http';
import type * as https from 'node:https';
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import { isClusterWorker, isDgramSocket, isHttpsServer } from './builtins.js';
import { HoldfastAdapterError, warn } from './errors.js';
import { parseFallback, type FallbackAddress } from './fallback.js';
import { listenFds, listenFdsStatus, type ListenFd } from './listen-fds.js';
import { attachWhenReady, autoReadyEnabled, disableAutoReady, isReady, markAttached } from './readiness.js';
import { isDraining, register } from './drain.js';
import type { Drainable, TargetKind } from './drain-types.js';
import { HttpDrain, type FastifyLike } from './http-drain.js';
import { Http2Drain } from './http2-drain.js';
import { resolveKeepAlive } from './keep-alive.js';
import { NetDrain } from './net-drain.js';
import { DgramDrain } from './dgram.js';
import { isStandby, whenPromoted } from './standby.js';
import { warmNodeHttp } from './node-http-warmup.js';
import { warmUp } from './warmup.js';
import { validate, warmupFor, type ServeOptions, type Served, type ServeTarget } from './serve-options.js';
import { isFastify, isHttp2, pick } from './serve-target.js';
import { addressOf, infoAddress, listening } from './serve-address.js';

export type { ServeOptions, Served, ServeTarget } from './serve-options.js';

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
  } else if (isDgramSocket(target)) {
    kind = 'dgram';
  } else if (isHttp2(target)) {
    kind = 'http2';
    server = target;
  } else if (target instanceof http.Server || isHttpsServer(target)) {
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
  if (isClusterWorker() && (inherited.length > 0 || listenFdsStatus().state === 'pid-mismatch')) {
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
  // The warm-up's private listener is of the held socket's kind (warmup-socket.ts): unix for a unix socket, else TCP.
  const socketKind = (chosen ? chosen.info.family === 'unix' : fallback?.transport === 'unix') ? 'unix' : 'tcp';
  // Before the fd is attached, on a private socket or in-process: warm-up requests never reach the held socket.
  if (warmup) await warmUp(server as http.Server | https.Server, warmup, name, socketKind);
  // A warm standby runs node's own HTTP code once on a private server (never the app's handlers), so that its
  // first requests after a promotion do not compile it (node-http-warmup.ts).
  if (fd !== undefined && isStandby() && kind !== 'dgram' && kind !== 'net' && kind !== 'http2') await warmNodeHttp(socketKind);
  const untilReady = !listenNow && !autoReadyEnabled() && !isReady();
  if (fd !== undefined && (untilReady || isStandby())) {
    // No accept before READY=1: the fd is attached when the app calls ready(). Until then connections wait in
    // the holder's accept queue (datagrams in the receive buffer), and an unready generation serves nothing.
    // A warm standby (standby.ts) attaches it only once the holder promotes it, READY=1 or not.
    const emitter: net.Server | dgram.Socket = kind === 'dgram' ? (target as dgram.Socket) : server!;
    const listen = () => whenPromoted(() => {
      if (isDraining()) return;
      if (kind === 'dgram') (emitter as dgram.Socket).bind({ fd });
      else (emitter as net.Server).listen({ fd }, backlog);
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
