/**
 * sd_listen_fds_with_names(3) for Node: the sockets a holder (holdfast, systemd, systemd-socket-activate)
 * passed to this process at fds 3, 4, ...
 */
import { HoldfastAdapterError } from './errors.js';
import { native, type FdInfo } from './native.js';

/** First inherited fd, as SD_LISTEN_FDS_START in sd-daemon.h. */
export const LISTEN_FDS_START = 3;

/** One inherited fd. */
export interface ListenFd {
  /** The fd number (3..3+LISTEN_FDS-1). */
  fd: number;
  /** Its LISTEN_FDNAMES entry; 'unknown' when the list is missing or shorter than LISTEN_FDS (as systemd does). */
  name: string;
  /** What inspectFd saw when it was adopted (kind, family, type, listening, address/port or path). */
  info: FdInfo;
}

/** Why listenFds() returned what it did; for diagnostics (serve() warns when the pid did not match). */
export interface ListenFdsStatus {
  /** 'inherited': fds adopted; 'none': no LISTEN_FDS; 'pid-mismatch': LISTEN_PID named another process. */
  state: 'inherited' | 'none' | 'pid-mismatch';
  /** LISTEN_PID as found (undefined if absent). */
  listenPid?: number;
}

let memo: { fds: ListenFd[]; status: ListenFdsStatus } | { error: unknown } | undefined;

function clearEnv(): void {
  // sd_listen_fds(3) with unset_environment=1: children must not believe these fds are theirs.
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
}

function compute(): { fds: ListenFd[]; status: ListenFdsStatus } {
  const env = process.env;
  const rawCount = env.LISTEN_FDS;
  const rawPid = env.LISTEN_PID;
  const rawNames = env.LISTEN_FDNAMES;
  clearEnv();
  if (rawCount === undefined || rawCount === '') return { fds: [], status: { state: 'none' } };

  const pid = rawPid === undefined ? NaN : Number(rawPid);
  // LISTEN_PID is mandatory and must be ours: the variables may have leaked from a parent (sd_listen_fds(3)).
  if (!Number.isInteger(pid) || pid !== process.pid) {
    return { fds: [], status: { state: 'pid-mismatch', ...(Number.isInteger(pid) ? { listenPid: pid } : {}) } };
  }
  const count = Number(rawCount);
  if (!Number.isInteger(count) || count < 0) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_BAD_LISTEN_FD', `LISTEN_FDS is ${JSON.stringify(rawCount)}; expected a non-negative integer`);
  }
  const names = rawNames ? rawNames.split(':') : [];
  const fds: ListenFd[] = [];
  for (let i = 0; i < count; i++) {
    const fd = LISTEN_FDS_START + i;
    const name = names[i] || 'unknown';
    let info: FdInfo;
    try {
      info = native.inspectFd(fd);
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? 'error';
      throw new HoldfastAdapterError('ERR_HOLDFAST_BAD_LISTEN_FD', `inherited fd ${fd} ("${name}") is not usable (${code}); expected an open socket (LISTEN_FDS=${count})`, { cause });
    }
    if (info.kind !== 'socket') {
      throw new HoldfastAdapterError('ERR_HOLDFAST_BAD_LISTEN_FD', `inherited fd ${fd} ("${name}") is a ${info.kind}; expected a socket`);
    }
    // Our own children must not inherit the holder's sockets (DESIGN invariant 6 seen from the worker).
    native.setCloexec(fd, true);
    info = { ...info, cloexec: true };
    fds.push({ fd, name, info });
  }
  return { fds, status: { state: 'inherited', listenPid: pid } };
}

/**
 * The fds this process inherited with systemd's socket-passing protocol, as sd_listen_fds_with_names(3):
 * only when LISTEN_PID equals process.pid (otherwise `[]`), fds 3..3+LISTEN_FDS-1, names from
 * LISTEN_FDNAMES (colon-separated; missing entries are 'unknown'). Each fd is checked with inspectFd and
 * marked close-on-exec. LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are removed from process.env on the first
 * call (sd_listen_fds(3) with unset_environment). Memoised: later calls return the same array (or rethrow
 * the same error).
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_BAD_LISTEN_FD' when LISTEN_FDS is malformed or an announced fd
 *   is closed or not a socket.
 */
export function listenFds(): ListenFd[] {
  if (memo === undefined) {
    try {
      memo = compute();
    } catch (error) {
      memo = { error };
    }
  }
  if ('error' in memo) throw memo.error;
  return memo.fds;
}

/** How the last listenFds() call decided (computes it if needed). */
export function listenFdsStatus(): ListenFdsStatus {
  listenFds();
  return (memo as { status: ListenFdsStatus }).status;
}
