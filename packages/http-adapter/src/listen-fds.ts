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
    // Not only sockets: a systemd .socket unit (and holdfast) also passes FIFOs, message queues and special files.
    // Whether an fd is the kind its user expects is checked by name with listenFds({ NAME: expectation }).
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
 * Any kind of fd is adopted (sockets, FIFOs, message queues, special files: all a systemd .socket unit passes);
 * `expect` checks named fds as sd_is_socket(3) and its friends do (kind, family, type, listening, port, path).
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_BAD_LISTEN_FD' when LISTEN_FDS is malformed or an announced fd
 *   is closed; 'ERR_HOLDFAST_NO_LISTEN_FD' / 'ERR_HOLDFAST_FD_MISMATCH' when `expect` names an fd that is missing
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
      const why = mismatch(got.info, want);
      if (why) throw new HoldfastAdapterError('ERR_HOLDFAST_FD_MISMATCH', `inherited fd ${got.fd} ("${name}") is ${why}`);
    }
  }
  return memo.fds;
}

/**
 * What an inherited fd must be, as sd_is_socket(3), sd_is_socket_inet(3), sd_is_socket_unix(3), sd_is_fifo(3) and
 * sd_is_special(3) check it. Unset fields are not checked. `family: 'inet-any'` accepts inet and inet6.
 */
export interface FdExpectation {
  kind?: 'socket' | 'fifo' | 'special';
  family?: 'inet' | 'inet6' | 'inet-any' | 'unix' | 'netlink';
  type?: 'stream' | 'dgram' | 'seqpacket' | 'raw';
  /** SO_ACCEPTCONN (stream and seqpacket sockets). */
  listening?: boolean;
  /** inet: the bound port; unix: the bound path ('@name' for abstract). */
  port?: number;
  path?: string;
}

function describeFd(info: FdInfo): string {
  if (info.kind !== 'socket') return `a ${info.kind}`;
  const where = info.port !== undefined ? ` on port ${info.port}` : info.path ? ` on ${info.path}` : '';
  return `a ${info.listening ? 'listening ' : info.type === 'stream' || info.type === 'seqpacket' ? 'non-listening ' : ''}${info.family} ${info.type} socket${where}`;
}

/** Why `info` does not meet `want` ("a inet dgram socket; expected a stream socket"), or undefined. */
function mismatch(info: FdInfo, want: FdExpectation): string | undefined {
  const kind = want.kind ?? (want.family || want.type || want.listening !== undefined || want.port !== undefined ? 'socket' : undefined);
  const fail = (expected: string) => `${describeFd(info)}; expected ${expected}`;
  if (kind === 'special') return info.kind === 'char' || info.kind === 'file' || info.kind === 'block' ? undefined : fail('a special file or character device');
  if (kind === 'fifo') return info.kind === 'fifo' ? undefined : fail('a FIFO');
  if (kind !== 'socket') return undefined;
  if (info.kind !== 'socket') return fail('a socket');
  if (want.family === 'inet-any' ? info.family !== 'inet' && info.family !== 'inet6' : want.family && info.family !== want.family) {
    return fail(`an ${want.family === 'inet-any' ? 'inet or inet6' : want.family} socket`);
  }
  if (want.type && info.type !== want.type) return fail(`a ${want.type} socket`);
  if (want.listening !== undefined && info.listening !== want.listening) return fail(want.listening ? 'a listening socket' : 'a socket that is not listening');
  if (want.port !== undefined && info.port !== want.port) return fail(`a socket on port ${want.port}`);
  if (want.path !== undefined && info.path !== want.path) return fail(`a socket on ${want.path}`);
  return undefined;
}

/** How the last listenFds() call decided (computes it if needed). */
export function listenFdsStatus(): ListenFdsStatus {
  listenFds();
  return (memo as { status: ListenFdsStatus }).status;
}
