import { lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { HoldfastError } from './errors.js';
import { describeOpen, type SocketSpec } from './socket-spec.js';

/** A socket the holder owns for its whole life, with what the kernel says it is bound to. */
export interface HeldSocket {
  name: string;
  /** The spec as configured. */
  spec: string;
  /** The holder's own fd (close-on-exec; handed to each worker at 3 + index). */
  fd: number;
  /** The bound address, e.g. `tcp://127.0.0.1:41234` (port 0 resolved). */
  bound: string;
  /** Filesystem path of a unix socket and its inode, so the final stop removes only our own file. */
  unixPath?: { path: string; ino: number };
}

/** Is something accepting on this unix stream path? (ECONNREFUSED means a leftover file.) */
function unixPathIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Remove a leftover socket file nobody listens on; a live one is left for bind() to report EADDRINUSE. */
async function clearStaleUnixPath(path: string): Promise<void> {
  let st;
  try { st = lstatSync(path); } catch { return; }
  if (!st.isSocket()) return; // bind() reports EADDRINUSE on a regular file; never delete a user's file.
  if (!(await unixPathIsLive(path))) unlinkSync(path);
}

/**
 * Open every socket once (Invariant 1: the holder keeps these fds for its whole life; workers get copies).
 * All or nothing: if one fails, the ones already opened are closed again.
 * @returns the sockets in spec order (worker fd = 3 + index).
 * @throws HoldfastError ERR_HOLDFAST_DUPLICATE_SOCKET, ERR_HOLDFAST_SOCKET_OPEN (cause: the Node-shaped errno error).
 */
export async function openSockets(specs: SocketSpec[]): Promise<HeldSocket[]> {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new HoldfastError('ERR_HOLDFAST_DUPLICATE_SOCKET', `socket name "${s.name}" is given twice`);
    seen.add(s.name);
  }
  const held: HeldSocket[] = [];
  try {
    for (const s of specs) {
      const path = s.open.family === 'unix' && !s.open.path!.startsWith('@') ? s.open.path! : undefined;
      if (path) await clearStaleUnixPath(path);
      let fd: number;
      try {
        fd = openSocket(s.open, s.name);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new HoldfastError('ERR_HOLDFAST_SOCKET_OPEN', `cannot open socket "${s.name}" (${s.spec}): ${e.message}`, { cause: err });
      }
      const info = inspectFd(fd);
      const bound = s.open.family === 'unix' ? describeOpen(s.open) : describeOpen({ ...s.open, port: info.port });
      held.push({ name: s.name, spec: s.spec, fd, bound, unixPath: path ? { path, ino: lstatSync(path).ino } : undefined });
    }
  } catch (err) {
    closeSockets(held, { unlink: true });
    throw err;
  }
  return held;
}

/**
 * Close the holder's copies. With `unlink`, remove each unix socket file, but only while it is still our own
 * socket (same inode): a newer holder may already have replaced it.
 */
export function closeSockets(held: HeldSocket[], opts: { unlink: boolean }): void {
  for (const h of held) {
    try { closeFd(h.fd); } catch { /* already closed */ }
    if (opts.unlink && h.unixPath) {
      try {
        if (lstatSync(h.unixPath.path).ino === h.unixPath.ino) unlinkSync(h.unixPath.path);
      } catch { /* gone already */ }
    }
  }
}
