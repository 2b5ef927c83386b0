import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { openSockets, type HeldSocket } from './socket-table.js';
import type { SocketSpec } from './socket-spec.js';

/**
 * openSockets, retrying EADDRINUSE for up to `retryMs`: after a holder was SIGKILLed, its draining workers
 * close their copies of the listening sockets within moments, and a holder started again at once must not fail
 * because of them. A port really held by another program is still reported, after `retryMs`.
 */
export async function openSocketsRetrying(specs: SocketSpec[], retryMs: number, log: Logger): Promise<HeldSocket[]> {
  const deadline = performance.now() + retryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await openSockets(specs);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code !== 'EADDRINUSE' || performance.now() >= deadline) throw err;
      if (attempt === 0) logWarning(log, 'WARN_HOLDFAST_BIND_RETRY', { err: (err as Error).message, retryMs }, 'address in use; retrying (a previous holder\'s workers may still be closing it)');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
