/**
 * The address a target binds itself when the process was not started by a holder (no LISTEN_FDS).
 */
import { HoldfastAdapterError } from './errors.js';

/** A parsed fallback address. */
export type FallbackAddress =
  | { transport: 'tcp'; host?: string; port: number }
  | { transport: 'udp'; host?: string; port: number }
  | { transport: 'unix'; path: string };

function port(text: string, raw: string | number): number {
  const n = Number(text);
  if (text === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `option "fallback" is ${JSON.stringify(raw)}; expected a port 0..65535, 'tcp://host:port', 'udp://host:port' or 'unix:/path'`);
  }
  return n;
}

/**
 * Parse `fallback`: a port number (TCP, or UDP for a dgram target, all interfaces), 'tcp://127.0.0.1:3000',
 * 'udp://127.0.0.1:4000', 'tcp://[::1]:3000', or 'unix:/path/to.sock' ('unix:@name' = abstract).
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_INVALID_OPTION' naming the value and the accepted forms.
 */
export function parseFallback(raw: number | string, datagram: boolean): FallbackAddress {
  if (typeof raw === 'number' || /^\d+$/.test(raw)) {
    return { transport: datagram ? 'udp' : 'tcp', port: port(String(raw), raw) };
  }
  if (raw.startsWith('unix:')) {
    const path = raw.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') port('', raw);
    return { transport: 'unix', path: path.startsWith('@') ? `\0${path.slice(1)}` : path };
  }
  const m = /^(tcp|udp):\/\/(?:\[([^\]]+)\]|([^:/]*)):(\d+)\/?$/.exec(raw);
  if (!m) port('', raw);
  const host = m![2] ?? m![3];
  return { transport: m![1] as 'tcp' | 'udp', ...(host ? { host } : {}), port: port(m![4]!, raw) };
}
