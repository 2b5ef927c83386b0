/**
 * The warm-up's transport through real HTTP: a private listener (a unix socket in a fresh directory of mode 0700,
 * never the held socket) whose connections are handed to the app's server as its own 'connection', and a node:http
 * keep-alive client on it. Unlike in-process injection this runs what the first real requests will run: node's
 * socket reads and writes, the HTTP parser, ServerResponse's write path, the server's connection bookkeeping, the
 * app's handlers. V8 optimises functions, not sockets, so code warmed on this listener is warm for the held one.
 * Nothing else can connect (the directory is private and removed at the end); no connection of it outlives the
 * warm-up.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarmupRequest } from './warmup.js';

/** One request of the warm-up: resolves its status code; rejects on a transport error or after `timeoutMs`. */
export type WarmupSend = (r: WarmupRequest, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

/** An open warm-up transport. */
export interface WarmupTransport {
  send: WarmupSend;
  /** Close the client's connections, the listener and its directory; resolves once the server saw them close. */
  close(): Promise<void>;
}

function bodyOf(r: WarmupRequest): { data?: Buffer; type?: string } {
  if (r.body === undefined) return {};
  if (typeof r.body === 'string') return { data: Buffer.from(r.body) };
  if (Buffer.isBuffer(r.body)) return { data: r.body };
  return { data: Buffer.from(JSON.stringify(r.body)), type: 'application/json' };
}

/**
 * Open a private listener feeding `server` and a keep-alive client of at most `connections` connections.
 * @throws Node's own errors (EACCES, ENOSPC) when the directory or the listener cannot be made; the caller falls
 *   back to in-process injection.
 */
export async function openWarmupSocket(server: http.Server, connections: number): Promise<WarmupTransport> {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-warmup-'));
  const path = join(dir, 'http.sock');
  const accepted = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    accepted.add(socket);
    socket.once('close', () => accepted.delete(socket));
    server.emit('connection', socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(path, () => { listener.off('error', reject); resolve(); });
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });

  const send: WarmupSend = (r, headers, timeoutMs) => new Promise((resolve, reject) => {
    const { data, type } = bodyOf(r);
    const req = http.request({
      socketPath: path, agent, method: r.method ?? 'GET', path: r.url,
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
    // The server's ends close on the client's FIN; destroy any straggler, and resolve once every one is closed, so
    // that no warm-up connection is still open (or counted by the drain) when the held fd is attached.
    await Promise.all([...accepted].map((socket) => new Promise((resolve) => { socket.once('close', resolve); socket.destroy(); })));
    rmSync(dir, { recursive: true, force: true });
  };
  return { send, close };
}
