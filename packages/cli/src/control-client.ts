import { request, type IncomingMessage } from 'node:http';
import { HoldfastCliError } from './errors.js';

/** A JSON answer from the control API. */
export interface ControlReply<T = Record<string, unknown>> {
  statusCode: number;
  body: T;
}

/** The holder went away while a call was under way (SIGKILL, crash): the connection ended without an answer. */
export class HolderGoneError extends Error {
  constructor(readonly controlPath: string, readonly reason: string) {
    super(`the holder on ${controlPath} went away mid-call (${reason})`);
    this.name = 'HolderGoneError';
  }
}

function unreachable(err: unknown, controlPath: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new HoldfastCliError('ERR_HOLDFAST_CONTROL_UNREACHABLE', `no holdfast answers on ${controlPath} (${code})`, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return new HolderGoneError(controlPath, code);
  return err;
}

/**
 * One HTTP request over the holder's unix socket with node:http (no client library: a control command must
 * start fast). Resolves with the response once its headers arrive; no timeout, since `POST /reload` and
 * `POST /stop?progress=1` answer only when the swap or the stop is over.
 * @throws HoldfastCliError ERR_HOLDFAST_CONTROL_UNREACHABLE when nothing answers on `controlPath` (ENOENT,
 *   ECONNREFUSED); HolderGoneError when the connection is reset.
 */
function send(controlPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      socketPath: controlPath, method, path, host: 'holdfast', agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, resolve);
    req.once('error', (err) => reject(unreachable(err, controlPath)));
    req.end(payload);
  });
}

/** Read a response to its end; a reset or truncated body is HolderGoneError. */
function readAll(res: IncomingMessage, controlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => { text += c; });
    res.once('end', () => resolve(text));
    res.once('aborted', () => reject(new HolderGoneError(controlPath, 'connection closed before the answer ended')));
    res.once('error', (err) => reject(unreachable(err, controlPath)));
  });
}

/**
 * Call the holder's control API over its unix socket (HTTP, JSON).
 * @throws HoldfastCliError ERR_HOLDFAST_CONTROL_UNREACHABLE when nothing answers on `controlPath`.
 */
export async function callControl<T = Record<string, unknown>>(controlPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlReply<T>> {
  const res = await send(controlPath, method, path, body);
  const text = await readAll(res, controlPath);
  const json = String(res.headers['content-type'] ?? '').includes('json');
  return { statusCode: res.statusCode ?? 0, body: (json && text ? JSON.parse(text) : text) as T };
}

/**
 * Call an endpoint that answers newline-delimited JSON (`POST /reload?progress=1`, `POST /stop?progress=1`,
 * `GET /logs`; `method` GET sends no body),
 * handing each object to `onEvent` as it arrives. Resolves with the HTTP status once the stream ends.
 * @throws HoldfastCliError ERR_HOLDFAST_CONTROL_UNREACHABLE; HolderGoneError when the holder dies mid-stream.
 */
export async function streamControl(controlPath: string, path: string, body: unknown, onEvent: (e: Record<string, unknown>) => void,
  method: 'GET' | 'POST' = 'POST'): Promise<number> {
  const res = await send(controlPath, method, path, method === 'GET' ? undefined : body ?? {});
  if (!String(res.headers['content-type'] ?? '').includes('ndjson')) {
    const text = await readAll(res, controlPath);
    onEvent({ event: 'result', ...(text ? JSON.parse(text) as Record<string, unknown> : {}) });
    return res.statusCode ?? 0;
  }
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as Record<string, unknown>);
      }
    });
    res.once('end', resolve);
    res.once('aborted', () => reject(new HolderGoneError(controlPath, 'connection closed mid-stream')));
    res.once('error', (err) => reject(unreachable(err, controlPath)));
  });
  return res.statusCode ?? 0;
}
