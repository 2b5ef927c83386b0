/**
 * sd_notify(3): state changes sent as one AF_UNIX datagram to $NOTIFY_SOCKET.
 */
import { HoldfastAdapterError, warn } from './errors.js';
import { ENV, loadNative } from './native.js';

function format(state: string | Record<string, string | number>): string {
  if (typeof state === 'string') return state;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    const text = String(value);
    if (key === '' || /[=\n]/.test(key) || text.includes('\n')) {
      throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `notify(): ${JSON.stringify(key)}=${JSON.stringify(text)} is not a valid state; expected KEY=value with no '=' in KEY and no newline`);
    }
    lines.push(`${key}=${text}`);
  }
  return lines.join('\n');
}

/**
 * Send a state change to the service manager, as sd_notify(3): `notify('READY=1')`,
 * `notify({ STATUS: 'warming cache', EXTEND_TIMEOUT_USEC: 5_000_000 })` (one `KEY=value` per line).
 * The target is $NOTIFY_SOCKET: a filesystem path or '@name' for the abstract namespace. The variable is
 * left in place (sd_notify's unset_environment=0).
 *
 * @returns true when a datagram was sent; false (no-op) when NOTIFY_SOCKET is unset or empty.
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_INVALID_OPTION' for a malformed key/value;
 *   'ERR_HOLDFAST_NATIVE_MISSING' when NOTIFY_SOCKET is set and the addon cannot be loaded; the native
 *   layer's Node-shaped error (e.g. code 'ECONNREFUSED', 'ENOENT') when the send fails.
 */
export function notify(state: string | Record<string, string | number>): boolean {
  const socketPath = process.env[ENV.NOTIFY_SOCKET];
  const payload = format(state);
  if (!socketPath) return false;
  loadNative(`${ENV.NOTIFY_SOCKET}=${socketPath} (sd_notify)`).notifySend(socketPath, payload);
  return true;
}

/** notify() for the adapter's own messages (READY=1, STOPPING=1): a failure is logged, never thrown. */
export function notifyQuietly(state: string): boolean {
  try {
    return notify(state);
  } catch (error) {
    warn('WARN_HOLDFAST_NOTIFY_FAILED', `sd_notify ${JSON.stringify(state)} failed: ${String((error as Error)?.message ?? error)}`);
    return false;
  }
}
