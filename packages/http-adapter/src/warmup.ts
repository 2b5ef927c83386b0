/**
 * Warm-up before READY=1: run the app's own server a number of times on configured requests, so that the first
 * real requests a new generation serves find its code compiled and its caches filled. Never through the held
 * socket: nothing is attached yet. Two transports:
 * - 'socket' (default for plain HTTP/1.1 servers, fastify's included): real HTTP from WARMUP_CONNECTIONS keep-alive
 *   connections on a private unix socket whose connections the server handles as its own (warmup-socket.ts), so
 *   node's socket, parser and response code is compiled too, not only the app's handlers;
 * - 'in-process' (https servers, or when asked): injected into the server's 'request' listeners with
 *   light-my-request (the library behind fastify's inject()).
 * Each request carries `x-holdfast-warmup: 1` (WARMUP_HEADER) so the app's metrics and logs can leave them out.
 */
import * as http from 'node:http';
import type * as https from 'node:https';
import { HOLDFAST_ENV, WARMUP_DEFAULT_COUNT, WARMUP_HEADER, WARMUP_RUNNING_STATUS } from '@holdfast/native/protocol';
import { HoldfastAdapterError, warn } from './errors.js';
import { notifyQuietly } from './notify.js';
import { openWarmupSocket, type WarmupSend, type WarmupSocketKind, type WarmupTransport } from './warmup-socket.js';
import { shapeAsListening } from './warmup-shape.js';

/** One warm-up request. */
export interface WarmupRequest {
  /** Default 'GET'. */
  method?: string;
  /** Path and query, e.g. '/' or '/items?limit=10'. */
  url: string;
  headers?: Record<string, string>;
  /** Request body: a string, a Buffer, or an object sent as JSON. */
  body?: string | Buffer | Record<string, unknown>;
}

/** serve()'s `warmup` option. */
export interface WarmupOptions {
  requests: WarmupRequest[];
  /** Runs of each request, >= 1. Default WARMUP_DEFAULT_COUNT (200). */
  count?: number;
  /** 'socket' (default; plain HTTP only, https falls back to 'in-process') or 'in-process'. */
  via?: WarmupVia;
}

/** How warm-up requests reach the app (see the file's comment). */
export type WarmupVia = 'socket' | 'in-process';
const VIAS: readonly WarmupVia[] = ['socket', 'in-process'];

/** Keep-alive connections the 'socket' warm-up uses at once: several sockets readable in one turn, as under load. */
export const WARMUP_CONNECTIONS = 16;

/** One warm-up request's time limit, in ms: a handler that never answers must not hold READY=1 forever. */
export const WARMUP_REQUEST_TIMEOUT_MS = 5000;

/**
 * Sets of common request headers the warm-up's requests take in turn (with the request's own headers and
 * WARMUP_HEADER), in this order on the wire. A request's `headers` object has a shape per set and order of header
 * names; code that saw up to four shapes is optimised for exactly those and thrown away at the first request with
 * another (a real client's), while code that saw five or more is optimised for any. Six sets, each its own shape,
 * leave no real client's headers new to the optimised code. Values ask for nothing unusual (no compression).
 */
export const WARMUP_HEADER_SETS: readonly Readonly<Record<string, string>>[] = [
  {},
  { accept: '*/*' },
  { 'user-agent': 'holdfast-warmup', accept: '*/*' },
  { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'holdfast-warmup' },
  { connection: 'keep-alive', accept: '*/*', 'accept-language': 'en' },
  { 'cache-control': 'no-cache', accept: '*/*', 'user-agent': 'holdfast-warmup', 'accept-language': 'en' },
];

/** What a warm-up did. */
export interface WarmupReport {
  requests: number;
  /** Answers with status >= 500, thrown handlers and timeouts. */
  failed: number;
  /** Answers with status 400-499 (not failures; when every answer is one, a warning says the warm-up ran no handler). */
  clientErrors: number;
  ms: number;
  /** The transport used. */
  via: WarmupVia;
}

const bad = (value: unknown, expected: string): never => {
  throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "warmup" is ${JSON.stringify(value)}; expected ${expected}`);
};

/**
 * Check serve()'s `warmup` option.
 * @throws HoldfastAdapterError ERR_HOLDFAST_INVALID_OPTION naming the value and what was expected.
 */
export function validateWarmup(w: unknown): WarmupOptions {
  const shape = '{ requests: [{ method?, url, headers?, body? }, ...], count?: a whole number >= 1 }';
  if (typeof w !== 'object' || w === null || !Array.isArray((w as WarmupOptions).requests) || (w as WarmupOptions).requests.length === 0) bad(w, shape);
  const o = w as WarmupOptions;
  for (const r of o.requests) {
    if (typeof r !== 'object' || r === null || typeof r.url !== 'string' || !r.url.startsWith('/')) bad(r, 'each request to have a url starting with "/"');
    if (r.method !== undefined && (typeof r.method !== 'string' || !/^[A-Z]+$/.test(r.method))) bad(r.method, 'an HTTP method in capitals such as "GET"');
  }
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1)) bad(o.count, `count to be a whole number >= 1 (${shape})`);
  if (o.via !== undefined && !VIAS.includes(o.via)) bad(o.via, `via to be one of ${VIAS.join(', ')}`);
  return o;
}

/**
 * The warm-up the holder asked for with HOLDFAST_WARMUP (`METHOD PATH` or `PATH`, comma-separated) and
 * HOLDFAST_WARMUP_COUNT; undefined when unset.
 * @throws HoldfastAdapterError ERR_HOLDFAST_INVALID_OPTION for a malformed value.
 */
export function warmupFromEnv(env: NodeJS.ProcessEnv = process.env): WarmupOptions | undefined {
  const spec = env[HOLDFAST_ENV.WARMUP];
  if (!spec) return undefined;
  const requests = spec.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const m = /^(?:([A-Z]+)\s+)?(\/\S*)$/.exec(item);
    if (!m) {
      throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `${HOLDFAST_ENV.WARMUP} entry ${JSON.stringify(item)}; expected a path like "/" or "GET /health"`);
    }
    return { method: m[1] ?? 'GET', url: m[2]! };
  });
  const countText = env[HOLDFAST_ENV.WARMUP_COUNT];
  const count = countText === undefined || countText === '' ? WARMUP_DEFAULT_COUNT : Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `${HOLDFAST_ENV.WARMUP_COUNT} is ${JSON.stringify(countText)}; expected a whole number >= 1`);
  }
  const via = env[HOLDFAST_ENV.WARMUP_VIA] || undefined;
  if (via !== undefined && !VIAS.includes(via as WarmupVia)) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `${HOLDFAST_ENV.WARMUP_VIA} is ${JSON.stringify(via)}; expected one of ${VIAS.join(', ')}`);
  }
  return requests.length ? { requests, count, ...(via ? { via: via as WarmupVia } : {}) } : undefined;
}

/** In-process transport: light-my-request into the server's 'request' listeners. */
async function injector(server: http.Server | https.Server): Promise<WarmupTransport> {
  const { default: inject } = await import('light-my-request');
  const dispatch = (req: http.IncomingMessage, res: http.ServerResponse): void => { server.emit('request', req, res); };
  const send: WarmupSend = async (r, headers, timeoutMs) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); });
    const res = await Promise.race([inject(dispatch, {
      method: (r.method ?? 'GET') as 'GET', url: r.url, headers,
      ...(r.body === undefined ? {} : { payload: r.body }),
    }), limit]).finally(() => clearTimeout(timer));
    return res.statusCode;
  };
  return { send, close: async () => {}, address: 'in-process' };
}

/**
 * The transport `opts.via` asks for. 'socket' needs a plain HTTP server; a TCP listener that cannot be opened (no
 * IPv4 loopback) falls back to a unix one, and a socket that cannot be opened at all to in-process.
 */
async function transportFor(server: http.Server | https.Server, opts: WarmupOptions, kind: WarmupSocketKind): Promise<{ transport: WarmupTransport; via: WarmupVia; connections: number }> {
  if ((opts.via ?? 'socket') === 'socket' && server instanceof http.Server) {
    const failures: string[] = [];
    for (const k of kind === 'tcp' ? ['tcp', 'unix'] as const : ['unix'] as const) {
      try {
        return { transport: await openWarmupSocket(server, WARMUP_CONNECTIONS, k), via: 'socket', connections: WARMUP_CONNECTIONS };
      } catch (err) {
        failures.push(`${k}: ${(err as Error).message}`);
      }
    }
    warn('WARN_HOLDFAST_WARMUP_FAILED', `warm-up over a private socket unavailable (${failures.join('; ')}); running it in-process`);
  }
  return { transport: await injector(server), via: 'in-process', connections: 1 };
}

/**
 * Run `opts.requests`, each `opts.count` times, against `server` (its fd not attached yet), `connections` at a time
 * for the 'socket' transport (a private listener of `kind`, the held socket's own: 'tcp' for an inet/inet6 socket,
 * 'unix' for a unix one; warmup-socket.ts says why it matters), one at a time in-process. The server is first given
 * the properties its listen() adds (warmup-shape.ts). Failures (status >= 500, a thrown handler, a transport
 * error, no answer within WARMUP_REQUEST_TIMEOUT_MS) are counted and reported once as a warning; they never stop
 * READY=1 (a timeout ends the warm-up early). Sends `STATUS=` with the result. Warm-up connections are closed
 * before this resolves.
 */
export async function warmUp(server: http.Server | https.Server, opts: WarmupOptions, label: string, kind: WarmupSocketKind = 'tcp'): Promise<WarmupReport> {
  const count = opts.count ?? WARMUP_DEFAULT_COUNT;
  const t0 = performance.now();
  shapeAsListening(server as http.Server);
  const { transport, via, connections } = await transportFor(server, opts, kind);
  const total = count * opts.requests.length;
  const how = via === 'socket' ? 'over a private socket' : 'in-process';
  notifyQuietly(`STATUS=${WARMUP_RUNNING_STATUS} "${label}": ${total} requests ${how}, started ${new Date().toISOString()}`);
  let next = 0;
  let requests = 0;
  let failed = 0;
  let clientErrors = 0;
  let firstClientError: string | undefined;
  let stop = false;
  let first: string | undefined;
  const loop = async (): Promise<void> => {
    while (!stop && next < total) {
      const i = next++;
      const r = opts.requests[i % opts.requests.length]!;
      requests++;
      try {
        const headers = { ...WARMUP_HEADER_SETS[i % WARMUP_HEADER_SETS.length], ...r.headers, [WARMUP_HEADER]: '1' };
        const status = await transport.send(r, headers, WARMUP_REQUEST_TIMEOUT_MS);
        if (status >= 500) { failed++; first ??= `${r.method ?? 'GET'} ${r.url} answered ${status}`; }
        else if (status >= 400) { clientErrors++; firstClientError ??= `${r.method ?? 'GET'} ${r.url} answered ${status}`; }
      } catch (err) {
        failed++;
        first ??= `${r.method ?? 'GET'} ${r.url}: ${(err as Error).message}`;
        if (/no answer within/.test((err as Error).message)) stop = true;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(connections, total) }, loop));
  } finally {
    await transport.close();
  }
  const ms = Math.round(performance.now() - t0);
  if (failed > 0) warn('WARN_HOLDFAST_WARMUP_FAILED', `warm-up of "${label}": ${failed} of ${requests} requests failed (first: ${first})`);
  // Not failures (a 404 or 400 may be what a route answers), but a warm-up that only ever got them ran no handler.
  else if (clientErrors === requests && requests > 0) warn('WARN_HOLDFAST_WARMUP_FAILED', `warm-up of "${label}": every one of its ${requests} requests answered 4xx (first: ${firstClientError}), so it warmed no route's handler`);
  notifyQuietly(`STATUS=warm-up of "${label}": ${requests} requests ${how} in ${ms} ms${failed ? `, ${failed} failed` : ''}`);
  return { requests, failed, clientErrors, ms, via };
}
