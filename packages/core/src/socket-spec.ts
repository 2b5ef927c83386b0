import { isIPv4, isIPv6 } from 'node:net';
import type { OpenSocketOptions } from '@holdfast/native';
import { DEFAULT_BACKLOG, MAX_UNIX_PATH_BYTES } from '@holdfast/native/protocol';
import { invalid, parseBool, parseInt10, parseMode, parseOwner, parseSeconds, parseSize } from './spec-values.js';

export { parseSize } from './spec-values.js';

/**
 * One file descriptor the holder owns, parsed from `NAME=SPEC`: every kind a systemd `.socket` unit can hold.
 *
 * SPEC grammar (one parser for every kind; docs/sockets.md has the full table):
 * - `tcp://HOST:PORT`, `tcp://[V6ADDR]:PORT`           TCP listening socket        (ListenStream=)
 * - `udp://HOST:PORT`, `udp://[V6ADDR]:PORT`           UDP socket                  (ListenDatagram=)
 * - `unix:/path`, `unix:@name`                         AF_UNIX stream              (ListenStream=)
 * - `unix-dgram:/path`, `unix-dgram:@name`             AF_UNIX datagram            (ListenDatagram=)
 * - `unix-seqpacket:/path`, `unix-seqpacket:@name`     AF_UNIX seqpacket           (ListenSequentialPacket=)
 * - `fifo:/path`                                       FIFO, opened read-write     (ListenFIFO=)
 * - `netlink:FAMILY[:GROUP]`                           AF_NETLINK, e.g. netlink:kobject-uevent:1 (ListenNetlink=)
 * - `mqueue:/name`                                     POSIX message queue         (ListenMessageQueue=)
 * - `special:/path`                                    special file / char device, read-only (ListenSpecial=)
 * followed by optional `?key=value&...` options named after systemd.socket(5) (see {@link OPTIONS}).
 * HOST must be numeric; `localhost` means 127.0.0.1 and an empty host or `*` means 0.0.0.0.
 */
export interface SocketSpec {
  /** LISTEN_FDNAMES entry: letters, digits, `_`, `-`, `.`; at most 255 characters (sd_listen_fds_with_names(3)). */
  name: string;
  /** The spec as the user wrote it (without the name). */
  spec: string;
  /** What kind of fd this is. */
  kind: HeldKind;
  /** kind 'socket': what the native layer opens. */
  open?: OpenSocketOptions;
  /** kind 'fifo' | 'special': the path; kind 'mqueue': the queue name ('/name'). */
  path?: string;
  /** mqueue: MessageQueueMaxMessages= / MessageQueueMessageSize= (both or neither). */
  maxMessages?: number;
  messageSize?: number;
  /** special: open read-write (Writable=). Default false: read-only. */
  writable?: boolean;
  /** File mode of a unix socket file, FIFO or message queue (SocketMode=; default 0666). */
  mode?: number;
  /** Owner and group of a unix socket file or FIFO (SocketUser=, SocketGroup=): a name or a numeric id. */
  user?: string;
  group?: string;
  /** Mode of parent directories created for a unix socket file or FIFO (DirectoryMode=; default 0755). */
  directoryMode?: number;
  /**
   * Remove the socket file, FIFO or message queue on the holder's final stop, only while it is still the one this
   * holder created (same inode). Default true (holdfast owns the path); ignored for fds adopted from systemd.
   */
  removeOnStop: boolean;
}

/** The kinds of fd a holder can hold. */
export type HeldKind = 'socket' | 'fifo' | 'mqueue' | 'special';

/** A parsed SPEC without its name. */
export type ParsedSpec = Omit<SocketSpec, 'name' | 'spec'>;

/** Default UDP receive buffer in bytes: the kernel's default holds only ~256 small datagrams (docs/measurements.md). */
export const DEFAULT_DGRAM_RECEIVE_BUFFER = 2 * 1024 * 1024;

/** Netlink families by the names systemd's ListenNetlink= accepts (netlink(7)). */
export const NETLINK_FAMILIES: Readonly<Record<string, number>> = {
  route: 0, usersock: 2, firewall: 3, 'sock-diag': 4, 'inet-diag': 4, nflog: 5, xfrm: 6, selinux: 7, iscsi: 8,
  audit: 9, 'fib-lookup': 10, connector: 11, netfilter: 12, 'ip6-fw': 13, dnrtmsg: 14, 'kobject-uevent': 15,
  generic: 16, scsitransport: 18, ecryptfs: 19, rdma: 20, crypto: 21,
};

/** Which spec each kind-of-spec is, for option applicability. */
type Scheme = 'tcp' | 'udp' | 'unix' | 'unix-dgram' | 'unix-seqpacket' | 'fifo' | 'netlink' | 'mqueue' | 'special';
const SCHEMES: readonly Scheme[] = ['tcp', 'udp', 'unix', 'unix-dgram', 'unix-seqpacket', 'fifo', 'netlink', 'mqueue', 'special'];
const INET: Scheme[] = ['tcp', 'udp'];
const UNIX: Scheme[] = ['unix', 'unix-dgram', 'unix-seqpacket'];
const SOCKETS: Scheme[] = [...INET, ...UNIX, 'netlink'];
const ON_DISK: Scheme[] = [...UNIX, 'fifo'];

interface Ctx { spec: string; scheme: Scheme; out: ParsedSpec; abstract: boolean }

const bool = (key: string, set: (c: Ctx, v: boolean) => void) => (c: Ctx, v: string) => set(c, parseBool(v, key, c.spec));
const seconds = (key: string, min: number, set: (c: Ctx, v: number) => void) => (c: Ctx, v: string) => set(c, parseSeconds(v, key, min, c.spec));
const sock = (c: Ctx): OpenSocketOptions => c.out.open!;

/**
 * Every `?key=value` option: which schemes it applies to, what it means in systemd.socket(5), and how it is parsed.
 * A bad key names the accepted keys for that scheme; a bad value names the key and the accepted values.
 */
export const OPTIONS: Readonly<Record<string, { schemes: Scheme[]; systemd: string; values: string; apply: (c: Ctx, v: string) => void }>> = {
  backlog: { schemes: ['tcp', 'unix', 'unix-seqpacket'], systemd: 'Backlog=', values: 'a positive integer',
    apply: (c, v) => { sock(c).backlog = parseInt10(v, 'backlog', 1, 0x7fffffff, c.spec); } },
  v6only: { schemes: INET, systemd: 'BindIPv6Only=', values: 'true or false',
    apply: (c, v) => {
      if (sock(c).family !== 'inet6') throw invalid(c.spec, 'v6only applies to IPv6 addresses only');
      sock(c).v6only = parseBool(v, 'v6only', c.spec);
    } },
  freebind: { schemes: INET, systemd: 'FreeBind=', values: 'true or false', apply: bool('freebind', (c, v) => { sock(c).freeBind = v; }) },
  transparent: { schemes: INET, systemd: 'Transparent=', values: 'true or false (needs CAP_NET_ADMIN)', apply: bool('transparent', (c, v) => { sock(c).transparent = v; }) },
  keepalive: { schemes: ['tcp'], systemd: 'KeepAlive=', values: 'true or false', apply: bool('keepalive', (c, v) => { sock(c).keepAlive = v; }) },
  'keepalive-time': { schemes: ['tcp'], systemd: 'KeepAliveTimeSec=', values: 'seconds like 30, 30s or 2m',
    apply: seconds('keepalive-time', 1, (c, v) => { sock(c).keepAliveTime = v; }) },
  'keepalive-interval': { schemes: ['tcp'], systemd: 'KeepAliveIntervalSec=', values: 'seconds like 10, 10s or 1m',
    apply: seconds('keepalive-interval', 1, (c, v) => { sock(c).keepAliveInterval = v; }) },
  'keepalive-count': { schemes: ['tcp'], systemd: 'KeepAliveProbes=', values: 'an integer 1..127',
    apply: (c, v) => { sock(c).keepAliveCount = parseInt10(v, 'keepalive-count', 1, 127, c.spec); } },
  nodelay: { schemes: ['tcp'], systemd: 'NoDelay=', values: 'true or false', apply: bool('nodelay', (c, v) => { sock(c).noDelay = v; }) },
  'defer-accept': { schemes: ['tcp'], systemd: 'DeferAcceptSec=', values: 'seconds like 5, 5s or 1m',
    apply: seconds('defer-accept', 0, (c, v) => { sock(c).deferAccept = v; }) },
  rcvbuf: { schemes: SOCKETS, systemd: 'ReceiveBuffer=', values: 'a size like 212992, 64K or 2M',
    apply: (c, v) => { sock(c).receiveBuffer = parseSize(v, 'rcvbuf', c.spec); } },
  sndbuf: { schemes: SOCKETS, systemd: 'SendBuffer=', values: 'a size like 212992, 64K or 2M',
    apply: (c, v) => { sock(c).sendBuffer = parseSize(v, 'sndbuf', c.spec); } },
  passcred: { schemes: [...UNIX, 'netlink'], systemd: 'PassCredentials=', values: 'true or false',
    apply: bool('passcred', (c, v) => { sock(c).passCredentials = v; }) },
  mark: { schemes: INET, systemd: 'Mark=', values: 'an integer 0..4294967295 (needs CAP_NET_ADMIN)',
    apply: (c, v) => { sock(c).mark = parseInt10(v, 'mark', 0, 0xffffffff, c.spec); } },
  mode: { schemes: [...ON_DISK, 'mqueue'], systemd: 'SocketMode=', values: 'an octal mode like 0660',
    apply: (c, v) => { onDisk(c, 'mode'); c.out.mode = parseMode(v, 'mode', c.spec); } },
  user: { schemes: ON_DISK, systemd: 'SocketUser=', values: 'a user name or numeric uid',
    apply: (c, v) => { onDisk(c, 'user'); c.out.user = parseOwner(v, 'user', c.spec); } },
  group: { schemes: ON_DISK, systemd: 'SocketGroup=', values: 'a group name or numeric gid',
    apply: (c, v) => { onDisk(c, 'group'); c.out.group = parseOwner(v, 'group', c.spec); } },
  'dir-mode': { schemes: ON_DISK, systemd: 'DirectoryMode=', values: 'an octal mode like 0755',
    apply: (c, v) => { onDisk(c, 'dir-mode'); c.out.directoryMode = parseMode(v, 'dir-mode', c.spec); } },
  'remove-on-stop': { schemes: [...ON_DISK, 'mqueue'], systemd: 'RemoveOnStop=', values: 'true or false',
    apply: bool('remove-on-stop', (c, v) => { c.out.removeOnStop = v; }) },
  maxmsg: { schemes: ['mqueue'], systemd: 'MessageQueueMaxMessages=', values: 'a positive integer',
    apply: (c, v) => { c.out.maxMessages = parseInt10(v, 'maxmsg', 1, 0x7fffffff, c.spec); } },
  msgsize: { schemes: ['mqueue'], systemd: 'MessageQueueMessageSize=', values: 'a positive integer (bytes)',
    apply: (c, v) => { c.out.messageSize = parseInt10(v, 'msgsize', 1, 0x7fffffff, c.spec); } },
  writable: { schemes: ['special'], systemd: 'Writable=', values: 'true or false',
    apply: bool('writable', (c, v) => { c.out.writable = v; }) },
};

const NAME_RE = /^[A-Za-z0-9_.-]{1,255}$/;

function onDisk(c: Ctx, key: string): void {
  if (c.abstract) throw invalid(c.spec, `${key} applies to a socket on a filesystem path, not to an abstract name`);
}

function parseHostPort(rest: string, input: string): { host: string; port: number; family: 'inet' | 'inet6' } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(rest);
  if (!m) throw invalid(input, 'expected HOST:PORT or [IPV6]:PORT after the scheme');
  let host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65535) throw invalid(input, `port must be 0..65535; got ${m[3]}`);
  if (m[1] !== undefined) {
    if (!isIPv6(host)) throw invalid(input, `${JSON.stringify(host)} is not an IPv6 address`);
    return { host, port, family: 'inet6' };
  }
  if (host === '' || host === '*') host = '0.0.0.0';
  if (host === 'localhost') host = '127.0.0.1';
  if (!isIPv4(host)) throw invalid(input, `host must be a numeric IPv4 address, localhost, or [IPv6] in brackets; got ${JSON.stringify(host)}`);
  return { host, port, family: 'inet' };
}

function parsePath(scheme: Scheme, rest: string, input: string, abstractOk: boolean): string {
  const forms = abstractOk ? `${scheme}:/absolute/path or ${scheme}:@abstract-name` : `${scheme}:/absolute/path`;
  if (rest === '' || rest === '@') throw invalid(input, `expected ${forms}`);
  if (!rest.startsWith('/') && !(abstractOk && rest.startsWith('@')) && !rest.startsWith('./') && !rest.startsWith('../')) {
    throw invalid(input, `a ${scheme} path must be absolute (/run/app.sock), relative (./app.sock)${abstractOk ? ' or abstract (@name)' : ''}`);
  }
  if (abstractOk && Buffer.byteLength(rest) > MAX_UNIX_PATH_BYTES) throw invalid(input, `unix socket path is ${Buffer.byteLength(rest)} bytes; at most ${MAX_UNIX_PATH_BYTES} fit in sun_path`);
  return rest;
}

const SCHEME_LIST = 'tcp://HOST:PORT, udp://HOST:PORT, unix:/path, unix-dgram:/path, unix-seqpacket:/path (or @name), fifo:/path, netlink:FAMILY[:GROUP], mqueue:/name or special:/path';

/**
 * Parse one socket spec (without its name). See {@link SocketSpec} for the grammar and {@link OPTIONS} for the options.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_SPEC naming the spec, the option and what was expected.
 */
export function parseSpec(spec: string): ParsedSpec {
  const q = spec.indexOf('?');
  const base = q < 0 ? spec : spec.slice(0, q);
  const query = q < 0 ? '' : spec.slice(q + 1);
  const m = /^([a-z0-9-]+):(\/\/)?/.exec(base);
  if (!m) throw invalid(spec, `expected ${SCHEME_LIST}`);
  const scheme = m[1] as Scheme;
  if (!SCHEMES.includes(scheme)) throw invalid(spec, `unknown scheme ${JSON.stringify(m[1])}; expected tcp, udp, unix, unix-dgram, unix-seqpacket, fifo, netlink, mqueue or special`);
  const rest = base.slice(m[0].length);
  const out: ParsedSpec = { kind: 'socket', removeOnStop: true };
  let abstract = false;
  switch (scheme) {
    case 'tcp':
    case 'udp': {
      if (!m[2]) throw invalid(spec, `expected ${scheme}://HOST:PORT`);
      const { host, port, family } = parseHostPort(rest, spec);
      out.open = { family, type: scheme === 'tcp' ? 'stream' : 'dgram', host, port };
      if (scheme === 'udp') out.open.receiveBuffer = DEFAULT_DGRAM_RECEIVE_BUFFER;
      break;
    }
    case 'unix':
    case 'unix-dgram':
    case 'unix-seqpacket': {
      const path = parsePath(scheme, rest, spec, true);
      abstract = path.startsWith('@');
      const type = scheme === 'unix' ? 'stream' : scheme === 'unix-dgram' ? 'dgram' : 'seqpacket';
      out.open = { family: 'unix', type, path };
      break;
    }
    case 'fifo':
    case 'special':
      out.kind = scheme;
      out.path = parsePath(scheme, rest, spec, false);
      break;
    case 'mqueue':
      out.kind = 'mqueue';
      if (!/^\/[^/\0]{1,254}$/.test(rest)) throw invalid(spec, `expected mqueue:/name (one leading slash, no other); got ${JSON.stringify(rest)}`);
      out.path = rest;
      break;
    case 'netlink': {
      const nm = /^([a-z0-9-]+)(?::(\d+))?$/.exec(rest);
      if (!nm) throw invalid(spec, 'expected netlink:FAMILY or netlink:FAMILY:GROUP, e.g. netlink:kobject-uevent:1');
      const protocol = /^\d+$/.test(nm[1]) ? Number(nm[1]) : NETLINK_FAMILIES[nm[1]];
      if (protocol === undefined || protocol > 31) {
        throw invalid(spec, `unknown netlink family ${JSON.stringify(nm[1])}; expected a number 0..31 or one of ${Object.keys(NETLINK_FAMILIES).join(', ')}`);
      }
      const groups = nm[2] === undefined ? 0 : Number(nm[2]);
      if (groups > 0xffffffff) throw invalid(spec, `netlink group must be 0..4294967295; got ${nm[2]}`);
      out.open = { family: 'netlink', type: 'raw', protocol, groups };
      break;
    }
  }
  if (out.open && (out.open.type === 'stream' || out.open.type === 'seqpacket')) out.open.backlog = DEFAULT_BACKLOG;
  const ctx: Ctx = { spec, scheme, out, abstract };
  const seen = new Set<string>();
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const opt = Object.hasOwn(OPTIONS, key) ? OPTIONS[key] : undefined;
    const accepted = Object.keys(OPTIONS).filter((k) => OPTIONS[k].schemes.includes(scheme));
    if (!opt) throw invalid(spec, `unknown option ${JSON.stringify(key)}; ${scheme} accepts ${accepted.length ? accepted.join(', ') : 'no options'}`);
    if (!opt.schemes.includes(scheme)) {
      throw invalid(spec, `${key} (${opt.systemd}) does not apply to ${scheme}; it applies to ${opt.schemes.join(', ')}; ${scheme} accepts ${accepted.join(', ') || 'no options'}`);
    }
    if (seen.has(key)) throw invalid(spec, `option ${key} is given twice`);
    seen.add(key);
    opt.apply(ctx, value);
  }
  if ((out.maxMessages === undefined) !== (out.messageSize === undefined)) {
    throw invalid(spec, 'maxmsg and msgsize go together (mq_open(3) takes both or neither)');
  }
  if (out.open?.family === 'unix' && !abstract && out.mode !== undefined) out.open.mode = out.mode;
  return out;
}

/**
 * Parse `NAME=SPEC` as given to `--listen`.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_SPEC for a bad name or spec.
 */
export function parseListen(input: string): SocketSpec {
  const eq = input.indexOf('=');
  if (eq <= 0) throw invalid(input, 'expected NAME=SPEC, e.g. http=tcp://127.0.0.1:8080');
  const name = input.slice(0, eq);
  const spec = input.slice(eq + 1);
  if (!NAME_RE.test(name)) throw invalid(input, `name ${JSON.stringify(name)} must be 1-255 of A-Z a-z 0-9 _ - . (it becomes a LISTEN_FDNAMES entry)`);
  return { name, spec, ...parseSpec(spec) };
}

/** Human form of an opened socket for logs and status: `tcp://127.0.0.1:8080`, `unix-dgram:@log`. */
export function describeOpen(open: OpenSocketOptions): string {
  if (open.family === 'unix') return `${open.type === 'stream' ? 'unix' : `unix-${open.type}`}:${open.path}`;
  if (open.family === 'netlink') return `netlink:${open.protocol ?? 0}:${open.groups ?? 0}`;
  const host = open.family === 'inet6' ? `[${open.host}]` : open.host;
  return `${open.type === 'stream' ? 'tcp' : 'udp'}://${host}:${open.port}`;
}

/** Human form of any spec: describeOpen for sockets, `fifo:/path`, `mqueue:/name`, `special:/path` otherwise. */
export function describeSpec(s: ParsedSpec): string {
  return s.kind === 'socket' ? describeOpen(s.open!) : `${s.kind}:${s.path}`;
}
