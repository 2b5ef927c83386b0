/**
 * Plain fd operations: close, close-on-exec, dup, inspection, peer credentials.
 * All throw Node-shaped system errors (see errors.ts) with `syscall` set and the message naming the fd,
 * e.g. `close EBADF fd 99`; invalid arguments throw TypeError ERR_INVALID_ARG_VALUE.
 */
import { native, type RawFdInfo } from './binding.js';
import { assertFd, check, invalidArg, systemError } from './errors.js';
import type { FdInfo, PeerCredentials, SocketFamily, SocketType } from './types.js';
import { decodeUnixAddress } from './unix-address.js';

const C = native.constants;

/**
 * close(2) an fd this process owns.
 * @throws system error EBADF (syscall 'close') if the fd is not open.
 */
export function closeFd(fd: number): void {
  assertFd('closeFd', fd);
  check(native.close(fd), 'close', { fd });
}

/**
 * Sets or clears FD_CLOEXEC with fcntl(2) F_GETFD/F_SETFD.
 * holdfast keeps every holder fd close-on-exec (invariant 6); spawn() clears it on the child's copies only.
 * @throws system error EBADF (syscall 'fcntl').
 */
export function setCloexec(fd: number, on: boolean): void {
  assertFd('setCloexec', fd);
  if (typeof on !== 'boolean') throw invalidArg('setCloexec', 'on', on, 'a boolean');
  check(native.setCloexec(fd, on), 'fcntl', { fd });
}

/**
 * Duplicates an fd with fcntl(2) F_DUPFD_CLOEXEC: the new fd is the lowest free number >= minFd and is
 * close-on-exec. Both fds share one open file description (one socket, one accept queue). The caller
 * owns the new fd.
 * @param minFd lowest acceptable fd number, default 3 (never lands on stdio).
 * @returns the new fd.
 * @throws system error EBADF / EMFILE / EINVAL (syscall 'fcntl').
 */
export function dupFd(fd: number, minFd = 3): number {
  assertFd('dupFd', fd);
  assertFd('dupFd', minFd, 'minFd');
  return check(native.dupCloexec(fd, minFd), 'fcntl', { fd });
}

function kindOf(mode: number): FdInfo['kind'] {
  switch (mode) {
    case C.S_IFSOCK: return 'socket';
    case C.S_IFIFO: return 'fifo';
    case C.S_IFREG: return 'file';
    case C.S_IFCHR: return 'char';
    case C.S_IFBLK: return 'block';
    case C.S_IFDIR: return 'dir';
    default: return 'other';
  }
}

function familyOf(domain: number | undefined): SocketFamily | 'other' {
  switch (domain) {
    case C.AF_INET: return 'inet';
    case C.AF_INET6: return 'inet6';
    case C.AF_UNIX: return 'unix';
    case C.AF_NETLINK: return 'netlink';
    default: return 'other';
  }
}

function typeOf(type: number | undefined): SocketType | 'other' {
  switch (type) {
    case C.SOCK_STREAM: return 'stream';
    case C.SOCK_DGRAM: return 'dgram';
    case C.SOCK_SEQPACKET: return 'seqpacket';
    case C.SOCK_RAW: return 'raw';
    default: return 'other';
  }
}

/** FdInfo plus the socket buffer sizes (SO_RCVBUF/SO_SNDBUF, in bytes, as the kernel reports them: doubled). */
export interface FdInfoDetailed extends FdInfo {
  receiveBuffer?: number;
  sendBuffer?: number;
}

/**
 * Describes an fd with fstat(2) and, for sockets, getsockopt(2) SO_DOMAIN, SO_TYPE, SO_ACCEPTCONN,
 * SO_RCVBUF, SO_SNDBUF and getsockname(2) (socket(7), unix(7), ip(7)).
 * `address`/`port` for inet/inet6; `path` for unix ('@name' abstract, '' unnamed).
 * `receiveBuffer`/`sendBuffer` are what the kernel reports (twice the value set, capped by rmem_max/wmem_max).
 * @throws system error EBADF (syscall 'fstat').
 */
export function inspectFd(fd: number): FdInfoDetailed {
  assertFd('inspectFd', fd);
  const raw = native.inspect(fd);
  if (typeof raw === 'number') throw systemError(raw, 'fstat', { fd });
  return fromRaw(raw);
}

function fromRaw(raw: RawFdInfo): FdInfoDetailed {
  const info: FdInfoDetailed = { kind: kindOf(raw.mode), cloexec: raw.cloexec };
  if (raw.flags !== undefined) {
    const acc = raw.flags & C.O_ACCMODE;
    info.access = acc === C.O_RDONLY ? 'read' : acc === C.O_WRONLY ? 'write' : 'read-write';
  }
  if (raw.dev !== undefined) info.dev = raw.dev;
  if (raw.ino !== undefined) info.ino = raw.ino;
  if (info.kind !== 'socket') return info;
  if (raw.protocol !== undefined) info.protocol = raw.protocol;
  if (raw.nlPid !== undefined) info.netlinkPortId = raw.nlPid;
  if (raw.nlGroups !== undefined) info.netlinkGroups = raw.nlGroups;
  info.family = familyOf(raw.domain);
  info.type = typeOf(raw.type);
  if (raw.acceptconn !== undefined) info.listening = raw.acceptconn;
  if (raw.address !== undefined) info.address = raw.address;
  if (raw.port !== undefined) info.port = raw.port;
  if (raw.pathBytes !== undefined) info.path = decodeUnixAddress(raw.pathBytes);
  if (raw.rcvbuf !== undefined) info.receiveBuffer = raw.rcvbuf;
  if (raw.sndbuf !== undefined) info.sendBuffer = raw.sndbuf;
  return info;
}

/**
 * The credentials of the peer of a connected AF_UNIX socket, as the kernel recorded them at connect(2)
 * or socketpair(2): getsockopt(2) SO_PEERCRED (unix(7)).
 * An unconnected socket reports pid 0 (the kernel does not fail).
 * @throws system error (syscall 'getsockopt'): EBADF, ENOTSOCK.
 */
export function peerCredentials(fd: number): PeerCredentials {
  assertFd('peerCredentials', fd);
  const raw = native.peerCred(fd);
  if (typeof raw === 'number') throw systemError(raw, 'getsockopt', { fd });
  return raw;
}
