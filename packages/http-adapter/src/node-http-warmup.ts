/**
 * Warming Node's own HTTP/1.1 server code in a warm standby, before its READY=1: a promoted standby's first
 * requests arrive on connections the holder queued during a crash, and a process that never served one compiles
 * node's accept, parser, IncomingMessage and ServerResponse code on the spot (10-20 ms for the first request of a
 * fresh process, against 1-4 ms once that code has run; docs/measurements.md, "Crash to first answer").
 *
 * It runs a private http.Server with a fixed handler of its own, never the app's handlers and never a held
 * socket, through the app warm-up's own runner and private unix socket (warmup.ts): keep-alive requests and requests on fresh
 * connections. A standby's start-up is off the critical path (it was started behind the serving worker), so this
 * costs no one a wait; the app's own routes are warmed only with --warmup (its requests can have side effects).
 */
import * as http from 'node:http';
import { notifyQuietly } from './notify.js';
import { warmUp } from './warmup.js';
import type { WarmupSocketKind } from './warmup-socket.js';

/** Requests of the node warm-up: enough for every function on the path to have run, not to be optimised. */
export const NODE_WARMUP_REQUESTS = 48;

const BODY = JSON.stringify({ warm: true, ok: 'node http server path' });

let running: Promise<void> | undefined;

/**
 * Run the node warm-up once per process over a private listener of `kind` (the held socket's; later calls share the
 * first one's promise) and say so in the worker's
 * STATUS= (sd_notify(3); `holdfast status` shows it). Never rejects: a warm-up that cannot open its socket or gets
 * no answer only leaves the code cold.
 */
export function warmNodeHttp(kind: WarmupSocketKind = 'tcp'): Promise<void> {
  running ??= run(kind).then(
    ({ answered, ms }) => { notifyQuietly(`STATUS=standby: node's HTTP code warmed (${answered} of ${NODE_WARMUP_REQUESTS} requests, ${ms} ms); not accepting until promoted`); },
    () => undefined,
  );
  return running;
}

/** The app's own warm-up (warmup.ts) run on a private server with a fixed handler: keep-alive requests, and as many
 * on a connection of their own (accept, first parse, `Connection: close`), the promoted standby's case. */
async function run(kind: WarmupSocketKind): Promise<{ answered: number; ms: number }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.writeHead(200, { 'content-length': Buffer.byteLength(BODY) });
      res.end(BODY);
    });
  });
  try {
    const r = await warmUp(server, {
      requests: [{ url: '/warm' }, { url: '/warm?fresh', headers: { connection: 'close' } }],
      count: NODE_WARMUP_REQUESTS / 2, via: 'socket',
    }, "node's HTTP code", kind);
    return { answered: r.requests - r.failed, ms: r.ms };
  } finally {
    server.close();
  }
}
