import { closeFd, describeInvalidListenEnv, ENV, notifySend, parseListenEnv, unsetListenEnv } from '@holdfast/native';
import { HoldfastError } from './errors.js';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import type { HeldSocket } from './socket-table.js';

/**
 * The holder as systemd's peer, on the side where the holder is the service:
 *
 * - It adopts the fds it was given itself (sd_listen_fds_with_names(3): `LISTEN_FDS`, `LISTEN_PID` = our pid,
 *   `LISTEN_FDNAMES`), from a `.socket` unit, from systemd's fd store after its own restart, or from
 *   `systemd-socket-activate --fdname=NAME`; socket-table.ts matches them to the configured sockets by name.
 * - With `NOTIFY_SOCKET` set it speaks sd_notify(3) to its own supervisor so that the unit can be
 *   `Type=notify-reload`: `READY=1` once the first generation is ready, `RELOADING=1` + `MONOTONIC_USEC=` when a
 *   reload starts and `READY=1` when it is over (rolled back or not: the service is serving either way),
 *   `STOPPING=1`, `STATUS=`. It never sends `MAINPID=`: the holder stays the main pid whatever its workers do.
 * - With `$FDSTORE` set (systemd sets it to FileDescriptorStoreMax=) it deposits each held fd in the fd store
 *   (`FDSTORE=1`, `FDNAME=<name>`, one message per fd), so that after a crash of the holder itself systemd hands
 *   the very same sockets back and connections queued meanwhile are served.
 */

/** An fd this process inherited through LISTEN_FDS. */
export interface InheritedFd { fd: number; name: string }

let inheritedMemo: InheritedFd[] | undefined;

/**
 * sd_listen_fds_with_names(3) for the holder itself, once per process (memoised), with parseListenEnv() of
 * @holdfast/native: only when LISTEN_PID equals our pid; LISTEN_* are removed from `env` (unset_environment), so
 * that workers never mistake them for theirs. Names are 'unknown' when LISTEN_FDNAMES is unset.
 * @throws HoldfastError ERR_HOLDFAST_INHERITED_FD where sd_listen_fds_with_names returns -EINVAL (LISTEN_FDS not a
 *   positive integer, LISTEN_FDNAMES with another number of names), naming the variable and its value.
 */
export function inheritedFds(env: NodeJS.ProcessEnv = process.env): InheritedFd[] {
  if (inheritedMemo) return inheritedMemo;
  const parsed = parseListenEnv(env);
  unsetListenEnv(env);
  if (parsed.state === 'invalid') {
    inheritedMemo = [];
    throw new HoldfastError('ERR_HOLDFAST_INHERITED_FD', `cannot adopt the inherited fds: ${describeInvalidListenEnv(parsed)}`);
  }
  inheritedMemo = parsed.state === 'inherited' ? parsed.fds : [];
  return inheritedMemo;
}

/**
 * The inherited fds by name, for openSockets. When a name comes more than once (systemd's fd store keeps
 * duplicates it cannot tell apart), the first wins and the rest are closed.
 */
export function inheritedByName(env: NodeJS.ProcessEnv = process.env): Map<string, number> {
  const map = new Map<string, number>();
  for (const { fd, name } of inheritedFds(env)) {
    if (map.has(name)) { try { closeFd(fd); } catch { /* closed */ } continue; }
    map.set(name, fd);
  }
  return map;
}

/** Close inherited fds no configured socket asked for, so that they do not leak into the holder's life. */
export function closeUnclaimed(held: HeldSocket[], log?: Logger): void {
  const claimed = new Set(held.filter((h) => h.origin === 'inherited').map((h) => h.fd));
  for (const { fd, name } of inheritedFds()) {
    if (claimed.has(fd)) continue;
    if (log) logWarning(log, 'WARN_HOLDFAST_UNCLAIMED_FD', { fd, name }, 'inherited fd matches no --listen NAME; closing it');
    try { closeFd(fd); } catch { /* already closed */ }
  }
}

/** Where the holder's own sd_notify messages go, and the fd store size, captured once from the environment. */
export class SystemdPeer {
  private readySent = false;
  private reloadPending = false;

  private constructor(readonly notifySocket: string, readonly fdStoreMax: number, private readonly log: Logger) {}

  /**
   * A peer when NOTIFY_SOCKET is set, else null. NOTIFY_SOCKET and FDSTORE are removed from `env`: they are the
   * holder's, workers get the holder's own notify socket instead.
   */
  static fromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdPeer | null {
    const path = env[ENV.NOTIFY_SOCKET];
    const fdStore = Number(env[ENV.FDSTORE] ?? 0);
    delete env[ENV.NOTIFY_SOCKET]; delete env[ENV.FDSTORE];
    if (!path) return null;
    return new SystemdPeer(path, Number.isInteger(fdStore) && fdStore > 0 ? fdStore : 0, log);
  }

  /** One sd_notify datagram; failures are logged, never thrown (systemd may be gone during shutdown). */
  send(fields: Record<string, string | number>, fds?: number[]): boolean {
    const text = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('\n');
    try {
      notifySend(this.notifySocket, text, fds);
      return true;
    } catch (err) {
      logWarning(this.log, 'WARN_HOLDFAST_SUPERVISOR_NOTIFY', { err: (err as Error).message, notifySocket: this.notifySocket }, 'sd_notify to our supervisor failed');
      return false;
    }
  }

  /**
   * Deposit every held fd in systemd's fd store (FDSTORE=1, FDNAME=name). A deposited socket is co-owned by
   * systemd from now on: the holder's final stop no longer unlinks its path (a restart gets the fd back and the
   * path must still lead to it). No-op without $FDSTORE.
   */
  depositFds(held: HeldSocket[]): void {
    if (this.fdStoreMax === 0) return;
    if (held.length > this.fdStoreMax) {
      logWarning(this.log, 'WARN_HOLDFAST_FDSTORE_TOO_SMALL', { sockets: held.length, fdStoreMax: this.fdStoreMax }, 'FileDescriptorStoreMax= is smaller than the number of sockets; some are not stored');
    }
    for (const h of held.slice(0, this.fdStoreMax)) {
      if (this.send({ FDSTORE: 1, FDNAME: h.name }, [h.fd])) delete h.cleanup;
    }
  }

  /** Hook the peer to the supervisor's events: READY=1 after the first ready generation and after every reload. */
  attach(supervisor: NodeJS.EventEmitter, held: HeldSocket[]): this {
    this.depositFds(held);
    supervisor.on('swap', (r: { ok: boolean; generation: number }) => {
      if (!this.readySent && !r.ok) return;
      if (this.readySent && !this.reloadPending) return;
      const first = !this.readySent;
      this.readySent = true;
      this.reloadPending = false;
      this.send({ READY: 1, STATUS: r.ok ? `serving generation ${r.generation}` : `reload of generation ${r.generation} failed; previous generation serving` });
      if (first) this.log.info({ notifySocket: this.notifySocket }, 'told our supervisor READY=1');
    });
    return this;
  }

  /** RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC in µs), as Type=notify-reload requires. */
  reloading(): void {
    if (!this.readySent) return;
    this.reloadPending = true;
    this.send({ RELOADING: 1, MONOTONIC_USEC: (process.hrtime.bigint() / 1000n).toString(), STATUS: 'reloading' });
  }

  stopping(): void {
    this.send({ STOPPING: 1, STATUS: 'stopping: draining workers' });
  }
}
