/**
 * Warm-up before READY=1: run the app's own request handlers a number of times on configured requests, in-process
 * (light-my-request, the library behind fastify's inject()), so that the first real requests a new generation
 * serves find its code compiled and its caches filled. Never through the held socket: nothing is attached yet,
 * and the requests are handed straight to the server's 'request' listeners. Each carries `x-holdfast-warmup: 1`
 * (WARMUP_HEADER) so the app's metrics and logs can leave them out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOLDFAST_ENV, WARMUP_DEFAULT_COUNT, WARMUP_HEADER } from '@holdfast/native/protocol';
import { HoldfastAdapterError, warn } from './errors.js';
import { notifyQuietly } from './notify.js';

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
}

/** One warm-up request's time limit, in ms: a handler that never answers must not hold READY=1 forever. */
export const WARMUP_REQUEST_TIMEOUT_MS = 5000;

/** What a warm-up did. */
export interface WarmupReport {
  requests: number;
  /** Answers with status >= 500, thrown handlers and timeouts. */
  failed: number;
  ms: number;
}

type Dispatch = (req: IncomingMessage, res: ServerResponse) => void;

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
  return requests.length ? { requests, count } : undefined;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Run `opts.requests`, each `opts.count` times in turn, through `dispatch` (a server's 'request' listeners).
 * Failures (status >= 500, a thrown handler, no answer within WARMUP_REQUEST_TIMEOUT_MS) are counted and reported
 * once as a warning; they never stop READY=1 (a timeout ends the warm-up early). Sends `STATUS=` with the result.
 */
export async function warmUp(dispatch: Dispatch, opts: WarmupOptions, label: string): Promise<WarmupReport> {
  const { default: inject } = await import('light-my-request');
  const count = opts.count ?? WARMUP_DEFAULT_COUNT;
  const t0 = performance.now();
  let requests = 0;
  let failed = 0;
  let first: string | undefined;
  outer: for (let i = 0; i < count; i++) {
    for (const r of opts.requests) {
      requests++;
      try {
        const res = await withTimeout(inject(dispatch, {
          method: (r.method ?? 'GET') as 'GET', url: r.url, headers: { ...r.headers, [WARMUP_HEADER]: '1' },
          ...(r.body === undefined ? {} : { payload: r.body }),
        }), WARMUP_REQUEST_TIMEOUT_MS);
        if (res.statusCode >= 500) { failed++; first ??= `${r.method ?? 'GET'} ${r.url} answered ${res.statusCode}`; }
      } catch (err) {
        failed++;
        first ??= `${r.method ?? 'GET'} ${r.url}: ${(err as Error).message}`;
        if (/no answer within/.test((err as Error).message)) break outer;
      }
    }
  }
  const ms = Math.round(performance.now() - t0);
  if (failed > 0) warn('WARN_HOLDFAST_WARMUP_FAILED', `warm-up of "${label}": ${failed} of ${requests} requests failed (first: ${first})`);
  notifyQuietly(`STATUS=warm-up of "${label}": ${requests} requests in ${ms} ms${failed ? `, ${failed} failed` : ''}`);
  return { requests, failed, ms };
}
