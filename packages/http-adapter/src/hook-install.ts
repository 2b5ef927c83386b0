/**
 * The register hook itself, loaded by register.ts only under a holder: wraps net.Server#listen (which http,
 * https, http2, express, koa, fastify's listen({ port }), Next.js and Nest all go through) and dgram.Socket#bind,
 * so that a listen on an address the holder holds takes the inherited fd (hook-claim.ts); keeps the app's signal
 * handlers behind the drain (hook-signals.ts); and, in wait-ready mode, turns process.send('ready') into READY=1.
 */
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { dgramModule } from './builtins.js';
import { HoldfastAdapterError, warn } from './errors.js';
import { readBind, readListen, type Call } from './hook-args.js';
import { appSaidReady, claim, hasClaims, initClaims } from './hook-claim.js';
import { hookSettings, type HookSettings } from './hook-env.js';
import { adoption, heldAddress, matchHeld, peekHeld, type HeldSocket, type Wanted } from './hook-held.js';
import { deferAppSignalHandlers } from './hook-signals.js';
import { disableAutoReady, ready } from './readiness.js';
import { ENV, loadNative, SD_LISTEN_FDS_START } from './native.js';

function describe(want: Wanted): string {
  if (want.transport === 'unix') return `unix:${want.path}`;
  const host = want.host ?? '0.0.0.0';
  return `${want.transport}://${host.includes(':') ? `[${host}]` : host}:${want.port}`;
}

/** The error a strict-mode listen/bind on an address the holder does not hold fails with. */
export function unheldError(want: Wanted, held: HeldSocket[]): HoldfastAdapterError {
  const what = want.transport === 'unix' ? `path ${want.path}` : want.port === 0 ? `port 0 (a port the kernel picks, ${want.transport})` : `port ${want.port} (${want.transport})`;
  const list = held.map((h) => `${h.name}=${heldAddress(h)}`).join(', ') || 'none';
  const spec = want.transport === 'unix' || want.port !== 0 ? describe(want) : `${want.transport}://127.0.0.1:3000`;
  return new HoldfastAdapterError('ERR_HOLDFAST_UNHELD_ADDRESS',
    `listen on ${what}: holdfast holds no socket for it (held: ${list}) and strict mode is on, so the app may not bind it itself; add -l NAME=${spec} to holdfast run (or turn strict mode off)`,
    { hint: `holdfast run -l NAME=${spec} ... -- CMD` });
}

function warnUnheld(want: Wanted, held: HeldSocket[]): void {
  if (want.transport === 'unix' || want.port === 0) return;
  // A held socket an earlier listen() on another port took (with one held socket of a transport, the first listen
  // on any port takes it): say which, or the app's two servers look swapped without a word.
  const list = held.map((h) => `${h.name}=${heldAddress(h)}${h.claimedFromPort !== undefined ? `, taken by the app's listen on port ${h.claimedFromPort}` : ''}`).join('; ');
  warn('WARN_HOLDFAST_UNHELD_PORT', `listen on port ${want.port} (${want.transport}): holdfast holds no socket for it (held: ${list}), so the app binds it itself and it closes on every reload; add -l NAME=${describe(want)}`);
}

type Decision = { kind: 'claim'; held: HeldSocket } | { kind: 'fail'; error: Error } | { kind: 'pass' };

function decide(call: Call, held: HeldSocket[], settings: HookSettings): Decision {
  if (!call.want) return { kind: 'pass' };
  const h = matchHeld(held, call.want);
  if (h && !h.claimed) {
    if (call.want.transport !== 'unix' && call.want.port !== h.info.port) h.claimedFromPort = call.want.port;
    return { kind: 'claim', held: h };
  }
  if (h) {
    const error = Object.assign(new Error(`listen EADDRINUSE: address already in use ${describe(call.want)} (held socket "${h.name}" is already served by another server of this process)`),
      { code: 'EADDRINUSE', errno: -98, syscall: 'listen', ...(call.want.transport === 'unix' ? { address: call.want.path } : { address: call.want.host ?? '::', port: call.want.port }) });
    return { kind: 'fail', error };
  }
  // Strict mode covers ports (TCP listen(0) included); unix paths and UDP port 0 (the implicit bind of a
  // client socket's first send) are what tools do internally.
  const strictApplies = call.want.transport === 'tcp' || (call.want.transport === 'udp' && call.want.port !== 0);
  if (settings.strict && strictApplies) return { kind: 'fail', error: unheldError(call.want, held) };
  if (hasClaims() || held.length > 0) warnUnheld(call.want, held);
  return { kind: 'pass' };
}

/**
 * In a process the holder started as a wrapper (npm, the tsx CLI, a `#!/usr/bin/env node` script): Node marks
 * every inherited fd close-on-exec at start-up, so the server the wrapper starts would get none of them. Clear it
 * on fds 3..3+LISTEN_FDS-1; the server that adopts them (listenFds()) sets it again for its own children.
 */
function passOn(env: NodeJS.ProcessEnv): void {
  const count = Number(env[ENV.LISTEN_FDS]);
  const native = loadNative(`LISTEN_FDS=${count} (inherited fds to pass on)`);
  for (let i = 0; i < count; i++) {
    try {
      native.setCloexec(SD_LISTEN_FDS_START + i, false);
    } catch {
      /* not open: listenFds() reports it in the process that adopts the fds */
    }
  }
}

/** Install the hook (once per process). Does nothing when the inherited fds are not this process's. */
export function install(env: NodeJS.ProcessEnv = process.env): void {
  const settings = hookSettings(env);
  const mode = adoption(env, settings.wrapper);
  const held = mode === 'none' ? [] : peekHeld(env);
  if (mode === 'self' && settings.wrapper) passOn(env);
  initClaims(held, settings, mode);
  deferAppSignalHandlers(hasClaims);

  const wrap = <T extends net.Server | dgram.Socket>(original: (...a: unknown[]) => T, read: (args: unknown[]) => Call) =>
    function (this: T, ...args: unknown[]): T {
      const call = read(args);
      const d = decide(call, held, settings);
      if (d.kind === 'pass') return original.apply(this, args);
      if (d.kind === 'fail') {
        // As Node reports a listen error: an 'error' event, never the callback (it is only a 'listening' listener).
        process.nextTick(() => this.emit('error', d.error));
        return this;
      }
      claim(this, d.held, call.callback);
      return this;
    };
  net.Server.prototype.listen = wrap(net.Server.prototype.listen as (...a: unknown[]) => net.Server, readListen) as typeof net.Server.prototype.listen;
  // A bind() can only be claimed, refused (strict mode) or warned about when the holder passed sockets or strict mode
  // is on; otherwise every bind passes, and node:dgram is left to the apps that use it.
  if (held.length > 0 || settings.strict) {
    const { Socket } = dgramModule();
    Socket.prototype.bind = wrap(Socket.prototype.bind as (...a: unknown[]) => dgram.Socket, readBind) as typeof Socket.prototype.bind;
  }

  if (settings.waitReady) {
    disableAutoReady();
    installWaitReady(settings, mode);
  } else if (!env[ENV.LISTEN_FDS]) {
    // The holder holds no socket (holdfast run without -l, or "listen": {}): nothing to claim means every held
    // socket is claimed, so this generation is ready at once (sd_notify(3) READY=1); the app binds its own ports.
    ready();
  }
}

/**
 * PM2's wait_ready: the app calls process.send('ready') when it is ready. With no IPC channel (as under a holder)
 * process.send is provided; an existing one is wrapped. In a process that may be a wrapper (npm, the tsx CLI)
 * process.send appears only once the app listens, because such CLIs give their child an IPC channel at fd 3
 * (where the first held socket must stay) when they have one themselves.
 */
function installWaitReady(settings: HookSettings, mode: string): void {
  const existing = process.send?.bind(process);
  const send = (message: unknown, ...rest: unknown[]): boolean => {
    if (message === 'ready') appSaidReady();
    if (existing) return (existing as (...a: unknown[]) => boolean)(message, ...rest);
    const callback = rest.find((r) => typeof r === 'function') as ((e: Error | null) => void) | undefined;
    if (callback) process.nextTick(callback, null);
    return true;
  };
  if (existing || !(settings.wrapper && mode === 'self')) {
    process.send = send;
    return;
  }
  const listen = net.Server.prototype.listen;
  const provide = (): void => { if (!process.send) process.send = send; };
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const r = (listen as (...a: unknown[]) => net.Server).apply(this, args);
    if (hasClaims()) provide();
    return r;
  } as typeof listen;
}
