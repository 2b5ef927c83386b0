import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HoldfastError } from './errors.js';
import { parseSpec } from './socket-spec.js';

/** Where the health server listens: a TCP address of the holder's own, never a held socket. */
export interface HealthAddress {
  host: string;
  port: number;
}

/** What `/readyz` reports: `ready` decides 200 or 503; the rest is the JSON body. */
export interface Readiness {
  ready: boolean;
  /** Service state (supervisor.ts ServiceState), `stopping` once a SIGTERM arrived (also during --shutdown-delay). */
  state: string;
  /** Newest serving generation, 0 when none serves. */
  generation: number;
}

/** What the health server asks the holder. Both are called on every request, so they must be cheap and synchronous. */
export interface HealthSource {
  readiness(): Readiness;
  /** Prometheus text format for `GET /metrics`. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

/**
 * Parse `--health ADDR`: `tcp://HOST:PORT` or `tcp://[V6ADDR]:PORT` (numeric host; port 0 picks a free one).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming --health, the value and what is expected.
 */
export function parseHealthAddress(value: string): HealthAddress {
  const expected = `--health must be tcp://HOST:PORT, e.g. tcp://0.0.0.0:8081 (a port of its own, not one of the service's sockets); got ${JSON.stringify(value)}`;
  if (!value.startsWith('tcp://') || value.includes('?')) throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', expected);
  try {
    const open = parseSpec(value).open;
    if (!open || open.family === 'unix' || open.family === 'netlink' || open.host === undefined || open.port === undefined) throw new Error('not tcp');
    return { host: open.host, port: open.port };
  } catch (err) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${expected}: ${(err as Error).message}`, { cause: err });
  }
}

/** A running health server. */
export interface HealthServer {
  /** The bound address as `tcp://HOST:PORT` (the real port when 0 was asked for). */
  readonly bound: string;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

/**
 * Plain HTTP probes for a kubelet, a load balancer or Prometheus, on an address of the holder's own (node:http;
 * the holder accepts these connections itself, unlike the held sockets, which only workers accept on):
 * - `GET /livez` → 200 `{"alive":true,"pid":N}` while the holder's event loop runs;
 * - `GET /readyz` → 200 when a generation serves and the service is neither stopping nor failed, else 503; the
 *   body is `{"ready":bool,"state":"running","generation":N}` either way;
 * - `GET /metrics` → the Prometheus text format of the control API's `/metrics`;
 * - anything else → 404. HEAD works like GET without a body.
 * It never touches the control API or the service's sockets, and answers from memory, so a swap in progress
 * does not slow it (a swap only waits on timers and child processes). Keep-alive is on, with a short idle timeout.
 * @throws HoldfastError ERR_HOLDFAST_SOCKET_OPEN when the address cannot be bound (in use, permission).
 */
export async function startHealthServer(addr: HealthAddress, source: HealthSource): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON_TYPE, '{"error":"only GET and HEAD"}');
    if (path === '/livez') return send(200, JSON_TYPE, JSON.stringify({ alive: true, pid: process.pid }));
    if (path === '/readyz') {
      const r = source.readiness();
      return send(r.ready ? 200 : 503, JSON_TYPE, JSON.stringify(r));
    }
    if (path === '/metrics') {
      source.metrics().then((m) => send(200, m.contentType, m.body), (err: Error) => send(500, JSON_TYPE, JSON.stringify({ error: err.message })));
      return;
    }
    send(404, JSON_TYPE, JSON.stringify({ error: `no ${path}; try /livez, /readyz or /metrics` }));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new HoldfastError('ERR_HOLDFAST_SOCKET_OPEN', `--health ${describe(addr)}: listen ${err.code ?? err.message}`,
        { cause: err, hint: 'Give --health a port no other program (and none of the --listen sockets) uses.' }));
    });
    server.listen({ host: addr.host, port: addr.port }, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    bound: describe({ host: a.address, port: a.port }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function describe(a: HealthAddress): string {
  return a.host.includes(':') ? `tcp://[${a.host}]:${a.port}` : `tcp://${a.host}:${a.port}`;
}
