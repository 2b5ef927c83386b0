/**
 * The control API's HTTP layer on node:http: a route table, an onRequest hook, JSON bodies, and replies of JSON,
 * text or a stream. The holder serves a handful of routes on a unix socket to one local client at a time; a full
 * framework cost it about 20 MiB of RSS and a large share of its start-up, so this keeps only what those routes
 * use. Its request and reply have the shape of fastify's (`req.query`, `req.body`, `req.raw`,
 * `reply.code().type().send()`, `reply.raw`), so a route reads the same as a fastify one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { HoldfastError, toHoldfastError } from './errors.js';

/** Largest request body accepted, in bytes (a reload body is a few hundred). */
export const CONTROL_BODY_LIMIT = 1024 * 1024;

/** One request: `query` from the URL, `body` parsed as JSON (undefined when empty). */
export interface ControlRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string | undefined>;
  body: unknown;
  raw: IncomingMessage;
}

/** A route's answer; `send` once. A handler's return value other than undefined or the reply is sent as JSON. */
export class ControlReply {
  private status = 200;
  private contentType: string | null = null;
  sent = false;

  constructor(readonly raw: ServerResponse) {}

  code(status: number): this { this.status = status; return this; }
  type(contentType: string): this { this.contentType = contentType; return this; }
  header(name: string, value: string): this { this.raw.setHeader(name, value); return this; }

  /** A Readable is piped (and destroyed if the client goes away); a string or Buffer is sent as is; else JSON. */
  send(body?: unknown): this {
    if (this.sent) return this;
    this.sent = true;
    const res = this.raw;
    res.statusCode = this.status;
    if (body !== null && typeof body === 'object' && typeof (body as Readable).pipe === 'function') {
      const stream = body as Readable;
      res.setHeader('content-type', this.contentType ?? 'application/octet-stream');
      res.once('close', () => stream.destroy());
      stream.pipe(res);
      return this;
    }
    let text: string | Buffer;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      text = body;
      res.setHeader('content-type', this.contentType ?? 'text/plain; charset=utf-8');
    } else {
      text = body === undefined ? '' : JSON.stringify(body);
      res.setHeader('content-type', this.contentType ?? 'application/json; charset=utf-8');
    }
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(text);
    return this;
  }
}

/** A route handler or an onRequest hook (a hook that sends a reply ends the request there). */
export type ControlHandler = (req: ControlRequest, reply: ControlReply) => unknown;

function errorReply(reply: ControlReply, err: HoldfastError): void {
  reply.code(err.httpStatus ?? 500).send({ ok: false, error: err.toJSON() });
}

function readBody(req: IncomingMessage, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > CONTROL_BODY_LIMIT) {
        reject(new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${req.method} ${path}: the body is larger than ${CONTROL_BODY_LIMIT} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') { resolve(undefined); return; }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${req.method} ${path}: the body is not JSON: ${JSON.stringify(text.slice(0, 80))}`));
      }
    });
  });
}

/** Routes by method and exact path, hooks, and the node:http server that serves them. */
export class ControlApp {
  readonly server: Server;
  private readonly routes = new Map<string, ControlHandler>();
  private readonly hooks: ControlHandler[] = [];

  constructor() {
    this.server = createServer((req, res) => { void this.handle(req, res); });
  }

  get(path: string, handler: ControlHandler): this { this.routes.set(`GET ${path}`, handler); return this; }
  post(path: string, handler: ControlHandler): this { this.routes.set(`POST ${path}`, handler); return this; }
  /** Runs before every route, in order of registration. */
  addHook(_event: 'onRequest', hook: ControlHandler): this { this.hooks.push(hook); return this; }

  private async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = new ControlReply(res);
    const url = new URL(raw.url ?? '/', 'http://holdfast');
    const method = raw.method === 'HEAD' ? 'GET' : raw.method ?? 'GET';
    const req: ControlRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: undefined, raw };
    try {
      for (const hook of this.hooks) {
        await hook(req, reply);
        if (reply.sent) return;
      }
      const handler = this.routes.get(`${method} ${url.pathname}`);
      if (!handler) {
        errorReply(reply, new HoldfastError('ERR_HOLDFAST_NO_ROUTE', `no route ${method} ${url.pathname}; the control API has ${[...this.routes.keys()].join(', ')}`));
        return;
      }
      if (method !== 'GET') req.body = await readBody(raw, url.pathname);
      const out = await handler(req, reply);
      if (!reply.sent && out !== reply) reply.send(out);
    } catch (err) {
      if (!reply.sent) errorReply(reply, toHoldfastError(err));
      else res.destroy();
    }
  }

  /** Listen on a unix socket path. Rejects with the server's error (EADDRINUSE, EACCES). */
  listen(opts: { path: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(opts.path, () => { this.server.off('error', reject); resolve(); });
    });
  }

  /** Stop listening and end every open connection (a streaming reply included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
