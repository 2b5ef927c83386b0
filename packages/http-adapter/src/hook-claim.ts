/**
 * What the register hook does when an unmodified app listens on (or binds) an address the holder holds: the
 * server takes the inherited fd through serve() — same drain, same keep-alive timers, same READY=1 — instead of
 * binding a second socket.
 *
 * No accept before READY=1: a generation that is not ready yet must not take connections out of the holder's
 * accept queue (the old generation still serves them). So a server claimed while other held sockets are still
 * unclaimed (or, in wait-ready mode, before process.send('ready')) is only announced: it emits 'listening' and
 * server.address() describes the held socket, so `listen(a, () => b.listen(…))` chains go on, but it accepts
 * nothing until the set is complete; then every such server attaches its fd and READY=1 follows.
 */
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import { HoldfastAdapterError, warn } from './errors.js';
import { UNCLAIMED_WARN_MS, type HookSettings } from './hook-env.js';
import { heldAddress, nodeAddress, type Adoption, type HeldSocket } from './hook-held.js';
import { armSignals, drainFinished, fromThisPackage } from './hook-signals.js';
import { notifyQuietly } from './notify.js';
import { ENV } from './native.js';
import { holdOpenUntilReady, isReady, ready } from './readiness.js';
import { attach } from './serve.js';
import { drain, isDraining } from './drain.js';

type Target = net.Server | dgram.Socket;

interface State {
  held: HeldSocket[];
  settings: HookSettings;
  adoption: Adoption;
  /** Servers announced but not attached yet. */
  announced: Map<net.Server, HeldSocket>;
  /** process.send('ready') was called (wait-ready mode). */
  readySignalled: boolean;
  claims: number;
  attaching: Promise<boolean>[];
}

let state: State | undefined;

/** Set up the claim state (hook-install.ts, once). */
export function initClaims(held: HeldSocket[], settings: HookSettings, adoption: Adoption): void {
  state = { held, settings, adoption, announced: new Map(), readySignalled: false, claims: 0, attaching: [] };
}

/** Whether this process serves a held socket through the hook. */
export function hasClaims(): boolean {
  return (state?.claims ?? 0) > 0;
}

function firstClaim(s: State): void {
  if (s.adoption === 'ancestor') {
    // The fds came through a wrapper (npm, the tsx CLI, sh): they are ours now (sd_listen_fds(3) checks
    // LISTEN_PID), and the holder signals this process, not the wrapper, from now on (sd_notify MAINPID=).
    process.env[ENV.LISTEN_PID] = String(process.pid);
    notifyQuietly(`MAINPID=${process.pid}`);
  }
  armSignals();
  const timer = setTimeout(() => {
    for (const h of s.held) {
      if (!h.claimed) warn('WARN_HOLDFAST_UNCLAIMED_SOCKET', `held socket "${h.name}" (${heldAddress(h)}) is still unclaimed ${UNCLAIMED_WARN_MS} ms after the first listen: this generation sends READY=1 only once the app listens on it (or drop -l ${h.name}=… from the holder)`);
    }
  }, UNCLAIMED_WARN_MS);
  timer.unref();
}

/** Whether the announced servers may start accepting (every held socket claimed; wait-ready: the app said ready). */
function complete(s: State): boolean {
  if (s.settings.waitReady) return s.readySignalled;
  return s.held.every((h) => h.claimed);
}

function startAttach(s: State, target: Target, h: HeldSocket, listenNow = false): Promise<boolean> {
  const backlog = s.settings.backlogs[h.fd - 3];
  const p = attach(target as net.Server, {
    name: h.name,
    ...(backlog === undefined ? {} : { backlog }),
    ...(s.settings.drainTimeoutMs === undefined ? {} : { drainTimeout: s.settings.drainTimeoutMs }),
    exitOnDrain: false,
  }, false, listenNow).then(() => true, (error: unknown) => {
    // Node's own listen errors were emitted on the target already; ours were not. Said on stderr too: an app whose
    // listen callback is also its 'error' listener (Express 5's app.listen) swallows it, and the holder's failure
    // report shows the worker's last stderr lines.
    if (error instanceof HoldfastAdapterError) {
      process.stderr.write(`holdfast: the held socket "${h.name}" could not be attached: ${error.message}\n`);
      target.emit('error', error);
    }
    return false;
  });
  s.attaching.push(p);
  return p;
}

/** Make an announced server really listen, without a second 'listening' event for the app's listeners. */
function attachAnnounced(s: State, server: net.Server, h: HeldSocket): void {
  const own = server as unknown as Record<string, unknown>;
  delete own.listening;
  delete own.address;
  const before = new Set(server.rawListeners('listening'));
  const hadEmit = Object.prototype.hasOwnProperty.call(server, 'emit');
  const ownEmit = own.emit;
  const emit = server.emit;
  own.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'listening') return (emit as (e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
    if (hadEmit) own.emit = ownEmit;
    else delete own.emit;
    // The app heard 'listening' when the server was announced: only listeners added since (serve()'s) hear it now.
    for (const l of server.rawListeners('listening')) if (!before.has(l)) (l as (...a: unknown[]) => void).call(server);
    return true;
  };
  void startAttach(s, server, h);
}

/** Attach every announced server, then say READY=1 (or let ready() do it in wait-ready mode). */
function attachAll(s: State): void {
  for (const [server, h] of s.announced) attachAnnounced(s, server, h);
  s.announced.clear();
  const pending = s.attaching.splice(0);
  // READY=1 only if every held socket was attached: a generation that failed to take one is not ready.
  void Promise.all(pending).then((attached) => {
    if (attached.every(Boolean) && !s.settings.waitReady && !isDraining() && s.held.every((h) => h.claimed)) ready();
  });
}

function announce(server: net.Server, h: HeldSocket): void {
  const own = server as unknown as Record<string, unknown>;
  Object.defineProperty(server, 'listening', { configurable: true, get: () => true });
  own.address = () => nodeAddress(h);
  holdOpenUntilReady();
  process.nextTick(() => server.emit('listening'));
}

/** server.close() of a claimed server: after the drain (or during it), it completes without cutting anything. */
function guardClose(server: net.Server, s: State): void {
  const close = server.close;
  const own = server as unknown as Record<string, unknown>;
  own.close = function (this: net.Server, callback?: (error?: Error) => void): net.Server {
    const announced = s.announced.get(this);
    if (announced) {
      // Closed before it ever accepted: give the held socket back.
      s.announced.delete(this);
      announced.claimed = false;
      s.claims--;
      delete own.listening;
      delete own.address;
      process.nextTick(() => { this.emit('close'); callback?.(); });
      return this;
    }
    if (drainFinished()) {
      process.nextTick(() => callback?.());
      return this;
    }
    // During the drain the app's close() waits for it (the drain's own close of a net server goes through).
    if (isDraining() && !fromThisPackage()) {
      void drain().then(() => callback?.());
      return this;
    }
    return close.call(this, callback);
  };
}

/**
 * serve() may attach a moment later (after its in-process warm-up, --warmup): meanwhile server.address() already
 * describes the held socket, as it would right after a listen() that binds.
 */
function describeUntilListening(target: Target, h: HeldSocket): void {
  const server = target as net.Server;
  if (typeof server.listen !== 'function' || server.listening) return;
  const own = server as unknown as Record<string, unknown>;
  own.address = () => nodeAddress(h);
  server.once('listening', () => { delete own.address; });
}

/**
 * `target` (a net.Server about to listen, or a dgram socket about to bind) takes held socket `h`.
 * `callback` is the app's listen/bind callback (added as a 'listening' listener, as Node does).
 */
export function claim(target: Target, h: HeldSocket, callback: ((...a: unknown[]) => void) | undefined): void {
  const s = state!;
  if (s.claims === 0) firstClaim(s);
  s.claims++;
  h.claimed = true;
  if (callback) target.once('listening', callback);
  const isServer = typeof (target as net.Server).listen === 'function';
  if (isServer) {
    guardClose(target as net.Server, s);
    // Node's server.address() of a unix socket it did not bind itself is its pipe name, else null (fastify then
    // misbehaves): name it as the held socket.
    if (h.transport === 'unix') (target as unknown as { _pipeName: unknown })._pipeName = nodeAddress(h);
  }
  if (isReady() && !s.settings.waitReady) {
    void startAttach(s, target, h);
    describeUntilListening(target, h);
    return;
  }
  if (!isServer || complete(s)) {
    // Datagram sockets are never only announced (an early send() would bind a port of its own): they attach now.
    void startAttach(s, target, h, !isServer);
    describeUntilListening(target, h);
    if (complete(s)) attachAll(s);
    return;
  }
  s.announced.set(target as net.Server, h);
  announce(target as net.Server, h);
}

/** process.send('ready') in wait-ready mode: attach what was announced, then READY=1. */
export function appSaidReady(): void {
  const s = state;
  if (!s || s.readySignalled) return;
  s.readySignalled = true;
  attachAll(s);
  ready();
}
