/**
 * sd_notify(3) over AF_UNIX datagrams: the sending side (`notifySend`, what a worker calls) and the
 * receiving side (`NotifySocket`, what the holder owns and passes to workers as NOTIFY_SOCKET).
 */
import { lstatSync, statSync, unlinkSync } from 'node:fs';
import { native, type RawNotifyPoller } from './binding.js';
import { assertFd, check, invalidArg, systemError } from './errors.js';
import type { NotifyMessage } from './types.js';
import { encodeUnixAddress, isAbstract } from './unix-address.js';

const C = native.constants;

/**
 * Sends one datagram to the AF_UNIX SOCK_DGRAM socket at `socketPath`, as sd_notify(3) /
 * sd_pid_notify_with_fds(3) do: a fresh close-on-exec socket, one sendmsg(2) addressed to the path (no
 * connect), SCM_RIGHTS carrying `fds` if given (unix(7)), then close. The socket is blocking, like
 * sd_notify's: if the receiver's queue is full the call waits rather than drop READY=1. The kernel attaches
 * the sender's credentials itself when the receiver has SO_PASSCRED.
 *
 * @param socketPath filesystem path or '@name' (abstract), e.g. process.env.NOTIFY_SOCKET.
 * @param payload newline-separated assignments, e.g. 'READY=1\nSTATUS=serving' (string is sent as UTF-8).
 * @param fds fds to pass (FDSTORE=1, a connection hand-over); the receiver gets duplicates, the caller keeps its own.
 * @param options.nonblocking MSG_DONTWAIT: a full receive queue fails at once with EAGAIN instead of waiting
 *   (the holder uses it so that a stuck worker never blocks it).
 * @throws TypeError ERR_INVALID_ARG_VALUE for a bad path (empty, > 107 bytes), payload or fd.
 * @throws a Node-shaped system error with `syscall` 'socket' or 'sendmsg' and `address` = socketPath,
 *   e.g. `sendmsg ECONNREFUSED /run/holdfast/notify` (nobody bound) or ENOENT (no such path).
 */
export function notifySend(socketPath: string, payload: string | Buffer, fds?: number[], options: { nonblocking?: boolean } = {}): void {
  const addr = encodeUnixAddress('notifySend', 'socketPath', socketPath);
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
    throw invalidArg('notifySend', 'payload', payload, 'a string or a Buffer');
  }
  if (fds !== undefined) {
    if (!Array.isArray(fds)) throw invalidArg('notifySend', 'fds', fds, 'an array of file descriptors');
    fds.forEach((fd, i) => assertFd('notifySend', fd, `fds[${i}]`));
  }
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const r = native.notifySend(addr, data, fds ?? [], options.nonblocking === true);
  if (r !== 0) throw systemError(r.errno, r.syscall, { address: socketPath });
}

/** Options of NotifySocket.bind. */
export interface NotifySocketOptions {
  /** SO_RCVBUF in bytes (kernel doubles it, caps at net.core.rmem_max). Unset = kernel default. */
  receiveBuffer?: number;
}

/**
 * The holder's end of NOTIFY_SOCKET: an AF_UNIX SOCK_DGRAM socket with SO_PASSCRED, so every message
 * carries its sender's pid/uid/gid as the kernel vouches for them (SCM_CREDENTIALS, unix(7)); the caller
 * checks the pid against the workers it started.
 *
 * Messages are read on Node's own event loop (a libuv poll handle on the fd): readable → recvmsg(2) with
 * MSG_DONTWAIT|MSG_CMSG_CLOEXEC until EAGAIN (at most 1024 per wakeup; the rest on the next turn). Each
 * datagram is delivered through a MakeCallback, so promises and nextTicks queued by a listener run right
 * after it. Reading starts with the first `onMessage`; until then datagrams wait in the receive buffer.
 * Datagrams longer than 4096 bytes, or whose fds did not all fit, are dropped (fds that arrived are closed).
 * A listener that throws raises 'uncaughtException', as any Node event emitter would.
 */
export class NotifySocket {
  /** The address as given: filesystem path or '@name'. */
  readonly path: string;
  /** The socket's fd (close-on-exec, nonblocking). Owned by this object; close() closes it. */
  readonly fd: number;
  readonly #poller: RawNotifyPoller;
  readonly #listeners: Array<(msg: NotifyMessage) => void> = [];
  /** dev/ino of the socket file we bound, so close() never unlinks a successor's file. */
  readonly #inode?: { dev: number; ino: number };
  #started = false;
  #closed = false;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
    if (!isAbstract(path)) {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st) this.#inode = { dev: st.dev, ino: st.ino };
    }
    this.#poller = new native.NotifyPoller(fd, (pid, uid, gid, data, fds) => {
      const msg: NotifyMessage = { pid, uid, gid, data, fds };
      for (const cb of this.#listeners.slice()) cb(msg);
    });
  }

  /**
   * Creates the socket: socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK), SO_PASSCRED,
   * SO_RCVBUF if asked, bind(2). For a filesystem path, an existing *socket* file there is treated as stale
   * and unlinked first; any other kind of file is left alone (bind then fails with EADDRINUSE).
   * @param path filesystem path or '@name' (abstract namespace, nothing on disk).
   * @throws TypeError ERR_INVALID_ARG_VALUE for a bad path or option.
   * @throws a Node-shaped system error (`syscall` 'socket' | 'setsockopt' | 'bind' | 'unlink', `address` = path);
   *   the fd is closed first.
   */
  static bind(path: string, opts: NotifySocketOptions = {}): NotifySocket {
    const addr = encodeUnixAddress('NotifySocket.bind', 'path', path);
    const rcvbuf = opts.receiveBuffer;
    if (rcvbuf !== undefined && (!Number.isInteger(rcvbuf) || rcvbuf < 1 || rcvbuf > 0x7fffffff)) {
      throw invalidArg('NotifySocket.bind', 'receiveBuffer', rcvbuf, 'a positive integer (bytes)');
    }
    const target = { address: path };
    if (!isAbstract(path)) {
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st?.isSocket()) {
        try {
          unlinkSync(path);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code !== 'ENOENT') throw systemError(e.errno ?? -1, 'unlink', target);
        }
      }
    }
    const fd = check(native.socket(C.AF_UNIX, C.SOCK_DGRAM, true), 'socket', target);
    try {
      check(native.setsockoptInt(fd, C.SOL_SOCKET, C.SO_PASSCRED, 1), 'setsockopt', target);
      if (rcvbuf !== undefined) check(native.setsockoptInt(fd, C.SOL_SOCKET, C.SO_RCVBUF, rcvbuf), 'setsockopt', target);
      check(native.bindUnix(fd, addr), 'bind', target);
      return new NotifySocket(path, fd);
    } catch (err) {
      native.close(fd);
      throw err;
    }
  }

  /**
   * Adds a listener for every datagram (see NotifyMessage: pid/uid/gid from SCM_CREDENTIALS, 0 if none
   * came; `data`; `fds` from SCM_RIGHTS, owned by the receiver). The first call starts reading.
   * @throws Error if the socket is closed; a Node-shaped system error if polling cannot start.
   */
  onMessage(cb: (msg: NotifyMessage) => void): void {
    if (typeof cb !== 'function') throw invalidArg('NotifySocket.onMessage', 'cb', cb, 'a function');
    if (this.#closed) throw new Error(`NotifySocket ${this.path} is closed`);
    this.#listeners.push(cb);
    if (!this.#started) {
      check(this.#poller.start(), 'uv_poll_start', { address: this.path });
      this.#started = true;
    }
  }

  /** Keeps the event loop alive while reading (the default once onMessage was called). uv_ref(3). */
  ref(): void {
    if (!this.#closed) this.#poller.ref();
  }

  /** Lets the process exit even while reading. uv_unref(3). */
  unref(): void {
    if (!this.#closed) this.#poller.unref();
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops reading, closes the fd and unlinks the filesystem path (if it is still the file this socket
   * bound; abstract names vanish with the fd). Idempotent. Datagrams still queued are discarded.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close(); // removes the fd from epoll before we close it
    native.close(this.fd);
    if (this.#inode) {
      const st = statSync(this.path, { throwIfNoEntry: false });
      if (st && st.dev === this.#inode.dev && st.ino === this.#inode.ino) {
        try {
          unlinkSync(this.path);
        } catch {
          /* already gone */
        }
      }
    }
  }
}
