/**
 * openSocket: create, configure, bind and (for stream/seqpacket) listen, and nothing else. The socket is
 * never accepted on: connections wait in the kernel's accept queue and datagrams in the receive buffer
 * until a worker that inherited the fd takes them (holdfast invariant 1: the holder keeps this fd for its
 * whole life; invariant 2: exactly one socket per address, so no SO_REUSEPORT, ever).
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { native } from './binding.js';
import { check, invalidArg, type ErrorTarget } from './errors.js';
import type { OpenSocketOptions } from './types.js';
import { encodeUnixAddress, isAbstract } from './unix-address.js';
import { DEFAULT_BACKLOG } from './protocol.js';

const C = native.constants;
const WHERE = 'openSocket';


const FAMILIES = { inet: C.AF_INET, inet6: C.AF_INET6, unix: C.AF_UNIX, netlink: C.AF_NETLINK } as const;
const TYPES = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET, raw: C.SOCK_RAW } as const;
const BOOLEANS = ['v6only', 'reuseAddr', 'passCredentials', 'forceBuffers', 'freeBind', 'transparent', 'keepAlive', 'noDelay'] as const;
const INT32_MAX = 0x7fffffff;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function optionalBoolean(opts: OpenSocketOptions, key: (typeof BOOLEANS)[number]): void {
  if (opts[key] !== undefined && typeof opts[key] !== 'boolean') throw invalidArg(WHERE, key, opts[key], 'a boolean');
}

/** Validates everything before any syscall; returns the normalised host/port/address bytes. */
function validate(opts: OpenSocketOptions): { host: string; port: number; unixAddr?: Buffer } {
  if (opts === null || typeof opts !== 'object') throw invalidArg(WHERE, 'options', opts, 'an object');
  const { family, type } = opts;
  if (!Object.hasOwn(FAMILIES, family as string)) throw invalidArg(WHERE, 'family', family, "'inet', 'inet6', 'unix' or 'netlink'");
  if (!Object.hasOwn(TYPES, type as string)) throw invalidArg(WHERE, 'type', type, "'stream', 'dgram', 'seqpacket' or 'raw'");
  if (type === 'seqpacket' && family !== 'unix') {
    throw invalidArg(WHERE, 'type', type, "'stream' or 'dgram' for family '" + family + "' (seqpacket is unix-only)");
  }
  if (family === 'netlink' && type !== 'raw' && type !== 'dgram') throw invalidArg(WHERE, 'type', type, "'raw' or 'dgram' for family 'netlink'");
  if (family !== 'netlink' && type === 'raw') throw invalidArg(WHERE, 'type', type, "'stream', 'dgram' or 'seqpacket' (raw is for netlink)");
  for (const key of BOOLEANS) optionalBoolean(opts, key);
  const inet = family === 'inet' || family === 'inet6';
  for (const key of ['freeBind', 'transparent'] as const) {
    if (opts[key] !== undefined && !inet) throw invalidArg(WHERE, key, opts[key], "unset unless family is 'inet' or 'inet6'");
  }
  for (const key of ['keepAlive', 'noDelay', 'keepAliveTime', 'keepAliveInterval', 'keepAliveCount', 'deferAccept'] as const) {
    if (opts[key] !== undefined && !(inet && type === 'stream')) throw invalidArg(WHERE, key, opts[key], 'unset unless the socket is TCP (inet/inet6 stream)');
  }
  for (const key of ['keepAliveTime', 'keepAliveInterval', 'keepAliveCount', 'deferAccept'] as const) {
    if (opts[key] !== undefined && !isInt(opts[key], key === 'deferAccept' ? 0 : 1, 32767)) throw invalidArg(WHERE, key, opts[key], 'an integer 1..32767 (seconds or probes)');
  }
  if (opts.mark !== undefined && !isInt(opts.mark, 0, 0xffffffff)) throw invalidArg(WHERE, 'mark', opts.mark, 'an integer 0..4294967295');
  if (opts.mode !== undefined && (!isInt(opts.mode, 0, 0o7777) || family !== 'unix')) throw invalidArg(WHERE, 'mode', opts.mode, 'an integer 0..0o7777 for a unix socket on a path');
  if (opts.protocol !== undefined && (!isInt(opts.protocol, 0, 255) || family !== 'netlink')) throw invalidArg(WHERE, 'protocol', opts.protocol, "an integer 0..255 for family 'netlink'");
  if (opts.groups !== undefined && (!isInt(opts.groups, 0, 0xffffffff) || family !== 'netlink')) throw invalidArg(WHERE, 'groups', opts.groups, "an integer 0..4294967295 for family 'netlink'");
  if (opts.v6only !== undefined && family !== 'inet6') throw invalidArg(WHERE, 'v6only', opts.v6only, "unset unless family is 'inet6'");
  if (opts.passCredentials !== undefined && family !== 'unix') {
    throw invalidArg(WHERE, 'passCredentials', opts.passCredentials, "unset unless family is 'unix'");
  }
  if (opts.backlog !== undefined && !isInt(opts.backlog, 0, INT32_MAX)) {
    throw invalidArg(WHERE, 'backlog', opts.backlog, 'an integer >= 0');
  }
  for (const key of ['receiveBuffer', 'sendBuffer'] as const) {
    if (opts[key] !== undefined && !isInt(opts[key], 1, INT32_MAX)) throw invalidArg(WHERE, key, opts[key], 'a positive integer (bytes)');
  }

  if (family === 'netlink') {
    if (opts.host !== undefined || opts.port !== undefined || opts.path !== undefined) {
      throw invalidArg(WHERE, 'host', opts.host ?? opts.port ?? opts.path, "unset for family 'netlink' (use protocol and groups)");
    }
    return { host: '', port: 0 };
  }
  if (family === 'unix') {
    if (opts.mode !== undefined && isAbstract(String(opts.path))) throw invalidArg(WHERE, 'mode', opts.mode, 'unset for an abstract unix socket (nothing on disk)');
    if (opts.host !== undefined) throw invalidArg(WHERE, 'host', opts.host, "unset for family 'unix' (use path)");
    if (opts.port !== undefined) throw invalidArg(WHERE, 'port', opts.port, "unset for family 'unix' (use path)");
    return { host: '', port: 0, unixAddr: encodeUnixAddress(WHERE, 'path', opts.path) };
  }
  if (opts.path !== undefined) throw invalidArg(WHERE, 'path', opts.path, `unset for family '${family}' (use host and port)`);
  const host = opts.host ?? (family === 'inet' ? '0.0.0.0' : '::');
  if (typeof host !== 'string' || (family === 'inet' ? !isIPv4(host) : !isIPv6(host) || host.includes('%'))) {
    throw invalidArg(WHERE, 'host', host, family === 'inet' ? 'a numeric IPv4 address' : 'a numeric IPv6 address (no zone id)');
  }
  const port = opts.port ?? 0;
  if (!isInt(port, 0, 65535)) throw invalidArg(WHERE, 'port', port, 'an integer 0..65535');
  return { host, port };
}

/**
 * Opens one socket the way a systemd `.socket` unit does (socket(7), ip(7), ipv6(7), unix(7)):
 *
 * 1. socket(2) with SOCK_CLOEXEC (holdfast invariant 6). Blocking mode is left as the kernel gives it;
 *    a worker's `server.listen({ fd })` makes its own copy nonblocking.
 * 2. setsockopt(2): SO_REUSEADDR on inet/inet6 stream sockets unless `reuseAddr: false`;
 *    IPV6_V6ONLY on inet6 (default true); SO_RCVBUF/SO_SNDBUF if given (bytes; the kernel doubles them and
 *    caps at net.core.rmem_max/wmem_max: read back with inspectFd); SO_PASSCRED if `passCredentials`.
 * 3. bind(2): inet host defaults to '0.0.0.0', inet6 to '::', port to 0 (kernel picks; read it back with
 *    inspectFd). unix: filesystem path or '@name' (abstract namespace). An existing file at the path is
 *    not removed (EADDRINUSE): deciding that a socket file is stale is the caller's policy.
 * 4. listen(2) for stream/seqpacket with `backlog` (default 4096, capped by net.core.somaxconn).
 *
 * @param name the socket's name in the holder's spec, quoted in error messages: `(socket "http")`.
 * @returns the fd; the caller owns it.
 * @throws TypeError ERR_INVALID_ARG_VALUE naming the option, value and expectation (bad family, type, host,
 *   port, path longer than 107 bytes, ...), before any syscall.
 * @throws a Node-shaped system error (`code`, negative `errno`, `syscall` 'socket' | 'setsockopt' | 'bind' |
 *   'listen', `address`, `port`), e.g. `bind EADDRINUSE 127.0.0.1:8080 (socket "http")`. The fd is closed
 *   first, and a unix path this call bound is unlinked.
 */
export function openSocket(opts: OpenSocketOptions, name?: string): number {
  const { host, port, unixAddr } = validate(opts);
  if (name !== undefined && typeof name !== 'string') throw invalidArg(WHERE, 'name', name, 'a string');
  const { family, type } = opts;
  const target: ErrorTarget =
    family === 'unix' ? { address: opts.path, name }
      : family === 'netlink' ? { address: `netlink:${opts.protocol ?? 0}:${opts.groups ?? 0}`, name }
        : port > 0 ? { address: host, port, name } : { address: host, name };

  const fd = check(native.socket(FAMILIES[family], TYPES[type], false, opts.protocol ?? 0), 'socket', target);
  let boundPath: string | undefined;
  try {
    const setopt = (level: number, opt: number, value: number) =>
      check(native.setsockoptInt(fd, level, opt, value), 'setsockopt', target);
    if ((family === 'inet' || family === 'inet6') && type === 'stream' && opts.reuseAddr !== false) setopt(C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    if (family === 'inet6') setopt(C.IPPROTO_IPV6, C.IPV6_V6ONLY, opts.v6only === false ? 0 : 1);
    // Force variants (CAP_NET_ADMIN) are not capped by rmem_max/wmem_max, as systemd's ReceiveBuffer= tries first.
    if (opts.receiveBuffer !== undefined) setopt(C.SOL_SOCKET, opts.forceBuffers ? C.SO_RCVBUFFORCE : C.SO_RCVBUF, opts.receiveBuffer);
    if (opts.sendBuffer !== undefined) setopt(C.SOL_SOCKET, opts.forceBuffers ? C.SO_SNDBUFFORCE : C.SO_SNDBUF, opts.sendBuffer);
    if (opts.passCredentials) setopt(C.SOL_SOCKET, C.SO_PASSCRED, 1);
    const ipLevel = family === 'inet6' ? C.IPPROTO_IPV6 : C.IPPROTO_IP;
    if (opts.freeBind !== undefined) setopt(ipLevel, family === 'inet6' ? C.IPV6_FREEBIND : C.IP_FREEBIND, opts.freeBind ? 1 : 0);
    if (opts.transparent !== undefined) setopt(ipLevel, family === 'inet6' ? C.IPV6_TRANSPARENT : C.IP_TRANSPARENT, opts.transparent ? 1 : 0);
    if (opts.keepAlive !== undefined) setopt(C.SOL_SOCKET, C.SO_KEEPALIVE, opts.keepAlive ? 1 : 0);
    if (opts.keepAliveTime !== undefined) setopt(C.IPPROTO_TCP, C.TCP_KEEPIDLE, opts.keepAliveTime);
    if (opts.keepAliveInterval !== undefined) setopt(C.IPPROTO_TCP, C.TCP_KEEPINTVL, opts.keepAliveInterval);
    if (opts.keepAliveCount !== undefined) setopt(C.IPPROTO_TCP, C.TCP_KEEPCNT, opts.keepAliveCount);
    if (opts.noDelay !== undefined) setopt(C.IPPROTO_TCP, C.TCP_NODELAY, opts.noDelay ? 1 : 0);
    if (opts.deferAccept !== undefined) setopt(C.IPPROTO_TCP, C.TCP_DEFER_ACCEPT, opts.deferAccept);
    if (opts.mark !== undefined) setopt(C.SOL_SOCKET, C.SO_MARK, opts.mark | 0);

    if (family === 'netlink') {
      check(native.bindNetlink(fd, 0, opts.groups ?? 0), 'bind', target);
    } else if (unixAddr) {
      // SocketMode=: the file is created with the mode through the umask (no window where it is wider), then
      // chmod'ed exactly (the umask can only take bits away).
      const oldMask = opts.mode !== undefined ? process.umask(~opts.mode & 0o777) : undefined;
      try {
        check(native.bindUnix(fd, unixAddr), 'bind', target);
      } finally {
        if (oldMask !== undefined) process.umask(oldMask);
      }
      if (!isAbstract(opts.path!)) boundPath = opts.path;
      if (opts.mode !== undefined) chmodSync(opts.path!, opts.mode);
    } else {
      check(native.bindInet(fd, FAMILIES[family], host, port), 'bind', target);
    }
    if (type === 'stream' || type === 'seqpacket') check(native.listen(fd, opts.backlog ?? DEFAULT_BACKLOG), 'listen', target);
    return fd;
  } catch (err) {
    native.close(fd);
    if (boundPath !== undefined) {
      try {
        unlinkSync(boundPath);
      } catch {
        /* already gone */
      }
    }
    throw err;
  }
}
