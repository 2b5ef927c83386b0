/**
 * The warm-up's transport through real HTTP: a private listener (never the held socket) whose connections are handed
 * to the app's server as its own 'connection', and a node:http keep-alive client on it. Unlike in-process injection
 * this runs what the first real requests will run: node's socket reads and writes, the HTTP parser,
 * ServerResponse's write path, the server's connection bookkeeping, the app's handlers.
 *
 * V8 optimises code for the shapes of the objects it saw, so the warm-up's connections are made to look exactly like
 * the held socket's: a TCP listener on loopback when the held socket is TCP (a socket's handle is a TCP or a Pipe
 * object, and code warmed on one kind is thrown away on the other), built with the server's own accept options, and
 * carrying the server as theirs (`socket.server`). The server itself is given the properties its listen() adds
 * (warmup-shape.ts). Otherwise the first real requests after READY=1 deoptimise the request path, and the new
 * generation serves at a fraction of its speed until V8 has compiled it again.
 *
 * Privacy: the unix listener sits in a fresh directory of mode 0700; the loopback TCP listener hands the app only
 * connections whose peer is one of the warm-up client's own sockets (matched by port once both ends are known) and
 * destroys any other. Nothing else reaches the app; no connection of it outlives the warm-up.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarmupRequest } from './warmup.js';
import { processExists } from './process-exists.js';

/**
 * One request of the warm-up with `headers` (the request's own, already merged by the caller, in wire order): resolves
 * its status code; rejects on a transport error or after `timeoutMs`.
 */
export type WarmupSend = (r: WarmupRequest, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

/** An open warm-up transport. */
export interface WarmupTransport {
  send: WarmupSend;
  /** Where the private listener is: `127.0.0.1:PORT` or the unix socket's path. */
  address: string;
  /** Close the client's connections, the listener and its directory; resolves once the server saw them close. */
  close(): Promise<void>;
}

/** Prefix of the unix listener's directory in the temporary directory; the creating process's pid follows. */
const WARMUP_DIR_PREFIX = 'holdfast-warmup-';
/** `holdfast-warmup-<pid>-XXXXXX`, the pid captured. */
const WARMUP_DIR = new RegExp(`^${WARMUP_DIR_PREFIX}(\\d+)-`);

/**
 * Remove the unix listeners' directories left by processes that died during their warm-up (SIGKILL, a
 * --ready-timeout: nothing of theirs could run). A directory is `holdfast-warmup-<pid>-XXXXXX`; it is removed when no
 * process has that pid. Resolves with the directories removed; never rejects.
 */
export async function sweepStaleWarmupDirs(dir = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[] = [];
  try { names = await readdir(dir); } catch { return removed; }
  for (const name of names) {
    const m = WARMUP_DIR.exec(name);
    if (!m || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
    try { await rm(join(dir, name), { recursive: true, force: true }); removed.push(name); } catch { /* someone else's, or gone */ }
  }
  return removed;
}

/** The kind of private listener: the held socket's own kind ('tcp' for inet/inet6, 'unix' otherwise). */
export type WarmupSocketKind = 'tcp' | 'unix';

function bodyOf(r: WarmupRequest): { data?: Buffer; type?: string } {
  if (r.body === undefined) return {};
  if (typeof r.body === 'string') return { data: Buffer.from(r.body) };
  if (Buffer.isBuffer(r.body)) return { data: r.body };
  return { data: Buffer.from(JSON.stringify(r.body)), type: 'application/json' };
}

/** The loopback address of the TCP private listener and of its client's connections. */
const WARMUP_TCP_HOST = '127.0.0.1';

interface ServerInternals { _connections: number; allowHalfOpen?: boolean; noDelay?: boolean; keepAlive?: boolean; keepAliveInitialDelay?: number; highWaterMark?: number }

/** A net.Server whose accepted sockets are built with `server`'s own accept options (same object shapes). */
function listenerLike(server: http.Server, onSocket: (socket: net.Socket) => void): net.Server {
  const s = server as unknown as ServerInternals;
  return net.createServer({
    allowHalfOpen: s.allowHalfOpen === true, noDelay: s.noDelay === true, keepAlive: s.keepAlive === true,
    ...(s.keepAliveInitialDelay ? { keepAliveInitialDelay: s.keepAliveInitialDelay } : {}),
    ...(typeof s.highWaterMark === 'number' ? { highWaterMark: s.highWaterMark } : {}),
  }, onSocket);
}

/**
 * The peer's `address:port` of an accepted TCP socket, read from its handle: `socket.remotePort` would cache
 * `_peername` on the socket, a property accepted sockets do not have until asked, and so a shape of its own.
 */
function peerKey(socket: net.Socket): string | undefined {
  const handle = (socket as unknown as { _handle?: { getpeername?(out: { address?: string; port?: number }): number } | null })._handle;
  const out: { address?: string; port?: number } = {};
  return handle?.getpeername && handle.getpeername(out) === 0 && out.port !== undefined ? `${out.address}:${out.port}` : undefined;
}

/** Hand `socket` to `server` as accepted by it (node's accept does the same three things). */
function handToServer(server: http.Server, socket: net.Socket): void {
  const own = socket as unknown as { server: net.Server; _server: net.Server };
  own.server = server;
  own._server = server;
  (server as unknown as ServerInternals)._connections++;
  server.emit('connection', socket);
}

/**
 * Open a private listener of `kind` feeding `server` and a keep-alive client of at most `connections` connections.
 * @throws Node's own errors (EACCES, ENOSPC, EADDRNOTAVAIL) when the directory or the listener cannot be made; the
 *   caller falls back to in-process injection.
 */
export async function openWarmupSocket(server: http.Server, connections: number, kind: WarmupSocketKind = 'unix'): Promise<WarmupTransport> {
  const accepted = new Set<net.Socket>();
  const strangers = new Set<net.Socket>();
  // tcp: accepted sockets wait here (by peer address and port) until the client's own socket of that address and port
  // is known, and the client's wait in `ours` until the accepted end shows up; whichever comes second hands the
  // socket over. The address matters: another process can connect from 127.0.0.2 with the port of one of ours.
  const waiting = new Map<string, net.Socket>();
  const ours = new Set<string>();
  const admit = (socket: net.Socket): void => {
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
    handToServer(server, socket);
  };
  const listener = listenerLike(server, (socket) => {
    if (kind === 'unix') { admit(socket); return; }
    const key = peerKey(socket);
    if (key !== undefined && ours.delete(key)) { admit(socket); return; }
    // The client connects from 127.0.0.1: a peer anywhere else (127.0.0.2, ...) is never ours.
    if (key === undefined || !key.startsWith(`${WARMUP_TCP_HOST}:`)) { socket.destroy(); return; }
    waiting.set(key, socket);
    strangers.add(socket);
    socket.once('close', () => { strangers.delete(socket); if (waiting.get(key) === socket) waiting.delete(key); });
  });
  const dir = kind === 'unix' ? mkdtempSync(join(tmpdir(), `${WARMUP_DIR_PREFIX}${process.pid}-`)) : undefined;
  // A process that exits during its warm-up (the holder's SIGTERM at a stop) removes its directory on the way out.
  const removeDir = (): void => { if (dir) rmSync(dir, { recursive: true, force: true }); };
  if (dir) process.once('exit', removeDir);
  // Those of processes killed during theirs go meanwhile (asynchronous: the warm-up does not wait for it).
  if (dir) void sweepStaleWarmupDirs();
  const path = dir ? join(dir, 'http.sock') : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      const done = (): void => { listener.off('error', reject); resolve(); };
      if (path) listener.listen(path, done);
      else listener.listen(0, WARMUP_TCP_HOST, done);
    });
  } catch (err) {
    process.off('exit', removeDir);
    removeDir();
    throw err;
  }
  const port = path ? undefined : (listener.address() as net.AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  if (port !== undefined) {
    const create = agent.createConnection.bind(agent) as (o: net.NetConnectOpts, cb?: unknown) => net.Socket;
    agent.createConnection = ((opts: net.NetConnectOpts, cb?: unknown) => {
      const client = create(opts, cb);
      client.once('connect', () => {
        const local = `${client.localAddress}:${client.localPort}`;
        const socket = waiting.get(local);
        if (!socket) { ours.add(local); return; }
        waiting.delete(local);
        strangers.delete(socket);
        admit(socket);
      });
      return client;
    }) as typeof agent.createConnection;
  }

  const send: WarmupSend = (r, headers, timeoutMs) => new Promise((resolve, reject) => {
    const { data, type } = bodyOf(r);
    const req = http.request({
      ...(path ? { socketPath: path } : { host: WARMUP_TCP_HOST, localAddress: WARMUP_TCP_HOST, port }), agent, method: r.method ?? 'GET', path: r.url,
      headers: { host: 'localhost', ...(type ? { 'content-type': type } : {}), ...(data ? { 'content-length': String(data.length) } : {}), ...headers },
    }, (res) => {
      res.resume();
      res.once('end', () => { clearTimeout(timer); resolve(res.statusCode ?? 0); });
      res.once('error', (err) => { clearTimeout(timer); reject(err); });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (err) => { clearTimeout(timer); reject(err); });
    req.end(data);
  });

  const close = async (): Promise<void> => {
    agent.destroy();
    listener.close();
    for (const socket of strangers) socket.destroy();
    // The server's ends close on the client's FIN; destroy any straggler, and resolve once every one is closed, so
    // that no warm-up connection is still open (or counted by the drain) when the held fd is attached.
    await Promise.all([...accepted].map((socket) => new Promise((resolve) => { socket.once('close', resolve); socket.destroy(); })));
    process.off('exit', removeDir);
    removeDir();
  };
  return { send, close, address: path ?? `${WARMUP_TCP_HOST}:${port}` };
}
