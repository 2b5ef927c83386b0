import { isIPv4, isIPv6 } from 'node:net';
import type { OpenSocketOptions } from '@holdfast/native';
import { HoldfastError } from './errors.js';

/**
 * One socket the holder owns, parsed from `NAME=SPEC`.
 *
 * SPEC grammar (one parser for every kind):
 * - `tcp://HOST:PORT`, `tcp://[V6ADDR]:PORT`   TCP listening socket (IPv6 binds IPV6_V6ONLY unless `v6only=false`)
 * - `udp://HOST:PORT`, `udp://[V6ADDR]:PORT`   UDP socket
 * - `unix:/path`, `unix:@name`                 AF_UNIX stream socket on a path or in the abstract namespace
 * followed by optional `?key=value&...` options, named as in systemd.socket(5):
 * `backlog` (Backlog=, default 4096), `rcvbuf` (ReceiveBuffer=, bytes with K/M/G suffix; UDP defaults to 2M so that
 * datagrams survive a worker gap), `sndbuf` (SendBuffer=), `v6only` (BindIPv6Only=, true|false).
 * HOST must be numeric; `localhost` means 127.0.0.1 and an empty host means 0.0.0.0.
 */
export interface SocketSpec {
  /** LISTEN_FDNAMES entry: letters, digits, `_`, `-`, `.`; at most 255 characters (sd_listen_fds_with_names(3)). */
  name: string;
  /** The spec as the user wrote it (without the name). */
  spec: string;
  /** What the native layer opens. */
  open: OpenSocketOptions;
}

/** Default UDP receive buffer in bytes: 2 MiB held ~2500 datagrams through a 340 ms gap here (FACTS.md). */
export const DEFAULT_DGRAM_RECEIVE_BUFFER = 2 * 1024 * 1024;
/** Default listen(2) backlog, systemd.socket(5)'s Backlog= default (SOMAXCONN). */
export const DEFAULT_BACKLOG = 4096;

const NAME_RE = /^[A-Za-z0-9_.-]{1,255}$/;

function invalid(input: string, expected: string): HoldfastError {
  return new HoldfastError('ERR_HOLDFAST_INVALID_SPEC', `invalid socket ${JSON.stringify(input)}: ${expected}`);
}

/**
 * Parse a byte size: `212992`, `64K`, `2M`, `1G` (powers of 1024, as systemd does).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_SPEC naming the option.
 */
export function parseSize(value: string, what: string, input: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value.trim());
  if (!m) throw invalid(input, `${what} must be a size in bytes like 212992, 64K or 2M; got ${JSON.stringify(value)}`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * mult;
}

function parseBool(value: string, what: string, input: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw invalid(input, `${what} must be true or false; got ${JSON.stringify(value)}`);
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

/**
 * Parse one socket spec (without its name). See {@link SocketSpec} for the grammar.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_SPEC naming the spec and what was expected.
 */
export function parseSpec(spec: string): OpenSocketOptions {
  const [base, query = ''] = spec.split('?', 2);
  let open: OpenSocketOptions;
  const scheme = /^([a-z0-9-]+):(?:\/\/)?/.exec(base);
  if (!scheme) throw invalid(spec, 'expected tcp://HOST:PORT, udp://HOST:PORT, unix:/path or unix:@name');
  const rest = base.slice(scheme[0].length);
  switch (scheme[1]) {
    case 'tcp':
    case 'udp': {
      if (!base.startsWith(`${scheme[1]}://`)) throw invalid(spec, `expected ${scheme[1]}://HOST:PORT`);
      const { host, port, family } = parseHostPort(rest, spec);
      open = { family, type: scheme[1] === 'tcp' ? 'stream' : 'dgram', host, port };
      if (scheme[1] === 'udp') open.receiveBuffer = DEFAULT_DGRAM_RECEIVE_BUFFER;
      break;
    }
    case 'unix': {
      if (rest === '' || rest === '@') throw invalid(spec, 'expected unix:/absolute/path or unix:@abstract-name');
      if (!rest.startsWith('/') && !rest.startsWith('@') && !rest.startsWith('.')) {
        throw invalid(spec, 'a unix socket path must be absolute (/run/app.sock), relative (./app.sock) or abstract (@name)');
      }
      if (Buffer.byteLength(rest) > 107) throw invalid(spec, `unix socket path is ${Buffer.byteLength(rest)} bytes; at most 107 fit in sun_path`);
      open = { family: 'unix', type: 'stream', path: rest };
      break;
    }
    default:
      throw invalid(spec, `unknown scheme ${JSON.stringify(scheme[1])}; expected tcp, udp or unix`);
  }
  if (open.type === 'stream') open.backlog = DEFAULT_BACKLOG;
  for (const pair of query.split('&').filter(Boolean)) {
    const [key, value = ''] = pair.split('=', 2);
    switch (key) {
      case 'backlog': {
        if (open.type !== 'stream') throw invalid(spec, 'backlog applies to stream sockets only');
        if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(spec, `backlog must be a positive integer; got ${JSON.stringify(value)}`);
        open.backlog = Number(value);
        break;
      }
      case 'rcvbuf': open.receiveBuffer = parseSize(value, 'rcvbuf', spec); break;
      case 'sndbuf': open.sendBuffer = parseSize(value, 'sndbuf', spec); break;
      case 'v6only': {
        if (open.family !== 'inet6') throw invalid(spec, 'v6only applies to IPv6 addresses only');
        open.v6only = parseBool(value, 'v6only', spec);
        break;
      }
      default:
        throw invalid(spec, `unknown option ${JSON.stringify(key)}; expected backlog, rcvbuf, sndbuf or v6only`);
    }
  }
  return open;
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
  return { name, spec, open: parseSpec(spec) };
}

/** Human form of an opened spec for logs and status: `tcp://127.0.0.1:8080`. */
export function describeOpen(open: OpenSocketOptions): string {
  if (open.family === 'unix') return `unix:${open.path}`;
  const host = open.family === 'inet6' ? `[${open.host}]` : open.host;
  return `${open.type === 'stream' ? 'tcp' : 'udp'}://${host}:${open.port}`;
}
