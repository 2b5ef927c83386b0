import { Agent, request } from 'undici';
import { HoldfastCliError } from './errors.js';

/** A JSON answer from the control API. */
export interface ControlReply<T = Record<string, unknown>> {
  statusCode: number;
  body: T;
}

function unreachable(err: unknown, controlPath: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new HoldfastCliError('ERR_HOLDFAST_CONTROL_UNREACHABLE', `no holdfast answers on ${controlPath} (${code})`, { cause: err });
  }
  return err;
}

/**
 * Call the holder's control API over its unix socket (HTTP, JSON).
 * No body or header timeout: `POST /reload` answers only when the swap is over.
 * @throws HoldfastCliError ERR_HOLDFAST_CONTROL_UNREACHABLE when nothing answers on `controlPath`.
 */
export async function callControl<T = Record<string, unknown>>(controlPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlReply<T>> {
  const dispatcher = new Agent({ connect: { socketPath: controlPath }, headersTimeout: 0, bodyTimeout: 0 });
  try {
    const res = await request(`http://holdfast${path}`, {
      method, dispatcher,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.body.text();
    return { statusCode: res.statusCode, body: (res.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : text) as T };
  } catch (err) {
    throw unreachable(err, controlPath);
  } finally {
    await dispatcher.close();
  }
}

/**
 * Call an endpoint that answers newline-delimited JSON (`POST /reload?progress=1`), handing each object to
 * `onEvent` as it arrives. Resolves with the HTTP status once the stream ends.
 */
export async function streamControl(controlPath: string, path: string, body: unknown, onEvent: (e: Record<string, unknown>) => void): Promise<number> {
  const dispatcher = new Agent({ connect: { socketPath: controlPath }, headersTimeout: 0, bodyTimeout: 0 });
  try {
    const res = await request(`http://holdfast${path}`, {
      method: 'POST', dispatcher, body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' },
    });
    if (!res.headers['content-type']?.toString().includes('ndjson')) {
      onEvent({ event: 'result', ...(await res.body.json() as Record<string, unknown>) });
      return res.statusCode;
    }
    let buf = '';
    for await (const chunk of res.body) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as Record<string, unknown>);
      }
    }
    return res.statusCode;
  } catch (err) {
    throw unreachable(err, controlPath);
  } finally {
    await dispatcher.close();
  }
}
