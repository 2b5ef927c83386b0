import { Agent, request } from 'undici';
import { HoldfastError } from '@holdfast/core';

/** A JSON answer from the control API. */
export interface ControlReply<T = Record<string, unknown>> {
  statusCode: number;
  body: T;
}

/**
 * Call the holder's control API over its unix socket (HTTP, JSON).
 * No body or header timeout: `POST /reload` answers only when the swap is over.
 * @throws HoldfastError ERR_HOLDFAST_CONTROL_UNREACHABLE when nothing answers on `controlPath`.
 */
export async function callControl<T = Record<string, unknown>>(controlPath: string, method: 'GET' | 'POST', path: string): Promise<ControlReply<T>> {
  const dispatcher = new Agent({ connect: { socketPath: controlPath }, headersTimeout: 0, bodyTimeout: 0 });
  try {
    const res = await request(`http://holdfast${path}`, { method, dispatcher });
    return { statusCode: res.statusCode, body: (await res.body.json()) as T };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      throw new HoldfastError('ERR_HOLDFAST_CONTROL_UNREACHABLE', `no holdfast answers on ${controlPath} (${code})`, { cause: err });
    }
    throw err;
  } finally {
    await dispatcher.close();
  }
}
