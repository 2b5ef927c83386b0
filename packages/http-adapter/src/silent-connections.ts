/**
 * Connections accepted but silent (no byte read yet: a browser's speculative pre-connect) are closed at the start
 * of a drain, after a grace that lets a request already in the kernel queue be read first.
 */
import type { Socket } from 'node:net';

/** Grace before silent connections are closed, in ms: one timer phase, then a poll phase, then check. */
export const UNUSED_GRACE_MS = 20;

/**
 * After {@link UNUSED_GRACE_MS} and one poll phase, destroy every connection in `connections` that has read no
 * byte. The timer stays ref'd: a fastify app must still be closed after it, not skipped by a natural exit.
 * @returns how many were closed.
 */
export function closeSilentAfterGrace(connections: Iterable<Socket>): Promise<number> {
  return new Promise((resolve) => {
    setTimeout(() => setImmediate(() => {
      let closed = 0;
      for (const socket of connections) {
        if (socket.bytesRead === 0 && !socket.destroyed) {
          closed++;
          socket.destroy();
        }
      }
      resolve(closed);
    }), UNUSED_GRACE_MS);
  });
}
