/**
 * sd_listen_fds_with_names(3) for Node: the sockets a holder (holdfast, systemd, systemd-socket-activate)
 * passed to this process at fds 3, 4, ...
 */
import { HoldfastAdapterError } from './errors.js';
import { describeInvalidListenEnv, loadNative, parseListenEnv, unsetListenEnv, type FdExpectation, type FdInfo } from './native.js';

/** One inherited fd. */
export interface ListenFd {
  /** The fd number (3..3+LISTEN_FDS-1). */
  fd: number;
  /** Its LISTEN_FDNAMES entry; 'unknown' when LISTEN_FDNAMES is unset (as systemd does). */
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

function compute(): { fds: ListenFd[]; status: ListenFdsStatus } {
  const parsed = parseListenEnv(process.env);
  // sd_listen_fds(3) with unset_environment=1: children must not believe these fds are theirs.
  unsetListenEnv(process.env);
  if (parsed.state === 'none') return { fds: [], status: { state: 'none' } };
  if (parsed.state === 'pid-mismatch') return { fds: [], status: { state: 'pid-mismatch', listenPid: parsed.listenPid } };
  if (parsed.state === 'invalid') {
    throw new HoldfastAdapterError('ERR_HOLDFAST_BAD_LISTEN_FD', describeInvalidListenEnv(parsed));
  }
  const count = parsed.fds.length;
  const fds: ListenFd[] = [];
  for (const { fd, name } of parsed.fds) {
    // Only a process that really inherited fds loads the addon (a standalone worker never does).
    const native = loadNative(`LISTEN_FDS=${count} (inherited sockets)`);
    let info: FdInfo;
    try {
      info = native.inspectFd(fd);
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? 'error';
      throw new HoldfastAdapterError('ERR_HOLDFAST_BAD_LISTEN_FD', `inherited fd ${fd} ("${name}") is not usable (${code}); expected an open fd (LISTEN_FDS=${count})`, { cause });
    }
    // Not only sockets: a systemd .socket unit (and holdfast) also passes FIFOs, message queues and special files.
    // Whether an fd is the kind its user expects is checked by name with listenFds({ NAME: expectation }).
    // Our own children must not inherit the holder's sockets (holdfast invariant 6 seen from the worker).
    native.setCloexec(fd, true);
    info = { ...info, cloexec: true };
    fds.push({ fd, name, info });
  }
  return { fds, status: { state: 'inherited', listenPid: parsed.listenPid } };
}

/**
 * The fds this process inherited with systemd's socket-passing protocol, as sd_listen_fds_with_names(3):
 * only when LISTEN_PID equals process.pid (otherwise `[]`), fds 3..3+LISTEN_FDS-1, names from
 * LISTEN_FDNAMES (colon-separated; all 'unknown' when it is unset). Each fd is checked with inspectFd and
 * marked close-on-exec. LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are removed from process.env on the first
 * call (sd_listen_fds(3) with unset_environment). Memoised: later calls return the same array (or rethrow
 * the same error).
 *
 * Any kind of fd is adopted (sockets, FIFOs, message queues, special files: all a systemd .socket unit passes);
 * `expect` checks named fds as sd_is_socket(3) and its friends do (kind, family, type, listening, port, path;
 * see FdExpectation in @holdfast/native).
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_BAD_LISTEN_FD' when LISTEN_* are malformed (where
 *   sd_listen_fds_with_names(3) returns -EINVAL: LISTEN_FDS not a positive integer, LISTEN_FDNAMES with another
 *   number of names than LISTEN_FDS) or an announced fd is closed; 'ERR_HOLDFAST_NO_LISTEN_FD' / 'ERR_HOLDFAST_FD_MISMATCH' when `expect` names an fd that is missing
 *   or is not what it says, naming the fd, what it is and what was expected.
 */
export function listenFds(expect?: Readonly<Record<string, FdExpectation>>): ListenFd[] {
  if (memo === undefined) {
    try {
      memo = compute();
    } catch (error) {
      memo = { error };
    }
  }
  if ('error' in memo) throw memo.error;
  if (expect) {
    for (const [name, want] of Object.entries(expect)) {
      const got = memo.fds.find((l) => l.name === name);
      if (!got) {
        const list = memo.fds.map((l) => `"${l.name}"`).join(', ') || 'none';
        throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no inherited fd named "${name}"; inherited: ${list}`);
      }
      const why = loadNative().fdMismatch(got.fd, want, got.info);
      if (why) throw new HoldfastAdapterError('ERR_HOLDFAST_FD_MISMATCH', `inherited fd ${got.fd} ("${name}") is ${why}`);
    }
  }
  return memo.fds;
}

/** How the last listenFds() call decided (computes it if needed). */
export function listenFdsStatus(): ListenFdsStatus {
  listenFds();
  return (memo as { status: ListenFdsStatus }).status;
}
